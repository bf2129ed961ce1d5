import KernelTree
import LibClang

/// The encodings of system registers the policy names, as the tree's own SYS_<NAME> macros define them.
///
/// KVM's tables do not always carry a register's name (6.1's PMU entries are named by their expanded
/// encoding), and older trees have no sysreg file; so ftrlint asks libclang to evaluate SYS_<NAME> for
/// every name, in a small translation unit that only includes asm/sysreg.h and is never written to disk.
public enum RegisterEncodings {
    static let file = "arch/arm64/kernel/ftrlint-register-encodings.c"

    /// `arguments`: those of cpufeature.c, which includes the same header.
    public static func resolve(_ names: Set<String>, tree: KernelTree, arguments: [String]) throws -> [String: Encoding] {
        // A register family (PMEVCNTRn_EL0) is a function-like SYS_ macro: its first member stands for it.
        let family = #"^[A-Z][A-Z0-9_]*n_EL[0-9]+$"#
        let usable = names.filter {
            $0.range(of: #"^[A-Z][A-Z0-9_]*$"#, options: .regularExpression) != nil
                || $0.range(of: family, options: .regularExpression) != nil
        }.sorted()
        guard !usable.isEmpty else { return [:] }
        var source = "#include <asm/sysreg.h>\n"
        for name in usable {
            let use = name.range(of: family, options: .regularExpression) != nil ? "SYS_\(name)(0)" : "SYS_\(name)"
            source += "#ifdef SYS_\(name)\nstatic const unsigned long long ftrlint_encoding_\(name) = \(use);\n#endif\n"
        }
        let path = tree.absolutePath(file)
        var unsaved = tree.unsavedFiles
        unsaved[path] = source
        let unit = try TranslationUnit(
            path: path, arguments: arguments,
            unsavedFiles: unsaved, options: [.keepGoing, .skipFunctionBodies])
        var result: [String: Encoding] = [:]
        let prefix = "ftrlint_encoding_"
        unit.cursor.visit { c in
            guard c.kind == .varDecl, c.isInMainFile, c.spelling.hasPrefix(prefix),
                let value = c.children.last?.evaluate()?.bits
            else { return .continue }
            result[String(c.spelling.dropFirst(prefix.count))] = Encoding(sysReg: value)
            return .continue
        }
        return result
    }
}

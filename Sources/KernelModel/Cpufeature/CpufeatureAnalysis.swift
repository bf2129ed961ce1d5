import Foundation
import KernelTree
import LibClang
import SysregSpec

/// tree → parse environment → cpufeature.c's translation unit → the tables, with what the parse cost.
public struct CpufeatureAnalysis {
    public let tables: CpufeatureTables
    public let seconds: Double

    /// Parses cpufeature.c with `arguments` and reads its tables. Function bodies are skipped: only
    /// file-scope initialisers are needed, and headers' inline functions are most of the parse. Any error
    /// fails closed, as in TreeModel: what it cost cannot be told from what the tree lacks.
    public init(tree: KernelTree, arguments: CompileArguments, names: FieldNames) throws {
        let start = Date()
        let path = tree.absolutePath(CpufeatureExtractor.path)
        guard tree.exists(CpufeatureExtractor.path) else {
            throw IncompleteAnalysis(file: CpufeatureExtractor.path, "file not found")
        }
        // libclang reads the file itself: refuse it as KernelTree.read would (too large, unreadable).
        _ = try tree.read(CpufeatureExtractor.path)
        let unit = try TranslationUnit(
            path: path, arguments: try arguments.arguments(for: CpufeatureExtractor.path),
            unsavedFiles: tree.unsavedFiles, options: [.keepGoing, .skipFunctionBodies])
        let relativize = { (p: String) in tree.relativePath(p) ?? p }
        if let e = unit.diagnostics.first(where: { $0.severity >= .error }) {
            throw IncompleteAnalysis.didNotParse(CpufeatureExtractor.path, e, relativize: relativize)
        }
        tables = try CpufeatureExtractor(unit: unit, relativize: relativize, namer: names.namer).extract()
        seconds = Date().timeIntervalSince(start)
    }
}

/// Where field names come from: the tree's sysreg file, then canonical spellings for older macro names.
public struct FieldNames {
    let spec: SysregSpec?
    let positional: (String, Int) -> String?
    let canonical: (String, String) -> String?

    /// Reads the tree's arch/arm64/tools/sysreg when it has one (5.10 does not).
    public init(
        tree: KernelTree, positional: @escaping (String, Int) -> String? = { _, _ in nil },
        canonical: @escaping (String, String) -> String?
    ) throws {
        let text = try tree.readIfPresent("arch/arm64/tools/sysreg")
        spec = try text.map { try SysregSpec(text: $0, path: "arch/arm64/tools/sysreg") }
        self.positional = positional
        self.canonical = canonical
    }

    /// Canonical spellings from the policy, whose keys are the newest sysreg file's names.
    public init(tree: KernelTree, policy: Policy) throws {
        try self.init(
            tree: tree, positional: { reg, lsb in policy.entry(register: reg, lsb: lsb)?.field },
            canonical: { reg, name in policy.entry(register: reg, field: name)?.field })
    }

    var namer: FieldNamer {
        let spec = spec
        return FieldNamer(
            architectural: { reg, lsb in
                // Reserved bits a table describes keep the sysreg file's name (RES1_31_31).
                guard let f = spec?.field(register: reg, lsb: lsb), f.lsb == lsb, f.kind != .unkn else { return nil }
                return f.name
            }, positional: positional, canonical: canonical,
            defined: { reg, lsb in
                guard let f = spec?.field(register: reg, lsb: lsb), f.lsb == lsb, f.kind.isEnum, !f.values.isEmpty else {
                    return nil
                }
                return f.values.map { Int64($0.value) }.sorted()
            })
    }
}

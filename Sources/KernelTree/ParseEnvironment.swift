import Foundation

/// What Kbuild would have generated for an unbuilt tree (autoconf.h for a worst-case arm64 configuration,
/// asm-generic wrappers, sysreg/cpucap definitions...), kept in a cache folder outside the tree, and the clang
/// arguments that parse the tree's files against it.
public final class ParseEnvironment: CompileArguments, Sendable {
    /// Bump when generated output changes, so older caches are not reused.
    static let generatorVersion = "2"

    /// The tree the environment was made for.
    public let tree: KernelTree
    /// The cache folder holding the generated headers (laid out like a build folder: include/generated, arch/...).
    public let directory: String
    /// The configuration autoconf.h states.
    public let configuration: KernelConfiguration
    /// The clang whose builtin headers the arguments use.
    public let toolchain: ClangToolchain
    /// False when an earlier run's cache was reused, true when this one generated it.
    public let generated: Bool
    private let commonArguments: [String]

    /// `${XDG_CACHE_HOME:-$HOME/.cache}/ftrlint/env`.
    public static func defaultCacheRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        CacheHome.path(environment: environment) + "/env"
    }

    /// Prepares (or reuses) the environment for `tree` under `cacheRoot`, in a folder named by the inputs' hash.
    public init(tree: KernelTree, cacheRoot: String? = nil, toolchain: ClangToolchain? = nil) throws {
        let toolchain = try toolchain ?? ClangToolchain.locate()
        let inputs = try EnvironmentInputs(tree: tree)
        let kconfig = Kconfig(files: inputs.kconfigFiles) { inputs.text($0) }
        let configuration = KernelConfiguration(kconfig: kconfig, clangVersion: toolchain.version)
        let root = try Self.cacheRoot(cacheRoot ?? Self.defaultCacheRoot(), outside: tree)
        let directory = root + "/" + inputs.key(generator: Self.generatorVersion, toolchain: toolchain)
        var generated = false
        if !FileManager.default.fileExists(atPath: directory) {
            let files = try GeneratedHeaders.files(inputs: inputs, configuration: configuration)
            generated = try Self.publish(files, at: directory)
        }
        self.tree = tree
        self.directory = directory
        self.configuration = configuration
        self.toolchain = toolchain
        self.generated = generated
        commonArguments = Self.commonArguments(tree: tree, directory: directory, toolchain: toolchain)
    }

    /// The clang arguments for a tree-relative C file (the file itself not included).
    public func arguments(for relativePath: String) -> [String] {
        let rel = tree.relativePath(relativePath) ?? relativePath
        let kbuild = KbuildFlags(for: rel, tree: tree, objtree: directory)
        var args = commonArguments
        var i = 0
        while i < kbuild.flags.count {
            args.append(kbuild.flags[i])
            // In a build folder the objtree mirrors the srctree: generated files of a folder sit beside its sources.
            if kbuild.flags[i] == "-I", i + 1 < kbuild.flags.count {
                let path = kbuild.flags[i + 1]
                args.append(path)
                if let mirrored = tree.relativePath(path).map({ directory + "/" + $0 }), !mirrored.hasSuffix("/"),
                    FileManager.default.fileExists(atPath: mirrored)
                {
                    args += ["-I", mirrored]
                }
                i += 1
            }
            i += 1
        }
        args += [
            "-DKBUILD_MODFILE=\"\(rel.hasSuffix(".c") ? String(rel.dropLast(2)) : rel)\"",
            "-DKBUILD_BASENAME=\"\(kbuild.basename)\"",
            "-DKBUILD_MODNAME=\"\(kbuild.modname)\"",
            "-D__KBUILD_MODNAME=kmod_\(kbuild.modname)",
        ]
        return args
    }

    /// The arguments every file gets: target, include order and forced includes as the top-level and arch Makefiles
    /// set them for an in-tree build, with our generated folders standing in for the build's.
    private static func commonArguments(tree: KernelTree, directory: String, toolchain: ClangToolchain) -> [String] {
        let src = tree.root
        let makefile = (try? tree.read("Makefile")) ?? ""
        let archMakefile = (try? tree.readIfPresent("arch/arm64/Makefile")) ?? nil
        var args = ["-target", "aarch64-linux-gnu", "-nostdinc", "-isystem", toolchain.builtinIncludeDirectory]
        args += [
            "-I", src + "/arch/arm64/include", "-I", directory + "/arch/arm64/include/generated",
            "-I", src + "/include", "-I", directory + "/include",
            "-I", src + "/arch/arm64/include/uapi", "-I", directory + "/arch/arm64/include/generated/uapi",
            "-I", src + "/include/uapi", "-I", directory + "/include/generated/uapi",
        ]
        for header in ["include/linux/compiler-version.h", "include/linux/kconfig.h", "include/linux/compiler_types.h"]
        where tree.exists(header) {
            args += ["-include", src + "/" + header]
        }
        args += ["-D__KERNEL__", "-mlittle-endian", "-std=" + languageStandard(makefile)]
        args += ["-fno-strict-aliasing", "-fno-common", "-fshort-wchar", "-fno-PIE", "-mgeneral-regs-only", "-O2"]
        if makefile.contains("-funsigned-char") { args.append("-funsigned-char") }
        if makefile.contains("CONFIG_CC_MS_EXTENSIONS") || makefile.contains("-fms-extensions") { args.append("-fms-extensions") }
        if let arch = archMakefile {
            if arch.contains("KASAN_SHADOW_SCALE_SHIFT") { args.append("-DKASAN_SHADOW_SCALE_SHIFT=") }
            if arch.contains("ARM64_ASM_ARCH") { args.append("-DARM64_ASM_ARCH=\"armv8.5-a\"") }
            if arch.contains("CONFIG_CC_HAS_K_CONSTRAINT") { args.append("-DCONFIG_CC_HAS_K_CONSTRAINT=1") }
        }
        // Warnings are noise for a parse; keep as errors what the kernel itself makes errors.
        args += ["-Wno-everything", "-Werror=implicit-function-declaration", "-Werror=implicit-int"]
        return args
    }

    /// The C dialect KBUILD_CFLAGS names (gnu89 before 5.18, gnu11 after).
    private static func languageStandard(_ makefile: String) -> String {
        for line in makefile.split(separator: "\n") where !line.contains("HOST") && !line.contains("USER") {
            guard let r = line.range(of: "-std=") else { continue }
            let std = line[r.upperBound...].prefix { $0.isLetter || $0.isNumber }
            if !std.isEmpty { return String(std) }
        }
        return "gnu11"
    }

    /// Refuses a folder inside the tree, which is never written (checked before anything is created), then creates it.
    private static func cacheRoot(_ path: String, outside tree: KernelTree) throws -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        // Resolve the deepest folder that exists: symlinks above the cache must not hide that it is in the tree.
        var existing = (absolute as NSString).standardizingPath
        var missing: [String] = []
        while !FileManager.default.fileExists(atPath: existing), existing != "/" {
            missing.insert((existing as NSString).lastPathComponent, at: 0)
            existing = (existing as NSString).deletingLastPathComponent
        }
        guard let resolved = realpath(existing, nil) else {
            throw KernelTreeError.cacheUnwritable(path, reason: "cannot resolve")
        }
        let root = ([String(cString: resolved)] + missing).joined(separator: "/").replacingOccurrences(of: "//", with: "/")
        free(resolved)
        guard root != tree.root, !root.hasPrefix(tree.root + "/") else { throw KernelTreeError.cacheInsideTree(path) }
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw KernelTreeError.cacheUnwritable(path, reason: error.localizedDescription)
        }
        return root
    }

    /// Writes `files` into a fresh temporary folder and renames it to `path` in one step, so a concurrent run sees
    /// either nothing or everything. Returns false when another run published first (its folder is kept).
    private static func publish(_ files: [String: String], at path: String) throws -> Bool {
        let fm = FileManager.default
        let temp = path + ".tmp-\(getpid())-\(UUID().uuidString)"
        do {
            for (rel, text) in files {
                let file = temp + "/" + rel
                try fm.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            }
        } catch {
            try? fm.removeItem(atPath: temp)
            throw KernelTreeError.cacheUnwritable(path, reason: error.localizedDescription)
        }
        if rename(temp, path) == 0 { return true }
        let failure = errno
        try? fm.removeItem(atPath: temp)
        if failure == EEXIST || failure == ENOTEMPTY, fm.fileExists(atPath: path) { return false }
        throw KernelTreeError.cacheUnwritable(path, reason: String(cString: strerror(failure)))
    }
}

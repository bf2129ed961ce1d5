/// What the Kbuild Makefiles of a file's folders add to its compile: include paths, defines, warning switches,
/// and the module name Kbuild passes as KBUILD_MODNAME.
struct KbuildFlags {
    let flags: [String]
    let modname: String
    let basename: String

    /// Reads the Makefiles from the tree's top down to the file's folder; `objtree` is where generated files live.
    init(for relativePath: String, tree: KernelTree, objtree: String) {
        let parts = relativePath.split(separator: "/").map(String.init)
        let file = parts.last ?? relativePath
        let base = file.hasSuffix(".c") ? String(file.dropLast(2)) : file
        basename = Self.nameFix(base)
        var collected: [String] = []
        var modname = basename
        for depth in 1..<max(parts.count, 1) {
            let dir = parts[..<depth].joined(separator: "/")
            guard let makefile = Self.makefile(of: dir, tree: tree) else { continue }
            let vars: [String: String] = ["srctree": tree.root, "objtree": objtree, "src": dir, "obj": dir, "srcroot": tree.root]
            let make = KbuildMakefile(makefile, builtins: vars)
            collected += make.words("subdir-ccflags-y")
            guard depth == parts.count - 1 else { continue }
            collected += make.words("ccflags-y")
            // CFLAGS_switch.o, and CFLAGS_switch.nvhe.o for objects built under another suffix.
            for name in make.assigned
            where name == "CFLAGS_\(base).o" || (name.hasPrefix("CFLAGS_\(base).") && name.hasSuffix(".o")) {
                collected += make.words(name)
            }
            if let composite = Self.composite(containing: base + ".o", in: make) { modname = Self.nameFix(composite) }
        }
        self.modname = modname
        flags = Self.safe(collected, tree: tree, objtree: objtree)
    }

    /// The folder's Kbuild file, else its Makefile; arch/<arch>/Makefile is the architecture Makefile, not the folder's.
    private static func makefile(of dir: String, tree: KernelTree) -> String? {
        if let kbuild = try? tree.readIfPresent(dir + "/Kbuild") { return kbuild }
        if dir.split(separator: "/").count == 2 && dir.hasPrefix("arch/") { return nil }
        return try? tree.readIfPresent(dir + "/Makefile")
    }

    /// The composite object ("kvm" of `kvm-y += sys_regs.o` with `obj-$(CONFIG_KVM) += kvm.o`) that links `object`.
    private static func composite(containing object: String, in make: KbuildMakefile) -> String? {
        let objects = Set(make.assigned.filter { $0.hasPrefix("obj-") }.flatMap { make.words($0) })
        for name in make.assigned where !name.hasPrefix("obj-") && make.words(name).contains(object) {
            guard let dash = name.lastIndex(of: "-") else { continue }
            let candidate = String(name[..<dash])
            if objects.contains(candidate + ".o") { return candidate }
        }
        return nil
    }

    /// Kbuild's name-fix: module and base names become C identifiers.
    private static func nameFix(_ name: String) -> String {
        String(name.map { $0 == "-" || $0 == "," || $0 == "." ? "_" : $0 })
    }

    /// Keeps what shapes the parse (-I inside the tree or objtree, -D, -U, -Wno-*); drops code generation flags
    /// and anything that reaches outside the tree.
    private static func safe(_ words: [String], tree: KernelTree, objtree: String) -> [String] {
        var out: [String] = []
        var i = 0
        while i < words.count {
            let word = words[i]
            i += 1
            if word == "-I" || word.hasPrefix("-I") {
                var path = word == "-I" ? (i < words.count ? words[i] : "") : String(word.dropFirst(2))
                if word == "-I" { i += 1 }
                if !path.hasPrefix("/") { path = tree.root + "/" + path }
                if let rel = tree.relativePath(path) {
                    out += ["-I", tree.absolutePath(rel)]
                } else if path == objtree || path.hasPrefix(objtree + "/"), !path.contains("/../") {
                    out += ["-I", path]
                }
            } else if word.hasPrefix("-D") || word.hasPrefix("-U") || word.hasPrefix("-Wno-") {
                if word.count > 2 { out.append(word) }
            }
        }
        return out
    }
}

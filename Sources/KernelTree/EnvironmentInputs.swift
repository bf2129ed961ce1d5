/// Every tree file the generated headers are made from, read once: the cache key hashes exactly these.
struct EnvironmentInputs {
    /// Single files, tree-relative; absent ones are recorded as absent.
    static let files = [
        "Makefile",
        "arch/arm64/include/asm/Kbuild", "arch/arm64/include/uapi/asm/Kbuild",
        "include/asm-generic/Kbuild", "include/uapi/asm-generic/Kbuild",
        "arch/arm64/tools/cpucaps", "arch/arm64/tools/sysreg", "arch/arm64/tools/gen-sysreg.awk",
        "arch/arm64/include/uapi/asm/hwcap.h",
        "arch/arm64/tools/syscall_32.tbl", "arch/arm64/tools/syscall_64.tbl", "arch/arm64/kernel/Makefile.syscalls",
        "arch/arm64/kernel/asm-offsets.c", "arch/arm64/kvm/hyp/hyp-constants.c", "kernel/sched/rq-offsets.c",
    ]
    /// Folders whose file lists decide which asm-generic wrappers are needed.
    static let folders = ["arch/arm64/include/asm", "arch/arm64/include/uapi/asm"]
    static let kconfigRoot = "arch/arm64/Kconfig"

    let version: KernelVersion
    private(set) var texts: [String: String] = [:]
    private(set) var absent: Set<String> = []
    private(set) var listings: [String: [String]] = [:]
    /// The Kconfig files reachable from arch/arm64/Kconfig, in the order they are parsed.
    private(set) var kconfigFiles: [String] = []

    init(tree: KernelTree) throws {
        version = tree.version
        for path in Self.files { try load(path, from: tree) }
        // `source` statements name the rest; read each before looking for its own.
        var failure: Error?
        kconfigFiles = Kconfig.files(from: Self.kconfigRoot) { path in
            do {
                try load(path, from: tree)
            } catch {
                failure = failure ?? error
            }
            return texts[path]
        }
        if let failure { throw failure }
        for folder in Self.folders {
            listings[folder] = tree.files(in: folder, endingWith: ".h").map { String($0.split(separator: "/").last ?? "") }
        }
    }

    private mutating func load(_ path: String, from tree: KernelTree) throws {
        guard texts[path] == nil, !absent.contains(path) else { return }
        if let text = try tree.readIfPresent(path) { texts[path] = text } else { absent.insert(path) }
    }

    /// A recorded file's text, nil when the tree lacks it.
    func text(_ path: String) -> String? { texts[path] }

    /// The names of the .h files in a recorded folder.
    func listing(_ folder: String) -> [String] { listings[folder] ?? [] }

    /// SHA-256 over the generator's version, the toolchain and every input (absent ones included).
    func key(generator: String, toolchain: ClangToolchain) -> String {
        var hash = SHA256()
        hash.update("ftrlint-env \(generator)\0\(toolchain.builtinIncludeDirectory)\0\(toolchain.version)\0")
        for path in texts.keys.sorted() {
            hash.update("file \(path) \(texts[path]?.utf8.count ?? 0)\0")
            hash.update(texts[path] ?? "")
        }
        for path in absent.sorted() { hash.update("absent \(path)\0") }
        for folder in listings.keys.sorted() { hash.update("folder \(folder)\0\(listing(folder).joined(separator: "\0"))\0") }
        return hash.hexDigest()
    }
}

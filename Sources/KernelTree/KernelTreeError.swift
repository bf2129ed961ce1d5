import ToolError

/// Why a kernel tree, its parse environment or its compilation database could not be used.
public enum KernelTreeError: ToolError, Equatable {
    /// The given tree path does not exist.
    case pathNotFound(String)
    /// The given tree path is not a directory.
    case notADirectory(String)
    /// The folder exists but is not a Linux source tree (the reason says what is missing).
    case notAKernelTree(String, reason: String)
    /// The tree has no arm64 architecture code.
    case noArm64(String)
    /// A file inside the tree does not exist.
    case fileNotFound(String)
    /// A file exists but could not be read.
    case unreadable(String, reason: String)
    /// A file is larger than the reader accepts.
    case fileTooLarge(String, size: Int, limit: Int)
    /// A path (or the symlink it names) leads outside the tree.
    case escapesTree(String)
    /// Resolving a path's symlinks never ends.
    case symlinkLoop(String)
    /// The parse environment's cache folder would lie inside the tree, which is never written.
    case cacheInsideTree(String)
    /// The parse environment's cache folder could not be written.
    case cacheUnwritable(String, reason: String)
    /// No clang builtin headers (stddef.h, stdarg.h...) were found for the parse.
    case noCompilerHeaders(String)
    /// A header Kbuild would generate could not be generated from the tree's input.
    case generationFailed(String, reason: String)
    /// No compilation database at the given path.
    case compilationDatabaseNotFound(String)
    /// The compilation database is not the JSON array of entries it should be.
    case compilationDatabaseMalformed(String, reason: String)
    /// The compilation database has no entry for a file.
    case noCompileCommand(String, database: String)

    public var description: String {
        switch self {
        case .pathNotFound(let p): return "\(p): no such file or directory"
        case .notADirectory(let p): return "\(p): not a directory (expected a Linux kernel source tree)"
        case .notAKernelTree(let p, let reason): return "\(p): not a Linux kernel source tree (\(reason))"
        case .noArm64(let p): return "\(p): kernel tree has no arm64 support (no arch/arm64/kernel/cpufeature.c)"
        case .fileNotFound(let p): return "\(p): no such file in the kernel tree"
        case .unreadable(let p, let reason): return "\(p): cannot read (\(reason))"
        case .fileTooLarge(let p, let size, let limit): return "\(p): file too large (\(size) bytes, limit \(limit))"
        case .escapesTree(let p): return "\(p): path leads outside the kernel tree"
        case .symlinkLoop(let p): return "\(p): too many levels of symbolic links"
        case .cacheInsideTree(let p): return "\(p): cache folder lies inside the kernel tree, which is never written"
        case .cacheUnwritable(let p, let reason): return "\(p): cannot write the parse environment (\(reason))"
        case .noCompilerHeaders(let p): return "\(p): no clang builtin headers found (install Debian's libclang-dev or clang)"
        case .generationFailed(let p, let reason): return "\(p): cannot generate the header Kbuild would (\(reason))"
        case .compilationDatabaseNotFound(let p): return "\(p): no compilation database (compile_commands.json) found"
        case .compilationDatabaseMalformed(let p, let reason): return "\(p): malformed compilation database (\(reason))"
        case .noCompileCommand(let f, let db): return "\(f): no entry in compilation database \(db)"
        }
    }
}

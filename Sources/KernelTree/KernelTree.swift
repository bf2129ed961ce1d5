import Foundation

/// A Linux source tree on disk, read-only, optionally with in-memory file contents laid over it.
public struct KernelTree: Sendable {
    /// The largest file `read` accepts unless told otherwise.
    public static let defaultReadLimit = 16 << 20

    /// The tree's absolute path with symlinks resolved.
    public let root: String
    /// The release the top-level Makefile states.
    public let version: KernelVersion
    /// Tree-relative path → contents that replace the file on disk (patches applied in memory, `--base`).
    public let overlay: [String: String]
    /// The largest file, in bytes, that `read` accepts.
    public let readLimit: Int

    /// Opens and validates the tree at `path`; `overlay` keys are tree-relative paths.
    public init(path: String, overlay: [String: String] = [:], readLimit: Int = KernelTree.defaultReadLimit) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw KernelTreeError.pathNotFound(path)
        }
        guard isDirectory.boolValue else { throw KernelTreeError.notADirectory(path) }
        guard let resolved = realpath(path, nil) else { throw KernelTreeError.unreadable(path, reason: Self.errnoText()) }
        root = String(cString: resolved)
        free(resolved)
        self.readLimit = readLimit
        var normalized: [String: String] = [:]
        for (key, text) in overlay { normalized[try Self.normalize(key, in: path)] = text }
        self.overlay = normalized
        let makefile: String
        do { makefile = try Self.read("Makefile", root: root, overlay: normalized, limit: readLimit) } catch KernelTreeError
            .fileNotFound
        {
            throw KernelTreeError.notAKernelTree(path, reason: "no top-level Makefile")
        }
        guard let version = KernelVersion(makefile: makefile) else {
            throw KernelTreeError.notAKernelTree(path, reason: "Makefile sets no VERSION and PATCHLEVEL")
        }
        self.version = version
        guard exists("arch/arm64/kernel/cpufeature.c") else { throw KernelTreeError.noArm64(path) }
    }

    /// The same tree with `files` (tree-relative path → contents) laid over it, replacing earlier overlay entries.
    public func overlaid(with files: [String: String]) throws -> KernelTree {
        try KernelTree(path: root, overlay: overlay.merging(files) { _, new in new }, readLimit: readLimit)
    }

    /// The contents of a tree-relative file: the overlay's if it has one, else the disk's (invalid UTF-8 replaced).
    public func read(_ relativePath: String) throws -> String {
        try Self.read(relativePath, root: root, overlay: overlay, limit: readLimit)
    }

    private static func read(_ relativePath: String, root: String, overlay: [String: String], limit readLimit: Int) throws
        -> String
    {
        let rel = try normalize(relativePath, in: root)
        if let text = overlay[rel] { return text }
        let resolved = try resolve(rel, root: root)
        var info = stat()
        guard stat(resolved, &info) == 0 else { throw KernelTreeError.unreadable(rel, reason: errnoText()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw KernelTreeError.unreadable(rel, reason: "not a regular file") }
        guard Int(info.st_size) <= readLimit else {
            throw KernelTreeError.fileTooLarge(rel, size: Int(info.st_size), limit: readLimit)
        }
        return String(decoding: try readData(resolved, naming: rel, limit: readLimit), as: UTF8.self)
    }

    /// The bytes of the file at `path`, refused when there are more than `limit`; errors name it `name`.
    static func readData(_ path: String, naming name: String, limit: Int) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw KernelTreeError.unreadable(name, reason: "permission denied")
        }
        defer { try? handle.close() }
        do {
            // One byte past the limit tells a file over it (or one that grew since its stat) from one at it.
            let data = try handle.read(upToCount: limit + 1) ?? Data()
            guard data.count <= limit else { throw KernelTreeError.fileTooLarge(name, size: data.count, limit: limit) }
            return data
        } catch let error as KernelTreeError {
            throw error
        } catch {
            throw KernelTreeError.unreadable(name, reason: error.localizedDescription)
        }
    }

    /// The contents of a tree-relative file, or nil when it is absent (any other failure still throws).
    public func readIfPresent(_ relativePath: String) throws -> String? {
        do { return try read(relativePath) } catch KernelTreeError.fileNotFound { return nil }
    }

    /// Whether a regular file exists at the tree-relative path, in the overlay or on disk inside the tree.
    public func exists(_ relativePath: String) -> Bool {
        guard let rel = try? Self.normalize(relativePath, in: root) else { return false }
        if overlay[rel] != nil { return true }
        guard let resolved = try? Self.resolve(rel, root: root) else { return false }
        var info = stat()
        return stat(resolved, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// The tree-relative paths of the files in a tree-relative folder whose names end in `suffix`, sorted.
    public func files(in directory: String, endingWith suffix: String) -> [String] {
        guard let dir = try? Self.normalize(directory, in: root) else { return [] }
        let prefix = dir.isEmpty ? "" : dir + "/"
        var found = Set(
            overlay.keys.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) && !$0.dropFirst(prefix.count).contains("/") })
        if let names = try? FileManager.default.contentsOfDirectory(atPath: absolutePath(dir)) {
            for name in names where name.hasSuffix(suffix) && exists(prefix + name) { found.insert(prefix + name) }
        }
        return found.sorted()
    }

    /// The absolute path of a tree-relative path (not resolved, not checked).
    public func absolutePath(_ relativePath: String) -> String {
        let rel = (try? Self.normalize(relativePath, in: root)) ?? relativePath
        return rel.isEmpty ? root : root + "/" + rel
    }

    /// The tree-relative form of a path inside the tree (absolute or relative to the root), nil outside it.
    public func relativePath(_ path: String) -> String? {
        try? Self.normalize(path, in: root)
    }

    /// The overlay keyed by absolute path, as libclang takes unsaved files.
    public var unsavedFiles: [String: String] {
        Dictionary(uniqueKeysWithValues: overlay.map { (root + "/" + $0.key, $0.value) })
    }

    /// Resolves symlinks of a normalized relative path and checks that the result stays inside the tree.
    private static func resolve(_ rel: String, root: String) throws -> String {
        guard let resolved = realpath(root + "/" + rel, nil) else {
            switch errno {
            case ENOENT, ENOTDIR: throw KernelTreeError.fileNotFound(rel)
            case ELOOP: throw KernelTreeError.symlinkLoop(rel)
            default: throw KernelTreeError.unreadable(rel, reason: errnoText())
            }
        }
        defer { free(resolved) }
        let path = String(cString: resolved)
        guard path == root || path.hasPrefix(root == "/" ? "/" : root + "/") else { throw KernelTreeError.escapesTree(rel) }
        return path
    }

    /// "a/./b//c" → "a/b/c"; ".." may not climb above the root; an absolute path must lie under `root`.
    static func normalize(_ path: String, in root: String) throws -> String {
        var rest = Substring(path)
        if path.hasPrefix("/") {
            let base = root.hasSuffix("/") ? root : root + "/"
            guard path.hasPrefix(base) || path == root else { throw KernelTreeError.escapesTree(path) }
            rest = path.dropFirst(min(base.count, path.count))
        }
        var parts: [Substring] = []
        for part in rest.split(separator: "/") where part != "." {
            if part == ".." {
                guard parts.popLast() != nil else { throw KernelTreeError.escapesTree(path) }
            } else {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

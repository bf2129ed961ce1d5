import Foundation
import KernelTree

/// Where a cached artefact (a model, a precompiled preamble) is looked up, and what the overlay replaced
/// (never checked on disk).
public struct CacheKey: Sendable {
    public let digest: String
    public let root: String
    public let overlaid: Set<String>
    /// Files ftrlint reads itself rather than through libclang (the sysreg description).
    public let extraFiles: [String]

    public init(digest: String, root: String, overlaid: Set<String>, extraFiles: [String]) {
        self.digest = digest
        self.root = root
        self.overlaid = overlaid
        self.extraFiles = extraFiles
    }
}

/// Every input a cached artefact was computed from, as it was then: the files its units included, and the
/// folders where a header could have been found instead.
public struct CacheInputs: Codable {
    public struct File: Codable {
        let path: String
        let size: Int64
        let mtime: Int64
        let sha256: String
    }

    /// A folder where the preprocessor looks for headers: its modification time and a digest of the
    /// names in it that could be included (nil: the folder did not exist).
    public struct Folder: Codable {
        let path: String
        let mtime: Int64?
        let names: String?
    }

    /// Inputs modified this close to (or after) the start of a run are not trusted to be what was parsed
    /// (file times lag the clock, coarse file systems round them): such a run is not stored.
    public static let settleNanoseconds: Int64 = 2_000_000_000

    let format: Int
    let key: String
    let files: [File]
    /// Files that were absent (the sysreg description of a tree that has none).
    let absent: [String]
    let folders: [Folder]
    /// The size of the file the record describes, where it is one (a preamble's .pch): one cut short by a
    /// full disk or a killed run is not used, whatever a libclang would make of it.
    var artefactSize: Int64? = nil

    /// Whether the record is of `format` and `key`, and every recorded input is as it was.
    public func hold(format: Int, key: CacheKey) -> Bool {
        self.format == format && self.key == key.digest && stillHold(overlaid: key.overlaid)
    }

    /// Whether every recorded input is as it was.
    func stillHold(overlaid: Set<String>) -> Bool {
        for f in files where !overlaid.contains(f.path) {
            guard let s = FileStat(f.path), s.size == f.size else { return false }
            if s.mtime != f.mtime, CacheFiles.digest(ofFile: f.path) != f.sha256 { return false }
        }
        for path in absent where FileStat(path) != nil { return false }
        for folder in folders {
            let s = FileStat(folder.path)
            guard (s == nil) == (folder.mtime == nil) else { return false }
            if let s, s.mtime != folder.mtime, CacheFiles.listingDigest(folder.path) != folder.names { return false }
        }
        return true
    }

    /// The inputs of a run that started at `startedAt`, recorded as `format`; nil when one changed during
    /// it (or cannot be read).
    public static func record(
        key: CacheKey, format: Int, inclusions: [[String]], arguments: [[String]],
        startedAt: Date
    ) -> CacheInputs? {
        var seen = Set<String>()
        let paths = (inclusions.joined() + key.extraFiles).map(CacheFiles.normalize).filter { seen.insert($0).inserted }
        let started = Int64(startedAt.timeIntervalSince1970 * 1e9)
        var files: [File] = []
        var absent: [String] = []
        for path in paths {
            if key.overlaid.contains(path) {
                files.append(File(path: path, size: -1, mtime: -1, sha256: "overlay"))
                continue
            }
            guard let before = FileStat(path) else {
                if key.extraFiles.contains(path) {
                    absent.append(path)
                    continue
                }
                return nil
            }
            // Modified after the run began: what was parsed may not be what is hashed now.
            guard before.mtime < started - settleNanoseconds, let digest = CacheFiles.digest(ofFile: path),
                FileStat(path) == before
            else { return nil }
            files.append(File(path: path, size: before.size, mtime: before.mtime, sha256: digest))
        }
        let folders = CacheFiles.searchFolders(for: paths, arguments: arguments).map { path -> Folder in
            guard let s = FileStat(path) else { return Folder(path: path, mtime: nil, names: nil) }
            return Folder(path: path, mtime: s.mtime, names: CacheFiles.listingDigest(path))
        }
        if folders.contains(where: { ($0.mtime ?? 0) >= started - settleNanoseconds }) { return nil }
        return CacheInputs(format: format, key: key.digest, files: files, absent: absent, folders: folders)
    }
}

/// How the caches name, hash and place files.
public enum CacheFiles {
    /// Folders where a header could be found instead of the one that was: every include-path folder, each
    /// joined with every subfolder (asm/, linux/, ...) a header was found under, and each includer's folder.
    public static func searchFolders(for paths: [String], arguments: [[String]]) -> [String] {
        var searchPaths: [String] = []
        for args in arguments {
            var i = 0
            while i < args.count {
                let a = args[i]
                for flag in ["-I", "-isystem", "-iquote", "-idirafter"] where a.hasPrefix(flag) {
                    if a == flag, i + 1 < args.count {
                        searchPaths.append(normalize(args[i + 1]))
                        i += 1
                    } else if a.count > flag.count, flag == "-I" || a.dropFirst(flag.count).hasPrefix("/") {
                        searchPaths.append(normalize(String(a.dropFirst(flag.count))))
                    }
                    break
                }
                i += 1
            }
        }
        var seenSearch = Set<String>()
        searchPaths = searchPaths.filter { seenSearch.insert($0).inserted }
        var subfolders: Set<String> = [""]
        var folders = Set(searchPaths)
        for path in paths {
            let parent = (path as NSString).deletingLastPathComponent
            folders.insert(parent)
            for s in searchPaths where parent == s || parent.hasPrefix(s + "/") {
                subfolders.insert(String(parent.dropFirst(s.count)))
            }
        }
        for s in searchPaths { for sub in subfolders { folders.insert(s + sub) } }
        return folders.sorted()
    }

    /// A digest of the names in a folder that an #include could name: build products do not count.
    public static func listingDigest(_ folder: String) -> String? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        let products = [".o", ".cmd", ".d", ".a", ".ko", ".mod", ".order", ".symvers", ".tmp", ".su", ".gcno", ".lst"]
        var hash = SHA256()
        for name in names.sorted() where !products.contains(where: { name.hasSuffix($0) }) {
            hash.update(name)
            hash.update("\0")
        }
        return hash.hexDigest()
    }

    public static func digest(ofFile path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var hash = SHA256()
        data.withUnsafeBytes { hash.update($0) }
        return hash.hexDigest()
    }

    /// "a/./b//c/../d" → "a/b/d", without resolving symlinks (libclang names files as it found them).
    public static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == "..", let last = parts.last, last != ".." { parts.removeLast() } else { parts.append(part) }
        }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    /// Whether `directory` lies outside the tree (resolving what exists of it), so nothing is written inside.
    public static func isOutside(_ directory: String, root: String) -> Bool {
        var existing = normalize(
            directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory)
        var missing: [String] = []
        while !FileManager.default.fileExists(atPath: existing), existing != "/" {
            missing.insert((existing as NSString).lastPathComponent, at: 0)
            existing = (existing as NSString).deletingLastPathComponent
        }
        guard let resolved = realpath(existing, nil) else { return false }
        defer { free(resolved) }
        let full = normalize(([String(cString: resolved)] + missing).joined(separator: "/"))
        return full != root && !full.hasPrefix(root + "/")
    }
}

/// A file's size and modification time (nanoseconds), by stat(2).
public struct FileStat: Equatable {
    public let size: Int64
    public let mtime: Int64

    public init?(_ path: String) {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        size = Int64(s.st_size)
        mtime = Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)
    }
}

import Foundation
import KernelTree
import LibClang

/// Finished models, kept by the content of everything they were computed from, so that a second run
/// on an unchanged tree skips the parse: `${XDG_CACHE_HOME:-~/.cache}/ftrlint/results/`.
///
/// An entry is found by what is known before parsing — ftrlint's build, libclang's version, the policy,
/// the tree, each translation unit with its compile arguments, the overlay's contents — and is used only
/// if every file those units included is unchanged: same size and modification time, or else the same
/// SHA-256. Folders a header could have been found in are checked too, so that a header added where the
/// preprocessor would now find it first is a change. Any doubt is a miss; nothing is written in the tree.
public final class ResultCache: @unchecked Sendable {
    /// Bump when the entry layout or anything the key does not see changes.
    static let format = 2
    /// Entries kept; the least recently used beyond this are removed when one is written.
    static let capacity = 48
    /// Inputs modified this close to (or after) the start of a run are not trusted to be what was parsed
    /// (file times lag the clock, coarse file systems round them): such a run is not stored.
    static let settleNanoseconds: Int64 = 2_000_000_000

    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// The cache under `${XDG_CACHE_HOME:-$HOME/.cache}/ftrlint/results`; nil when FTRLINT_NO_RESULT_CACHE is set.
    public static var `default`: ResultCache? { resolve(cacheDir: nil) }

    /// The cache of a run given `--cache-dir` (nil: none given): `cacheDir/results`, beside the parse
    /// environments kept there; else the default folder. Nil when FTRLINT_NO_RESULT_CACHE is set.
    public static func resolve(cacheDir: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> ResultCache? {
        CacheFolder.resolve("results", cacheDir: cacheDir, switchOff: "FTRLINT_NO_RESULT_CACHE", environment: environment)
            .map(ResultCache.init(directory:))
    }

    /// What the cache keeps of a model.
    public struct Entry: Codable, Hashable, Sendable {
        public let tables: CpufeatureTables
        public let kvmRegisters: KvmRegisterTables
        public let guestView: GuestView
        public let registerEncodings: [String: Encoding]

        public init(tables: CpufeatureTables, kvmRegisters: KvmRegisterTables, guestView: GuestView,
                    registerEncodings: [String: Encoding]) {
            self.tables = tables; self.kvmRegisters = kvmRegisters; self.guestView = guestView
            self.registerEncodings = registerEncodings
        }
    }

    /// Where an entry is looked up, and what the overlay replaced (never checked on disk).
    public struct Key: Sendable {
        public let digest: String
        let root: String
        let overlaid: Set<String>
        /// Files ftrlint reads itself rather than through libclang (the sysreg description).
        let extraFiles: [String]
    }

    /// The key of a model of `tree` parsing `files` with `arguments`, named by `policy`.
    public func key(tree: KernelTree, files: [String], arguments: [[String]], policy: Policy) -> Key {
        var hash = SHA256()
        hash.update("ftrlint-results \(Self.format)\0\(BuildIdentity.current)\0\(Clang.version)\0\(tree.root)\0")
        hash.update(Self.fingerprint(policy))
        for (file, args) in zip(files, arguments) {
            hash.update("unit \(file)\0\(args.count)\0")
            for a in args { hash.update(a); hash.update("\0") }
        }
        let unsaved = tree.unsavedFiles
        for path in unsaved.keys.sorted() {
            var content = SHA256()
            content.update(unsaved[path]!)
            hash.update("overlay \(path)\0\(content.hexDigest())\0")
        }
        return Key(digest: hash.hexDigest(), root: tree.root, overlaid: Set(unsaved.keys.map(Self.normalize)),
                   extraFiles: [tree.absolutePath("arch/arm64/tools/sysreg")])
    }

    // MARK: - Reading

    /// The entry for `key`, if one was stored and none of its inputs changed since.
    public func lookup(_ key: Key) -> Entry? {
        let path = entryPath(key)
        guard let data = FileManager.default.contents(atPath: path),
              let newline = data.firstIndex(of: UInt8(ascii: "\n")),
              let inputs = try? JSONDecoder().decode(Inputs.self, from: data[data.startIndex..<newline]),
              inputs.format == Self.format, inputs.key == key.digest, inputs.stillHold(overlaid: key.overlaid),
              let entry = try? JSONDecoder().decode(Entry.self, from: data[(newline + 1)...]) else { return nil }
        // Recently used: kept longest when the cache is pruned.
        utimes(path, nil)
        return entry
    }

    // MARK: - Writing

    /// The inputs of a run that started at `startedAt` and whose units included `inclusions`, with their
    /// digests: nil when one changed during the run. Reads every file: run it beside the analysis.
    func inputs(for key: Key, inclusions: [[String]], arguments: [[String]], startedAt: Date) -> Inputs? {
        Inputs.record(key: key, inclusions: inclusions, arguments: arguments, startedAt: startedAt)
    }

    /// Stores `entry` under `key` with its inputs. Failures to write are ignored: the cache only ever saves work.
    func store(_ entry: Entry, key: Key, inputs: Inputs) {
        guard Self.isOutside(directory, root: key.root),
              let head = try? JSONEncoder().encode(inputs), let body = try? JSONEncoder().encode(entry) else { return }
        let fm = FileManager.default
        guard (try? fm.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil else { return }
        let path = entryPath(key)
        let temp = path + ".tmp-\(getpid())-\(UUID().uuidString)"
        var data = head
        data.append(UInt8(ascii: "\n"))
        data.append(body)
        guard fm.createFile(atPath: temp, contents: data) else { return }
        if rename(temp, path) != 0 { try? fm.removeItem(atPath: temp); return }
        CacheFolder.prune(directory, entries: ".json", capacity: Self.capacity)
    }

    private func entryPath(_ key: Key) -> String { directory + "/" + key.digest + ".json" }

    // MARK: - Inputs

    /// Every input an entry was computed from, as it was then.
    struct Inputs: Codable {
        struct File: Codable {
            let path: String
            let size: Int64
            let mtime: Int64
            let sha256: String
        }

        /// A folder where the preprocessor looks for headers: its modification time and a digest of the
        /// names in it that could be included (nil: the folder did not exist).
        struct Folder: Codable {
            let path: String
            let mtime: Int64?
            let names: String?
        }

        let format: Int
        let key: String
        let files: [File]
        /// Files that were absent (the sysreg description of a tree that has none).
        let absent: [String]
        let folders: [Folder]
        /// The size of the file the record describes, where it is one (a preamble's .pch): one cut short by a
        /// full disk or a killed run is not used, whatever a libclang would make of it.
        var artefactSize: Int64? = nil

        /// Whether every recorded input is as it was.
        func stillHold(overlaid: Set<String>) -> Bool {
            for f in files where !overlaid.contains(f.path) {
                guard let s = FileStat(f.path), s.size == f.size else { return false }
                if s.mtime != f.mtime, ResultCache.digest(ofFile: f.path) != f.sha256 { return false }
            }
            for path in absent where FileStat(path) != nil { return false }
            for folder in folders {
                let s = FileStat(folder.path)
                guard (s == nil) == (folder.mtime == nil) else { return false }
                if let s, s.mtime != folder.mtime, ResultCache.listingDigest(folder.path) != folder.names { return false }
            }
            return true
        }

        /// The inputs of a run that started at `startedAt`; nil when one changed during it (or cannot be read).
        static func record(key: Key, inclusions: [[String]], arguments: [[String]], startedAt: Date) -> Inputs? {
            var seen = Set<String>()
            let paths = (inclusions.joined() + key.extraFiles).map(ResultCache.normalize).filter { seen.insert($0).inserted }
            let started = Int64(startedAt.timeIntervalSince1970 * 1e9)
            var files: [File] = []
            var absent: [String] = []
            for path in paths {
                if key.overlaid.contains(path) {
                    files.append(File(path: path, size: -1, mtime: -1, sha256: "overlay"))
                    continue
                }
                guard let before = FileStat(path) else {
                    if key.extraFiles.contains(path) { absent.append(path); continue }
                    return nil
                }
                // Modified after the run began: what was parsed may not be what is hashed now.
                guard before.mtime < started - ResultCache.settleNanoseconds, let digest = ResultCache.digest(ofFile: path),
                      FileStat(path) == before else { return nil }
                files.append(File(path: path, size: before.size, mtime: before.mtime, sha256: digest))
            }
            let folders = ResultCache.searchFolders(for: paths, arguments: arguments).map { path -> Folder in
                guard let s = FileStat(path) else { return Folder(path: path, mtime: nil, names: nil) }
                return Folder(path: path, mtime: s.mtime, names: ResultCache.listingDigest(path))
            }
            if folders.contains(where: { ($0.mtime ?? 0) >= started - ResultCache.settleNanoseconds }) { return nil }
            return Inputs(format: ResultCache.format, key: key.digest, files: files, absent: absent, folders: folders)
        }
    }

    /// Folders where a header could be found instead of the one that was: every include-path folder, each
    /// joined with every subfolder (asm/, linux/, ...) a header was found under, and each includer's folder.
    static func searchFolders(for paths: [String], arguments: [[String]]) -> [String] {
        var searchPaths: [String] = []
        for args in arguments {
            var i = 0
            while i < args.count {
                let a = args[i]
                for flag in ["-I", "-isystem", "-iquote", "-idirafter"] where a.hasPrefix(flag) {
                    if a == flag, i + 1 < args.count { searchPaths.append(normalize(args[i + 1])); i += 1 }
                    else if a.count > flag.count, flag == "-I" || a.dropFirst(flag.count).hasPrefix("/") {
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
    static func listingDigest(_ folder: String) -> String? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        let products = [".o", ".cmd", ".d", ".a", ".ko", ".mod", ".order", ".symvers", ".tmp", ".su", ".gcno", ".lst"]
        var hash = SHA256()
        for name in names.sorted() where !products.contains(where: { name.hasSuffix($0) }) {
            hash.update(name); hash.update("\0")
        }
        return hash.hexDigest()
    }

    static func digest(ofFile path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var hash = SHA256()
        data.withUnsafeBytes { hash.update($0) }
        return hash.hexDigest()
    }

    /// "a/./b//c/../d" → "a/b/d", without resolving symlinks (libclang names files as it found them).
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == "..", let last = parts.last, last != ".." { parts.removeLast() } else { parts.append(part) }
        }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    /// The policy as it names fields: every field of every entry, in key order (a field added to
    /// Policy.Entry belongs here too; Mirror-based printing would cover it but costs a tenth of a warm run).
    static func fingerprint(_ policy: Policy) -> String {
        var text = "policy \(policy.version)\0"
        func optional<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "-" }
        for key in policy.entries.keys.sorted() {
            let e = policy.entries[key]!
            text += "\(e.key)\u{1}\(e.register)\u{1}\(e.field)\u{1}\(e.fieldClass.rawValue)\u{1}\(optional(e.bound))\u{1}"
            text += "\(e.reason)\u{1}\(e.aliases.joined(separator: "\u{2}"))\u{1}\(optional(e.bits?.lowerBound)):\(optional(e.bits?.upperBound))"
            for l in e.levels {
                text += "\u{1}\(l.value)\u{2}\(optional(l.feature))\u{2}\(l.registers.joined(separator: "\u{3}"))\u{2}\(optional(l.needs))"
            }
            text += "\0"
        }
        return text
    }

    /// Whether `directory` lies outside the tree (resolving what exists of it), so nothing is written inside.
    static func isOutside(_ directory: String, root: String) -> Bool {
        var existing = normalize(directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory)
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
struct FileStat: Equatable {
    let size: Int64
    let mtime: Int64

    init?(_ path: String) {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        size = Int64(s.st_size)
        mtime = Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)
    }
}

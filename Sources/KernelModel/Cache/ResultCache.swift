import Foundation
import KernelTree
import LibClang
import TranslationUnits

/// Finished models, kept by the content of everything they were computed from, so that a second run
/// on an unchanged tree skips the parse: `${XDG_CACHE_HOME:-~/.cache}/ftrlint/results/`.
///
/// An entry is found by what is known before parsing — ftrlint's build, libclang's version, the policy,
/// the tree, each translation unit with its compile arguments, the overlay's contents — and is used only
/// if every file those units included is unchanged: same size and modification time, or else the same
/// SHA-256. Folders a header could have been found in are checked too, so that a header added where the
/// preprocessor would now find it first is a change. Any doubt is a miss; nothing is written in the tree.
public final class ResultCache: FolderCache, @unchecked Sendable {
    /// Bump when the entry layout or anything the key does not see changes.
    static let format = 2
    /// Entries kept; the least recently used beyond this are removed when one is written.
    static let capacity = 48

    public static let folder = "results"
    public static let switchOff = "FTRLINT_NO_RESULT_CACHE"
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// What the cache keeps of a model.
    public struct Entry: Codable, Hashable, Sendable {
        public let tables: CpufeatureTables
        public let kvmRegisters: KvmRegisterTables
        public let guestView: GuestView
        public let registerEncodings: [String: Encoding]
        public let undescribed: [String: [UndescribedField]]

        public init(
            tables: CpufeatureTables, kvmRegisters: KvmRegisterTables, guestView: GuestView,
            registerEncodings: [String: Encoding], undescribed: [String: [UndescribedField]] = [:]
        ) {
            self.tables = tables
            self.kvmRegisters = kvmRegisters
            self.guestView = guestView
            self.registerEncodings = registerEncodings
            self.undescribed = undescribed
        }
    }

    /// Where an entry is looked up, and what the overlay replaced (never checked on disk).
    public typealias Key = CacheKey
    /// Every input an entry was computed from, as it was then.
    typealias Inputs = CacheInputs

    /// The key of a model of `tree` parsing `files` with `arguments`, named by `policy`.
    public func key(tree: KernelTree, files: [String], arguments: [[String]], policy: Policy) -> Key {
        var hash = SHA256()
        hash.update("ftrlint-results \(Self.format)\0\(BuildIdentity.current)\0\(Clang.version)\0\(tree.root)\0")
        hash.update(Self.fingerprint(policy))
        for (file, args) in zip(files, arguments) {
            hash.update("unit \(file)\0\(args.count)\0")
            for a in args {
                hash.update(a)
                hash.update("\0")
            }
        }
        let unsaved = tree.unsavedFiles
        for path in unsaved.keys.sorted() {
            var content = SHA256()
            content.update(unsaved[path]!)
            hash.update("overlay \(path)\0\(content.hexDigest())\0")
        }
        return Key(
            digest: hash.hexDigest(), root: tree.root, overlaid: Set(unsaved.keys.map(CacheFiles.normalize)),
            extraFiles: [tree.absolutePath("arch/arm64/tools/sysreg")])
    }

    // MARK: - Reading

    /// The entry for `key`, if one was stored and none of its inputs changed since.
    public func lookup(_ key: Key) -> Entry? {
        let path = entryPath(key)
        guard let data = FileManager.default.contents(atPath: path),
            let newline = data.firstIndex(of: UInt8(ascii: "\n")),
            let inputs = try? JSONDecoder().decode(Inputs.self, from: data[data.startIndex..<newline]),
            inputs.hold(format: Self.format, key: key),
            let entry = try? JSONDecoder().decode(Entry.self, from: data[(newline + 1)...])
        else { return nil }
        // Recently used: kept longest when the cache is pruned.
        utimes(path, nil)
        return entry
    }

    // MARK: - Writing

    /// The inputs of a run that started at `startedAt` and whose units included `inclusions`, with their
    /// digests: nil when one changed during the run. Reads every file: run it beside the analysis.
    func inputs(for key: Key, inclusions: [[String]], arguments: [[String]], startedAt: Date) -> Inputs? {
        Inputs.record(key: key, format: Self.format, inclusions: inclusions, arguments: arguments, startedAt: startedAt)
    }

    /// Stores `entry` under `key` with its inputs. Failures to write are ignored: the cache only ever saves work.
    func store(_ entry: Entry, key: Key, inputs: Inputs) {
        guard CacheFiles.isOutside(directory, root: key.root),
            let head = try? JSONEncoder().encode(inputs), let body = try? JSONEncoder().encode(entry)
        else { return }
        let fm = FileManager.default
        guard (try? fm.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil else { return }
        let path = entryPath(key)
        let temp = path + ".tmp-\(getpid())-\(UUID().uuidString)"
        var data = head
        data.append(UInt8(ascii: "\n"))
        data.append(body)
        guard fm.createFile(atPath: temp, contents: data) else { return }
        if rename(temp, path) != 0 {
            try? fm.removeItem(atPath: temp)
            return
        }
        CacheFolder.prune(directory, entries: ".json", capacity: Self.capacity)
    }

    private func entryPath(_ key: Key) -> String { directory + "/" + key.digest + ".json" }

    /// The policy as it names fields: every field of every entry, in key order (a field added to
    /// Policy.Entry belongs here too; Mirror-based printing would cover it but costs a tenth of a warm run).
    static func fingerprint(_ policy: Policy) -> String {
        var text = "policy \(policy.version)\0"
        func optional<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "-" }
        for key in policy.entries.keys.sorted() {
            let e = policy.entries[key]!
            text += "\(e.key)\u{1}\(e.register)\u{1}\(e.field)\u{1}\(e.fieldClass.rawValue)\u{1}\(optional(e.bound))\u{1}"
            text +=
                "\(e.reason)\u{1}\(e.aliases.joined(separator: "\u{2}"))\u{1}\(optional(e.bits?.lowerBound)):\(optional(e.bits?.upperBound))"
            for l in e.levels {
                text +=
                    "\u{1}\(l.value)\u{2}\(optional(l.feature))\u{2}\(l.registers.joined(separator: "\u{3}"))\u{2}\(optional(l.needs))"
            }
            text += "\0"
        }
        return text
    }
}

import Foundation
import KernelTree
import LibClang

/// Precompiled preambles: the #include block a translation unit starts with, parsed once and saved as a
/// precompiled header, so that a unit whose headers did not change is parsed from its own text only:
/// `${XDG_CACHE_HOME:-~/.cache}/ftrlint/preambles/`.
///
/// Part of the parse environment: like the generated headers, a preamble depends on the tree's headers
/// and the compile arguments, not on the file being checked. It is found by libclang's version, the file,
/// its arguments and the preamble's text, and used only while every file it included is unchanged
/// (CacheInputs: size and modification time, else SHA-256, and the folders headers come from).
/// A preamble that does not parse cleanly is not used: the unit is then parsed as it is, and any error
/// is reported from that parse. Nothing is written in the tree; the preamble's header exists only as an
/// unsaved file beside the unit, so quoted includes resolve as they do from the unit itself.
public final class PreambleCache: FolderCache, @unchecked Sendable {
    /// Bump when the way a preamble is cut or built changes.
    static let format = 1
    /// Preambles kept (tens of MB each); the least recently used beyond this are removed.
    static let capacity = 24
    /// The format of the records of a preamble's inputs (the result cache's, whose records they are too).
    static let recordFormat = 2

    public static let folder = "preambles"
    public static let switchOff = "FTRLINT_NO_PREAMBLES"
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// A parsed unit, and the files its preamble read (not listed by the unit's own inclusions).
    public struct Parsed {
        public let unit: TranslationUnit
        public let preambleFiles: [String]
    }

    /// Parses the file at `path` of `tree` through its precompiled preamble, building and storing the
    /// preamble when none is stored; nil when the file has no preamble or it cannot be used (parse it as is).
    /// `extra` is precompiled after the file's own preamble (the headers of the files a unity build includes).
    func parse(path: String, tree: KernelTree, arguments: [String], options: ParseOptions, extra: String = "") -> Parsed? {
        guard Self.isUsable(arguments), let source = Self.source(of: path, tree: tree),
            let preamble = Preamble(of: source),
            let preambleText = String(validating: preamble.text, as: UTF8.self).map({ $0 + extra }),
            let restText = String(validating: preamble.rest, as: UTF8.self)
        else { return nil }
        let header =
            (path as NSString).deletingLastPathComponent + "/.ftrlint-preamble-"
            + (path as NSString).lastPathComponent + ".h"
        var unsaved = tree.unsavedFiles
        unsaved[header] = preambleText
        let headerOptions = options.intersection(.skipFunctionBodies).union([.keepGoing, .precompiledHeader])
        // Files laid over the tree in memory (check --base, --b4) count only where the preamble read them:
        // a patch that changes a unit's own text, or a header the preamble does not include, reuses it.
        let key = key(
            path: path, arguments: arguments, options: headerOptions, preamble: preambleText,
            overlaid: Set(unsaved.keys), root: tree.root)
        let digests = unsaved.mapValues(Self.digest)
        guard
            let stored = lookup(key, overlays: digests)
                ?? build(key, header: header, arguments: arguments, unsaved: unsaved, overlays: digests, options: headerOptions)
        else { return nil }
        unsaved[path] = restText
        let withPreamble = arguments + ["-include-pch", stored.pch, "-Xclang", "-fno-validate-pch"]
        guard let unit = try? TranslationUnit(path: path, arguments: withPreamble, unsavedFiles: unsaved, options: options) else {
            // A preamble libclang cannot read (cut short, another libclang's) is made again next time.
            forget(key)
            return nil
        }
        // An error may be the unit's own: the plain parse then reports it as it would without preambles. One
        // about the precompiled file itself (newer libclang reads a cut one and says it is corrupt, at no place
        // in the source) means the preamble is to be made again.
        let errors = unit.diagnostics.filter { $0.severity >= .error }
        guard errors.isEmpty else {
            if errors.contains(where: { $0.location.file.isEmpty || $0.message.contains(stored.pch) }) { forget(key) }
            return nil
        }
        return Parsed(unit: unit, preambleFiles: stored.files)
    }

    // MARK: - Key and lookup

    private struct Stored {
        let pch: String
        let files: [String]
    }

    private func key(
        path: String, arguments: [String], options: ParseOptions, preamble: String,
        overlaid: Set<String>, root: String
    ) -> CacheKey {
        var hash = SHA256()
        hash.update("ftrlint-preamble \(Self.format)\0\(Clang.version)\0\(path)\0\(options.rawValue)\0\(arguments.count)\0")
        for a in arguments {
            hash.update(a)
            hash.update("\0")
        }
        hash.update(preamble)
        return CacheKey(
            digest: hash.hexDigest(), root: root, overlaid: Set(overlaid.map(CacheFiles.normalize)),
            extraFiles: [])
    }

    /// The stored preamble for `key`, if every file it read is as it was: on disk, or in memory for the
    /// files laid over the tree now (`overlays`: path → digest) or then (recorded with size -1).
    private func lookup(_ key: CacheKey, overlays: [String: String]) -> Stored? {
        let pch = directory + "/" + key.digest + ".pch"
        let current = Dictionary(overlays.map { (CacheFiles.normalize($0.key), $0.value) }) { a, _ in a }
        guard let data = FileManager.default.contents(atPath: directory + "/" + key.digest + ".json"),
            let inputs = try? JSONDecoder().decode(CacheInputs.self, from: data),
            inputs.hold(format: Self.recordFormat, key: key),
            inputs.files.allSatisfy({ f in
                guard current[f.path] != nil || f.size < 0 else { return true }
                return (current[f.path] ?? CacheFiles.digest(ofFile: f.path)) == f.sha256
            }),
            let stat = FileStat(pch), inputs.artefactSize.map({ $0 == stat.size }) ?? true
        else { return nil }
        utimes(pch, nil)
        return Stored(pch: pch, files: inputs.files.map(\.path).filter { !key.overlaid.contains($0) })
    }

    private static func digest(_ text: String) -> String {
        var hash = SHA256()
        hash.update(text)
        return hash.hexDigest()
    }

    private func forget(_ key: CacheKey) {
        for ext in [".json", ".pch"] { try? FileManager.default.removeItem(atPath: directory + "/" + key.digest + ext) }
    }

    // MARK: - Building

    /// Parses the preamble as a header and saves it; stores it for later runs when its inputs were stable.
    private func build(
        _ key: CacheKey, header: String, arguments: [String], unsaved: [String: String],
        overlays: [String: String], options: ParseOptions
    ) -> Stored? {
        let started = Date()
        guard CacheFiles.isOutside(directory, root: key.root),
            (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil,
            let unit = try? TranslationUnit(
                path: header, arguments: arguments + ["-x", "c-header"], unsavedFiles: unsaved,
                options: options),
            !unit.diagnostics.contains(where: { $0.severity >= .error })
        else { return nil }
        let pch = directory + "/" + key.digest + ".pch"
        let temp = pch + ".tmp-\(getpid())-\(UUID().uuidString)"
        guard (try? unit.save(to: temp)) != nil else {
            try? FileManager.default.removeItem(atPath: temp)
            return nil
        }
        let files = unit.includedFiles
        let record = directory + "/" + key.digest + ".json"
        try? FileManager.default.removeItem(atPath: record)
        guard rename(temp, pch) == 0 else {
            try? FileManager.default.removeItem(atPath: temp)
            return nil
        }
        // Inputs that changed meanwhile, or too recently to be trusted: the preamble serves this run only.
        if let recorded = CacheInputs.record(
            key: key, format: Self.recordFormat, inclusions: [files], arguments: [arguments], startedAt: started)
        {
            // What was read from memory is kept by its digest, checked against what is laid over the tree then.
            let current = Dictionary(overlays.map { (CacheFiles.normalize($0.key), $0.value) }) { a, _ in a }
            let inputs = CacheInputs(
                format: recorded.format, key: recorded.key,
                files: recorded.files.map { f in
                    current[f.path].map { CacheInputs.File(path: f.path, size: -1, mtime: -1, sha256: $0) } ?? f
                }, absent: recorded.absent, folders: recorded.folders, artefactSize: FileStat(pch)?.size)
            if let json = try? JSONEncoder().encode(inputs) { FileManager.default.createFile(atPath: record, contents: json) }
        }
        CacheFolder.prune(directory, entries: ".pch", companions: [".json"], capacity: Self.capacity)
        return Stored(pch: pch, files: files.map(CacheFiles.normalize).filter { !key.overlaid.contains($0) })
    }

    // MARK: - Input

    /// The unit's bytes as libclang will read them: the overlay's, else the disk's.
    private static func source(of path: String, tree: KernelTree) -> [UInt8]? {
        if let rel = tree.relativePath(path), let text = tree.overlay[rel] { return Array(text.utf8) }
        return FileManager.default.contents(atPath: path).map { Array($0) }
    }

    /// Arguments that already bring a precompiled header, or ask for something other than a parse, are left alone.
    private static func isUsable(_ arguments: [String]) -> Bool {
        !arguments.contains { $0.hasPrefix("-include-pch") || $0.hasPrefix("-emit") }
    }
}

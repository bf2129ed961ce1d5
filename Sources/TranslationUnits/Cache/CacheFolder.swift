import Foundation
import KernelTree

/// A cache kept in a folder of its own: `folder` under `--cache-dir` or the user's cache home, switched
/// off by the environment variable `switchOff`.
public protocol FolderCache: AnyObject {
    /// The folder's name under the cache home (`results`, `preambles`).
    static var folder: String { get }
    /// The environment variable that turns the cache off.
    static var switchOff: String { get }
    var directory: String { get }
    init(directory: String)
}

extension FolderCache {
    /// The cache under `${XDG_CACHE_HOME:-$HOME/.cache}/ftrlint/<folder>`; nil when `switchOff` is set.
    public static var `default`: Self? { resolve(cacheDir: nil) }

    /// The cache of a run given `--cache-dir` (nil: none given): `cacheDir/<folder>`, beside the parse
    /// environments kept there; else the default folder. Nil when `switchOff` is set.
    public static func resolve(
        cacheDir: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Self? {
        CacheFolder.resolve(folder, cacheDir: cacheDir, switchOff: switchOff, environment: environment).map(Self.init(directory:))
    }
}

/// Where ftrlint keeps one kind of cache (results, preambles), and how the folder stays bounded.
public enum CacheFolder {
    /// `cacheDir/name` for a run given `--cache-dir` (so that it writes nothing into the user's own cache),
    /// else `${XDG_CACHE_HOME:-$HOME/.cache}/ftrlint/name`; nil when `switchOff` is set in the environment
    /// to anything but "" or "0".
    public static func resolve(_ name: String, cacheDir: String?, switchOff: String, environment: [String: String]) -> String? {
        if let off = environment[switchOff], !off.isEmpty, off != "0" { return nil }
        if let cacheDir, !cacheDir.isEmpty {
            return (cacheDir.hasSuffix("/") ? String(cacheDir.dropLast()) : cacheDir) + "/" + name
        }
        return CacheHome.path(environment: environment) + "/" + name
    }

    /// Removes the least recently used entries (files named `<id><suffix>`, with `<id><companion>` for each
    /// companion) beyond `capacity`, and leftovers of writes interrupted over an hour ago (`.tmp-` files).
    public static func prune(_ directory: String, entries suffix: String, companions: [String] = [], capacity: Int) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else { return }
        let now = Int64(time(nil))
        var entries: [(id: String, used: Int64)] = []
        for name in names {
            let path = directory + "/" + name
            guard let s = FileStat(path) else { continue }
            if name.contains(".tmp-") {
                if now - s.mtime / 1_000_000_000 > 3600 { try? fm.removeItem(atPath: path) }
            } else if name.hasSuffix(suffix) {
                entries.append((String(name.dropLast(suffix.count)), s.mtime))
            }
        }
        for e in entries.sorted(by: { $0.used > $1.used }).dropFirst(capacity) {
            for ext in [suffix] + companions { try? fm.removeItem(atPath: directory + "/" + e.id + ext) }
        }
    }
}

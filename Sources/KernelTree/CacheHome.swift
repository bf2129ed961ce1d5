import Foundation

/// Where ftrlint keeps its caches when no --cache-dir names a folder: `${XDG_CACHE_HOME:-$HOME/.cache}/ftrlint`
/// (an XDG_CACHE_HOME that is not absolute is ignored, as the XDG specification says). The parse
/// environments and the result and preamble caches are folders in it.
public enum CacheHome {
    public static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/ftrlint" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/ftrlint"
    }
}

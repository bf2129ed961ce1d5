import Foundation

/// The kernel trees scripts/fetch-kernels (or the lead's cache) unpacked: $FTRLINT_KERNEL_CACHE, by default
/// ~/.cache/ftrlint/kernels, holding linux-<version>/. Tests over real trees skip when a tree is absent.
enum RealTrees {
    static var cache: String {
        if let dir = ProcessInfo.processInfo.environment["FTRLINT_KERNEL_CACHE"], !dir.isEmpty { return dir }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/ftrlint/kernels").path
    }

    /// The root of linux-<version>, when it is there.
    static func path(_ version: String) -> String? {
        let root = cache + "/linux-" + version
        var isDir: ObjCBool = false
        // scripts/fetch-kernels marks a tree complete only once it is fully unpacked.
        guard FileManager.default.fileExists(atPath: root + "/.complete"),
              FileManager.default.fileExists(atPath: root + "/Makefile", isDirectory: &isDir), !isDir.boolValue else { return nil }
        return root
    }
}

import Foundation
import KernelTree
import LibClang

/// The real Debian kernel trees the tests read: scripts/test fetches every one of `versions` with
/// scripts/fetch-kernels into $FTRLINT_KERNEL_CACHE (by default ${XDG_CACHE_HOME:-~/.cache}/ftrlint/kernels),
/// as linux-<version>/. A test that names a tree missing there fails rather than skips: a run that fetched
/// nothing must not pass.
enum RealTrees {
    /// What scripts/test fetches, oldest first.
    static let versions = ["5.10", "6.1", "6.12", "7.2"]
    /// The newest, whose sysreg file the policy is written against.
    static let newest = "7.2"

    /// The tree scripts/fetch-kernels should have unpacked, and did not.
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// Where scripts/fetch-kernels unpacks, found as it finds it.
    static var cache: String {
        let environment = ProcessInfo.processInfo.environment
        if let dir = environment["FTRLINT_KERNEL_CACHE"], !dir.isEmpty { return dir }
        let xdg = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
        return (xdg ?? FileManager.default.homeDirectoryForCurrentUser.path + "/.cache") + "/ftrlint/kernels"
    }

    /// The root of linux-<version>; throws, failing the test, when it is not fully unpacked.
    static func root(_ version: String) throws -> String {
        guard versions.contains(version) else {
            throw Missing(description: "linux-\(version) is not one of the trees scripts/test fetches (\(versions))")
        }
        let root = cache + "/linux-" + version
        var isDir: ObjCBool = false
        // scripts/fetch-kernels marks a tree complete only once it is fully unpacked.
        guard FileManager.default.fileExists(atPath: root + "/.complete"),
            FileManager.default.fileExists(atPath: root + "/Makefile", isDirectory: &isDir), !isDir.boolValue
        else {
            throw Missing(description: "linux-\(version) is not unpacked in \(cache): run scripts/fetch-kernels \(version)")
        }
        return root
    }

    /// Parses `file` (relative to the tree root) of linux-<version> in ftrlint's own parse environment, function
    /// bodies kept: KVM's extractors read handlers.
    static func parse(_ file: String, of version: String) throws -> TranslationUnit {
        let root = try root(version)
        let env = try ParseEnvironment(tree: try KernelTree(path: root), cacheRoot: NSTemporaryDirectory() + "ftrlint-tests-env")
        return try TranslationUnit(
            path: root + "/" + file, arguments: env.arguments(for: file),
            options: [.keepGoing, .ignoreNonErrorsFromIncludedFiles])
    }
}

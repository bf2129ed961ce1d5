import Foundation
import KernelTree
import LibClang

/// Parses `file` (relative to the tree root) of real tree `version` in ftrlint's own parse environment,
/// or nil when the tree is not cached. Function bodies are kept: KVM's extractors read handlers.
func parseRealTree(version: String, file: String) -> TranslationUnit? {
    guard let root = RealTrees.path(version),
          let tree = try? KernelTree(path: root),
          let env = try? ParseEnvironment(tree: tree, cacheRoot: NSTemporaryDirectory() + "ftrlint-tests-env") else { return nil }
    return try? TranslationUnit(path: root + "/" + file, arguments: env.arguments(for: file),
                                options: [.keepGoing, .ignoreNonErrorsFromIncludedFiles])
}

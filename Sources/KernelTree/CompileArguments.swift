/// Where the clang arguments of a tree's translation units come from: the generated parse environment of an
/// unbuilt tree, or the compilation database of a built one.
public protocol CompileArguments: Sendable {
    /// The clang arguments for the tree-relative source file (the file itself not included).
    func arguments(for relativePath: String) throws -> [String]
}

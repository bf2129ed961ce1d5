/// The one place that decides where a tree's compile arguments come from, so the rest of the tool only asks
/// "arguments for cpufeature.c".
public enum CompileArgumentSource: CompileArguments {
    /// A generated environment for an unbuilt tree.
    case environment(ParseEnvironment)
    /// A built tree's compilation database.
    case compilationDatabase(CompilationDatabase)

    /// The compilation database when one is named (`compileCommands`), in the O= `buildDirectory` or at the tree's
    /// root; otherwise a parse environment prepared under `cacheRoot` (default: the user's cache).
    public static func resolve(
        tree: KernelTree, compileCommands: String? = nil, buildDirectory: String? = nil,
        cacheRoot: String? = nil, toolchain: ClangToolchain? = nil
    ) throws -> CompileArgumentSource {
        if let path = CompilationDatabase.locate(tree: tree, explicitPath: compileCommands, buildDirectory: buildDirectory) {
            return .compilationDatabase(try CompilationDatabase(path: path, tree: tree, toolchain: toolchain))
        }
        return .environment(try ParseEnvironment(tree: tree, cacheRoot: cacheRoot, toolchain: toolchain))
    }

    public func arguments(for relativePath: String) throws -> [String] {
        switch self {
        case .environment(let env): return env.arguments(for: relativePath)
        case .compilationDatabase(let db): return try db.arguments(for: relativePath)
        }
    }
}

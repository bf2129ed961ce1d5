import ArgumentParser
import KernelTree

/// The tree to analyse and where its compile arguments come from.
struct TreeOptions: ParsableArguments {
    @Argument(help: "The kernel tree (default: the current directory).")
    var tree: String = "."

    @Option(help: "Folder for ftrlint's generated parse environment (default: $XDG_CACHE_HOME/ftrlint/env).")
    var cacheDir: String?

    func open() throws -> (KernelTree, CompileArguments) {
        let tree = try KernelTree(path: self.tree)
        return (tree, try ParseEnvironment(tree: tree, cacheRoot: cacheDir))
    }
}

import ArgumentParser
import KernelTree

/// The tree to analyse and where its compile arguments come from.
struct TreeOptions: ParsableArguments {
    @Argument(help: "The kernel tree (default: the current directory).")
    var tree: String = "."

    @Option(help: "A compile_commands.json to take each file's flags from (default: the tree's own, if built).")
    var compileCommands: String?

    @Option(name: .customLong("build-dir"), help: "The O= build folder holding compile_commands.json.")
    var buildDirectory: String?

    @Option(help: "Folder for ftrlint's generated parse environment (default: $XDG_CACHE_HOME/ftrlint/env).")
    var cacheDir: String?

    func open(overlay: [String: String] = [:]) throws -> (KernelTree, CompileArguments) {
        let tree = try KernelTree(path: self.tree, overlay: overlay)
        let source = try CompileArgumentSource.resolve(tree: tree, compileCommands: compileCommands,
                                                       buildDirectory: buildDirectory, cacheRoot: cacheDir)
        return (tree, source)
    }
}

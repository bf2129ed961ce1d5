import ArgumentParser
import KernelModel
import KernelTree

/// The tree to analyse and where its compile arguments come from.
struct TreeOptions: ParsableArguments {
    @Argument(help: "The kernel tree (default: the current directory).")
    var tree: String = "."

    @Option(help: "A compile_commands.json to take each file's flags from (default: the tree's own, if built).")
    var compileCommands: String?

    @Option(name: .customLong("build-dir"), help: "The O= build folder holding compile_commands.json.")
    var buildDirectory: String?

    @Option(help: ArgumentHelp("Folder for ftrlint's caches: the generated parse environment, and finished results under results/ (default: $XDG_CACHE_HOME/ftrlint/env and $XDG_CACHE_HOME/ftrlint/results).",
                               valueName: "cache-dir"))
    var cacheDir: String?

    @Option(help: ArgumentHelp("Give up with exit status 2 when the analysis takes longer than this.", valueName: "seconds"))
    var timeout: Double?

    @Option(help: ArgumentHelp("Give up with exit status 2 when the analysis holds more memory than this.", valueName: "MiB"))
    var memoryLimit: Int = 4096

    func validate() throws {
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
        guard memoryLimit > 0 else { throw ValidationError("--memory-limit must be a positive number of MiB") }
    }

    func open(overlay: [String: String] = [:]) throws -> (KernelTree, CompileArguments) {
        Watchdog.start(seconds: timeout, memoryMiB: memoryLimit)
        let tree = try KernelTree(path: self.tree, overlay: overlay)
        let source = try CompileArgumentSource.resolve(tree: tree, compileCommands: compileCommands,
                                                       buildDirectory: buildDirectory, cacheRoot: cacheDir)
        return (tree, source)
    }

    /// The result cache this run uses: under --cache-dir when given, so that a run told where to keep its
    /// caches writes nothing into the user's own; nil when FTRLINT_NO_RESULT_CACHE is set.
    var resultCache: ResultCache? { ResultCache.resolve(cacheDir: cacheDir) }
}

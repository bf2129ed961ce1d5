import ArgumentParser
import Foundation
import KernelModel
import KernelTree
import TranslationUnits

/// The tree to analyse and where its compile arguments come from.
struct TreeOptions: ParsableArguments {
    @Argument(help: "The kernel tree, or any folder inside one.")
    var tree: String = "."

    @Option(help: "A compile_commands.json to take each file's flags from (default: the tree's own, if built).")
    var compileCommands: String?

    @Option(name: .customLong("build-dir"), help: "The O= build folder holding compile_commands.json.")
    var buildDirectory: String?

    @Option(help: TreeOptions.cacheDirHelp)
    var cacheDir: String?

    @OptionGroup var limits: LimitOptions

    static let cacheDirHelp = ArgumentHelp(
        "Folder for ftrlint's caches: the parse environment, results/ and preambles/ (default: $XDG_CACHE_HOME/ftrlint).",
        valueName: "cache-dir")

    /// Run from anywhere inside a tree, as git does: a folder inside a kernel tree stands for the tree's
    /// root. A path that is a root, is inside none, or is no folder at all (absent, a file) stays as given,
    /// and KernelTree says what is wrong with it.
    mutating func validate() throws {
        tree = Self.root(containing: tree)
    }

    /// The nearest folder at or above `path` that holds arch/arm64/kernel/cpufeature.c; `path` when none does.
    static func root(containing path: String) -> String {
        let marker = "arch/arm64/kernel/cpufeature.c"
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue,
            !fm.fileExists(atPath: (path as NSString).appendingPathComponent(marker))
        else { return path }
        var folder = URL(fileURLWithPath: path).standardizedFileURL
        while folder.path != "/" {
            folder.deleteLastPathComponent()
            if fm.fileExists(atPath: folder.appendingPathComponent(marker).path) { return folder.path }
        }
        return path
    }

    func open(overlay: [String: String] = [:]) throws -> (KernelTree, CompileArguments) {
        let tree = try KernelTree(path: self.tree, overlay: overlay)
        let source = try CompileArgumentSource.resolve(
            tree: tree, compileCommands: compileCommands,
            buildDirectory: buildDirectory, cacheRoot: cacheDir)
        return (tree, source)
    }

    /// The result cache this run uses: under --cache-dir when given, so that a run told where to keep its
    /// caches writes nothing into the user's own; nil when FTRLINT_NO_RESULT_CACHE is set.
    var resultCache: ResultCache? { ResultCache.resolve(cacheDir: cacheDir) }
    /// The precompiled preambles it parses through, kept likewise; nil when FTRLINT_NO_PREAMBLES is set.
    var preambles: PreambleCache? { PreambleCache.resolve(cacheDir: cacheDir) }
}

/// The bounds of a run (Watchdog): what CI needs so that no input can hold a job for ever.
struct LimitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Give up with exit status 2 when the run takes longer than this.", valueName: "seconds"))
    var timeout: Double?

    @Option(help: ArgumentHelp("Give up with exit status 2 when the run holds more memory than this.", valueName: "MiB"))
    var memoryLimit: Int = 4096

    func validate() throws {
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
        guard memoryLimit > 0 else { throw ValidationError("--memory-limit must be a positive number of MiB") }
    }

    /// Arms the watchdog with these bounds, from now.
    func arm() { Watchdog.start(seconds: timeout, memoryMiB: memoryLimit) }
}

/// A command the watchdog bounds from the moment it is parsed (FtrLint.main arms it): git, stdin, the parse
/// and the report all count, and arming once means a command that opens two trees gets one limit, not two.
protocol BoundedCommand: ParsableCommand {
    var limits: LimitOptions { get }
}

/// A command that reads one tree, bounded by the tree options' limits.
protocol TreeCommand: BoundedCommand {
    var options: TreeOptions { get }
}

extension TreeCommand {
    var limits: LimitOptions { options.limits }
}

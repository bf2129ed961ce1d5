import ArgumentParser

/// Prints the clang arguments ftrlint parses a file with, one per line: to reproduce a parse with
/// `clang -fsyntax-only` (scripts/parse-env-check, scripts/bench).
struct EnvArgsCommand: TreeCommand {
    static let configuration = CommandConfiguration(
        commandName: "env-args", abstract: "Print the clang arguments for a file of the tree.")

    @OptionGroup var options: TreeOptions
    @Argument(help: "The file, relative to the tree.") var file: String

    func run() throws {
        try reportingErrors {
            let (_, arguments) = try options.open()
            for a in try arguments.arguments(for: file) { print(a) }
        }
    }
}

import ArgumentParser

@main
struct FtrLint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ftrlint",
        abstract: "Find arm64 ID register fields that KVM leaks to guests.",
        subcommands: [TablesCommand.self, MatrixCommand.self, ExplainCommand.self, CheckCommand.self, DiffCommand.self, BaselineCommand.self, EnvArgsCommand.self, AstCommand.self])
}

import ArgumentParser
import Foundation

@main
struct FtrLint: ParsableCommand {
    /// What `ftrlint --version` prints.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "ftrlint",
        abstract: "Find arm64 ID register fields that KVM leaks to guests.",
        discussion: """
            Exit status: 0 clean, 1 findings at or above --fail-on, 2 the analysis could not be completed: a usage \
            error, unusable input, a parse that lost what ftrlint needs, or --timeout / --memory-limit passed \
            (one "ftrlint: error:" line on stderr).
            """,
        version: "ftrlint \(version)",
        subcommands: [
            TablesCommand.self, MatrixCommand.self, ExplainCommand.self, CheckCommand.self, DiffCommand.self,
            BaselineCommand.self, BoundCommand.self, RulesCommand.self, EnvArgsCommand.self, AstCommand.self,
        ])

    /// `ftrlint` alone names no job: a usage error, not a clean run CI could take for a pass.
    func run() throws {
        throw ValidationError("no subcommand given (see 'ftrlint --help')")
    }

    /// ArgumentParser's own `main`, except that a usage error is one `ftrlint: error:` line and exit status 2
    /// (ExitStatus.incomplete) like every other failure, not a usage screen and 64: CI scripts and b4 read
    /// stderr and the status, and a mistyped flag must not look different from unusable input. Help and
    /// --version print as ArgumentParser prints them, with status 0. The watchdog is armed before the
    /// command runs, so --timeout and --memory-limit bound everything it does: git, stdin, the parse.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        var command: ParsableCommand
        do {
            if let unknown = unknownSubcommand(arguments) {
                throw ValidationError("unknown subcommand '\(unknown)' (see 'ftrlint --help')")
            }
            command = try parseAsRoot(arguments)
        } catch {
            exit(usageError: error)
        }
        if let bounded = command as? BoundedCommand { bounded.limits.arm() }
        do {
            try command.run()
        } catch let status as ExitCode {
            Foundation.exit(status.rawValue)
        } catch {
            exit(usageError: error)
        }
        Foundation.exit(ExitStatus.clean.rawValue)
    }

    /// The first argument when it names no subcommand and is no option (`ftrlint chekc TREE`), which
    /// ArgumentParser would call an unexpected argument.
    static func unknownSubcommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        return names.contains(first) ? nil : first
    }

    /// Help, --version and other clean exits as ArgumentParser prints them; anything else one line, status 2.
    static func exit(usageError error: Error) -> Never {
        if exitCode(for: error) == .success { exit(withError: error) }
        var message = oneLine(message(for: error)).trimmingCharacters(in: .whitespaces)
        if message.isEmpty { message = "invalid usage (see 'ftrlint --help')" }
        printError("ftrlint: error: " + message)
        Foundation.exit(ExitStatus.incomplete.rawValue)
    }
}

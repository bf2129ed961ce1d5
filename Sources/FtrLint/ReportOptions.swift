import ArgumentParser
import Foundation
import KernelModel
import Rules

extension Severity: ExpressibleByArgument {}

/// How findings are chosen, printed and turned into an exit status, as given on the command line; the
/// configuration file fills in what the command line leaves out (`settings(_:)`).
struct ReportOptions: ParsableArguments {
    @Option(help: "Output format.")
    var format: FindingFormat = .gcc

    @Option(
        help: ArgumentHelp(
            "Exit with status 1 when a finding is at least this severe: note, warning or error (default: error).",
            valueName: "severity"))
    var failOn: Severity?

    @Option(
        help: ArgumentHelp(
            "Print only findings at least this severe; the others do not count for --fail-on either.",
            valueName: "severity"))
    var minSeverity: Severity?

    @Option(help: ArgumentHelp("Accept the findings this baseline lists (written by `ftrlint baseline`).", valueName: "file"))
    var baseline: String?

    @Option(
        help: ArgumentHelp(
            "Report only these rules (ids as --list-rules prints them; a comma-separated list or repeated).",
            valueName: "rule"))
    var only: [String] = []

    @Option(help: ArgumentHelp("Do not report these rules (added to the configuration file's `ignore`).", valueName: "rule"))
    var ignore: [String] = []

    @OptionGroup var color: ColorOptions

    func validate() throws {
        for spelled in OptionValues.list(only + ignore) where RuleRegistry.identifier(spelled) == nil {
            throw ValidationError(RuleSelection.unknown(spelled, from: "--only/--ignore"))
        }
    }

    /// The policy and these settings of a run on `tree`, both over the configuration `tree` has (or --config names).
    func resolve(_ policy: PolicyOptions, tree: String) throws -> (Policy, ReportSettings) {
        let configuration = try policy.configuration(tree: tree)
        return (try policy.load(configuration), try settings(configuration))
    }

    /// These options over the configuration file's.
    func settings(_ configuration: Configuration) throws -> ReportSettings {
        let only = OptionValues.list(self.only).compactMap(RuleRegistry.identifier)
        return ReportSettings(
            format: format, failOn: failOn ?? configuration.failOn ?? .error,
            minSeverity: minSeverity ?? configuration.minSeverity ?? .note,
            only: Set(only.isEmpty ? configuration.only : only),
            ignore: Set(OptionValues.list(ignore).compactMap(RuleRegistry.identifier) + configuration.ignore),
            baseline: try (baseline ?? configuration.baseline).map { try Baseline.load(file: $0) },
            color: format == .gcc && color.enabled)
    }
}

/// Rule ids as users type them: the id, or the `ftrlint-` tag gcc lines print.
enum RuleSelection {
    static func identifier(_ spelled: String, from place: String) throws -> String {
        guard let id = RuleRegistry.identifier(spelled) else { throw CheckProblem(unknown(spelled, from: place)) }
        return id
    }

    static func unknown(_ spelled: String, from place: String) -> String {
        "\(place): no rule '\(spelled)'; the rules are " + RuleRegistry.descriptions.map(\.identifier).joined(separator: ", ")
    }
}

/// Option values that may be repeated or given as a comma-separated list (`--only leak,nv-leak`).
enum OptionValues {
    static func list(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    }
}

import ArgumentParser
import Foundation
import Rules

/// `ftrlint rules`: every rule's id, default severity and one-line summary; with `--markdown DIR`, the
/// rules' documentation pages, generated from the rules themselves (how docs/rules/ is kept current).
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "List the rules (as check --list-rules does), or write their docs pages.",
        discussion: "After changing a rule's description or examples, regenerate its page: \(RulePage.regenerate)")

    @Option(help: ArgumentHelp("Write one Markdown page per rule into this folder (docs/rules).", valueName: "dir"))
    var markdown: String?

    func run() throws {
        try reportingErrors {
            guard let markdown else { return print(Self.list(), terminator: "") }
            for page in RulePage.all {
                let path = (markdown as NSString).appendingPathComponent(page.fileName)
                do { try page.markdown().write(toFile: path, atomically: true, encoding: .utf8) } catch {
                    throw CheckProblem("cannot write \(path): \(error.localizedDescription)")
                }
            }
        }
    }

    /// `leak            error    Field leaks to guests`, one rule a line, in the registry's order.
    static func list() -> String {
        aligned(RuleRegistry.descriptions.map { [$0.identifier, $0.severity.rawValue, $0.name] }) + "\n"
    }
}

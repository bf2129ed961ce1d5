import ArgumentParser
import Foundation
import KernelModel
import Rules

/// `ftrlint baseline`: writes the tree's current findings as a baseline for `check --baseline`.
struct BaselineCommand: AnalysisCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline", abstract: "Write the tree's current findings as a baseline file.",
        discussion: """
            The baseline lists each finding by rule and REGISTER.Field (not by line), so `check --baseline FILE` \
            keeps accepting it across unrelated edits and reports only what is new. Versioned JSON ("version": 1).
            """)

    @OptionGroup var options: TreeOptions
    @OptionGroup var policy: PolicyOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the baseline (default: standard output).", valueName: "file"))
    var output: String?

    func run(_ analysis: Analysis) throws {
        let baseline = Baseline(
            entries: analysis.findings.map { Baseline.Entry(rule: $0.rule, key: $0.key, message: $0.message) },
            kernel: analysis.kernel)
        if let output, output != "-" {
            do { try baseline.encoded().write(toFile: output, atomically: true, encoding: .utf8) } catch {
                throw CheckProblem("cannot write \(output): \(error.localizedDescription)")
            }
            printError("ftrlint: wrote \(baseline.entries.count) finding\(baseline.entries.count == 1 ? "" : "s") to \(output)")
        } else {
            print(baseline.encoded(), terminator: "")
        }
    }
}

import ArgumentParser
import Foundation
import KernelModel
import KernelTree
import Rules
import ToolError

/// `ftrlint check`: runs every rule on a tree and reports the findings.
struct CheckCommand: TreeCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Report ID register fields KVM leaks to guests (and the other rules' findings).",
        discussion: """
            Builds the tree's model (cpufeature's tables, KVM's register tables and guest view), runs every rule \
            (docs/rules/) and prints the findings, anchored at the ARM64_FTR_BITS entry with a note at the KVM \
            function that decides the field. With --base REV (in a git checkout) only findings the work tree adds \
            to REV are reported, and the ones it fixes are listed on stderr; REV's files are read with git cat-file, \
            the checkout is not touched. With --b4 a patch (git format-patch) is read on stdin and only what it \
            introduces is printed, one line per finding, `ERROR:` before errors, nothing when it is clean: \
            `git config b4.prep-perpatch-check-cmd "ftrlint check --b4 ."`.
            Exit status: 0 clean, 1 findings at or above --fail-on, 2 the analysis could not be completed or the \
            input is unusable.
            """)

    @OptionGroup var options: TreeOptions
    @OptionGroup var policy: PolicyOptions
    @OptionGroup var report: ReportOptions

    @Option(help: ArgumentHelp("Report only findings new against this git revision of the tree.", valueName: "rev"))
    var base: String?

    @Flag(help: "b4 mode: read one patch on stdin, print only what it introduces (see `b4 prep --check`).")
    var b4 = false

    @Flag(help: "List the rules (id, default severity, summary) and exit.")
    var listRules = false

    func validate() throws {
        if b4, base != nil { throw ValidationError("--b4 and --base cannot be combined") }
    }

    func run() throws {
        if listRules { return print(RulesCommand.list(), terminator: "") }
        if b4 {
            try B4Check(options: options, policy: policy, report: report).run()
            return
        }
        try reportingErrors {
            let (policy, settings) = try report.resolve(self.policy, tree: options.tree)
            if let base {
                let git = try GitRepository(directory: options.tree)
                guard let commit = git.commit(base) else {
                    throw GitError("--base \(base): not a commit in the git repository of \(options.tree)")
                }
                let old = try Analysis(
                    options: options, policy: policy, overlay: try git.overlay(at: commit),
                    enabling: settings.only)
                let new = try Analysis(options: options, policy: policy, enabling: settings.only)
                let diff = FindingDiff(old: old.findings, new: new.findings)
                try settings.emit(new, findings: diff.introduced, fixed: diff.fixed, against: "\(base) (\(commit.prefix(12)))")
            } else {
                let analysis = try Analysis(options: options, policy: policy, enabling: settings.only)
                try settings.emit(analysis, findings: analysis.findings)
            }
        }
    }
}

/// A problem with the command's input that is not the tree's: one line.
struct CheckProblem: ToolError {
    let description: String
    init(_ text: String) { description = text }
}

import ArgumentParser
import Foundation
import KernelModel
import KernelTree
import Rules

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

    func validate() throws {
        if b4, base != nil { throw ValidationError("--b4 and --base cannot be combined") }
    }

    func run() throws {
        if b4 {
            try B4Check(options: options, policy: policy, report: report).run()
            return
        }
        try reportingErrors {
            let policy = try self.policy.load()
            let baseline = try report.loadBaseline()
            if let base {
                let git = try GitRepository(directory: options.tree)
                guard let commit = git.commit(base) else {
                    throw GitError("--base \(base): not a commit in the git repository of \(options.tree)")
                }
                let old = try Analysis(options: options, policy: policy, overlay: try git.overlay(at: commit))
                let new = try Analysis(options: options, policy: policy)
                let diff = FindingDiff(old: old.findings, new: new.findings)
                try report.emit(new, findings: diff.introduced, baseline: baseline, fixed: diff.fixed,
                                against: "\(base) (\(commit.prefix(12)))")
            } else {
                let analysis = try Analysis(options: options, policy: policy)
                try report.emit(analysis, findings: analysis.findings, baseline: baseline)
            }
        }
    }
}

/// Where the policy comes from.
struct PolicyOptions: ParsableArguments {
    @Option(name: .customLong("policy"), help: ArgumentHelp("A policy file to use instead of the shipped one.", valueName: "file"))
    var file: String?

    @Option(help: ArgumentHelp("A policy file whose entries are added to the policy (replacing entries with the same key).",
                               valueName: "file"))
    var policyAdditions: String?

    func load() throws -> Policy {
        let policy = try file.map { try Policy.load(file: $0) } ?? Policy.shipped()
        guard let policyAdditions else { return policy }
        return policy.merging(additions: try Policy.load(file: policyAdditions))
    }
}

extension Severity: ExpressibleByArgument {}

/// How findings are printed, filtered and turned into an exit status.
struct ReportOptions: ParsableArguments {
    @Option(help: "Output format: \(FindingFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: FindingFormat = .gcc

    @Option(help: ArgumentHelp("Exit with status 1 when a finding is at least this severe: note, warning or error.",
                               valueName: "severity"))
    var failOn: Severity = .error

    @Option(help: ArgumentHelp("Accept the findings this baseline lists (written by `ftrlint baseline`).", valueName: "file"))
    var baseline: String?

    func loadBaseline() throws -> Baseline? { try baseline.map { try Baseline.load(file: $0) } }

    /// Prints `findings` (those of `analysis`, or the ones new against a base), the summary and the fixed ones
    /// on stderr, then throws the exit status.
    func emit(_ analysis: Analysis, findings: [Finding], baseline: Baseline?, fixed: [Finding]? = nil,
              against: String? = nil) throws {
        let shown = baseline.map { b in findings.filter { !b.accepts(rule: $0.rule, key: $0.key) } } ?? findings
        let report = CheckReport(findings: shown, rules: RuleRegistry.descriptions, fields: analysis.fields,
                                 treeRoot: analysis.treeRoot, kernel: analysis.kernel)
        print(format.render(report), terminator: "")
        for f in fixed ?? [] { printError("ftrlint: \(f.fixedLine)") }
        if format == .gcc {
            var summary = "ftrlint: " + Self.counts(shown) + " in \(analysis.fields.count) fields"
            if let against { summary += ", new against \(against)" }
            if let fixed, !fixed.isEmpty { summary += "; \(fixed.count) fixed" }
            if let baseline {
                let accepted = findings.count - shown.count
                summary += "; \(accepted) accepted by the baseline"
                // Only a full check can tell which baseline entries no longer match anything.
                if fixed == nil {
                    let stale = baseline.unmatched(analysis.findings.map { ($0.rule, $0.key) }).count
                    if stale > 0 { summary += ", \(stale) baseline entr\(stale == 1 ? "y" : "ies") no longer found" }
                }
            }
            printError(summary)
        }
        throw Self.status(shown, failOn: failOn)
    }

    static func status(_ findings: [Finding], failOn: Severity) -> ExitCode {
        findings.contains { $0.severity >= failOn } ? ExitStatus.findings : ExitStatus.clean
    }

    /// "2 errors, 1 warning, 5 notes"
    static func counts(_ findings: [Finding]) -> String {
        [Severity.error, .warning, .note].map { s in
            let n = findings.filter { $0.severity == s }.count
            return "\(n) \(s.rawValue)\(n == 1 ? "" : "s")"
        }.joined(separator: ", ")
    }
}

/// A problem with the command's input that is not the tree's: one line.
struct CheckProblem: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}

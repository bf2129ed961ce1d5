import ArgumentParser
import KernelModel
import Rules

/// What a check run reports: the command line's options over the configuration file's, resolved.
struct ReportSettings {
    let format: FindingFormat
    let failOn: Severity
    let minSeverity: Severity
    /// Rules to report (empty: every rule), and rules not to.
    let only: Set<String>
    let ignore: Set<String>
    let baseline: Baseline?
    /// Colour gcc lines (a terminal, or --color always).
    let color: Bool

    /// Whether the run reports `f` at all, before the baseline: --only, --ignore and --min-severity.
    func selects(_ f: Finding) -> Bool {
        (only.isEmpty || only.contains(f.rule)) && !ignore.contains(f.rule) && f.severity >= minSeverity
    }

    /// Prints `findings` (those of `analysis`, or the ones new against a base), the summary and the fixed ones
    /// on stderr, then throws the exit status.
    func emit(_ analysis: Analysis, findings: [Finding], fixed: [Finding]? = nil, against: String? = nil) throws {
        let selected = findings.filter(selects)
        let accepted = baseline.map { b in selected.filter { !b.accepts(rule: $0.rule, key: $0.key) } } ?? selected
        let shown = Self.ordered(accepted)
        let report = CheckReport(
            findings: shown, rules: RuleRegistry.descriptions, fields: analysis.fields,
            treeRoot: analysis.treeRoot, kernel: analysis.kernel,
            fixes: SuggestedFixes(analysis, findings: shown))
        print(format == .gcc ? GccReporter(color: color).render(report) : format.render(report), terminator: "")
        for f in fixed ?? [] where selects(f) { printError("ftrlint: \(f.fixedLine)") }
        if format == .gcc {
            var summary = "ftrlint: " + Self.counts(shown) + " in \(analysis.fields.count) fields"
            if let against { summary += ", new against \(against)" }
            if let fixed, !fixed.isEmpty { summary += "; \(fixed.filter(selects).count) fixed" }
            if findings.count > selected.count {
                summary += "; \(findings.count - selected.count) not selected (--only, --ignore, --min-severity)"
            }
            if let baseline {
                let accepted = selected.count - shown.count
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

    /// Most severe first, each severity in the order the rules give (by place): the first line printed is
    /// the one to act on.
    static func ordered(_ findings: [Finding]) -> [Finding] {
        [Severity.error, .warning, .note].flatMap { s in findings.filter { $0.severity == s } }
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

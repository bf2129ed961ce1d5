import KernelModel
import Rules

/// GitHub workflow commands: one annotation per finding, on the file and line in the pull request.
///
///     ::error file=arch/arm64/kernel/cpufeature.c,line=301,col=2,title=ftrlint-RULE::message
///
/// Severity error → `::error`, warning → `::warning`, note → `::notice`. The related KVM places are
/// appended to the message (an annotation has one position), and so is a suggested fix, as gcc's note
/// says it. Paths are relative to the tree, which is
/// what GitHub expects when the tree is the repository checked out.
///
/// GitHub shows at most 10 annotations of each level per step and drops the rest without a word, so
/// this prints the first 10 errors and 10 warnings and, when some are left out, one `::notice` that
/// counts them (notices then stop at 9, so that one is always shown). The full list is in the other
/// formats: run the check a second time with `--format sarif` for code scanning.
struct GithubReporter {
    static let limit = 10

    func render(_ report: CheckReport) -> String {
        var shown: [Severity: Int] = [:], left: [Severity: Int] = [:]
        let overflow = [Severity.error, .warning, .note].contains { s in
            report.findings.filter { $0.severity == s }.count > Self.limit
        }
        var out = ""
        for f in report.findings {
            let cap = f.severity == .note && overflow ? Self.limit - 1 : Self.limit
            guard shown[f.severity, default: 0] < cap else {
                left[f.severity, default: 0] += 1
                continue
            }
            shown[f.severity, default: 0] += 1
            var message = f.message
            for r in f.related { message += "\n\(GccReporter.position(r.location)): \(r.message)" }
            if let fix = report.fix(for: f) { message += "\n\(GccReporter.position(fix)): \(GccReporter.suggestion(fix))" }
            let properties = [
                "file=" + Escape.githubProperty(f.location.path),
                "line=\(max(1, f.location.line))",
                "col=\(max(1, f.location.column))",
                "title=" + Escape.githubProperty("ftrlint-\(f.rule) \(f.key)"),
            ]
            out += "::\(Self.command(f.severity)) \(properties.joined(separator: ","))::\(Escape.githubData(message))\n"
        }
        let rest = left.values.reduce(0, +)
        if rest > 0 {
            let counts = [Severity.error, .warning, .note].compactMap { s in
                left[s].map { "\($0) \(s.rawValue)\($0 == 1 ? "" : "s")" }
            }
            out +=
                "::notice title=ftrlint::"
                + Escape.githubData(
                    "\(rest) more finding\(rest == 1 ? "" : "s") not annotated (GitHub shows \(Self.limit) of each level per step): "
                        + counts.joined(separator: ", ") + "; the gcc or SARIF output lists every one") + "\n"
        }
        return out
    }

    static func command(_ severity: Severity) -> String {
        switch severity {
        case .error: return "error"
        case .warning: return "warning"
        case .note: return "notice"
        }
    }
}

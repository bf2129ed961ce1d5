import KernelModel
import Rules

/// GitHub workflow commands: one annotation per finding, on the file and line in the pull request.
///
///     ::error file=arch/arm64/kernel/cpufeature.c,line=301,col=2,title=ftrlint-RULE::message
///
/// Severity error → `::error`, warning → `::warning`, note → `::notice`. The related KVM places are
/// appended to the message (an annotation has one position). Paths are relative to the tree, which is
/// what GitHub expects when the tree is the repository checked out.
struct GithubReporter {
    func render(_ report: CheckReport) -> String {
        var out = ""
        for f in report.findings {
            let command: String
            switch f.severity {
            case .error: command = "error"
            case .warning: command = "warning"
            case .note: command = "notice"
            }
            var message = f.message
            for r in f.related { message += "\n\(GccReporter.position(r.location)): \(r.message)" }
            let properties = [
                "file=" + Escape.githubProperty(f.location.path),
                "line=\(max(1, f.location.line))",
                "col=\(max(1, f.location.column))",
                "title=" + Escape.githubProperty("ftrlint-\(f.rule) \(f.key)"),
            ]
            out += "::\(command) \(properties.joined(separator: ","))::\(Escape.githubData(message))\n"
        }
        return out
    }
}

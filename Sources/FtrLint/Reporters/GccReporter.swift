import Bound
import KernelModel
import Rules

/// gcc/clang diagnostic lines, what editors (compile-mode, errorformat) and CI log parsers read:
///
///     arch/arm64/kernel/cpufeature.c:301:2: error: ID_AA64PFR1_EL1.SME ... [ftrlint-RULE]
///     arch/arm64/kvm/sys_regs.c:1602:1: note: ... should handle it
///
/// Paths are relative to the tree, lines and columns 1-based. Each finding's related places follow it
/// as `note:` lines, then, for a finding `ftrlint bound` answers, what it would insert there:
///
///     arch/arm64/kvm/sys_regs.c:1604:1: note: suggested fix: val &= ~ID_AA64PFR1_EL1_SME_MASK;
///
/// at the line the statement goes before (SuggestedFixes). Nothing at all when there are no findings.
///
/// The bracket is the rule's id behind ftrlint's prefix, `[ftrlint-leak]` for `leak`, as gcc writes
/// `[-Wformat]`: scripts match on it, so it stays as it has always been printed (docs/output.md).
/// With `color` (a terminal), gcc's colours: bold position, bold red `error:`, bold magenta
/// `warning:`, bold cyan `note:`.
struct GccReporter {
    var color = false

    func render(_ report: CheckReport) -> String {
        var out = ""
        for f in report.findings {
            out += line(Self.position(f.location), f.severity, Escape.oneLine(f.message) + " [ftrlint-\(f.rule)]")
            for r in f.related { out += line(Self.position(r.location), .note, Escape.oneLine(r.message)) }
            if let fix = report.fix(for: f) { out += line(Self.position(fix), .note, Self.suggestion(fix)) }
        }
        return out
    }

    func line(_ position: String, _ severity: Severity, _ message: String) -> String {
        guard color else { return "\(position): \(severity.rawValue): \(message)\n" }
        return ANSI.bold + position + ":" + ANSI.reset + " " + ANSI.color(severity) + severity.rawValue + ":" + ANSI.reset
            + " " + message + "\n"
    }

    /// Where a suggested fix goes: the line its lines are inserted before, column 1.
    static func position(_ fix: BoundWriter.Suggestion) -> String {
        position(SourceRef(path: fix.path, line: fix.line, column: 1))
    }

    /// `suggested fix: val &= ~ID_AA64DFR0_EL1_TraceBuffer_MASK;`
    static func suggestion(_ fix: BoundWriter.Suggestion) -> String {
        "suggested fix: " + Escape.oneLine(fix.statement)
    }

    /// `path:line:col`, with line and column at least 1 (a parser reads 0 as "no position").
    static func position(_ ref: SourceRef) -> String {
        "\(ref.path):\(max(1, ref.line)):\(max(1, ref.column))"
    }
}

import KernelModel
import Rules

/// gcc/clang diagnostic lines, what editors (compile-mode, errorformat) and CI log parsers read:
///
///     arch/arm64/kernel/cpufeature.c:301:2: error: ID_AA64PFR1_EL1.SME ... [ftrlint-RULE]
///     arch/arm64/kvm/sys_regs.c:1602:1: note: ... should handle it
///
/// Paths are relative to the tree, lines and columns 1-based. Each finding's related places follow it
/// as `note:` lines. Nothing at all when there are no findings.
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
        }
        return out
    }

    func line(_ position: String, _ severity: Severity, _ message: String) -> String {
        guard color else { return "\(position): \(severity.rawValue): \(message)\n" }
        return ANSI.bold + position + ":" + ANSI.reset + " " + ANSI.color(severity) + severity.rawValue + ":" + ANSI.reset
            + " " + message + "\n"
    }

    /// `path:line:col`, with line and column at least 1 (a parser reads 0 as "no position").
    static func position(_ ref: SourceRef) -> String {
        "\(ref.path):\(max(1, ref.line)):\(max(1, ref.column))"
    }
}

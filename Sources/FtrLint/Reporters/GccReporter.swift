import KernelModel
import Rules

/// gcc/clang diagnostic lines, what editors (compile-mode, errorformat) and CI log parsers read:
///
///     arch/arm64/kernel/cpufeature.c:301:2: error: ID_AA64PFR1_EL1.SME ... [ftrlint-RULE]
///     arch/arm64/kvm/sys_regs.c:1602:1: note: ... should handle it
///
/// Paths are relative to the tree, lines and columns 1-based. Each finding's related places follow it
/// as `note:` lines. Nothing at all when there are no findings.
struct GccReporter {
    func render(_ report: CheckReport) -> String {
        var out = ""
        for f in report.findings {
            out += "\(Self.position(f.location)): \(f.severity.rawValue): \(Escape.oneLine(f.message)) [ftrlint-\(f.rule)]\n"
            for r in f.related {
                out += "\(Self.position(r.location)): note: \(Escape.oneLine(r.message))\n"
            }
        }
        return out
    }

    /// `path:line:col`, with line and column at least 1 (a parser reads 0 as "no position").
    static func position(_ ref: SourceRef) -> String {
        "\(ref.path):\(max(1, ref.line)):\(max(1, ref.column))"
    }
}

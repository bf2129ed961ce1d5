import KernelModel

/// `unverified`: a field passes through to normal guests at a level whose requirement has no register
/// the analysis could look for in KVM's tables (traps, PSTATE handling, EL2 controls).
public enum UnverifiedRule: Rule {
    public static let description = RuleDescription(
        identifier: "unverified", name: "Support the analysis cannot verify",
        rationale: """
        The policy classifies the field `kvm`, a normal guest can see the host's value, and the first level \
        KVM would have to support is described only by a `needs` text (a trap, PSTATE handling in KVM's \
        emulated exception entry, an EL2 control) with no system register whose handler could be found in \
        KVM's tables. ftrlint cannot tell whether this tree meets it, so it says so as a warning rather than \
        claiming a leak; `--fail-on warning` makes CI stop on it. Where the level names registers, `leak` \
        decides instead.
        """,
        severity: .warning)

    public static func check(_ context: RuleContext) -> [Finding] {
        context.leakFindings(Self.self, guests: "normal", evidenced: false) { $0.normal }
            .map { f in
                Finding(rule: f.rule, severity: f.severity, register: f.register, field: f.field,
                        message: f.message.replacingOccurrences(of: " leaks to normal guests: ",
                                                                with: " may leak to normal guests: "),
                        location: f.location, related: f.related)
            }
    }

    static let dit = Example.kvm("ID_AA64PFR0_EL1.DIT", bound: 1, levels: [:], needs: [1: "preserve PSTATE.DIT"])
    static let spe = Example.kvm("ID_AA64DFR0_EL1.PMSVer", bound: 0, levels: [1: ["PMSCR_EL1"]])

    public static var triggeringExamples: [RuleExample] {
        [
            RuleExample("passthrough of a field whose first level only has `needs`",
                        Example.context([.init(dit.key, dit, normal: Example.passthrough)]), expect: [dit.key]),
        ]
    }

    public static var nonTriggeringExamples: [RuleExample] {
        [
            RuleExample("KVM bounds the field itself", Example.context([.init(dit.key, dit, normal: Example.forced(1))])),
            RuleExample("a level with registers is leak's to decide",
                        Example.context([.init(spe.key, spe, normal: Example.passthrough)], undefined: ["PMSCR_EL1"])),
        ]
    }
}

import KernelModel

/// `unverified`: a field passes through to normal guests at a level whose requirement has no register
/// the analysis could look for in KVM's tables (traps, PSTATE handling, EL2 controls).
public enum UnverifiedRule: Rule {
    public static let description = RuleDescription(
        identifier: "unverified", name: "Support the analysis cannot verify",
        rationale: """
        The policy classifies the field `kvm`, a normal guest can see the host's value, and a level KVM \
        would have to support is described by a `needs` text (a trap, PSTATE handling in KVM's emulated \
        exception entry, an EL2 control) whose evidence the analysis does not find: none of the names the \
        level gives as evidence (the control bit KVM would set, the PSTATE bit its exception entry would \
        keep, the exception class it would handle) is used in KVM's code, or the level gives none. ftrlint \
        cannot tell whether this tree meets it, so it says so as a warning rather than claiming a leak; \
        `--fail-on warning` makes CI stop on it. Where a level names registers KVM does not handle, `leak` \
        reports that instead, whatever lower level is unverified.
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

    static let dit = Example.kvm("ID_AA64PFR0_EL1.DIT", bound: 1, levels: [:], needs: [1: "preserve PSTATE.DIT"],
                                 evidence: [1: ["PSR_DIT_BIT"]])
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
            RuleExample("KVM's code uses the name the level gives as evidence",
                        Example.context([.init(dit.key, dit, normal: Example.passthrough)], evidence: ["PSR_DIT_BIT"])),
            RuleExample("a level with registers is leak's to decide",
                        Example.context([.init(spe.key, spe, normal: Example.passthrough)], undefined: ["PMSCR_EL1"])),
        ]
    }
}

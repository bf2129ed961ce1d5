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
        severity: .warning,
        triggeringExamples: triggeringExamples, nonTriggeringExamples: nonTriggeringExamples)

    public static func check(_ context: RuleContext) -> [Finding] {
        // What the leak rules leave: the levels KVM may lack are `needs` texts, with no register to look for.
        context.leaks { $0.normal }.filter { !$0.leak.shortfall.isEvidenced }.map { leaked in
            let f = leaked.field
            let message = "\(f.key) may leak to normal guests: \(leaked.leak.exposure.how), and \(leaked.leak.shortfall.text)"
            return finding(f.register, f.name, message, at: f.location, related: context.leakNote(leaked, guests: .normal))
        }
    }

    static let dit = Example.kvm(
        "ID_AA64PFR0_EL1.DIT", bound: 1, levels: [:], needs: [1: "preserve PSTATE.DIT"],
        evidence: [1: ["PSR_DIT_BIT"]])
    static let spe = Example.kvm("ID_AA64DFR0_EL1.PMSVer", bound: 0, levels: [1: ["PMSCR_EL1"]])

    private static var triggeringExamples: [RuleExample] {
        [
            RuleExample(
                "passthrough of a field whose first level only has `needs`",
                Example.context([.init(dit.key, dit, normal: Example.passthrough)]), expect: [dit.key])
        ]
    }

    private static var nonTriggeringExamples: [RuleExample] {
        [
            RuleExample("KVM bounds the field itself", Example.context([.init(dit.key, dit, normal: Example.forced(1))])),
            RuleExample(
                "KVM's code uses the name the level gives as evidence",
                Example.context([.init(dit.key, dit, normal: Example.passthrough)], evidence: ["PSR_DIT_BIT"])),
            RuleExample(
                "a level with registers is leak's to decide",
                Example.context([.init(spe.key, spe, normal: Example.passthrough)], undefined: ["PMSCR_EL1"])),
        ]
    }
}

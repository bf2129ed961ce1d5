import KernelModel

/// `leak`: a field KVM must support reaches normal guests at a value whose requirements KVM does not meet.
public enum LeakRule: Rule {
    public static let description = RuleDescription(
        identifier: "leak", name: "Field leaks to guests",
        rationale: """
            cpufeature describes the field, so the sanitised value KVM starts from carries the hardware's value; \
            the policy classifies it `kvm` (the feature needs registers, traps or state KVM must provide). A normal \
            guest can see a value whose requirements KVM does not meet in this tree: KVM passes the host's value \
            through (always, or on one side of a run-time condition), or caps or sets it above what it handles. \
            What KVM handles is the highest level L such that every register the policy names for levels 1..L has a \
            sys_reg_descs entry with a real access handler (not one that only injects UNDEF, not always hidden). A \
            level described by a `needs` text is met when KVM's code uses a name the level gives as evidence; \
            otherwise the unverified rule reports it, as a warning. Levels at or below 0 (SignedEnum's "implemented") are not checked, nor \
            levels at or below the architecture's `minimum` (every guest has those: mandatory-unhandled reports \
            what KVM lacks for them) or above its `maximum`. Every level up to what the guest can see is looked \
            at: one the analysis cannot verify never hides a higher one KVM plainly lacks. A value \
            KVM computes from its own state is KVM's choice, not a leak; an unknown treatment is reported by \
            unknown-treatment, never taken as safe. New hardware that implements the feature then shows guests a \
            feature KVM cannot run (FEAT_SPE did, until commit 96f4f6809bee).
            """,
        severity: .error,
        triggeringExamples: triggeringExamples, nonTriggeringExamples: nonTriggeringExamples)

    public static func check(_ context: RuleContext) -> [Finding] {
        findings(Self.self, in: context, guests: .normal)
    }

    /// The findings of `rule` on one view of KVM, its `guests`': fields they can see at a level KVM evidently
    /// does not meet (registers it does not handle, a signed field it clears). nv-leak and protected-leak
    /// are this check on their views.
    static func findings<R: Rule>(_ rule: R.Type, in context: RuleContext, guests: Guests) -> [Finding] {
        context.leaks(guests.treatment).filter { $0.leak.shortfall.isEvidenced }.map { leaked in
            let f = leaked.field
            return R.finding(
                f.register, f.name, leaked.leak.message(f.key, guests: guests.rawValue), at: f.location,
                related: context.leakNote(leaked, guests: guests))
        }
    }

    static let spe = Example.kvm(
        "ID_AA64DFR0_EL1.PMSVer", bound: 0,
        levels: [1: ["PMSCR_EL1", "PMSIDR_EL1"], 3: ["PMSNEVFR_EL1"]], needs: [2: "SPEv1p1 events"])
    static let dit = Example.kvm("ID_AA64PFR0_EL1.DIT", bound: 1, levels: [:], needs: [1: "preserve PSTATE.DIT"])
    static let mixed = Example.kvm(
        "ID_AA64PFR0_EL1.RAS", bound: 1, levels: [2: ["ERXPFGF_EL1"]], needs: [1: "HCR_EL2.TERR traps"])
    static let debug = Example.kvm("ID_AA64DFR0_EL1.DebugVer", bound: 10, levels: [6: ["OSECCR_EL1"]], minimum: 6)
    static let gcie = Example.kvm("ID_AA64PFR2_EL1.GCIE", bound: 1, levels: [1: ["ICC_ICSR_EL1"]])
    static let gcieTraps = ["ICC_ICSR_EL1": ["ICH_HFGRTR_EL2.ICC_ICSR_EL1"]]
    static let mte = Example.kvm("ID_AA64PFR1_EL1.MTE", bound: 3, levels: [2: ["GMID_EL1"]])
    static let mteTraps = ["GMID_EL1": ["HCR_EL2.TID5"]]
    static let ecv = Example.kvm("ID_AA64MMFR0_EL1.ECV", bound: 1, levels: [1: ["CNTPCTSS_EL0"]])
    static let ecvTraps = ["CNTPCTSS_EL0": ["CNTHCTL_EL2.EL1PCTEN=0"]]

    private static var triggeringExamples: [RuleExample] {
        [
            RuleExample(
                "passthrough of a field whose level-1 registers KVM does not handle",
                Example.context([.init(spe.key, spe, normal: Example.passthrough)], undefined: ["PMSCR_EL1"]),
                expect: [spe.key]),
            RuleExample(
                "passthrough on one side of a run-time condition",
                Example.context([.init(spe.key, spe, normal: Example.passthrough(when: "kvm_has_feat(kvm, SPE)"))]),
                expect: [spe.key]),
            RuleExample(
                "a level the analysis cannot verify does not hide a higher one whose registers KVM lacks",
                Example.context([.init(mixed.key, mixed, normal: Example.passthrough)]),
                expect: [mixed.key]),
            RuleExample(
                "a register the hardware runs, but KVM also traps it for guests with the feature",
                Example.context(
                    [.init(gcie.key, gcie, normal: Example.forced(1))], evidence: ["ICH_HFGRTR_EL2_ICC_ICSR_EL1"],
                    traps: gcieTraps),
                expect: [gcie.key]),
            RuleExample(
                "KVM traps the register where another test fails, which a guest with the feature may pass",
                Example.context(
                    [.init(mte.key, mte, normal: Example.passthrough(when: "kvm_has_mte(vcpu->kvm)"))],
                    traps: mteTraps, gated: ["HCR_TID5": [.condition(KvmEvidence.Gate.key("vcpu_is_protected(vcpu)"))]]),
                expect: [mte.key]),
            RuleExample(
                "KVM never sets the enable: the register traps, and KVM does not handle it",
                Example.context([.init(ecv.key, ecv, normal: Example.passthrough)], traps: ecvTraps),
                expect: [ecv.key]),
            RuleExample(
                "a cap above what KVM handles: level 3 needs a register KVM lacks",
                Example.context([.init(spe.key, spe, normal: Example.capped(3))], handled: ["PMSCR_EL1", "PMSIDR_EL1"]),
                expect: [spe.key]),
        ]
    }

    private static var nonTriggeringExamples: [RuleExample] {
        [
            RuleExample("KVM hides the field", Example.context([.init(spe.key, spe, normal: Example.hidden)])),
            RuleExample(
                "KVM caps the field below the first level it does not handle",
                Example.context([.init(spe.key, spe, normal: Example.capped(2))], handled: ["PMSCR_EL1", "PMSIDR_EL1"])),
            RuleExample(
                "KVM handles every level's registers and caps the needs-only ones",
                Example.context([.init(dit.key, dit, normal: Example.forced(1))])),
            RuleExample(
                "passthrough of a level that only has `needs`: unverified's to report, with no register to look for",
                Example.context([.init(dit.key, dit, normal: Example.passthrough)])),
            RuleExample(
                "a level at the architecture's minimum is every guest's: mandatory-unhandled reports its registers",
                Example.context([.init(debug.key, debug, normal: Example.passthrough)])),
            RuleExample(
                "the host's value passes through only under a condition that bounds it below the first unmet level",
                Example.context(
                    [.init(spe.key, spe, normal: Example.passthrough(when: "!(host_is_safe())"))],
                    conditions: [
                        Policy.conditionKey("!(host_is_safe())"):
                            Policy.Condition(bounds: [spe.key: 0], reason: "example")
                    ])),
            RuleExample(
                "a register the hardware runs: KVM traps it only for guests without the feature (a feature map)",
                Example.context(
                    [.init(gcie.key, gcie, normal: Example.forced(1))],
                    traps: gcieTraps, gated: ["ICH_HFGRTR_EL2_ICC_ICSR_EL1": [.field(gcie.key)]])),
            RuleExample(
                "a register the hardware runs: KVM traps it only in the `else` of the test the guest's view rests on",
                Example.context(
                    [.init(mte.key, mte, normal: Example.passthrough(when: "kvm_has_mte(vcpu->kvm)"))],
                    traps: mteTraps, gated: ["HCR_TID5": [.condition(KvmEvidence.Gate.key("kvm_has_mte(kvm)"))]])),
            RuleExample(
                "a register the hardware runs: KVM sets the enable that would trap it while clear",
                Example.context(
                    [.init(ecv.key, ecv, normal: Example.passthrough)], evidence: ["CNTHCTL_EL1PCTEN"],
                    traps: ecvTraps)),
            RuleExample(
                "KVM computes the value from its own state",
                Example.context([.init(spe.key, spe, normal: Example.computed)])),
            RuleExample(
                "an isa field passes through",
                Example.context([
                    .init(
                        "ID_AA64ISAR0_EL1.AES",
                        Example.isa("ID_AA64ISAR0_EL1.AES", bound: 2), normal: Example.passthrough)
                ])),
            RuleExample(
                "an unknown treatment is unknown-treatment's to report, not a leak verdict",
                Example.context([.init(spe.key, spe, normal: Example.unknown("a loop"))])),
        ]
    }
}

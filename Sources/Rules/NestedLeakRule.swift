import KernelModel

/// `nv-leak`: the same as `leak`, for what a guest with nested virtualisation sees.
public enum NestedLeakRule: Rule {
    public static let description = RuleDescription(
        identifier: "nv-leak", name: "Field leaks to nested-virtualisation guests",
        rationale: """
            The `leak` check applied to the view of a guest with nested virtualisation (FEAT_NV2 vCPUs, where \
            KVM limits ID registers again in limit_nv_id_reg()): a `kvm` field such a guest can see at a value \
            whose requirements KVM does not meet in this tree. Trees without NV support have no nested view and \
            this rule reports nothing on them. A signed field of an AArch64 ID register that the view clears is \
            not hidden: 0 reads as implemented (FEAT_DoubleLock, a 4KB granule), so clearing it claims level 0 \
            whatever the hardware has; that is reported for an `isa` field always, and for a `kvm` field where KVM \
            lacks what level 0 needs. Unknown nested treatments are reported by unknown-treatment.
            """,
        severity: .error,
        triggeringExamples: triggeringExamples, nonTriggeringExamples: nonTriggeringExamples)

    public static func check(_ context: RuleContext) -> [Finding] {
        LeakRule.findings(Self.self, in: context, guests: .nested)
    }

    static let trbe = Example.kvm("ID_AA64DFR0_EL1.TraceBuffer", bound: 0, levels: [1: ["TRBLIMITR_EL1"]])
    static let tgran4 = Example.isa("ID_AA64MMFR0_EL1.TGRAN4", bound: 1)
    static let doubleLock = Example.kvm("ID_AA64DFR0_EL1.DoubleLock", bound: 0, levels: [0: ["OSDLR_EL1"]])

    private static var triggeringExamples: [RuleExample] {
        [
            RuleExample(
                "hidden from normal guests, passed through to nested ones",
                Example.context([.init(trbe.key, trbe, normal: Example.hidden, nested: Example.passthrough)]),
                expect: [trbe.key]),
            RuleExample(
                "a signed field cleared for nested guests: 0 reads as implemented, whatever the hardware has",
                Example.context([.init(tgran4.key, tgran4, normal: Example.passthrough, nested: Example.hidden, signed: true)]),
                expect: [tgran4.key]),
            RuleExample(
                "a signed kvm field cleared: level 0's registers KVM does not handle",
                Example.context([
                    .init(
                        doubleLock.key, doubleLock, normal: Example.passthrough, nested: Example.hidden,
                        signed: true)
                ]),
                expect: [doubleLock.key]),
        ]
    }

    private static var nonTriggeringExamples: [RuleExample] {
        [
            RuleExample(
                "hidden in both views",
                Example.context([.init(trbe.key, trbe, normal: Example.hidden, nested: Example.hidden)])),
            RuleExample(
                "no NV support: no nested view (a normal-guest leak is leak's)",
                Example.context([.init(trbe.key, trbe, normal: Example.passthrough, nested: nil)])),
            RuleExample(
                "a signed kvm field cleared where KVM handles what level 0 needs",
                Example.context(
                    [
                        .init(
                            doubleLock.key, doubleLock, normal: Example.passthrough, nested: Example.hidden,
                            signed: true)
                    ], handled: ["OSDLR_EL1"])),
            RuleExample(
                "an unsigned field cleared is hidden",
                Example.context([.init(trbe.key, trbe, normal: Example.hidden, nested: Example.hidden)])),
            RuleExample(
                "passed through to nested guests, and KVM handles the registers",
                Example.context(
                    [.init(trbe.key, trbe, normal: Example.hidden, nested: Example.capped(1))],
                    handled: ["TRBLIMITR_EL1"])),
        ]
    }
}

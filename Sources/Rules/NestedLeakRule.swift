import KernelModel

/// `nv-leak`: the same as `leak`, for what a guest with nested virtualisation sees.
public enum NestedLeakRule: Rule {
    public static let description = RuleDescription(
        identifier: "nv-leak", name: "Field leaks to nested-virtualisation guests",
        rationale: """
        The `leak` check applied to the view of a guest with nested virtualisation (FEAT_NV2 vCPUs, where \
        KVM limits ID registers again in limit_nv_id_reg()): a `kvm` field such a guest can see at a value \
        whose requirements KVM does not meet in this tree. Trees without NV support have no nested view and \
        this rule reports nothing on them. Unknown nested treatments are reported by unknown-treatment.
        """,
        severity: .error)

    public static func check(_ context: RuleContext) -> [Finding] {
        context.leakFindings(Self.self, guests: "nested-virtualisation") { $0.nested }
    }

    static let trbe = Example.kvm("ID_AA64DFR0_EL1.TraceBuffer", bound: 0, levels: [1: ["TRBLIMITR_EL1"]])

    public static var triggeringExamples: [RuleExample] {
        [
            RuleExample("hidden from normal guests, passed through to nested ones",
                        Example.context([.init(trbe.key, trbe, normal: Example.hidden, nested: Example.passthrough)]),
                        expect: [trbe.key]),
        ]
    }

    public static var nonTriggeringExamples: [RuleExample] {
        [
            RuleExample("hidden in both views",
                        Example.context([.init(trbe.key, trbe, normal: Example.hidden, nested: Example.hidden)])),
            RuleExample("no NV support: no nested view (a normal-guest leak is leak's)",
                        Example.context([.init(trbe.key, trbe, normal: Example.passthrough, nested: nil)])),
            RuleExample("passed through to nested guests, and KVM handles the registers",
                        Example.context([.init(trbe.key, trbe, normal: Example.hidden, nested: Example.capped(1))],
                                        handled: ["TRBLIMITR_EL1"])),
        ]
    }
}

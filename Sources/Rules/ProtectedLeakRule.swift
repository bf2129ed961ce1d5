import KernelModel

/// `protected-leak`: the same as `leak`, for what a protected (pKVM) guest sees, when the model has that view.
public enum ProtectedLeakRule: Rule {
    public static let description = RuleDescription(
        identifier: "protected-leak", name: "Field leaks to protected guests",
        rationale: """
            The `leak` check applied to the view of a protected guest under pKVM, whose ID registers the \
            hypervisor at EL2 limits itself (pvm_sys_reg_descs[] in arch/arm64/kvm/hyp/nvhe/sys_regs.c). Trees \
            without that table, and models without a protected view (GuestView.Field.protected nil), get no \
            findings from this rule: it never infers a protected view from the normal one. Whether a register is \
            handled is judged from KVM's tables in sys_regs.c, as for `leak`: the model has no register tables of \
            pKVM's own yet.
            """,
        severity: .error,
        triggeringExamples: triggeringExamples, nonTriggeringExamples: nonTriggeringExamples)

    public static func check(_ context: RuleContext) -> [Finding] {
        LeakRule.findings(Self.self, in: context, guests: .protected)
    }

    static let mte = Example.kvm("ID_AA64PFR1_EL1.MTE", bound: 2, levels: [1: [], 2: ["GCR_EL1", "RGSR_EL1"]])

    private static var triggeringExamples: [RuleExample] {
        [
            RuleExample(
                "the protected view passes through a field whose registers pKVM does not handle",
                Example.context([.init(mte.key, mte, normal: Example.hidden, protected: Example.passthrough)]),
                expect: [mte.key])
        ]
    }

    private static var nonTriggeringExamples: [RuleExample] {
        [
            RuleExample(
                "no protected view in the model: nothing is reported",
                Example.context([.init(mte.key, mte, normal: Example.passthrough, protected: nil)])),
            RuleExample(
                "the protected view hides the field",
                Example.context(
                    [.init(mte.key, mte, normal: Example.passthrough, protected: Example.hidden)],
                    handled: ["GCR_EL1", "RGSR_EL1"])),
        ]
    }
}

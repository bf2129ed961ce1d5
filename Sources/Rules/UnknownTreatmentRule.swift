import KernelModel

/// `unknown-treatment`: the analysis could not determine what KVM shows guests of a field whose verdict depends on it.
public enum UnknownTreatmentRule: Rule {
    public static let description = RuleDescription(
        identifier: "unknown-treatment", name: "KVM's treatment could not be determined",
        rationale: """
            For a field the policy classifies `kvm` or `el2`, whether guests may see it depends on what KVM does \
            with it. When the read-path analysis cannot tell (a loop, a call it cannot follow, inline asm, a handler \
            no file it reads defines, a value that does not evaluate, or no view of the field at all), the field is reported as an error rather than taken as safe: \
            a CI gate must not pass on what the tool could not see. Each view the model has is checked: normal \
            guests, nested-virtualisation guests where the tree supports NV, protected (pKVM) guests where the \
            model has that view. `isa` fields are not checked (any value may reach guests); unclassified fields are \
            reported by `unclassified`.
            """,
        severity: .error,
        triggeringExamples: triggeringExamples, nonTriggeringExamples: nonTriggeringExamples)

    public static func check(_ context: RuleContext) -> [Finding] {
        var findings: [Finding] = []
        let hasNested = context.hasNestedView, hasProtected = context.hasProtectedView
        for (f, entry) in context.classifiedFields {
            guard let entry, entry.fieldClass != .isa else { continue }
            let shape = FieldShape(f)
            let v = context.guestView.fields[f.key]
            let views: [Guests] = [.normal] + (hasNested ? [.nested] : []) + (hasProtected ? [.protected] : [])
            for guests in views {
                let treatment = v.flatMap(guests.treatment)
                guard let why = unknown(treatment, shape) else { continue }
                let related =
                    v.map {
                        context.kvmNote($0, treatment: treatment, protected: guests == .protected) { fn in
                            "\(fn) decides \(f.register) here"
                        }
                    } ?? []
                findings.append(
                    finding(
                        f.register, f.name,
                        "could not determine what KVM shows \(guests.rawValue) guests of \(f.key): \(why)",
                        at: f.location, related: related))
            }
        }
        return findings
    }

    /// Why a treatment is unknown, nil when it is known.
    static func unknown(_ treatment: KvmTreatment?, _ shape: FieldShape) -> String? {
        guard let treatment else { return "the model has no view of the field" }
        if case .unknown(let why) = Exposure(treatment, shape) { return why }
        return nil
    }

    static let amu = Example.kvm("ID_AA64PFR0_EL1.AMU", bound: 0, levels: [1: ["AMCR_EL0"]])

    private static var triggeringExamples: [RuleExample] {
        [
            RuleExample(
                "the read path could not be followed",
                Example.context([.init(amu.key, amu, normal: Example.unknown("unmodelled statement: for (...)"))]),
                expect: [amu.key]),
            RuleExample(
                "the model has no view of an el2 field",
                Example.context([.init("ID_AA64PFR0_EL1.EL2", Example.el2("ID_AA64PFR0_EL1.EL2"), normal: nil)]),
                expect: ["ID_AA64PFR0_EL1.EL2"]),
            RuleExample(
                "known for normal guests, unknown for nested ones",
                Example.context([.init(amu.key, amu, normal: Example.hidden, nested: Example.unknown("budget"))]),
                expect: [amu.key]),
        ]
    }

    private static var nonTriggeringExamples: [RuleExample] {
        [
            RuleExample(
                "a known treatment, even a leaking one",
                Example.context([.init(amu.key, amu, normal: Example.passthrough)])),
            RuleExample(
                "an isa field's treatment does not matter",
                Example.context([
                    .init("ID_AA64ISAR0_EL1.AES", Example.isa("ID_AA64ISAR0_EL1.AES"), normal: Example.unknown("loop"))
                ])),
        ]
    }
}

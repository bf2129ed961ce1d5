import KernelModel

/// `over-bound`: KVM lets normal guests see more of a field than the policy's bound.
public enum OverBoundRule: Rule {
    public static let description = RuleDescription(
        identifier: "over-bound", name: "KVM exposes more than the policy's bound",
        rationale: """
            The policy gives `kvm` fields a bound: the highest value KVM may expose to a normal guest. KVM \
            exceeds it when a value the architecture defines above the bound can reach the guest: KVM passes the \
            host's value through, or caps or sets the field above the bound. The values counted are the ones \
            the tree's sysreg file enumerates for the field (else the levels the policy lists), up to the \
            architecture's maximum where the policy states one; encodings the architecture has not defined yet \
            are not reported. `el2` fields describe EL2 and EL3, which a normal guest never runs at, so they \
            are not reported for normal guests (nested-virtualisation guests are nv-leak's to check). Where \
            `leak` already reports the field as an error this rule stays quiet. For `isa` fields only a cap or \
            value KVM sets above the bound is reported: their bound is the highest value the architecture \
            defines today, and passing them through is what KVM is meant to do.
            """,
        severity: .warning,
        triggeringExamples: triggeringExamples, nonTriggeringExamples: nonTriggeringExamples)

    public static func check(_ context: RuleContext) -> [Finding] {
        var findings: [Finding] = []
        for (f, entry) in context.classifiedFields {
            guard let entry, entry.fieldClass != .el2, let bound = entry.bound,
                let v = context.guestView.fields[f.key]
            else { continue }
            let shape = FieldShape(f)
            let exposure = context.support.exposure(v.normal, shape, field: f.key)
            guard let top = exposure.highest(shape), top > Int64(bound) else { continue }
            if entry.fieldClass == .isa, !exposure.isBoundedByKVM { continue }
            let what: String
            if case .host = exposure {
                // The host's value: only what the architecture defines can reach the guest.
                let over = definedValues(f, entry, shape).filter { $0 > Int64(bound) }
                guard !over.isEmpty else { continue }
                let values = over.map { value in
                    entry.level(Int(value))?.feature.map { "\(value) (\($0))" } ?? "\(value)"
                }
                let noun = over.count == 1 ? "value" : "values"
                what =
                    "\(exposure.how), so the architecture's \(noun) \(Shortfall.list(values)) can reach normal guests, "
                    + "above the policy's bound \(bound)"
            } else {
                // KVM's own cap or value: it chose to let it through.
                what = "\(exposure.how), above the policy's bound \(bound)"
            }
            if Leak.assess(entry, v.normal, shape, context.support) != nil { continue }
            let related = context.kvmNote(v, treatment: v.normal) { fn in "\(fn) decides \(f.register) here" }
            findings.append(finding(f.register, f.name, "\(f.key): \(what)", at: f.location, related: related))
        }
        return findings
    }

    /// The values the architecture defines for the field, as it reads them (SignedEnum's 0xF is -1): the
    /// tree's sysreg enum, else the policy's levels; none above the architecture's maximum.
    static func definedValues(_ f: FtrField, _ entry: Policy.Entry, _ shape: FieldShape) -> [Int64] {
        let values = f.defined.map { $0.map(shape.value) } ?? entry.levels.map { Int64($0.value) }
        return values.filter { $0 <= Int64(entry.maximum ?? .max) }.sorted()
    }

    static let el2 = Example.el2("ID_AA64PFR0_EL1.EL2")
    static let gic = Example.kvm("ID_AA64PFR0_EL1.GIC", bound: 1, levels: [1: ["ICC_SRE_EL1"], 3: []])
    static let sve = Example.kvm("ID_AA64PFR0_EL1.SVE", bound: 1, levels: [1: ["ZCR_EL1"]])

    private static var triggeringExamples: [RuleExample] {
        [
            RuleExample(
                "a kvm field KVM handles entirely, capped above its bound",
                Example.context([.init(gic.key, gic, normal: Example.capped(3))], handled: ["ICC_SRE_EL1"]),
                expect: [gic.key]),
            RuleExample(
                "a kvm field passed through, whose sysreg enum defines a value above the bound",
                Example.context([.init(sve.key, sve, normal: Example.passthrough, defined: [0, 1, 2])], handled: ["ZCR_EL1"]),
                expect: [sve.key]),
            RuleExample(
                "an isa field set above its bound",
                Example.context([
                    .init("ID_AA64ISAR0_EL1.AES", Example.isa("ID_AA64ISAR0_EL1.AES", bound: 2), normal: Example.forced(3))
                ]),
                expect: ["ID_AA64ISAR0_EL1.AES"]),
        ]
    }

    private static var nonTriggeringExamples: [RuleExample] {
        [
            RuleExample(
                "an el2 field passed through: normal guests never run at EL2",
                Example.context([.init(el2.key, el2, normal: Example.passthrough)])),
            RuleExample(
                "a kvm field passed through, whose sysreg enum defines nothing above the bound",
                Example.context([.init(sve.key, sve, normal: Example.passthrough, defined: [0, 1])], handled: ["ZCR_EL1"])),
            RuleExample(
                "a cap at the bound", Example.context([.init(gic.key, gic, normal: Example.capped(1))], handled: ["ICC_SRE_EL1"])),
            RuleExample(
                "an isa field passed through",
                Example.context([
                    .init(
                        "ID_AA64ISAR0_EL1.AES",
                        Example.isa("ID_AA64ISAR0_EL1.AES", bound: 2), normal: Example.passthrough)
                ])),
            RuleExample("a leak is leak's to report", Example.context([.init(gic.key, gic, normal: Example.passthrough)])),
        ]
    }
}

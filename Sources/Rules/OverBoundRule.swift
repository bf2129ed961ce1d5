import KernelModel

/// `over-bound`: KVM lets normal guests see more of a field than the policy's bound.
public enum OverBoundRule: Rule {
    public static let description = RuleDescription(
        identifier: "over-bound", name: "KVM exposes more than the policy's bound",
        rationale: """
        The policy gives `kvm` and `el2` fields a bound: the highest value KVM may expose to a normal guest. \
        KVM exceeds it when it caps or sets the field above the bound, or passes the host's value through \
        while the bound is below the field's largest value (new hardware would show guests a value the \
        policy does not allow). Where `leak` already reports the field as an error this rule stays quiet. \
        For `isa` fields only a cap or value KVM sets above the bound is reported: their bound is the highest \
        value the architecture defines today, and passing them through is what KVM is meant to do.
        """,
        severity: .warning)

    public static func check(_ context: RuleContext) -> [Finding] {
        var findings: [Finding] = []
        for (f, entry) in context.classifiedFields {
            guard let entry, let bound = entry.bound, let v = context.guestView.fields[f.key] else { continue }
            let shape = FieldShape(f)
            let exposure = Exposure(v.normal, shape)
            guard let top = exposure.highest(shape), top > Int64(bound) else { continue }
            if entry.fieldClass == .isa, !exposure.isBoundedByKVM { continue }
            if Leak.assess(entry, v.normal, shape, context.support) != nil { continue }
            let what: String
            if case .host = exposure {
                what = "\(exposure.how), so values up to \(top) can reach normal guests, above the policy's bound \(bound)"
            } else {
                what = "\(exposure.how), above the policy's bound \(bound)"
            }
            let related = context.kvmNote(v, treatment: v.normal) { fn in "\(fn) decides \(f.register) here" }
            findings.append(finding(f.register, f.name, "\(f.key): \(what)", at: f.location, related: related))
        }
        return findings
    }

    static let el2 = Example.el2("ID_AA64PFR0_EL1.EL2")
    static let gic = Example.kvm("ID_AA64PFR0_EL1.GIC", bound: 1, levels: [1: ["ICC_SRE_EL1"], 3: []])

    public static var triggeringExamples: [RuleExample] {
        [
            RuleExample("an el2 field passed through", Example.context([.init(el2.key, el2, normal: Example.passthrough)]),
                        expect: [el2.key]),
            RuleExample("a kvm field KVM handles entirely, capped above its bound",
                        Example.context([.init(gic.key, gic, normal: Example.capped(3))], handled: ["ICC_SRE_EL1"]),
                        expect: [gic.key]),
            RuleExample("an isa field set above its bound",
                        Example.context([.init("ID_AA64ISAR0_EL1.AES", Example.isa("ID_AA64ISAR0_EL1.AES", bound: 2), normal: Example.forced(3))]),
                        expect: ["ID_AA64ISAR0_EL1.AES"]),
        ]
    }

    public static var nonTriggeringExamples: [RuleExample] {
        [
            RuleExample("an el2 field hidden", Example.context([.init(el2.key, el2, normal: Example.hidden)])),
            RuleExample("a cap at the bound", Example.context([.init(gic.key, gic, normal: Example.capped(1))], handled: ["ICC_SRE_EL1"])),
            RuleExample("an isa field passed through", Example.context([.init("ID_AA64ISAR0_EL1.AES",
                        Example.isa("ID_AA64ISAR0_EL1.AES", bound: 2), normal: Example.passthrough)])),
            RuleExample("a leak is leak's to report", Example.context([.init(gic.key, gic, normal: Example.passthrough)])),
        ]
    }
}

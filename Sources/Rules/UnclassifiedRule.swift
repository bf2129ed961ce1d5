import KernelModel

/// `unclassified`: cpufeature describes a field the policy does not know.
public enum UnclassifiedRule: Rule {
    public static let description = RuleDescription(
        identifier: "unclassified", name: "Field missing from the policy",
        rationale: """
            Every verdict about a field starts from the policy: whether it is `isa`, `el2` or `kvm` and how much of \
            it KVM may expose. A field cpufeature describes that the policy does not know (by its name, an alias or a \
            case-insensitive match) cannot be judged, so it is reported rather than passed: classify it in a file \
            given with --policy-additions, or in the shipped policy. A field the model could not name (bitsN_M) is \
            looked up by its bits where the policy states them, and reported when that finds nothing either.
            """,
        severity: .warning,
        triggeringExamples: triggeringExamples, nonTriggeringExamples: nonTriggeringExamples)

    public static func check(_ context: RuleContext) -> [Finding] {
        context.classifiedFields.compactMap { f, entry in
            guard entry == nil else { return nil }
            return finding(
                f.register, f.name,
                "\(f.key) is not in the policy: whether KVM may expose it cannot be judged (classify it with --policy-additions)",
                at: f.location)
        }
    }

    private static var triggeringExamples: [RuleExample] {
        [
            RuleExample(
                "a field with no policy entry",
                Example.context([.init("ID_AA64PFR2_EL1.Future", nil, normal: Example.passthrough)]),
                expect: ["ID_AA64PFR2_EL1.Future"])
        ]
    }

    private static var nonTriggeringExamples: [RuleExample] {
        [
            RuleExample(
                "a classified field",
                Example.context([.init("ID_AA64ISAR0_EL1.AES", Example.isa("ID_AA64ISAR0_EL1.AES"), normal: Example.passthrough)])
            ),
            RuleExample(
                "a field the policy knows by another case",
                Example.context(
                    [.init("ID_AA64ISAR0_EL1.AES", nil, normal: Example.passthrough)],
                    policy: [Example.isa("ID_AA64ISAR0_EL1.Aes")])),
        ]
    }
}

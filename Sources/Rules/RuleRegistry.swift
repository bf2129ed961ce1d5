import KernelModel

/// Every rule ftrlint runs, in the order their descriptions are listed.
public enum RuleRegistry {
    public static let all: [any Rule.Type] = [
        LeakRule.self, NestedLeakRule.self, ProtectedLeakRule.self, UnknownTreatmentRule.self,
        MandatoryUnhandledRule.self, UnverifiedRule.self, OverBoundRule.self, UnclassifiedRule.self, LatentRule.self,
        StaleMaskRule.self,
    ]

    public static var descriptions: [RuleDescription] { all.map { $0.description } }

    /// The rules a run reports: every rule that is not opt-in, and the opt-in ones `enabling` names.
    public static func selected(enabling: Set<String>) -> [any Rule.Type] {
        all.filter { !$0.description.optIn || enabling.contains($0.description.identifier) }
    }

    public static func rule(_ identifier: String) -> (any Rule.Type)? {
        all.first { $0.description.identifier == identifier }
    }

    /// The rule id a user typed: the id (`leak`), or the tag gcc lines print (`ftrlint-leak`); nil when
    /// no rule has it. Ids are the one public spelling; the tag is the id behind ftrlint's prefix.
    public static func identifier(_ spelled: String) -> String? {
        let id = spelled.hasPrefix("ftrlint-") ? String(spelled.dropFirst(8)) : spelled
        return rule(id) == nil ? nil : id
    }

    /// Runs the rules on one model: findings sorted by place, then rule, then field.
    public static func run(_ context: RuleContext, rules: [any Rule.Type] = all) -> [Finding] {
        rules.flatMap { $0.check(context) }.sorted {
            ($0.location, $0.rule, $0.key) < ($1.location, $1.rule, $1.key)
        }
    }
}

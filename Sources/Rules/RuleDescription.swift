/// A rule's public description: identifier, rationale, default severity and the examples that are its tests.
public struct RuleDescription: Sendable {
    /// Stable kebab-case identifier: the rule's one public name (SARIF's ruleId, baselines, --only,
    /// --ignore, docs/rules/IDENTIFIER.md), tagged [ftrlint-IDENTIFIER] in gcc lines; never renamed.
    public let identifier: String
    /// The one-line summary `--list-rules` prints and SARIF's shortDescription.
    public let name: String
    /// Why the rule exists and what it cannot see.
    public let rationale: String
    public let severity: Severity
    /// Run only when asked for by id (`--only`, `only:`): a hardening question rather than a defect of the
    /// tree, whose findings would bury the ones to act on.
    public let optIn: Bool
    /// Small constructed models on which the rule must report exactly the fields each lists.
    public let triggeringExamples: [RuleExample]
    /// Small constructed models on which the rule must report nothing.
    public let nonTriggeringExamples: [RuleExample]

    public init(
        identifier: String, name: String, rationale: String, severity: Severity, optIn: Bool = false,
        triggeringExamples: [RuleExample], nonTriggeringExamples: [RuleExample]
    ) {
        self.optIn = optIn
        self.identifier = identifier
        self.name = name
        self.rationale = rationale
        self.severity = severity
        self.triggeringExamples = triggeringExamples
        self.nonTriggeringExamples = nonTriggeringExamples
    }
}

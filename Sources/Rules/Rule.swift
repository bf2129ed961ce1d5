import KernelModel

/// A check over one tree's model: a type with a public description, examples that are its tests, and
/// a pure function from the model to findings. Every rule is listed in `RuleRegistry.all`.
public protocol Rule {
    /// Identifier, name, rationale and default severity (identifiers are public: never renamed).
    static var description: RuleDescription { get }
    /// Small constructed models on which the rule must report exactly the listed fields.
    static var triggeringExamples: [RuleExample] { get }
    /// Small constructed models on which the rule must report nothing.
    static var nonTriggeringExamples: [RuleExample] { get }
    /// The findings on one model, in no particular order (the registry sorts them).
    static func check(_ context: RuleContext) -> [Finding]
}

extension Rule {
    /// A finding of this rule at its default severity.
    static func finding(_ register: String, _ field: String, _ message: String, at location: SourceRef,
                        related: [Finding.Related] = []) -> Finding {
        Finding(rule: description.identifier, severity: description.severity, register: register, field: field,
                message: message, location: location, related: related)
    }
}

/// One example of a rule: a constructed model and the REGISTER.Field keys the rule reports on it.
public struct RuleExample: Sendable {
    /// What the example shows, one line.
    public let summary: String
    public let context: RuleContext
    /// The keys the rule must report, each once (empty for a non-triggering example).
    public let expected: [String]

    public init(_ summary: String, _ context: RuleContext, expect expected: [String] = []) {
        self.summary = summary; self.context = context; self.expected = expected
    }
}

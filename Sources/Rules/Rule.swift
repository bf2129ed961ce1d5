import KernelModel

/// A check over one tree's model: a type with a public description, whose examples are its tests, and
/// a pure function from the model to findings. Every rule is listed in `RuleRegistry.all`.
public protocol Rule {
    /// Identifier, name, rationale, default severity and examples (identifiers are public: never renamed).
    static var description: RuleDescription { get }
    /// The findings on one model, in no particular order (the registry sorts them).
    static func check(_ context: RuleContext) -> [Finding]
}

extension Rule {
    /// A finding of this rule at its default severity.
    static func finding(
        _ register: String, _ field: String, _ message: String, at location: SourceRef,
        related: [Finding.Related] = []
    ) -> Finding {
        Finding(
            rule: description.identifier, severity: description.severity, register: register, field: field,
            message: message, location: location, related: related)
    }
}

extension Cursor {
    /// Whether this function declaration is a definition with its body parsed (not skipped, not a prototype).
    public var hasBody: Bool { children.contains { $0.kind == .compoundStmt } }

    /// The definition, with its body, of the function this cursor declares or names; nil where the unit has none.
    public var definitionWithBody: Cursor? { definition.flatMap { $0.hasBody ? $0 : nil } }
}

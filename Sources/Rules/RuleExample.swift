/// One example of a rule: a constructed model and the REGISTER.Field keys the rule reports on it.
public struct RuleExample: Sendable {
    /// What the example shows, one line.
    public let summary: String
    public let context: RuleContext
    /// The keys the rule must report, each once (empty for a non-triggering example).
    public let expected: [String]
    /// Where the example is written, so that a test it fails reports it there.
    public let file: StaticString
    public let line: UInt

    public init(
        _ summary: String, _ context: RuleContext, expect expected: [String] = [],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        self.summary = summary
        self.context = context
        self.expected = expected
        self.file = file
        self.line = line
    }
}

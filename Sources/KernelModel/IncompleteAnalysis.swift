/// The analysis saw less than the source holds: callers must not report "clean" (exit status 2).
public struct IncompleteAnalysis: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let problem: String

    public init(file: String, _ problem: String) { self.file = file; self.problem = problem }

    public var description: String { "\(file): incomplete analysis: \(problem)" }
}

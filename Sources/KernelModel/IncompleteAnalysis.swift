import LibClang
import ToolError

/// The analysis saw less than the source holds: callers must not report "clean" (exit status 2).
public struct IncompleteAnalysis: ToolError {
    public let file: String
    public let problem: String

    public init(file: String, _ problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): incomplete analysis: \(problem)" }

    /// `file` has a libclang error (`error`, in it or in a header it includes): what the error cost cannot be
    /// told from what the tree lacks.
    static func didNotParse(_ file: String, _ error: Diagnostic, relativize: (String) -> String) -> IncompleteAnalysis {
        IncompleteAnalysis(
            file: file, "did not parse: \(relativize(error.location.file)):\(error.location.line): \(error.message)")
    }
}

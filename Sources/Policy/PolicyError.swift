import Foundation
import ToolError

/// A problem with a policy file: which file, where, which entry, and what is wrong.
///
/// Its description is always one line: `path[:line]: [key: ]problem`.
public struct PolicyError: ToolError, Equatable {
    /// The file (or the name given for the text) the problem is in.
    public let path: String
    /// The entry key (`REGISTER.Field`) the problem belongs to, if any.
    public let key: String?
    /// The 1-based line of the offending node, when known.
    public let line: Int?
    /// What is wrong, in one sentence.
    public let problem: String

    public init(path: String, key: String? = nil, line: Int? = nil, problem: String) {
        self.path = path
        self.key = key
        self.line = line
        self.problem = PolicyError.oneLine(problem)
    }

    public var description: String {
        var text = path
        if let line { text += ":\(line)" }
        text += ": "
        if let key { text += "\(key): " }
        return text + problem
    }

    /// Collapses whitespace runs (including newlines) so the message stays on one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: { $0.isNewline || $0 == "\t" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}

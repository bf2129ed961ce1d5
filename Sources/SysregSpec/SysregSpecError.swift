import ToolError

/// A malformed sysreg description: where it is wrong and how.
public struct SysregSpecError: ToolError, Hashable {
    /// The file the text came from, as given to the parser.
    public let path: String
    /// The 1-based line the problem is on.
    public let line: Int
    /// What is wrong, without the location.
    public let message: String

    /// `path:line: message`, the form compilers use, so editors can jump to it.
    public var description: String { "\(path):\(line): \(message)" }
}

import ToolError

/// A patch that cannot be read or does not apply: one line.
public struct PatchError: ToolError {
    public let description: String
    public init(_ text: String) { description = text }
}

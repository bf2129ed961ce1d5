/// A compiler diagnostic from a parse.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: Int, Comparable, Sendable {
        case ignored = 0, note, warning, error, fatal
        public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
    }
    public let severity: Severity
    public let message: String
    public let location: SourceLocation

    public var description: String { "\(location): \(severity): \(message)" }
}

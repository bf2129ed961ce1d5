import LibClang

/// A place in the analysed tree: path relative to the tree root, 1-based line and column.
public struct SourceRef: Codable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let path: String
    public let line: Int
    public let column: Int

    public init(path: String, line: Int, column: Int) {
        self.path = path
        self.line = line
        self.column = column
    }

    /// Where `location` is, its path made tree-relative by `relativize`.
    init(_ location: SourceLocation, relativize: (String) -> String) {
        self.init(path: relativize(location.file), line: location.line, column: location.column)
    }

    public var description: String { "\(path):\(line):\(column)" }

    public static func < (a: SourceRef, b: SourceRef) -> Bool {
        (a.path, a.line, a.column) < (b.path, b.line, b.column)
    }
}

import CClang

/// A resolved position in a file: 1-based line and byte column, 0-based byte offset.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    public let offset: Int

    public init(file: String, line: Int, column: Int, offset: Int) {
        self.file = file
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// The location where a macro was expanded (the text a user reads), not where it was defined.
    init(expansionOf loc: CXSourceLocation) {
        var file: CXFile?
        var line: UInt32 = 0, column: UInt32 = 0, offset: UInt32 = 0
        clang_getExpansionLocation(loc, &file, &line, &column, &offset)
        self.init(
            file: file.map { consume(clang_getFileName($0)) } ?? "", line: Int(line), column: Int(column), offset: Int(offset))
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// A half-open range of source text in one file, by expansion location.
public struct SourceRange: Hashable, Sendable {
    public let start: SourceLocation
    public let end: SourceLocation

}

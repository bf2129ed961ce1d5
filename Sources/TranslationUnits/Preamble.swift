/// The preamble of a C file: its leading run of comments and preprocessor directives (the #include block
/// a kernel file starts with), cut where every #if it opened is closed. It is what the file's headers
/// cost to parse, and it can be precompiled once and reused while none of them changes.
public struct Preamble {
    /// The preamble's bytes, as in the file.
    public let text: [UInt8]
    /// The file with the preamble's bytes blanked (spaces, newlines kept): the same offsets, lines and
    /// columns, for parsing with the precompiled preamble.
    public let rest: [UInt8]
    /// The preamble's directives in order: name and whole logical line.
    let directives: [(name: String, text: String)]

    /// The preamble of `source`, nil when the file has no #include before its first declaration.
    public init?(of source: [UInt8]) {
        var scanner = Scanner(source)
        var end = 0, depth = 0, seen = 0, includes = 0
        var directives: [(name: String, text: String)] = [], kept = 0
        while let (directive, start) = scanner.next() {
            directives.append((directive, String(decoding: source[start..<scanner.position], as: UTF8.self)))
            switch directive {
            case "if", "ifdef", "ifndef": depth += 1
            case "endif": depth -= 1
            case "include": seen += 1
            default: break
            }
            guard depth >= 0 else { break }
            if depth == 0 {
                end = scanner.position
                includes = seen
                kept = directives.count
            }
        }
        guard includes > 0 else { return nil }
        self.directives = Array(directives.prefix(kept))
        text = Array(source[..<end])
        rest = source.enumerated().map { i, b in i < end && b != UInt8(ascii: "\n") ? UInt8(ascii: " ") : b }
    }

    /// Reads directives from the start of a file, skipping blanks and comments; stops at anything else.
    private struct Scanner {
        let bytes: [UInt8]
        private(set) var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        /// The name of the next directive and where its `#` is, its whole logical line consumed (position: the
        /// next line's start).
        mutating func next() -> (String, Int)? {
            while position < bytes.count {
                let b = bytes[position]
                if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r")
                    || b == 0x0c || b == 0x0b
                {
                    position += 1
                } else if starts("//") {
                    skipLine(blockComments: false)
                } else if starts("/*") {
                    guard skipComment() else { return nil }
                } else if b == UInt8(ascii: "#") {
                    let start = position
                    position += 1
                    let name = word()
                    skipLine()
                    return (name, start)
                } else {
                    return nil
                }
            }
            return nil
        }

        private func starts(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard position + n <= bytes.count else { return false }
            return (0..<n).allSatisfy { bytes[position + $0] == s.utf8Start[$0] }
        }

        /// Skips `/* ... */`; false when it never ends.
        private mutating func skipComment() -> Bool {
            position += 2
            while position + 1 < bytes.count {
                if bytes[position] == UInt8(ascii: "*"), bytes[position + 1] == UInt8(ascii: "/") {
                    position += 2
                    return true
                }
                position += 1
            }
            position = bytes.count
            return false
        }

        /// Skips to the start of the next logical line: backslash-newlines continue it, and a block comment
        /// opened on it (outside a line comment) runs to its end.
        private mutating func skipLine(blockComments: Bool = true) {
            var blockComments = blockComments
            while position < bytes.count {
                let b = bytes[position]
                if b == UInt8(ascii: "\n") {
                    position += 1
                    return
                }
                if b == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "\n") {
                    position += 2
                } else if blockComments, starts("//") {
                    blockComments = false
                    position += 2
                } else if blockComments, starts("/*") {
                    guard skipComment() else { return }
                } else {
                    position += 1
                }
            }
        }

        /// The identifier after `#` (blanks before it skipped).
        private mutating func word() -> String {
            while position < bytes.count, bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t") {
                position += 1
            }
            let start = position
            while position < bytes.count,
                bytes[position] == UInt8(ascii: "_")
                    || (bytes[position] | 0x20 >= UInt8(ascii: "a") && bytes[position] | 0x20 <= UInt8(ascii: "z"))
            {
                position += 1
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
    }
}

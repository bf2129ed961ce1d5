/// Splits sysreg text into statements the way awk splits records into fields: lines into
/// blank-separated words, skipping blank lines and lines whose first word starts with `#`.
enum SysregLexer {
    /// Calls `body` with the 1-based line number and words of each statement, in order.
    static func forEachStatement(in text: String, _ body: (Int, [String]) throws -> Void) throws {
        var text = text
        // A byte scan over contiguous UTF-8; splitting with generic collection APIs is 3x slower.
        try text.withUTF8 { bytes in
            var words: [String] = []
            var line = 0
            var index = 0
            while index < bytes.count {
                line += 1
                words.removeAll(keepingCapacity: true)
                while index < bytes.count, bytes[index] != newline {
                    if isBlank(bytes[index]) {
                        index += 1
                        continue
                    }
                    let start = index
                    while index < bytes.count, bytes[index] != newline, !isBlank(bytes[index]) { index += 1 }
                    if words.isEmpty, bytes[start] == UInt8(ascii: "#") {
                        while index < bytes.count, bytes[index] != newline { index += 1 }
                        break
                    }
                    words.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                }
                index += 1
                if !words.isEmpty { try body(line, words) }
            }
        }
    }

    private static let newline = UInt8(ascii: "\n")

    /// awk's default field separators, plus CR so that CRLF files read like LF ones.
    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }
}

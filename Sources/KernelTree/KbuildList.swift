import Foundation

/// The `NAME-y += a.h b.h` lists of a Kbuild file (generic-y, generated-y, mandatory-y, syscall-y).
struct KbuildList {
    private var lists: [String: [String]] = [:]

    init(_ text: String?) {
        for line in Self.logicalLines(text ?? "") {
            guard let op = line.range(of: "+=") ?? line.range(of: ":=") else { continue }
            let key = line[..<op.lowerBound].trimmingCharacters(in: .whitespaces)
            let names = line[op.upperBound...].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            lists[key, default: []] += names.filter { !$0.contains("$") }
        }
    }

    /// The names listed under `key` (e.g. "generic-y"), in order.
    subscript(key: String) -> [String] { lists[key] ?? [] }

    private static func logicalLines(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n")
            .map { String($0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "") }
    }
}

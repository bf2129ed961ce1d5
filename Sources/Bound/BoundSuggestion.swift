import Foundation
import Rules

extension BoundWriter {
    /// What `ftrlint bound` would insert for one field on its own, for `check` to suggest: the same
    /// writer, without bound's proof (no second analysis). Applied alone, the insertion bounds the field;
    /// several fields of one register are each suggested whole (their own `case` where one is opened),
    /// where `bound` writes them together.
    public struct Suggestion: Sendable, Equatable {
        /// The file, relative to the tree.
        public let path: String
        /// The 1-based line the new lines go before (column 1: whole lines are inserted).
        public let line: Int
        /// The statement, each of its lines trimmed, on one line.
        public let statement: String
        /// The inserted lines as they go into the file (indented with tabs, any `case` or `if` around them).
        public let inserted: [String]

        public init(path: String, line: Int, statement: String, inserted: [String]) {
            self.path = path
            self.line = line
            self.statement = statement
            self.inserted = inserted
        }

        /// The inserted lines, each ending in a newline.
        public var insertedText: String { inserted.map { $0 + "\n" }.joined() }
    }

    /// The insertion that bounds `limit`'s field alone, or nil where the writer fails closed (a field
    /// it cannot write a statement for, a register with no place it can write into): never a guess.
    public func suggestion(_ limit: FieldLimit) -> Suggestion? {
        guard let (edits, written) = try? write([limit]), edits.count == 1, written.count == 1,
            edits[0].changes.count == 1, edits[0].changes[0].removed == 0
        else { return nil }
        let edit = edits[0], insertion = edit.changes[0], w = written[0]
        let lines = w.lines.isEmpty ? [w.statement] : w.lines
        let statement = lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
        return Suggestion(path: edit.path, line: insertion.before + 1, statement: statement, inserted: insertion.lines)
    }
}

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

        /// Whether the insertion opens a branch of its own for the register (`case SYS_…:`, `} else if
        /// (id == SYS_…) {`, or an `if (id == SYS_…)` after a chain).
        public var opensBranch: Bool {
            inserted.contains { line in
                let t = line.trimmingCharacters(in: .whitespaces)
                return t.hasPrefix("case SYS_") || t.hasPrefix("} else if (id == SYS_") || t.hasPrefix("if (id == SYS_")
            }
        }

        /// The inserted lines, each ending in a newline.
        public var insertedText: String { inserted.map { $0 + "\n" }.joined() }
    }

    /// The insertion that bounds `limit`'s field alone, or nil where the writer fails closed (a field
    /// it cannot write a statement for, a register with no place it can write into): never a guess.
    public func suggestion(_ limit: FieldLimit) -> Suggestion? { suggestion(for: [limit]) }

    /// One suggestion per limit of `limits`, keyed by position, except where several fields of one register
    /// would each open the same new block (a `case` or an `else if` for a register KVM has no branch for):
    /// applied together, those would repeat the label. The first of them then carries the one block
    /// that bounds them all, as `bound` writes it, and the others none.
    public func suggestions(_ limits: [FieldLimit]) -> [Int: Suggestion] {
        var result: [Int: Suggestion] = [:]
        for (i, l) in limits.enumerated() { result[i] = suggestion(l) }
        var groups: [String: [Int]] = [:]
        for (i, l) in limits.enumerated() { groups["\(l.register) \(l.protected)", default: []].append(i) }
        for indices in groups.values.map({ $0.sorted() }) where indices.count > 1 {
            let opening = indices.filter { result[$0]?.opensBranch ?? false }
            guard opening.count > 1, let whole = suggestion(for: opening.map { limits[$0] }) else { continue }
            for i in opening { result[i] = nil }
            result[opening[0]] = whole
        }
        return result
    }

    private func suggestion(for limits: [FieldLimit]) -> Suggestion? {
        guard let (edits, written) = try? write(limits), edits.count == 1, written.count == limits.count,
            edits[0].changes.count == 1, edits[0].changes[0].removed == 0
        else { return nil }
        let edit = edits[0], insertion = edit.changes[0]
        let lines = written.flatMap(\.lines)
        let statement = lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
        return Suggestion(path: edit.path, line: insertion.before + 1, statement: statement, inserted: insertion.lines)
    }
}

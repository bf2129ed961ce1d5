/// One file's changes in a bound patch: runs of old lines replaced by new ones, most of them pure
/// insertions (KVM's read path gets a line), some replacements (pKVM's allow-lists lose a line).
public struct FileEdit: Sendable {
    /// `removed` old lines from `before` (0-based) replaced by `lines`; 0 removed is an insertion before
    /// line `before`.
    public struct Change: Sendable, Equatable {
        public var before: Int
        public var removed: Int
        public var lines: [String]

        public init(before: Int, removed: Int = 0, lines: [String]) {
            self.before = before
            self.removed = removed
            self.lines = lines
        }
    }

    public let path: String
    public let original: String
    /// In file order, none overlapping.
    public var changes: [Change]

    public init(path: String, original: String, changes: [Change]) {
        self.path = path
        self.original = original
        self.changes = changes.sorted { $0.before < $1.before }
    }

    /// The edit that turns `original` into `patched` (both as lines), in as few lines changed as a
    /// longest-common-subsequence diff finds: each run of differing lines is one change.
    public init(path: String, original: String, patched: [String]) {
        let old = Self.lines(original)
        // Common prefix and suffix first: the table below then covers only the edited stretch.
        var head = 0
        while head < old.count, head < patched.count, old[head] == patched[head] { head += 1 }
        var tail = 0
        while tail < old.count - head, tail < patched.count - head, old[old.count - 1 - tail] == patched[patched.count - 1 - tail]
        {
            tail += 1
        }
        let a = Array(old[head..<(old.count - tail)]), b = Array(patched[head..<(patched.count - tail)])
        // lcs[i][j]: the longest common subsequence of a[i...] and b[j...].
        var lcs = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var changes: [Change] = [], i = 0, j = 0
        var pending: Change?
        func flush() {
            if let p = pending { changes.append(p) }
            pending = nil
        }
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                flush()
                i += 1
                j += 1
            } else if j < b.count, i == a.count || lcs[i][j + 1] >= lcs[i + 1][j] {
                if pending == nil { pending = Change(before: head + i, lines: []) }
                pending!.lines.append(b[j])
                j += 1
            } else {
                if pending == nil { pending = Change(before: head + i, lines: []) }
                pending!.removed += 1
                i += 1
            }
        }
        flush()
        // Each insertion slides at most to just before the next change, so changes never meet.
        let limits = changes.dropFirst().map(\.before) + [old.count + 1]
        self.init(path: path, original: original, changes: zip(changes, limits).map { Self.slid($0, in: old, below: $1) })
    }

    /// An insertion that could stand a few lines lower (its first line repeats the line after it) put
    /// where it reads as a block: the first place where it ends in a blank line, as git's own diff
    /// heuristics prefer; never as far as line `limit`.
    static func slid(_ c: Change, in old: [String], below limit: Int) -> Change {
        guard c.removed == 0, !c.lines.isEmpty else { return c }
        var candidates = [c], current = c
        while current.before + 1 < limit, current.before < old.count, current.lines[0] == old[current.before] {
            current = Change(before: current.before + 1, lines: Array(current.lines.dropFirst()) + [current.lines[0]])
            candidates.append(current)
        }
        return candidates.first { $0.lines.last?.isEmpty ?? false } ?? c
    }

    /// The file with the changes made.
    public var patched: String {
        var lines = Self.lines(original, keepLast: true)
        for c in changes.reversed() { lines.replaceSubrange(c.before..<(c.before + c.removed), with: c.lines) }
        return lines.joined(separator: "\n")
    }

    public var inserted: Int { changes.reduce(0) { $0 + $1.lines.count } }
    public var deleted: Int { changes.reduce(0) { $0 + $1.removed } }

    /// A text's lines; the empty string after a final newline is kept only when asked for.
    static func lines(_ text: String, keepLast: Bool = false) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if !keepLast, lines.last == "" { lines.removeLast() }
        return lines
    }
}

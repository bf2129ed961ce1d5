import Foundation

/// A change as `git format-patch` prints it: the mbox header, the message, the diffstat and one unified
/// diff per file with three lines of context and git's function names after each `@@`.
public struct FormatPatch {
    public let author: String
    public let signoff: Bool
    public let subject: String
    /// The message's paragraphs, each wrapped at 75 columns; a paragraph whose lines start with "- " is a list.
    public let body: [String]
    public let edits: [FileEdit]

    public init(author: String, signoff: Bool, subject: String, body: [String], edits: [FileEdit]) {
        self.author = author
        self.signoff = signoff
        self.subject = subject
        self.body = body
        self.edits = edits
    }

    public var text: String {
        var out = "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
        out += "From: \(author)\n"
        out += "Subject: [PATCH] \(subject)\n\n"
        out += body.map(Self.fill).joined(separator: "\n\n") + "\n"
        if signoff { out += "\nSigned-off-by: \(author)\n" }
        out += "---\n"
        let width = edits.map(\.path.count).max() ?? 0
        let most = edits.map { $0.inserted + $0.deleted }.max() ?? 0
        let digits = String(most).count
        // git's graph fits 80 columns: wider changes are scaled, rounding to nearest, a change at least 1.
        let room = max(6, 80 - 1 - width - 3 - digits - 1)
        let scaled = { (n: Int) in most <= room || n == 0 ? n : max(1, (2 * n * room + most) / (2 * most)) }
        for e in edits {
            let n = String(e.inserted + e.deleted)
            out +=
                " " + e.path.padding(toLength: width, withPad: " ", startingAt: 0) + " | "
                + String(repeating: " ", count: digits - n.count) + n + " "
                + String(repeating: "+", count: scaled(e.inserted)) + String(repeating: "-", count: scaled(e.deleted)) + "\n"
        }
        let added = edits.reduce(0) { $0 + $1.inserted }, deleted = edits.reduce(0) { $0 + $1.deleted }
        out += " \(edits.count) file\(edits.count == 1 ? "" : "s") changed"
        if added > 0 { out += ", \(added) insertion\(added == 1 ? "" : "s")(+)" }
        if deleted > 0 { out += ", \(deleted) deletion\(deleted == 1 ? "" : "s")(-)" }
        out += "\n\n"
        for e in edits { out += Self.diff(e) }
        out += "-- \nftrlint\n"
        return out
    }

    /// "- " list items keep their hanging indent; other paragraphs are filled at 75 columns.
    static func fill(_ paragraph: String) -> String {
        paragraph.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let hanging = line.hasPrefix("- ") ? "  " : ""
            var lines: [String] = [], current = ""
            for word in line.split(separator: " ") {
                let prefix = lines.isEmpty ? "" : hanging
                if !current.isEmpty, (prefix + current + " " + word).count > 75 {
                    lines.append(prefix + current)
                    current = String(word)
                } else {
                    current = current.isEmpty ? String(word) : current + " " + word
                }
            }
            lines.append((lines.isEmpty ? "" : hanging) + current)
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// The unified diff of one file's changes: removed lines, then the lines that replace them.
    static func diff(_ e: FileEdit, context: Int = 3) -> String {
        let old = FileEdit.lines(e.original)
        var groups: [[FileEdit.Change]] = []
        for c in e.changes {
            if let last = groups.last?.last, c.before - (last.before + last.removed) <= 2 * context {
                groups[groups.count - 1].append(c)
            } else {
                groups.append([c])
            }
        }
        var out = "diff --git a/\(e.path) b/\(e.path)\n--- a/\(e.path)\n+++ b/\(e.path)\n"
        var shift = 0
        for g in groups {
            let start = max(0, g.first!.before - context)
            let end = min(old.count, g.last!.before + g.last!.removed + context)
            let delta = g.reduce(0) { $0 + $1.lines.count - $1.removed }
            let function = stride(from: start - 1, through: 0, by: -1).lazy.map { old[$0] }
                .first { $0.first.map { $0.isLetter || $0 == "_" || $0 == "$" } ?? false }
            out +=
                "@@ -\(start + 1),\(end - start) +\(start + 1 + shift),\(end - start + delta) @@"
                + (function.map { " " + String($0.prefix(80)) } ?? "") + "\n"
            var i = start
            var next = g.makeIterator(), pending = next.next()
            while i <= end {
                if let c = pending, c.before == i {
                    out += old[i..<(i + c.removed)].map { "-" + $0 + "\n" }.joined()
                    out += c.lines.map { "+" + $0 + "\n" }.joined()
                    i += c.removed
                    pending = next.next()
                    continue
                }
                if i < end { out += " " + old[i] + "\n" }
                i += 1
            }
            shift += delta
        }
        return out
    }
}

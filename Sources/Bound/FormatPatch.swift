import Foundation

/// A change as `git format-patch` prints it: the mbox header, the message, the diffstat and one unified
/// diff per file with three lines of context and git's function names after each `@@`.
public struct FormatPatch {
    public let author: String
    public let signoff: Bool
    public let subject: String
    /// The message's paragraphs, each wrapped at 75 columns; a paragraph whose lines start with "- " is a list.
    public let body: [String]
    public let edits: [BoundWriter.FileEdit]

    public init(author: String, signoff: Bool, subject: String, body: [String], edits: [BoundWriter.FileEdit]) {
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
        let stats = edits.map { ($0.path, $0.insertions.reduce(0) { $0 + $1.lines.count }) }
        let width = stats.map(\.0.count).max() ?? 0
        for (path, n) in stats {
            out +=
                " " + path.padding(toLength: width, withPad: " ", startingAt: 0) + " | \(n) "
                + String(repeating: "+", count: min(n, 60)) + "\n"
        }
        let total = stats.reduce(0) { $0 + $1.1 }
        out += " \(edits.count) file\(edits.count == 1 ? "" : "s") changed, \(total) insertion\(total == 1 ? "" : "s")(+)\n\n"
        for e in edits { out += Self.diff(e) }
        out += "-- \nftrlint\n"
        return out
    }

    /// "- " list items keep their hanging indent; other paragraphs are filled at 75 columns.
    static func fill(_ paragraph: String) -> String {
        paragraph.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let hanging = line.hasPrefix("- ") || line.hasPrefix("  ") ? "  " : ""
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
            lines.append((lines.isEmpty ? (line.hasPrefix("  ") ? "  " : "") : hanging) + current)
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// The unified diff of one file's insertions.
    static func diff(_ e: BoundWriter.FileEdit, context: Int = 3) -> String {
        var old = e.original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if old.last == "" { old.removeLast() }
        let points = e.insertions.sorted { $0.before < $1.before }
        var groups: [[(before: Int, lines: [String])]] = []
        for p in points {
            if let last = groups.last?.last, p.before - last.before <= 2 * context {
                groups[groups.count - 1].append(p)
            } else {
                groups.append([p])
            }
        }
        var out = "diff --git a/\(e.path) b/\(e.path)\n--- a/\(e.path)\n+++ b/\(e.path)\n"
        var added = 0
        for g in groups {
            let start = max(0, g.first!.before - context), end = min(old.count, g.last!.before + context)
            let inserted = g.reduce(0) { $0 + $1.lines.count }
            let function = stride(from: start - 1, through: 0, by: -1).lazy.map { old[$0] }
                .first { $0.first.map { $0.isLetter || $0 == "_" || $0 == "$" } ?? false }
            out +=
                "@@ -\(start + 1),\(end - start) +\(start + 1 + added),\(end - start + inserted) @@"
                + (function.map { " " + String($0.prefix(80)) } ?? "") + "\n"
            var next = g.makeIterator(), pending = next.next()
            for i in start...end {
                while let p = pending, p.before == i {
                    out += p.lines.map { "+" + $0 + "\n" }.joined()
                    pending = next.next()
                }
                if i < end { out += " " + old[i] + "\n" }
            }
            added += inserted
        }
        return out
    }
}

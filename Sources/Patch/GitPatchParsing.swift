import Foundation

extension GitPatch {
    /// Parses a patch; a text with no diff in it, or a hunk that ends early, is an error.
    public init(parsing text: String) throws {
        let lines = Self.lines(text)
        var commit: String?, subject: String?
        if let first = lines.first, first.hasPrefix("From "), let id = first.split(separator: " ").dropFirst().first,
            id.count >= 7, id.allSatisfy(\.isHexDigit)
        {
            commit = String(id)
        }
        var files: [FileChange] = []
        var current: FileChange?
        var i = 0
        var inHeaders = true
        func finish() {
            if let c = current { files.append(c) }
            current = nil
        }
        while i < lines.count {
            let line = lines[i]
            if inHeaders {
                if line.isEmpty {
                    inHeaders = false
                } else if line.lowercased().hasPrefix("subject:") {
                    // A folded header continues on lines that start with white space.
                    var text = String(line.dropFirst(8))
                    while i + 1 < lines.count, let c = lines[i + 1].first, c == " " || c == "\t" {
                        i += 1
                        text += " " + lines[i]
                    }
                    subject = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                }
            }
            if line.hasPrefix("diff --git ") {
                finish()
                inHeaders = false
                let (a, b) = Self.gitPaths(String(line.dropFirst(11)))
                current = FileChange(oldPath: a, newPath: b)
                i += 1
                continue
            }
            if line.hasPrefix("--- "), i + 1 < lines.count, lines[i + 1].hasPrefix("+++ ") {
                inHeaders = false
                let old = Self.path(String(line.dropFirst(4))), new = Self.path(String(lines[i + 1].dropFirst(4)))
                if current == nil || !(current!.hunks.isEmpty) {
                    finish()
                    current = FileChange(oldPath: old, newPath: new)
                }
                current!.oldPath = old
                current!.newPath = new
                i += 2
                continue
            }
            if current != nil {
                if line.hasPrefix("new file mode") {
                    current!.oldPath = nil
                } else if line.hasPrefix("deleted file mode") {
                    current!.newPath = nil
                } else if line.hasPrefix("rename from ") {
                    current!.oldPath = String(line.dropFirst(12))
                } else if line.hasPrefix("rename to ") {
                    current!.newPath = String(line.dropFirst(10))
                } else if line.hasPrefix("copy from ") {
                    current!.oldPath = String(line.dropFirst(10))
                } else if line.hasPrefix("copy to ") {
                    current!.newPath = String(line.dropFirst(8))
                } else if line.hasPrefix("GIT binary patch") || (line.hasPrefix("Binary files ") && line.hasSuffix(" differ")) {
                    current!.binary = true
                } else if line.hasPrefix("@@ ") {
                    let (hunk, next) = try Self.hunk(lines, at: i)
                    current!.hunks.append(hunk)
                    i = next
                    continue
                }
            }
            i += 1
        }
        finish()
        guard !files.isEmpty else { throw PatchError("no diff found in the input") }
        self.init(commit: commit, subject: subject, files: files)
    }

    /// "a/x b/y" from a `diff --git` line (unquoted paths without spaces; the ---/+++ lines refine it).
    private static func gitPaths(_ rest: String) -> (String?, String?) {
        let parts = rest.split(separator: " ")
        guard parts.count == 2 else { return (nil, nil) }
        return (path(String(parts[0])), path(String(parts[1])))
    }

    /// A ---/+++ path without its a/ or b/ prefix and any tab-separated timestamp; nil for /dev/null.
    private static func path(_ raw: String) -> String? {
        var p = raw.split(separator: "\t", maxSplits: 1).first.map(String.init) ?? raw
        p = p.trimmingCharacters(in: .whitespaces)
        if p == "/dev/null" { return nil }
        if p.hasPrefix("\""), p.hasSuffix("\""), p.count >= 2 { p = String(p.dropFirst().dropLast()) }
        if p.hasPrefix("a/") || p.hasPrefix("b/") { p = String(p.dropFirst(2)) }
        return p
    }

    private static func hunk(_ lines: [String], at start: Int) throws -> (Hunk, Int) {
        let header = lines[start]
        let pattern = #"^@@ -([0-9]+)(?:,([0-9]+))? \+([0-9]+)(?:,([0-9]+))? @@"#
        guard let m = header.range(of: pattern, options: .regularExpression) else {
            throw PatchError("line \(start + 1): malformed hunk header: \(header)")
        }
        let numbers = header[m].dropFirst(3).split(whereSeparator: { " ,+-@".contains($0) }).compactMap { Int($0) }
        let hasOldCount = header[m].split(separator: " ")[1].contains(",")
        let hasNewCount = header[m].split(separator: " ")[2].contains(",")
        // A number too large for Int does not convert: the header is malformed, not a shorter one.
        guard numbers.count == 2 + (hasOldCount ? 1 : 0) + (hasNewCount ? 1 : 0) else {
            throw PatchError("line \(start + 1): malformed hunk header: \(header)")
        }
        var k = 0
        let oldStart = numbers[k]
        k += 1
        let oldCount = hasOldCount ? numbers[k] : 1
        if hasOldCount { k += 1 }
        let newStart = numbers[k]
        k += 1
        let newCount = hasNewCount ? numbers[k] : 1
        var hunk = Hunk(oldStart: oldStart, oldCount: oldCount, newStart: newStart, newCount: newCount, lines: [])
        var oldLeft = oldCount, newLeft = newCount
        var i = start + 1
        while oldLeft > 0 || newLeft > 0 {
            guard i < lines.count else { throw PatchError("line \(start + 1): the hunk ends early") }
            let line = lines[i]
            let kind: Line.Kind
            // Mailers drop the space of an empty context line.
            if line.isEmpty {
                kind = .context
            } else if let k = Line.Kind(rawValue: line.first!) {
                kind = k
            } else if line.hasPrefix("\\") {
                i += 1
                continue
            } else {
                throw PatchError(
                    "line \(i + 1): the hunk ends early (expected \(oldLeft) more old and \(newLeft) more new lines)")
            }
            if kind != .added {
                guard oldLeft > 0 else { throw PatchError("line \(i + 1): more old lines than the hunk header says") }
                oldLeft -= 1
            }
            if kind != .removed {
                guard newLeft > 0 else { throw PatchError("line \(i + 1): more new lines than the hunk header says") }
                newLeft -= 1
            }
            hunk.lines.append(Line(kind: kind, text: line.isEmpty ? "" : String(line.dropFirst())))
            i += 1
            if i < lines.count, lines[i].hasPrefix("\\ ") {
                if kind != .added { if kind == .removed || oldLeft == 0 { hunk.oldMissingNewline = true } }
                if kind != .removed { if kind == .added || newLeft == 0 { hunk.newMissingNewline = true } }
                if kind == .context {
                    hunk.oldMissingNewline = true
                    hunk.newMissingNewline = true
                }
                i += 1
            }
        }
        return (hunk, i)
    }
}

import Foundation

/// A patch as `git format-patch` writes it (an mbox message with a unified diff), or a plain unified
/// diff, and a small applier: hunks apply where their context and removed lines match exactly, at the
/// stated line or the nearest place above or below it (an offset, as patch(1) allows; no fuzz).
struct GitPatch: Equatable {
    struct Line: Equatable {
        enum Kind: Character { case context = " ", removed = "-", added = "+" }
        let kind: Kind
        let text: String
    }

    struct Hunk: Equatable {
        let oldStart: Int, oldCount: Int, newStart: Int, newCount: Int
        var lines: [Line]
        /// "\ No newline at end of file" after the hunk's last old / new line.
        var oldMissingNewline = false, newMissingNewline = false

        var old: [String] { lines.filter { $0.kind != .added }.map(\.text) }
        var new: [String] { lines.filter { $0.kind != .removed }.map(\.text) }
    }

    struct FileChange: Equatable {
        /// Tree-relative paths; nil for /dev/null (a new or a deleted file).
        var oldPath: String?
        var newPath: String?
        var hunks: [Hunk] = []
        var binary = false
    }

    /// The commit the patch was made from ("From <id> Mon Sep 17 00:00:00 2001"), when it says.
    var commit: String?
    /// The Subject header, unfolded.
    var subject: String?

    /// The subject without "[PATCH v2 1/3]"-style prefixes and "Re:": what `git log --format=%s` shows.
    var summary: String? {
        guard var s = subject else { return nil }
        while true {
            s = s.trimmingCharacters(in: .whitespaces)
            if s.hasPrefix("["), let close = s.firstIndex(of: "]") { s = String(s[s.index(after: close)...]); continue }
            if s.lowercased().hasPrefix("re:") { s = String(s.dropFirst(3)); continue }
            return s.isEmpty ? nil : s
        }
    }
    var files: [FileChange]

    /// Every path the patch touches.
    var paths: [String] { Array(Set(files.flatMap { [$0.oldPath, $0.newPath].compactMap { $0 } })).sorted() }

    /// The same change the other way round.
    func reversed() -> GitPatch {
        GitPatch(commit: commit, subject: subject, files: files.map { f in
            FileChange(oldPath: f.newPath, newPath: f.oldPath, hunks: f.hunks.map { h in
                Hunk(oldStart: h.newStart, oldCount: h.newCount, newStart: h.oldStart, newCount: h.oldCount,
                     lines: h.lines.map { l in
                         Line(kind: l.kind == .added ? .removed : l.kind == .removed ? .added : .context, text: l.text)
                     },
                     oldMissingNewline: h.newMissingNewline, newMissingNewline: h.oldMissingNewline)
            }, binary: f.binary)
        })
    }

    // MARK: - Parsing

    init(commit: String?, subject: String?, files: [FileChange]) {
        self.commit = commit; self.subject = subject; self.files = files
    }

    /// Parses a patch; a text with no diff in it, or a hunk that ends early, is an error.
    init(parsing text: String) throws {
        let lines = Self.lines(text)
        var commit: String?, subject: String?
        if let first = lines.first, first.hasPrefix("From "), let id = first.split(separator: " ").dropFirst().first,
           id.count >= 7, id.allSatisfy(\.isHexDigit) {
            commit = String(id)
        }
        var files: [FileChange] = []
        var current: FileChange?
        var i = 0
        var inHeaders = true
        func finish() { if let c = current { files.append(c) }; current = nil }
        while i < lines.count {
            let line = lines[i]
            if inHeaders {
                if line.isEmpty { inHeaders = false }
                else if line.lowercased().hasPrefix("subject:") {
                    // A folded header continues on lines that start with white space.
                    var text = String(line.dropFirst(8))
                    while i + 1 < lines.count, let c = lines[i + 1].first, c == " " || c == "\t" { i += 1; text += " " + lines[i] }
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
                if current == nil || !(current!.hunks.isEmpty) { finish(); current = FileChange(oldPath: old, newPath: new) }
                current!.oldPath = old; current!.newPath = new
                i += 2
                continue
            }
            if current != nil {
                if line.hasPrefix("new file mode") { current!.oldPath = nil }
                else if line.hasPrefix("deleted file mode") { current!.newPath = nil }
                else if line.hasPrefix("rename from ") { current!.oldPath = String(line.dropFirst(12)) }
                else if line.hasPrefix("rename to ") { current!.newPath = String(line.dropFirst(10)) }
                else if line.hasPrefix("copy from ") { current!.oldPath = String(line.dropFirst(10)) }
                else if line.hasPrefix("copy to ") { current!.newPath = String(line.dropFirst(8)) }
                else if line.hasPrefix("GIT binary patch") || (line.hasPrefix("Binary files ") && line.hasSuffix(" differ")) {
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
        let oldStart = numbers[k]; k += 1
        let oldCount = hasOldCount ? numbers[k] : 1; if hasOldCount { k += 1 }
        let newStart = numbers[k]; k += 1
        let newCount = hasNewCount ? numbers[k] : 1
        var hunk = Hunk(oldStart: oldStart, oldCount: oldCount, newStart: newStart, newCount: newCount, lines: [])
        var oldLeft = oldCount, newLeft = newCount
        var i = start + 1
        while oldLeft > 0 || newLeft > 0 {
            guard i < lines.count else { throw PatchError("line \(start + 1): the hunk ends early") }
            let line = lines[i]
            let kind: Line.Kind
            // Mailers drop the space of an empty context line.
            if line.isEmpty { kind = .context } else if let k = Line.Kind(rawValue: line.first!) { kind = k } else if line.hasPrefix("\\") {
                i += 1; continue
            } else {
                throw PatchError("line \(i + 1): the hunk ends early (expected \(oldLeft) more old and \(newLeft) more new lines)")
            }
            if kind != .added { guard oldLeft > 0 else { throw PatchError("line \(i + 1): more old lines than the hunk header says") }; oldLeft -= 1 }
            if kind != .removed { guard newLeft > 0 else { throw PatchError("line \(i + 1): more new lines than the hunk header says") }; newLeft -= 1 }
            hunk.lines.append(Line(kind: kind, text: line.isEmpty ? "" : String(line.dropFirst())))
            i += 1
            if i < lines.count, lines[i].hasPrefix("\\ ") {
                if kind != .added { if kind == .removed || oldLeft == 0 { hunk.oldMissingNewline = true } }
                if kind != .removed { if kind == .added || newLeft == 0 { hunk.newMissingNewline = true } }
                if kind == .context { hunk.oldMissingNewline = true; hunk.newMissingNewline = true }
                i += 1
            }
        }
        return (hunk, i)
    }

    // MARK: - Applying

    /// The files the patch produces (tree-relative path → new contents; "" for a deleted file, which an
    /// overlay cannot remove), reading the originals with `read` (nil: the file does not exist).
    func apply(reading read: (String) throws -> String?) throws -> [String: String] {
        var result: [String: String] = [:]
        var deleted = Set<String>()
        for file in files {
            let name = file.newPath ?? file.oldPath ?? "?"
            if file.binary { throw PatchError("\(name): binary patches are not supported") }
            var original: String?
            if let old = file.oldPath {
                original = deleted.contains(old) ? nil : try result[old] ?? read(old)
                guard original != nil else { throw PatchError("\(old): no such file to patch") }
            } else if let new = file.newPath, !deleted.contains(new), (try result[new] ?? read(new)) != nil {
                throw PatchError("\(new): already exists, the patch creates it")
            }
            let patched = try Self.apply(file.hunks, to: original ?? "", name: name)
            if let new = file.newPath {
                result[new] = patched
                deleted.remove(new)
            }
            if let old = file.oldPath, old != file.newPath {
                result[old] = ""
                deleted.insert(old)
            }
        }
        return result
    }

    /// Applies hunks to one file's text.
    static func apply(_ hunks: [Hunk], to text: String, name: String) throws -> String {
        var lines = Self.lines(text)
        var endsWithNewline = true
        if lines.last == "" { lines.removeLast() } else if !text.isEmpty { endsWithNewline = false }
        if text.isEmpty { lines = [] }
        var offset = 0      // how far the file has moved against the hunks' line numbers
        var floor = 0       // hunks apply in order: never before the end of the previous one
        for (n, hunk) in hunks.enumerated() {
            let old = hunk.old
            // A hunk that adds to an empty file, or starts at line 0, anchors at the top.
            let wanted = max(0, (hunk.oldCount == 0 ? hunk.oldStart : hunk.oldStart - 1) + offset)
            guard let at = locate(old, in: lines, near: wanted, from: floor) else {
                throw PatchError("\(name): hunk \(n + 1) (@@ -\(hunk.oldStart),\(hunk.oldCount)) does not apply: its context does not match")
            }
            let touchesEnd = at + old.count == lines.count
            if hunk.oldMissingNewline, !touchesEnd || endsWithNewline {
                throw PatchError("\(name): hunk \(n + 1) does not apply: the patch expects the file to end without a newline")
            }
            lines.replaceSubrange(at..<(at + old.count), with: hunk.new)
            if at + hunk.new.count == lines.count {
                if hunk.newMissingNewline { endsWithNewline = false } else if touchesEnd { endsWithNewline = true }
            }
            offset = at + hunk.new.count - ((hunk.oldCount == 0 ? hunk.oldStart : hunk.oldStart - 1) + old.count)
            floor = at + hunk.new.count
        }
        if lines.isEmpty { return "" }
        return lines.joined(separator: "\n") + (endsWithNewline ? "\n" : "")
    }

    /// The lines of a patch or file as git sees them: split at each newline, a carriage return before it kept
    /// as content (a Character split would take "\r\n" as one character and never split there).
    static func lines(_ text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
    }

    /// Where `old` occurs in `lines` nearest to `wanted`, not before `floor`.
    private static func locate(_ old: [String], in lines: [String], near wanted: Int, from floor: Int) -> Int? {
        let last = lines.count - old.count
        guard last >= floor else { return nil }
        func matches(_ at: Int) -> Bool {
            guard at >= floor, at <= last else { return false }
            for (k, l) in old.enumerated() where lines[at + k] != l { return false }
            return true
        }
        let start = min(max(wanted, floor), last)
        for distance in 0...max(start - floor, last - start) {
            if matches(start - distance) { return start - distance }
            if distance > 0, matches(start + distance) { return start + distance }
        }
        return nil
    }
}

/// A patch that cannot be read or does not apply: one line.
struct PatchError: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}

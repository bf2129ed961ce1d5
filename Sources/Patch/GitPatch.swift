import Foundation

/// A patch as `git format-patch` writes it (an mbox message with a unified diff), or a plain unified
/// diff, and a small applier: hunks apply where their context and removed lines match exactly, at the
/// stated line or the nearest place above or below it (an offset, as patch(1) allows; no fuzz).
/// Parsing is in GitPatchParsing.swift, applying in GitPatchApplying.swift.
public struct GitPatch: Equatable {
    public struct Line: Equatable {
        public enum Kind: Character { case context = " ", removed = "-", added = "+" }
        public let kind: Kind
        public let text: String
    }

    public struct Hunk: Equatable {
        public let oldStart: Int, oldCount: Int, newStart: Int, newCount: Int
        public var lines: [Line]
        /// "\ No newline at end of file" after the hunk's last old / new line.
        public var oldMissingNewline = false, newMissingNewline = false

        public var old: [String] { lines.filter { $0.kind != .added }.map(\.text) }
        public var new: [String] { lines.filter { $0.kind != .removed }.map(\.text) }
    }

    public struct FileChange: Equatable {
        /// Tree-relative paths; nil for /dev/null (a new or a deleted file).
        public var oldPath: String?
        public var newPath: String?
        public var hunks: [Hunk] = []
        public var binary = false
    }

    /// The commit the patch was made from ("From <id> Mon Sep 17 00:00:00 2001"), when it says.
    public var commit: String?
    /// The Subject header, unfolded.
    public var subject: String?

    /// The subject without "[PATCH v2 1/3]"-style prefixes and "Re:": what `git log --format=%s` shows.
    public var summary: String? {
        guard var s = subject else { return nil }
        while true {
            s = s.trimmingCharacters(in: .whitespaces)
            if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
                s = String(s[s.index(after: close)...])
                continue
            }
            if s.lowercased().hasPrefix("re:") {
                s = String(s.dropFirst(3))
                continue
            }
            return s.isEmpty ? nil : s
        }
    }
    public var files: [FileChange]

    /// Every path the patch touches.
    public var paths: [String] { Array(Set(files.flatMap { [$0.oldPath, $0.newPath].compactMap { $0 } })).sorted() }

    /// The same change the other way round.
    public func reversed() -> GitPatch {
        GitPatch(
            commit: commit, subject: subject,
            files: files.map { f in
                FileChange(
                    oldPath: f.newPath, newPath: f.oldPath,
                    hunks: f.hunks.map { h in
                        Hunk(
                            oldStart: h.newStart, oldCount: h.newCount, newStart: h.oldStart, newCount: h.oldCount,
                            lines: h.lines.map { l in
                                Line(kind: l.kind == .added ? .removed : l.kind == .removed ? .added : .context, text: l.text)
                            },
                            oldMissingNewline: h.newMissingNewline, newMissingNewline: h.oldMissingNewline)
                    }, binary: f.binary)
            })
    }

    init(commit: String?, subject: String?, files: [FileChange]) {
        self.commit = commit
        self.subject = subject
        self.files = files
    }

    /// The lines of a patch or file as git sees them: split at each newline, a carriage return before it kept
    /// as content (a Character split would take "\r\n" as one character and never split there).
    static func lines(_ text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
    }
}

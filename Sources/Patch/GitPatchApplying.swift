import Foundation

extension GitPatch {
    /// The files the patch produces (tree-relative path → new contents; "" for a deleted file, which an
    /// overlay cannot remove), reading the originals with `read` (nil: the file does not exist).
    public func apply(reading read: (String) throws -> String?) throws -> [String: String] {
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
        var offset = 0  // how far the file has moved against the hunks' line numbers
        var floor = 0  // hunks apply in order: never before the end of the previous one
        for (n, hunk) in hunks.enumerated() {
            let old = hunk.old
            // A hunk that adds to an empty file, or starts at line 0, anchors at the top.
            let wanted = max(0, (hunk.oldCount == 0 ? hunk.oldStart : hunk.oldStart - 1) + offset)
            guard let at = locate(old, in: lines, near: wanted, from: floor) else {
                throw PatchError(
                    "\(name): hunk \(n + 1) (@@ -\(hunk.oldStart),\(hunk.oldCount)) does not apply: its context does not match")
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

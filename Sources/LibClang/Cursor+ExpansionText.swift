import CClang

extension Cursor {
    /// The file text the cursor was expanded from (the range `expansionTokens` lexes), as the parse read it;
    /// nil when start and end lie in different files. Cheaper than tokens where a plain search will do.
    public var expansionText: String? {
        let range = clang_getCursorExtent(raw)
        var startFile: CXFile?, endFile: CXFile?
        var start: UInt32 = 0, end: UInt32 = 0
        clang_getExpansionLocation(clang_getRangeStart(range), &startFile, nil, nil, &start)
        clang_getExpansionLocation(clang_getRangeEnd(range), &endFile, nil, nil, &end)
        guard let startFile, let endFile, clang_File_isEqual(startFile, endFile) != 0, start <= end else { return nil }
        guard let text = unit.memo.fileContents(startFile, in: unit.raw), let bytes = text.baseAddress else { return nil }
        let size = text.count
        // The range ends where its last token starts: take that token in.
        var last = end
        let at = unit.location(in: endFile, offset: Int(end))
        var buffer: UnsafeMutablePointer<CXToken>?
        var count: UInt32 = 0
        clang_tokenize(unit.raw, clang_getRange(at, at), &buffer, &count)
        if let buffer, count > 0 {
            var file: CXFile?
            clang_getExpansionLocation(clang_getRangeEnd(clang_getTokenExtent(unit.raw, buffer[0])), &file, nil, nil, &last)
            if file == nil || clang_File_isEqual(file, endFile) == 0 || last < end { last = end }
        }
        if let buffer { clang_disposeTokens(unit.raw, buffer, count) }
        let lo = min(Int(start), size), hi = min(Int(last), size)
        return String(decoding: UnsafeBufferPointer(start: bytes + lo, count: hi - lo), as: UTF8.self)
    }

    /// The expression as its file spells it, for messages: the text of the tokens it was expanded from,
    /// comments dropped and white space (line breaks, continuations) folded to single spaces. An
    /// expression that comes from inside a macro's body shows as the whole invocation, arguments included
    /// (`WARN_ON_ONCE(!vcpu_has_feature(vcpu, ...))`, not `WARN_ON_ONCE`). Tokens joined by spaces where
    /// the file's text cannot be had.
    public var writtenText: String {
        let tokens = expansionTokens
        guard let first = tokens.first, let last = tokens.last else { return "" }
        // One token is its own spelling, unless it names a macro invoked with arguments.
        if tokens.count == 1, first.kind != .identifier { return first.spelling }
        // The tokens were lexed from the file the extent starts in (expansionTokens): read that file's text.
        var file: CXFile?
        clang_getExpansionLocation(clang_getRangeStart(clang_getCursorExtent(raw)), &file, nil, nil, nil)
        guard let file, first.location.file == last.location.file else { return tokens.map(\.spelling).joined(separator: " ") }
        guard let buffer = unit.memo.fileContents(file, in: unit.raw), let bytes = buffer.baseAddress else {
            return tokens.map(\.spelling).joined(separator: " ")
        }
        let size = buffer.count
        var end = min(last.location.offset + last.spelling.utf8.count, size)
        if tokens.count == 1, last.kind == .identifier, let close = Self.argumentsEnd(bytes, size, from: end) { end = close }
        let lo = min(first.location.offset, end)
        return Self.folded(UnsafeBufferPointer(start: bytes + lo, count: end - lo))
    }

    /// Where a macro name at `from` is followed by an argument list: the offset just past its `)`.
    private static func argumentsEnd(_ bytes: UnsafePointer<UInt8>, _ size: Int, from: Int) -> Int? {
        var i = from
        while i < size, bytes[i] == 32 || bytes[i] == 9 { i += 1 }
        guard i < size, bytes[i] == 40 else { return nil }
        var depth = 0
        // An argument list longer than a statement is not one this reading should trust.
        for j in i..<min(size, i + 4096) {
            if bytes[j] == 40 { depth += 1 }
            if bytes[j] == 41 {
                depth -= 1
                if depth == 0 { return j + 1 }
            }
        }
        return nil
    }

    /// C text with comments dropped and every run of white space (a backslash-newline included) one space.
    static func folded(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0, space = false
        while i < bytes.count {
            let b = bytes[i]
            if b == 47, i + 1 < bytes.count, bytes[i + 1] == 42 {  // /* ... */
                i += 2
                while i + 1 < bytes.count, !(bytes[i] == 42 && bytes[i + 1] == 47) { i += 1 }
                i += 2
                space = true
                continue
            }
            if b == 47, i + 1 < bytes.count, bytes[i + 1] == 47 {  // // ...
                while i < bytes.count, bytes[i] != 10 { i += 1 }
                space = true
                continue
            }
            if b == 32 || b == 9 || b == 10 || b == 13 || (b == 92 && i + 1 < bytes.count && bytes[i + 1] == 10) {
                space = true
                i += 1
                continue
            }
            if space, !out.isEmpty { out.append(32) }
            space = false
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

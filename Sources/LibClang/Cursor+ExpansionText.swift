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
        var size = 0
        guard let contents = clang_getFileContents(unit.raw, startFile, &size) else { return nil }
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
        return contents.withMemoryRebound(to: UInt8.self, capacity: size) { bytes in
            String(decoding: UnsafeBufferPointer(start: bytes + lo, count: hi - lo), as: UTF8.self)
        }
    }
}

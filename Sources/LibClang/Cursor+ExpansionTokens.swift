import CClang

extension Cursor {
    /// The tokens of the file text the cursor was expanded from: for code that comes out of a macro, the
    /// macro invocation as written where it is used (`ID_SANITISED(ID_AA64PFR0_EL1)`, `REG_HIDDEN`), where
    /// `tokens` would start inside the macro's definition. Empty when start and end are in different files.
    public var expansionTokens: [Token] {
        unit.memo.value(unit.memo.expansionTokens, raw) { expansionTokensUncached }
    }

    private var expansionTokensUncached: [Token] {
        let range = clang_getCursorExtent(raw)
        var startFile: CXFile?, endFile: CXFile?
        var start: UInt32 = 0, end: UInt32 = 0
        clang_getExpansionLocation(clang_getRangeStart(range), &startFile, nil, nil, &start)
        clang_getExpansionLocation(clang_getRangeEnd(range), &endFile, nil, nil, &end)
        guard let startFile, let endFile, clang_File_isEqual(startFile, endFile) != 0, start <= end else { return [] }
        let from = unit.location(in: startFile, offset: Int(start))
        let to = unit.location(in: startFile, offset: Int(end))
        return unit.tokens(in: clang_getRange(from, to))
    }
}

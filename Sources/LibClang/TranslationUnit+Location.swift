import CClang

extension TranslationUnit {
    /// The location of a byte offset in a file of the unit, as clang_getLocationForOffset gives it —
    /// except in the main file, where it is the file location itself.
    ///
    /// clang_getLocationForOffset maps the offset to a macro-argument expansion where one was lexed
    /// from there, and to do so it first indexes every macro argument expanded from the file: for a
    /// KVM main file, half a second of work the first time. Tokenizing reads ranges at their spelling
    /// location, which for a macro argument is that same file location, so ranges in the main file
    /// are built from the main file's start location directly (clang's SourceLocation::getLocWithOffset).
    func location(in file: CXFile, offset: Int) -> CXSourceLocation {
        if let main = memo.mainFileStart(raw), main.file == file {
            var loc = main.location
            loc.int_data &+= UInt32(truncatingIfNeeded: offset)
            return loc
        }
        return clang_getLocationForOffset(raw, file, UInt32(truncatingIfNeeded: offset))
    }
}

extension CursorMemo {
    /// The main file and the file location of its first byte (the unit cursor's extent starts there).
    func mainFileStart(_ unit: CXTranslationUnit) -> (file: CXFile, location: CXSourceLocation)? {
        value(mainStart, clang_getTranslationUnitCursor(unit)) {
            let start = clang_getRangeStart(clang_getCursorExtent(clang_getTranslationUnitCursor(unit)))
            var file: CXFile?
            var offset: UInt32 = 0
            clang_getFileLocation(start, &file, nil, nil, &offset)
            guard let file, offset == 0, clang_Location_isFromMainFile(start) != 0 else { return nil }
            return (file, start)
        }
    }
}

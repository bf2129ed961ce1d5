import CClang

extension TranslationUnit {
    /// The location of a byte offset in a file of the unit, as clang_getLocationForOffset gives it —
    /// except that it is always the file location itself, never a macro argument expanded from there.
    ///
    /// clang_getLocationForOffset maps an offset lexed as a macro argument to that argument's expansion,
    /// and to do so it first indexes every macro argument expanded from the file: for a KVM main file,
    /// half a second of work. Tokenizing reads a range at its spelling location, which for a macro
    /// argument is that same file location, so ranges are built from a known file location of the file
    /// instead (what clang's SourceLocation::getLocWithOffset does): the main file's start, or the
    /// location of a token lexed from the file earlier (`noteFileLocation`).
    func location(in file: CXFile, offset: Int) -> CXSourceLocation {
        if let start = memo.fileStart(file, unit: raw) {
            var loc = start
            loc.int_data &+= UInt32(truncatingIfNeeded: offset)
            return loc
        }
        return clang_getLocationForOffset(raw, file, UInt32(truncatingIfNeeded: offset))
    }

    /// Notes that `loc`, a file location (a lexed token's), lies at `offset` in `file`.
    func noteFileLocation(_ loc: CXSourceLocation, file: CXFile, offset: Int) {
        memo.noteFileStart(file, unit: raw) {
            var start = loc
            start.int_data &-= UInt32(truncatingIfNeeded: offset)
            return start
        }
    }
}

extension CursorMemo {
    /// The file location of the first byte of `file`, when one is known: the main file's from the unit
    /// cursor's extent, another file's from a token lexed there.
    func fileStart(_ file: CXFile, unit: CXTranslationUnit) -> CXSourceLocation? {
        lock.lock()
        let noted = mainFileNoted
        mainFileNoted = true
        lock.unlock()
        if !noted {
            let start = clang_getRangeStart(clang_getCursorExtent(clang_getTranslationUnitCursor(unit)))
            var main: CXFile?
            var offset: UInt32 = 0
            clang_getFileLocation(start, &main, nil, nil, &offset)
            if let main, offset == 0 { noteFileStart(main, unit: unit) { start } }
        }
        lock.lock(); defer { lock.unlock() }
        return fileStarts[file]
    }

    /// Records a candidate start location for `file` after checking that it is one: offset 0 of that file.
    func noteFileStart(_ file: CXFile, unit: CXTranslationUnit, _ candidate: () -> CXSourceLocation) {
        lock.lock()
        let known = fileStarts[file] != nil
        lock.unlock()
        guard !known else { return }
        let start = candidate()
        var found: CXFile?
        var offset: UInt32 = 1
        clang_getFileLocation(start, &found, nil, nil, &offset)
        var spelled: CXFile?
        var spelledOffset: UInt32 = 1
        clang_getSpellingLocation(start, &spelled, nil, nil, &spelledOffset)
        guard let found, found == file, offset == 0, spelled == file, spelledOffset == 0 else { return }
        lock.lock()
        fileStarts[file] = start
        lock.unlock()
    }
}

extension TranslationUnit {
    /// SourceLocation(expansionOf:), with each file's name asked of libclang once per unit.
    func expansionLocation(_ loc: CXSourceLocation) -> SourceLocation {
        var file: CXFile?
        var line: UInt32 = 0, column: UInt32 = 0, offset: UInt32 = 0
        clang_getExpansionLocation(loc, &file, &line, &column, &offset)
        return SourceLocation(file: file.map(memo.fileName) ?? "", line: Int(line), column: Int(column), offset: Int(offset))
    }
}

import CClang

extension TranslationUnit {
    /// The location of a byte offset in a file of the unit, as clang_getLocationForOffset gives it —
    /// except that it is always the file location itself, never a macro argument expanded from there.
    ///
    /// clang_getLocationForOffset maps an offset lexed as a macro argument to that argument's expansion,
    /// and to do so it first indexes every macro argument expanded from the file (for nested.c in KVM's
    /// combined unit, 0.2 s with libclang 22), and with libclang 22 each later call still costs about half
    /// a millisecond. Tokenizing reads a range at its spelling location, which for a macro argument is that
    /// same file location, so ranges are built from a known file location of the file instead (what
    /// clang's SourceLocation::getLocWithOffset does): where a top-level declaration of the unit begins
    /// in the file, or a token lexed from the file earlier (`noteFileLocation`).
    func location(in file: CXFile, offset: Int) -> CXSourceLocation {
        if let start = memo.fileStart(file) ?? declarationFileStart(file) {
            var loc = start
            loc.int_data &+= UInt32(truncatingIfNeeded: offset)
            return loc
        }
        return clang_getLocationForOffset(raw, file, UInt32(truncatingIfNeeded: offset))
    }

    /// The start of `file` from the unit's top-level declarations: once per unit, notes the start of
    /// every file one of them begins in at a file location (not in a macro's expansion).
    private func declarationFileStart(_ file: CXFile) -> CXSourceLocation? {
        guard memo.claimDeclarationScan() else { return nil }
        cursor.visit { declaration in
            let start = clang_getRangeStart(clang_getCursorExtent(declaration.raw))
            var expanded: CXFile?, spelled: CXFile?
            var offset: UInt32 = 0, spelledOffset: UInt32 = 0
            clang_getExpansionLocation(start, &expanded, nil, nil, &offset)
            clang_getSpellingLocation(start, &spelled, nil, nil, &spelledOffset)
            if let expanded, let spelled, expanded == spelled, offset == spelledOffset {
                noteFileLocation(start, file: expanded, offset: Int(offset))
            }
            return .continue
        }
        return memo.fileStart(file)
    }

    /// Notes that `loc`, a file location (a lexed token's), lies at `offset` in `file`.
    func noteFileLocation(_ loc: CXSourceLocation, file: CXFile, offset: Int) {
        memo.noteFileStart(file) {
            var start = loc
            start.int_data &-= UInt32(truncatingIfNeeded: offset)
            return start
        }
    }
}

extension CursorMemo {
    /// The file location of the first byte of `file`, when one is known.
    func fileStart(_ file: CXFile) -> CXSourceLocation? {
        lock.lock()
        defer { lock.unlock() }
        return fileStarts[file]
    }

    /// Whether the caller is the first to ask for the unit's declarations to be scanned for file starts.
    func claimDeclarationScan() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let first = !declarationsScanned
        declarationsScanned = true
        return first
    }

    /// Records a candidate start location for `file` after checking that it is one: offset 0 of that file.
    func noteFileStart(_ file: CXFile, _ candidate: () -> CXSourceLocation) {
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

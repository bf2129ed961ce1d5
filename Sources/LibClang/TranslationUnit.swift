import CClang
import Foundation

/// One parsed source file with everything it includes. Owns its libclang handles.
public final class TranslationUnit: @unchecked Sendable {
    private let index: CXIndex
    let raw: CXTranslationUnit
    /// What has been asked about the unit's cursors (CursorMemo): freed with the unit.
    let memo = CursorMemo()
    /// The file that was parsed.
    public let path: String
    /// Sizes of the files that replaced files on disk, by path.
    let unsavedSizes: [String: Int]

    /// Parses `path` with compiler `arguments`; `unsavedFiles` (absolute path → contents) replace files on disk.
    /// With a precompiled header among the arguments (-include-pch), the unit's cursor visits only what the
    /// parse itself declared: the header's declarations are still reached through references, read on demand.
    public init(path: String, arguments: [String], unsavedFiles: [String: String] = [:], options: ParseOptions) throws {
        self.path = path
        unsavedSizes = unsavedFiles.mapValues { $0.utf8.count }
        // One index per unit: libclang indexes are not meant to be shared between threads.
        let local: Int32 = arguments.contains("-include-pch") ? 1 : 0
        guard let index = clang_createIndex(local, 0) else { throw ClangError.noIndex(path) }
        clang_toggleCrashRecovery(1)
        var unit: CXTranslationUnit?
        let code = withCStrings(arguments) { argv in
            withUnsavedFiles(unsavedFiles) { files in
                StderrSilencer.during {
                    clang_parseTranslationUnit2(
                        index, path, argv.baseAddress, Int32(argv.count),
                        files.baseAddress, UInt32(files.count), options.rawValue, &unit)
                }
            }
        }
        guard code == CXError_Success, let unit else {
            clang_disposeIndex(index)
            throw ClangError.parseFailed(path, ClangError.Failure(code))
        }
        self.index = index
        self.raw = unit
    }

    deinit {
        clang_disposeTranslationUnit(raw)
        clang_disposeIndex(index)
    }

    /// Writes the unit as a precompiled header (parsed with `.precompiledHeader`) to `path`.
    public func save(to path: String) throws {
        let code = clang_saveTranslationUnit(raw, path, clang_defaultSaveOptions(raw))
        guard code == CXSaveError_None.rawValue else {
            throw ClangError.saveFailed(self.path, to: path, code: code)
        }
    }

    /// The root cursor of the unit.
    public var cursor: Cursor { Cursor(clang_getTranslationUnitCursor(raw), self) }

    /// Every diagnostic the parse produced.
    public var diagnostics: [Diagnostic] {
        (0..<clang_getNumDiagnostics(raw)).compactMap { i in
            guard let d = clang_getDiagnostic(raw, i) else { return nil }
            defer { clang_disposeDiagnostic(d) }
            let sev = Diagnostic.Severity(rawValue: Int(clang_getDiagnosticSeverity(d).rawValue)) ?? .error
            return Diagnostic(
                severity: sev, message: consume(clang_getDiagnosticSpelling(d)),
                location: SourceLocation(expansionOf: clang_getDiagnosticLocation(d)))
        }
    }

    /// Tokens of the byte range [from, to) of a file, clamped to the file.
    /// `lean`: tokens for reading operators, whose locations carry only the offset (no file, line or column).
    func tokens(file: CXFile, from: Int, to: Int, lean: Bool = false) -> [Token] {
        guard let size = memo.fileSize(file, unsaved: unsavedSizes) else { return [] }
        let lo = max(0, min(from, size)), hi = max(lo, min(to, size))
        let range = clang_getRange(location(in: file, offset: lo), location(in: file, offset: hi))
        return tokens(in: range, lean: lean)
    }

    func tokens(in range: CXSourceRange, lean: Bool = false) -> [Token] {
        var buffer: UnsafeMutablePointer<CXToken>?
        var count: UInt32 = 0
        clang_tokenize(raw, range, &buffer, &count)
        guard let buffer else { return [] }
        defer { clang_disposeTokens(raw, buffer, count) }
        return (0..<Int(count)).map { i in
            let t = buffer[i]
            let location: SourceLocation
            if lean {
                var offset: UInt32 = 0
                clang_getExpansionLocation(clang_getTokenLocation(raw, t), nil, nil, nil, &offset)
                location = SourceLocation(file: "", line: 0, column: 0, offset: Int(offset))
            } else {
                location = expansionLocation(clang_getTokenLocation(raw, t))
            }
            return Token(
                kind: Token.Kind(clang_getTokenKind(t)), spelling: consume(clang_getTokenSpelling(raw, t)),
                location: location)
        }
    }
}

/// Calls `body` with a C argv for `strings`, valid for the duration of the call.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> R) -> R {
    let owned = strings.map { strdup($0) }
    defer { owned.forEach { free($0) } }
    let argv = owned.map { UnsafePointer($0) }
    return argv.withUnsafeBufferPointer(body)
}

private func withUnsavedFiles<R>(_ files: [String: String], _ body: (UnsafeMutableBufferPointer<CXUnsavedFile>) -> R) -> R {
    let entries = files.sorted { $0.key < $1.key }
    let names = entries.map { strdup($0.key) }
    let contents = entries.map { Array($0.value.utf8CString) }
    defer { names.forEach { free($0) } }
    let dup = contents.map { bytes -> UnsafeMutablePointer<CChar> in
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        p.initialize(from: bytes, count: bytes.count)
        return p
    }
    defer { dup.forEach { $0.deallocate() } }
    var unsaved = (0..<entries.count).map { i in
        CXUnsavedFile(Filename: names[i], Contents: dup[i], Length: UInt(contents[i].count - 1))
    }
    return unsaved.withUnsafeMutableBufferPointer { body($0) }
}

/// While libclang parses, fd 2 points at /dev/null: a crash it recovers from (or an LLVM fatal error) prints a
/// multi-line report there, and the caller already turns the failure into its one error line (ClangError).
/// Counted, so that parses running side by side restore stderr once the last one ends.
enum StderrSilencer {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var depth = 0
    nonisolated(unsafe) private static var saved: Int32 = -1

    static func during<R>(_ body: () -> R) -> R {
        lock.lock()
        if depth == 0 {
            fflush(stderr)
            saved = dup(STDERR_FILENO)
            let null = open("/dev/null", O_WRONLY)
            if saved >= 0, null >= 0 { dup2(null, STDERR_FILENO) }
            if null >= 0 { close(null) }
        }
        depth += 1
        lock.unlock()
        defer {
            lock.lock()
            depth -= 1
            if depth == 0, saved >= 0 {
                dup2(saved, STDERR_FILENO)
                close(saved)
                saved = -1
            }
            lock.unlock()
        }
        return body()
    }
}

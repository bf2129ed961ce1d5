import CClang

/// How libclang parses a translation unit (a Swift view of CXTranslationUnit_Flags).
public struct ParseOptions: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Keep macro definitions and expansions as cursors.
    public static let detailedPreprocessingRecord = ParseOptions(rawValue: CXTranslationUnit_DetailedPreprocessingRecord.rawValue)
    /// Do not parse function bodies: enough for file-scope tables, and much faster.
    public static let skipFunctionBodies = ParseOptions(rawValue: CXTranslationUnit_SkipFunctionBodies.rawValue)
    /// Go on after fatal errors such as a missing header, so one gap does not hide the rest.
    public static let keepGoing = ParseOptions(rawValue: CXTranslationUnit_KeepGoing.rawValue)
    /// The file is a header, parsed to be saved as a precompiled header (TranslationUnit.save(to:)).
    public static let precompiledHeader = ParseOptions(
        rawValue: CXTranslationUnit_Incomplete.rawValue
            | CXTranslationUnit_ForSerialization.rawValue)
    /// Report only errors from included files, not their warnings.
    public static let ignoreNonErrorsFromIncludedFiles = ParseOptions(
        rawValue: CXTranslationUnit_IgnoreNonErrorsFromIncludedFiles.rawValue)
}

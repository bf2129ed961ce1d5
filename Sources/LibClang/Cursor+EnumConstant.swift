import CClang

extension Cursor {
    /// The value of an enumerator (an EnumConstantDecl cursor); nil for any other cursor.
    public var enumConstantValue: Int64? {
        guard kind == .enumConstantDecl else { return nil }
        return clang_getEnumConstantDeclValue(raw)
    }
}

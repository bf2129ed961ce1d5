import CClang

/// The kind of a cursor (a Swift view of CXCursorKind), with the kinds ftrlint looks at named.
public struct CursorKind: Hashable, Sendable, CustomStringConvertible {
    let raw: CXCursorKind
    init(_ raw: CXCursorKind) { self.raw = raw }

    public var description: String { consume(clang_getCursorKindSpelling(raw)) }
    public var isExpression: Bool { clang_isExpression(raw) != 0 }
    public var isInvalid: Bool { clang_isInvalid(raw) != 0 }

    public static let translationUnit = CursorKind(CXCursor_TranslationUnit)
    public static let structDecl = CursorKind(CXCursor_StructDecl)
    public static let fieldDecl = CursorKind(CXCursor_FieldDecl)
    public static let enumConstantDecl = CursorKind(CXCursor_EnumConstantDecl)
    public static let functionDecl = CursorKind(CXCursor_FunctionDecl)
    public static let varDecl = CursorKind(CXCursor_VarDecl)
    public static let parmDecl = CursorKind(CXCursor_ParmDecl)
    public static let typedefDecl = CursorKind(CXCursor_TypedefDecl)
    public static let typeRef = CursorKind(CXCursor_TypeRef)
    public static let memberRef = CursorKind(CXCursor_MemberRef)
    public static let unexposedExpr = CursorKind(CXCursor_UnexposedExpr)
    public static let declRefExpr = CursorKind(CXCursor_DeclRefExpr)
    public static let memberRefExpr = CursorKind(CXCursor_MemberRefExpr)
    public static let callExpr = CursorKind(CXCursor_CallExpr)
    public static let integerLiteral = CursorKind(CXCursor_IntegerLiteral)
    public static let stringLiteral = CursorKind(CXCursor_StringLiteral)
    public static let parenExpr = CursorKind(CXCursor_ParenExpr)
    public static let unaryOperator = CursorKind(CXCursor_UnaryOperator)
    public static let arraySubscriptExpr = CursorKind(CXCursor_ArraySubscriptExpr)
    public static let binaryOperator = CursorKind(CXCursor_BinaryOperator)
    public static let compoundAssignOperator = CursorKind(CXCursor_CompoundAssignOperator)
    public static let conditionalOperator = CursorKind(CXCursor_ConditionalOperator)
    public static let cStyleCastExpr = CursorKind(CXCursor_CStyleCastExpr)
    public static let compoundLiteralExpr = CursorKind(CXCursor_CompoundLiteralExpr)
    public static let initListExpr = CursorKind(CXCursor_InitListExpr)
    public static let stmtExpr = CursorKind(CXCursor_StmtExpr)
    public static let unaryExpr = CursorKind(CXCursor_UnaryExpr)
    public static let compoundStmt = CursorKind(CXCursor_CompoundStmt)
    public static let caseStmt = CursorKind(CXCursor_CaseStmt)
    public static let defaultStmt = CursorKind(CXCursor_DefaultStmt)
    public static let ifStmt = CursorKind(CXCursor_IfStmt)
    public static let switchStmt = CursorKind(CXCursor_SwitchStmt)
    public static let whileStmt = CursorKind(CXCursor_WhileStmt)
    public static let doStmt = CursorKind(CXCursor_DoStmt)
    public static let forStmt = CursorKind(CXCursor_ForStmt)
    public static let gotoStmt = CursorKind(CXCursor_GotoStmt)
    public static let breakStmt = CursorKind(CXCursor_BreakStmt)
    public static let returnStmt = CursorKind(CXCursor_ReturnStmt)
    public static let nullStmt = CursorKind(CXCursor_NullStmt)
    public static let declStmt = CursorKind(CXCursor_DeclStmt)
    public static let labelStmt = CursorKind(CXCursor_LabelStmt)
    public static let asmStmt = CursorKind(CXCursor_GCCAsmStmt)
    public static let macroDefinition = CursorKind(CXCursor_MacroDefinition)
    public static let macroExpansion = CursorKind(CXCursor_MacroExpansion)
    public static let inclusionDirective = CursorKind(CXCursor_InclusionDirective)
}

import CClang

extension Cursor {
    /// The operator of a binary, compound-assignment or unary operator expression ("&=", "|", "~", "!").
    ///
    /// libclang 14 has no API for it, and inside macro bodies (sys_reg, FIELD_PREP, min) its extents and
    /// even clang_getSpellingLocation report the expansion site. Lexing at a cursor's raw location does
    /// reach the characters where they are spelled, so the operator is read there: first as the token
    /// just before the right operand, else as the token after the left operand's first primary expression.
    ///
    /// libclang 17 and later name the operator from the AST, which also sees operators that no file
    /// spells (min()'s `<`, pasted from `__cmp_op_##op`); that answer is taken first where the libclang
    /// ftrlint is built with has it (Package.swift defines LIBCLANG_OPERATOR_KINDS).
    public var operatorSpelling: String? {
        unit.memo.value(unit.memo.operatorSpelling, raw) { operatorKindSpelling ?? operatorSpellingUncached }
    }

    /// Whether the operator is known from the AST rather than read from the source text.
    public static var operatorsFromAST: Bool {
        #if LIBCLANG_OPERATOR_KINDS
            return true
        #else
            return false
        #endif
    }

    /// The binary operator as libclang's AST names it; nil where this libclang cannot say. A unary
    /// operator is always where its cursor starts, so the source text answers for those.
    private var operatorKindSpelling: String? {
        #if LIBCLANG_OPERATOR_KINDS
            let k = kind
            guard k == .binaryOperator || k == .compoundAssignOperator else { return nil }
            let op = clang_getCursorBinaryOperatorKind(raw)
            return op == CXBinaryOperator_Invalid ? nil : consume(clang_getBinaryOperatorKindSpelling(op))
        #else
            return nil
        #endif
    }

    private var operatorSpellingUncached: String? {
        let k = kind
        if k == .unaryOperator {
            guard let (file, offset) = spelled(clang_getCursorLocation(raw)) else { return nil }
            return unit.tokens(file: file, from: offset, to: offset + 1, lean: true).first?.spelling
        }
        guard k == .binaryOperator || k == .compoundAssignOperator else { return nil }
        let kids = children
        guard kids.count == 2 else { return nil }
        let lhs = spelled(clang_getCursorLocation(kids[0].raw))
        if let rhs = spelled(clang_getCursorLocation(kids[1].raw)) {
            // When the lhs is spelled elsewhere (a pasted token such as 1ULL, another macro) the token
            // before the rhs is still the operator, unless it is a comma between macro arguments.
            let together = lhs.map { clang_File_isEqual($0.file, rhs.file) != 0 && $0.offset < rhs.offset } ?? false
            let before = unit.tokens(
                file: rhs.file, from: max(together ? lhs!.offset : 0, rhs.offset - 64), to: rhs.offset,
                lean: true
            ).last { $0.location.offset < rhs.offset }
            if let before, Self.binaryOperators.contains(before.spelling), together || before.spelling != "," {
                return before.spelling
            }
        }
        guard let lhs else { return nil }
        // The operator is the token after the left operand's primary expression, within 512 bytes. The
        // tokens of a shorter window are a prefix of those: when the primary ends inside it, so does the answer.
        for window in [96, 512] {
            let tokens = unit.tokens(file: lhs.file, from: lhs.offset, to: lhs.offset + window, lean: true)
            let next = Self.skipPrimary(tokens)
            if next >= tokens.count, window < 512 { continue }
            guard next < tokens.count, Self.binaryOperators.contains(tokens[next].spelling) else { return nil }
            return tokens[next].spelling
        }
        return nil
    }

    /// Where the cursor's first token is spelled — inside a macro's definition for expanded code —
    /// as "file:offset": tells apart two expressions that one macro invocation expands to.
    public var spellingKey: String {
        unit.memo.value(unit.memo.spellingKey, raw) { spellingKeyUncached }
    }

    private var spellingKeyUncached: String {
        guard let (file, offset) = spelled(clang_getCursorLocation(raw)) else { return "" }
        return consume(clang_getFileName(file)) + ":\(offset)"
    }

    /// The source text of the cursor as its file spells it (`writtenText`).
    public var text: String {
        unit.memo.value(unit.memo.text, raw) { writtenText }
    }

    static let binaryOperators: Set<String> = [
        "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=",
        "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "==", "!=", "<", ">", "<=", ">=", "&&", "||", ",",
    ]

    /// Index of the token after one primary expression with its postfix parts: `(..)`, `a->b[c](d)`.
    static func skipPrimary(_ t: [Token]) -> Int {
        var i = 0
        while i < t.count, ["~", "!", "-", "+", "*", "&"].contains(t[i].spelling) { i += 1 }
        guard i < t.count else { return i }
        if t[i].spelling == "(" {
            i = skipGroup(t, i)
            // `(type) operand`: a cast is followed by the operand it converts.
            if i < t.count, t[i].kind == .identifier || t[i].kind == .literal || t[i].spelling == "(" {
                return i + skipPrimary(Array(t[i...]))
            }
        } else {
            i += 1
        }
        while i < t.count {
            switch t[i].spelling {
            case "(", "[": i = skipGroup(t, i)
            case "->", ".": i += 2
            case "++", "--": i += 1
            default: return i
            }
        }
        return i
    }

    private static func skipGroup(_ t: [Token], _ start: Int) -> Int {
        var depth = 0, i = start
        while i < t.count {
            switch t[i].spelling {
            case "(", "[": depth += 1
            case ")", "]":
                depth -= 1
                if depth == 0 { return i + 1 }
            default: break
            }
            i += 1
        }
        return i
    }

    /// The file and offset where the token at a (possibly macro) location is spelled: lexing a zero-width
    /// range at the raw location yields that token with its true file location.
    private func spelled(_ loc: CXSourceLocation) -> (file: CXFile, offset: Int)? {
        var buffer: UnsafeMutablePointer<CXToken>?
        var count: UInt32 = 0
        clang_tokenize(unit.raw, clang_getRange(loc, loc), &buffer, &count)
        guard let buffer, count > 0 else { return nil }
        defer { clang_disposeTokens(unit.raw, buffer, count) }
        var file: CXFile?
        var offset: UInt32 = 0
        let location = clang_getTokenLocation(unit.raw, buffer[0])
        clang_getExpansionLocation(location, &file, nil, nil, &offset)
        guard let file else { return nil }
        unit.noteFileLocation(location, file: file, offset: Int(offset))
        return (file, Int(offset))
    }
}

import CClang

/// A node of a parsed translation unit. Keeps its translation unit alive.
public struct Cursor: Hashable, @unchecked Sendable {
    let raw: CXCursor
    let unit: TranslationUnit

    init(_ raw: CXCursor, _ unit: TranslationUnit) {
        self.raw = raw
        self.unit = unit
    }

    public static func == (a: Cursor, b: Cursor) -> Bool { clang_equalCursors(a.raw, b.raw) != 0 }
    public func hash(into h: inout Hasher) { h.combine(clang_hashCursor(raw)) }

    public var kind: CursorKind { CursorKind(clang_getCursorKind(raw)) }
    public var isNull: Bool { clang_Cursor_isNull(raw) != 0 }
    /// The name of the entity (declaration name, referenced name, macro name).
    public var spelling: String { unit.memo.value(unit.memo.spelling, raw) { consume(clang_getCursorSpelling(raw)) } }
    /// The spelling of the cursor's type, as written after typedef resolution is *not* applied.
    public var typeSpelling: String {
        unit.memo.value(unit.memo.typeSpelling, raw) { type.spelling }
    }
    /// The spelling of the canonical type (typedefs resolved).
    public var canonicalTypeSpelling: String {
        unit.memo.value(unit.memo.canonicalTypeSpelling, raw) { type.canonical.spelling }
    }

    /// Where the cursor starts, at the macro expansion site for expanded code.
    public var location: SourceLocation {
        unit.memo.value(unit.memo.location, raw) { unit.expansionLocation(clang_getCursorLocation(raw)) }
    }
    /// The cursor's extent, by expansion location.
    public var extent: SourceRange {
        let r = clang_getCursorExtent(raw)
        return SourceRange(
            start: unit.expansionLocation(clang_getRangeStart(r)),
            end: unit.expansionLocation(clang_getRangeEnd(r)))
    }
    /// Whether the cursor lies in the file that was parsed (not in a header).
    public var isInMainFile: Bool { clang_Location_isFromMainFile(clang_getCursorLocation(raw)) != 0 }

    /// The entity this cursor refers to (a declaration for a reference, a definition for a macro expansion).
    public var referenced: Cursor? { wrap(unit.memo.value(unit.memo.referenced, raw) { clang_getCursorReferenced(raw) }) }
    /// The defining declaration of the entity, if the unit has it.
    public var definition: Cursor? { wrap(unit.memo.value(unit.memo.definition, raw) { clang_getCursorDefinition(raw) }) }
    /// The declaration of the cursor's type (the struct of an initialiser list, say).
    public var typeDeclaration: Cursor? { wrap(clang_getTypeDeclaration(clang_getCanonicalType(clang_getCursorType(raw)))) }

    /// Direct children in source order.
    public var children: [Cursor] {
        let raws = unit.memo.value(unit.memo.children, raw) {
            var result: [CXCursor] = []
            visit {
                result.append($0.raw)
                return .continue
            }
            return result
        }
        return raws.map { Cursor($0, unit) }
    }

    public enum Visit { case `continue`, recurse, `break` }

    /// Visits the children; `.recurse` descends into the child just seen.
    public func visit(_ body: (Cursor) -> Visit) {
        withoutActuallyEscaping(body) { body in
            let box = VisitorBox(unit: unit, body: body)
            withExtendedLifetime(box) {
                _ = clang_visitChildren(
                    raw,
                    { child, _, data in
                        let box = Unmanaged<VisitorBox>.fromOpaque(data!).takeUnretainedValue()
                        switch box.body(Cursor(child, box.unit)) {
                        case .continue: return CXChildVisit_Continue
                        case .recurse: return CXChildVisit_Recurse
                        case .break: return CXChildVisit_Break
                        }
                    }, Unmanaged.passUnretained(box).toOpaque())
            }
        }
    }

    /// Every descendant in pre-order.
    public func descendants(_ body: (Cursor) -> Void) {
        visit {
            body($0)
            return .recurse
        }
    }

    /// The arguments of a call expression.
    public var arguments: [Cursor] {
        let raws = unit.memo.value(unit.memo.arguments, raw) {
            let n = clang_Cursor_getNumArguments(raw)
            guard n > 0 else { return [] }
            return (0..<UInt32(n)).compactMap { wrap(clang_Cursor_getArgument(raw, $0))?.raw }
        }
        return raws.map { Cursor($0, unit) }
    }

    /// The value of a constant expression, after macro expansion, by libclang's evaluator.
    public func evaluate() -> EvalResult? {
        unit.memo.value(unit.memo.evaluation, raw) { evaluateUncached() }
    }

    private func evaluateUncached() -> EvalResult? {
        guard let r = clang_Cursor_Evaluate(raw) else { return nil }
        defer { clang_EvalResult_dispose(r) }
        switch clang_EvalResult_getKind(r) {
        case CXEval_Int:
            if clang_EvalResult_isUnsignedInt(r) != 0 { return .unsigned(UInt64(clang_EvalResult_getAsUnsigned(r))) }
            return .int(Int64(clang_EvalResult_getAsLongLong(r)))
        case CXEval_Float:
            return .float(clang_EvalResult_getAsDouble(r))
        case CXEval_StrLiteral:
            return clang_EvalResult_getAsStr(r).map { .string(String(cString: $0)) }
        default:
            return nil
        }
    }

    /// The tokens of the cursor's extent, as written (macro invocations unexpanded).
    public var tokens: [Token] { unit.tokens(in: clang_getCursorExtent(raw)) }

    private func wrap(_ c: CXCursor) -> Cursor? {
        clang_Cursor_isNull(c) != 0 || clang_isInvalid(clang_getCursorKind(c)) != 0 ? nil : Cursor(c, unit)
    }
}

private final class VisitorBox {
    let unit: TranslationUnit
    let body: (Cursor) -> Cursor.Visit
    init(unit: TranslationUnit, body: @escaping (Cursor) -> Cursor.Visit) {
        self.unit = unit
        self.body = body
    }
}

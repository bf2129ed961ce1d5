import LibClang

/// Reads every `struct sys_reg_desc` array of a parsed arch/arm64/kvm/sys_regs.c: sys_reg_descs[] and the
/// AArch32 cp14/cp15 tables (and whatever other arrays of that type the file defines, by their own names).
///
/// Entries are read from the AST, however the kernel's macros build them: designated or positional
/// initialisers, callbacks as references to functions. Values come from libclang's constant evaluation.
///
/// Two properties are read from the bodies of the functions an entry names:
/// - an access handler is *undefined-access* when its body, declarations aside, is a call to
///   kvm_inject_undefined() followed by a return (of no further call), or a lone `return g(...)` where g
///   is itself undefined-access;
/// - a visibility function is *always hidden / RAZ* when its body, declarations aside, is a lone return of
///   a constant; the constant is classified by the values of REG_HIDDEN and REG_RAZ as this tree defines
///   them (found where the file spells those macros in an expression).
///
/// Fails closed: no sys_reg_descs[], a declared length that differs from the entries read, an entry that
/// is not an initialiser list or whose encoding does not evaluate, a parse error inside a table, or a
/// handler defined in the file without a body (function bodies skipped) throws IncompleteAnalysis.
public struct SysRegDescsExtractor: TableExtractor {
    public static let path = "arch/arm64/kvm/sys_regs.c"
    public static let mainTable = "sys_reg_descs"
    /// Macros whose values are read where a function body of the file spells them (KvmUnit keeps those bodies).
    static let spelledMacros: Set<String> = [FunctionAnalysis.hiddenMacro, FunctionAnalysis.razMacro]

    let unit: TranslationUnit
    let relativize: (String) -> String

    public init(unit: TranslationUnit, relativize: @escaping (String) -> String) {
        self.unit = unit
        self.relativize = relativize
    }

    public func extract() throws -> KvmRegisterTables {
        var arrays: [Cursor] = []
        unit.cursor.visit { c in
            guard c.kind == .varDecl, c.isInMainFile else { return .continue }
            if Self.isDescriptorArray(c.canonicalTypeSpelling) { arrays.append(c) }
            return .continue
        }
        guard arrays.contains(where: { $0.spelling == Self.mainTable }) else { throw fail("\(Self.mainTable)[] not found") }
        // Handlers are judged by their bodies: a unit parsed with skipFunctionBodies has none to judge.
        var hasBodies = false
        unit.cursor.visit { c in
            if c.kind == .functionDecl, c.isInMainFile, c.hasBody {
                hasBodies = true
                return .break
            }
            return .continue
        }
        guard hasBodies else { throw fail("no function of the file has a body (parsed without function bodies?)") }
        let errors = unit.diagnostics.filter { $0.severity >= .error }
        let analysis = FunctionAnalysis(unit: unit, fail: fail)
        var registers: [KvmRegister] = []
        for array in arrays {
            let table = array.spelling
            try requireClean(array, errors: errors, what: "\(table)[]")
            let entries = try initialiser(of: array, what: "\(table)[]").children
            try requireLength(of: array, count: entries.count, what: "\(table)[]")
            if table == Self.mainTable && entries.isEmpty { throw fail("\(table)[] is empty") }
            for entry in entries {
                registers.append(try readEntry(entry, table: table, analysis: analysis))
            }
        }
        return KvmRegisterTables(registers: registers)
    }

    /// `struct sys_reg_desc[N]`, possibly const: the canonical spelling of the arrays' type.
    static func isDescriptorArray(_ type: String) -> Bool {
        var t = Substring(type)
        if t.hasPrefix("const ") { t = t.dropFirst(6) }
        return t.hasPrefix("struct sys_reg_desc[")
    }

    // MARK: - entries

    private func readEntry(_ entry: Cursor, table: String, analysis: FunctionAnalysis) throws -> KvmRegister {
        let location = ref(entry.location)
        let where_ = "\(table)[] entry at line \(location.line)"
        guard entry.kind == .initListExpr else { throw fail("\(where_) is not an initialiser list") }
        let f = Self.designated(entry)

        // Encoding: every member that is present must evaluate; absent ones are zero, as in C.
        var parts: [Int] = []
        var present = 0
        for member in ["Op0", "Op1", "CRn", "CRm", "Op2"] {
            guard let e = f[member] else {
                parts.append(0)
                continue
            }
            present += 1
            guard let v = e.evaluate()?.integer else { throw fail("\(where_): .\(member) does not evaluate") }
            parts.append(Int(v))
        }
        guard present > 0 else { throw fail("\(where_) has no encoding") }
        let encoding = Encoding(op0: parts[0], op1: parts[1], crn: parts[2], crm: parts[3], op2: parts[4])

        var name: String?
        if let n = f["name"] {
            guard case .string(let s)? = n.evaluate() else { throw fail("\(where_): .name does not evaluate") }
            name = s.hasPrefix("SYS_") ? String(s.dropFirst(4)) : s
        }

        let access = try function(f["access"], where_: where_, member: "access")
        let visibility = try function(f["visibility"], where_: where_, member: "visibility")
        let (reg, regIndex) = Self.enumerator(f["reg"])
        let value: UInt64? = f["val"].map { $0.evaluate()?.bits } ?? 0

        return KvmRegister(
            table: table, name: name ?? Self.derivedName(encoding, table: table), nameIsDerived: name == nil,
            encoding: encoding,
            access: access?.spelling, reset: try function(f["reset"], where_: where_, member: "reset")?.spelling,
            visibility: visibility?.spelling,
            getUser: try function(f["get_user"], where_: where_, member: "get_user")?.spelling,
            setUser: try function(f["set_user"], where_: where_, member: "set_user")?.spelling,
            reg: reg, regIndex: regIndex, value: value, valueIsExplicit: f["val"] != nil,
            accessIsUndefined: try access.map { try analysis.isUndefinedAccess($0) } ?? false,
            visibilityKind: try visibility.map { try analysis.visibilityKind($0) } ?? .none,
            location: location, macro: Self.macroName(entry))
    }

    /// The function a callback member names: nil for a member left out or NULL; otherwise the expression
    /// must reference a function.
    private func function(_ value: Cursor?, where_: String, member: String) throws -> Cursor? {
        guard let value else { return nil }
        for c in [value] + value.allDescendants where c.kind == .declRefExpr {
            if let d = c.referenced, d.kind == .functionDecl { return d }
        }
        if let v = value.evaluate()?.bits, v == 0 { return nil }  // NULL
        // A null pointer constant evaluates as nothing in libclang 14: accept a cast of zero.
        if value.allDescendants.contains(where: { $0.kind == .integerLiteral && $0.evaluate()?.bits == 0 }) { return nil }
        throw fail("\(where_): .\(member) names no function")
    }

    /// The `.reg` index as written: the enumerator it names (SCTLR_EL1), or "E+k" for an enumerator plus a
    /// constant (PMEVCNTR0_EL0 + n, whose members have no names of their own); nil otherwise (AArch32
    /// indices such as `(SCTLR_EL1 * 2)`, plain numbers). Also the evaluated index.
    static func enumerator(_ value: Cursor?) -> (String?, Int64?) {
        guard let value else { return (nil, 0) }
        guard let v = value.evaluate()?.integer else { return (nil, nil) }
        let e = peeled(value)
        if let d = enumConstant(e), d.enumConstantValue == v { return (d.spelling, v) }
        // A binary operator of an enumerator and a constant k whose value is the enumerator's plus k
        // (libclang 14 cannot name the operator inside macros; the arithmetic is what the name states).
        if e.kind == .binaryOperator, case let sides = e.children.map(peeled), sides.count == 2 {
            for (i, side) in sides.enumerated() {
                guard let d = enumConstant(side), let base = d.enumConstantValue,
                    let k = sides[1 - i].evaluate()?.integer, k >= 0, base + k == v
                else { continue }
                return (k == 0 ? d.spelling : "\(d.spelling)+\(k)", v)
            }
        }
        return (nil, v)
    }

    /// The expression with parentheses and implicit conversions taken off.
    private static func peeled(_ c: Cursor) -> Cursor {
        var e = c
        while e.kind == .unexposedExpr || e.kind == .parenExpr, e.children.count == 1 { e = e.children[0] }
        return e
    }

    private static func enumConstant(_ c: Cursor) -> Cursor? {
        guard c.kind == .declRefExpr, let d = c.referenced, d.kind == .enumConstantDecl else { return nil }
        return d
    }

    /// S3_0_0_4_2 (the kernel's own spelling for unallocated ID registers), or cp15_0_1_0_0 for AArch32.
    static func derivedName(_ e: Encoding, table: String) -> String {
        let rest = "\(e.op1)_\(e.crn)_\(e.crm)_\(e.op2)"
        if table.hasPrefix("cp1"), let prefix = table.split(separator: "_regs").first, table.hasSuffix("_regs") {
            return "\(prefix)_\(rest)"
        }
        return "S\(e.op0)_\(rest)"
    }

    /// The name of the macro invoked where the entry starts, when its `{` is not written in the table.
    static func macroName(_ entry: Cursor) -> String? {
        guard let first = entry.expansionTokens.first, first.kind == .identifier else { return nil }
        return first.spelling
    }
}

/// What the bodies of handlers and visibility functions say, memoised per function.
private final class FunctionAnalysis {
    static let injectUndefined = "kvm_inject_undefined"
    static let hiddenMacro = "REG_HIDDEN"
    static let razMacro = "REG_RAZ"

    let unit: TranslationUnit
    let fail: (String) -> IncompleteAnalysis
    private var undefined: [Cursor: Bool] = [:]
    private var visibility: [Cursor: KvmRegister.VisibilityKind] = [:]
    private var macroValues: [String: UInt64]?

    init(unit: TranslationUnit, fail: @escaping (String) -> IncompleteAnalysis) {
        self.unit = unit
        self.fail = fail
    }

    /// The statements of a function's body that are not declarations, or nil when the unit has no
    /// definition of it (defined in another file). Throws when the definition's body was skipped.
    private func statements(_ function: Cursor) throws -> [Cursor]? {
        guard let def = function.definition, def.kind == .functionDecl else { return nil }
        guard let body = def.children.last(where: { $0.kind == .compoundStmt }) else {
            throw fail("\(def.spelling)() at line \(def.location.line) has no body (parsed without function bodies?)")
        }
        return body.children.filter { $0.kind != .declStmt && $0.kind != .nullStmt }
    }

    /// The function a call expression calls, through the callee's implicit conversions.
    private static func callee(_ call: Cursor) -> Cursor? {
        guard call.kind == .callExpr else { return nil }
        if let r = call.referenced, r.kind == .functionDecl { return r }
        var found: Cursor?
        call.children.first?.descendants { c in
            if found == nil, c.kind == .declRefExpr, let d = c.referenced, d.kind == .functionDecl { found = d }
        }
        if found == nil, let first = call.children.first, first.kind == .declRefExpr { found = first.referenced }
        return found
    }

    /// The expression of a return statement with parentheses and implicit conversions peeled.
    private static func returned(_ stmt: Cursor) -> Cursor? {
        guard stmt.kind == .returnStmt, var e = stmt.children.first else { return nil }
        while e.kind == .unexposedExpr || e.kind == .parenExpr, let inner = e.children.first, e.children.count == 1 { e = inner }
        return e
    }

    private static func containsCall(_ c: Cursor) -> Bool {
        if c.kind == .callExpr { return true }
        var found = false
        c.visit { d in
            if d.kind == .callExpr || d.kind == .stmtExpr {
                found = true
                return .break
            }
            return .recurse
        }
        return found
    }

    func isUndefinedAccess(_ function: Cursor) throws -> Bool { try isUndefinedAccess(function, depth: 0) }

    private func isUndefinedAccess(_ function: Cursor, depth: Int) throws -> Bool {
        let key = function.definition ?? function
        if let known = undefined[key] { return known }
        guard depth < 8, let stmts = try statements(function) else { return false }
        var result = false
        if stmts.count == 2, let call = Self.callee(stmts[0]), call.spelling == Self.injectUndefined,
            stmts[1].kind == .returnStmt, !(Self.returned(stmts[1]).map(Self.containsCall) ?? false)
        {
            result = true
        } else if stmts.count == 1, let e = Self.returned(stmts[0]), let g = Self.callee(e), g.definition != key {
            result = try isUndefinedAccess(g, depth: depth + 1)
        }
        undefined[key] = result
        return result
    }

    func visibilityKind(_ function: Cursor) throws -> KvmRegister.VisibilityKind {
        let key = function.definition ?? function
        if let known = visibility[key] { return known }
        var result = KvmRegister.VisibilityKind.conditional
        if let stmts = try statements(function), stmts.count == 1, let e = Self.returned(stmts[0]),
            !Self.containsCall(e), let v = e.evaluate()?.bits
        {
            let values = try regMacros()
            if v & values.hidden != 0 {
                result = .alwaysHidden
            } else if v & values.raz != 0 {
                result = .alwaysRaz
            } else {
                result = .none
            }
        }
        visibility[key] = result
        return result
    }

    /// REG_HIDDEN and REG_RAZ as this tree defines them: the value of an expression in the main file
    /// spelled as nothing but the macro's name (`return REG_HIDDEN;`, `& REG_RAZ`).
    private func regMacros() throws -> (hidden: UInt64, raz: UInt64) {
        if macroValues == nil {
            var values: [String: UInt64] = [:]
            let names = [Self.hiddenMacro, Self.razMacro]
            let lengths = Set(names.map(\.utf8.count))
            unit.cursor.visit { top in
                guard top.kind == .functionDecl, top.isInMainFile else { return .continue }
                // An expression spelled as a macro lies in the text of its function: skip the functions
                // that do not mention a macro still wanted (no expression of them could match).
                if let text = top.expansionText, !names.contains(where: { values[$0] == nil && text.contains($0) }) {
                    return .continue
                }
                top.descendants { c in
                    guard c.kind.isExpression else { return }
                    let r = c.extent
                    guard r.start.file == r.end.file, lengths.contains(r.end.offset - r.start.offset) else { return }
                    let tokens = c.expansionTokens
                    guard tokens.count == 1, names.contains(tokens[0].spelling), values[tokens[0].spelling] == nil,
                        let v = c.evaluate()?.bits
                    else { return }
                    values[tokens[0].spelling] = v
                }
                return values.count == names.count ? .break : .continue
            }
            macroValues = values
        }
        guard let hidden = macroValues?[Self.hiddenMacro], let raz = macroValues?[Self.razMacro], hidden != 0, raz != 0 else {
            throw fail("the values of \(Self.hiddenMacro) and \(Self.razMacro) were not found in an expression of the file")
        }
        return (hidden, raz)
    }
}

private extension Cursor {
    /// Every descendant in pre-order, as an array.
    var allDescendants: [Cursor] {
        var result: [Cursor] = []
        descendants { result.append($0) }
        return result
    }
}

import LibClang

/// Reads arm64_ftr_regs[] and every arm64_ftr_bits table of a parsed cpufeature.c.
///
/// Values come from libclang's constant evaluation of the expanded initialisers; tokens are read only
/// for what evaluation erases: which shift macro named a field and which Kconfig option gates visibility.
/// Fails closed: a missing array, an entry that does not evaluate, or a parse error inside a table
/// throws IncompleteAnalysis rather than returning fewer fields.
public struct CpufeatureExtractor: TableExtractor {
    public static let path = "arch/arm64/kernel/cpufeature.c"

    let unit: TranslationUnit
    let relativize: (String) -> String
    let namer: FieldNamer

    public init(unit: TranslationUnit, relativize: @escaping (String) -> String, namer: FieldNamer) {
        self.unit = unit
        self.relativize = relativize
        self.namer = namer
    }

    public func extract() throws -> CpufeatureTables {
        var tables: [String: Cursor] = [:]
        var regsArray: Cursor?
        unit.cursor.visit { c in
            // Only definitions: a tentative or forward declaration carries no initialiser.
            guard c.kind == .varDecl, c.isInMainFile, c.children.contains(where: { $0.kind == .initListExpr }) else {
                return .continue
            }
            if c.spelling == "arm64_ftr_regs" {
                regsArray = c
            } else if c.canonicalTypeSpelling.contains("struct arm64_ftr_bits[") {
                tables[c.spelling] = c
            }
            return .continue
        }
        let errors = unit.diagnostics.filter { $0.severity >= .error }
        guard let regsArray else {
            // Name the first error in cpufeature.c itself: it is usually why the array did not parse.
            let own = errors.first { $0.location.file == unit.path }
            throw fail("arm64_ftr_regs[] not found" + (own.map { " (line \($0.location.line): \($0.message))" } ?? ""))
        }
        try requireClean(regsArray, errors: errors, what: "arm64_ftr_regs[]")
        let entries = try initialiser(of: regsArray, what: "arm64_ftr_regs[]").children.filter { $0.kind == .initListExpr }
        try requireLength(of: regsArray, count: entries.count, what: "arm64_ftr_regs[]")
        guard !entries.isEmpty else { throw fail("arm64_ftr_regs[] is empty") }

        var parsedTables: [String: [FtrEntry]] = [:]
        var registers: [FtrRegister] = []
        for entry in entries {
            let reg = try readRegisterEntry(entry)
            guard let table = tables[reg.table] else {
                throw fail("register \(reg.name) uses table \(reg.table), which was not found")
            }
            if parsedTables[reg.table] == nil {
                try requireClean(table, errors: errors, what: "table \(reg.table)")
                parsedTables[reg.table] = try readTable(table)
            }
            let fields = parsedTables[reg.table, default: []].map { e in
                FtrField(
                    register: reg.name,
                    name: namer.name(register: reg.name, lsb: e.shift, width: e.width, shiftMacro: e.shiftMacro),
                    lsb: e.shift, width: e.width, policy: e.policy, safe: e.safe, signed: e.signed,
                    visible: e.visible, visibleIf: e.visibleIf, strict: e.strict, table: reg.table,
                    location: e.location, defined: namer.defined(reg.name, e.shift))
            }
            registers.append(
                FtrRegister(
                    name: reg.name, encoding: reg.encoding, table: reg.table,
                    location: reg.location, fields: fields))
        }
        return CpufeatureTables(registers: registers)
    }

    // MARK: - arm64_ftr_regs[] entries

    private struct RegisterEntry {
        let name: String
        let encoding: Encoding
        let table: String
        let location: SourceRef
    }

    private func readRegisterEntry(_ entry: Cursor) throws -> RegisterEntry {
        let location = ref(entry.location)
        let fields = Self.designated(entry)
        guard let sysID = fields["sys_id"]?.evaluate()?.bits else {
            throw fail("arm64_ftr_regs[] entry at line \(location.line): sys_id does not evaluate")
        }
        guard let reg = fields["reg"] else { throw fail("arm64_ftr_regs[] entry at line \(location.line): no .reg") }
        // .reg is a compound literal (ARM64_FTR_REG) or the address of a named struct arm64_ftr_reg.
        var regInit: Cursor?
        reg.descendants { c in
            guard regInit == nil else { return }
            if c.kind == .initListExpr {
                regInit = c
            } else if c.kind == .declRefExpr, let def = c.referenced?.definition, def.kind == .varDecl {
                regInit = def.children.first { $0.kind == .initListExpr }
            }
        }
        var name: String?
        var table: String?
        if let regInit {
            let inner = Self.designated(regInit)
            if case .string(let s)? = inner["name"]?.evaluate() { name = s }
            inner["ftr_bits"]?.descendants { d in
                if d.kind == .declRefExpr, table == nil { table = d.spelling }
            }
        }
        guard let name, let table else {
            throw fail("arm64_ftr_regs[] entry at line \(location.line): name or table not found")
        }
        let regName = name.hasPrefix("SYS_") ? String(name.dropFirst(4)) : name
        return RegisterEntry(name: regName, encoding: Encoding(sysReg: sysID), table: table, location: location)
    }

    // MARK: - arm64_ftr_bits tables

    private struct FtrEntry {
        let signed, visible, strict: Bool
        let visibleIf: String?
        let policy: FtrField.Policy
        let shift, width: Int
        let safe: Int64
        let shiftMacro: String?
        let location: SourceRef
    }

    private func readTable(_ table: Cursor) throws -> [FtrEntry] {
        let list = try initialiser(of: table, what: "table \(table.spelling)")
        var result: [FtrEntry] = []
        for entry in list.children {
            let location = ref(entry.location)
            let where_ = "table \(table.spelling), entry at line \(location.line)"
            guard entry.kind == .initListExpr else { throw fail("\(where_) is not an initialiser") }
            let f = Self.designated(entry)
            guard let width = f["width"]?.evaluate()?.integer else { throw fail("\(where_): width does not evaluate") }
            if width == 0 { break }  // ARM64_FTR_END
            guard let shift = f["shift"]?.evaluate()?.integer,
                let safe = f["safe_val"]?.evaluate()?.integer,
                let visible = f["visible"]?.evaluate()?.integer,
                let strict = f["strict"]?.evaluate()?.integer,
                let policy = f["type"].flatMap(Self.policy)
            else {
                throw fail("\(where_): an initialiser does not evaluate")
            }
            guard (0..<64).contains(shift), (1...64).contains(width), shift + width <= 64 else {
                throw fail("\(where_): bits \(shift)+\(width) are outside the register")
            }
            let signed = f["sign"]?.evaluate()?.integer ?? 0
            let tokens = entry.expansionTokens
            result.append(
                FtrEntry(
                    signed: signed != 0, visible: visible != 0, strict: strict != 0,
                    visibleIf: Self.visibilityOption(tokens), policy: policy,
                    shift: Int(shift), width: Int(width), safe: safe,
                    shiftMacro: tokens.first { $0.kind == .identifier && $0.spelling.hasSuffix("_SHIFT") }?.spelling,
                    location: location))
        }
        // An empty table (ftr_raz: ARM64_FTR_END alone) is legitimate: the register reads as zero.
        if list.children.isEmpty { throw fail("table \(table.spelling) has no entries") }
        return result
    }

    /// The enum constant a `.type = FTR_...` initialiser names.
    private static func policy(_ value: Cursor) -> FtrField.Policy? {
        var name: String?
        value.descendants { c in
            if c.kind == .declRefExpr, name == nil { name = c.spelling }
        }
        guard let name, name.hasPrefix("FTR_") else { return nil }
        return FtrField.Policy(rawValue: String(name.dropFirst(4)))
    }

    /// CONFIG_X from FTR_VISIBLE_IF_IS_ENABLED(CONFIG_X) in the entry as written.
    private static func visibilityOption(_ tokens: [Token]) -> String? {
        guard let i = tokens.firstIndex(where: { $0.spelling == "FTR_VISIBLE_IF_IS_ENABLED" }),
            i + 2 < tokens.count, tokens[i + 1].spelling == "("
        else { return nil }
        return tokens[i + 2].spelling
    }
}

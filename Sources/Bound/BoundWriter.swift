import KernelModel
import Policy
import Rules
import SysregSpec
import ToolError

/// Writes the statements that bound fields into KVM's read path, in the idiom of the tree's own version.
///
/// Where each register's statements go, from the guest view (the function that decides the register and
/// the branch it takes for it):
/// - the register's own branch: before the `break;` of its `case` (6.1 and later), or at the end of its
///   `if (id == SYS_…)` block (5.10); where the case only hands the value to a helper
///   (`val = sanitise_id_aa64pfr0_el1(vcpu, val);`, 6.12 and later), at the end of that helper;
/// - the register's own handler (`read_sanitised_id_dfr0_el1()`): before its `return val;`;
/// - a register with neither, read through the handler other registers share: a new `case` at the end of
///   their `switch (id)`, or a new `else if` at the end of their chain.
///
/// What the statements say follows the code around them: the masks the edited function already uses
/// (`val &= ~REG_Field_MASK;`, `ARM64_FEATURE_MASK(…)`, `0xfUL << …_SHIFT`), caps with
/// `ID_REG_LIMIT_FIELD_ENUM` and the value's name where the tree defines both, else with
/// `cpuid_feature_cap_perfmon_field`, and only macros the tree defines: a field the tree has no macro for
/// is spelled by its bits (`GENMASK_ULL(63, 60)`), with its name in a comment where the statement is
/// one line.
///
/// Protected guests' limits go to pKVM's code instead (AllowListWriter).
public struct BoundWriter {
    /// What was written for a field.
    public struct Written: Sendable {
        public let limit: FieldLimit
        /// The statement's lines, the second and later indented relative to the first (no wrapping).
        public let lines: [String]
    }

    public struct Failure: ToolError {
        public let description: String
        init(_ text: String) { description = text }
    }

    let views: [String: GuestView.Field]
    let fields: [String: FtrField]
    let read: (String) -> String?
    let aliases: (String) -> [String]
    let spec: SysregSpec?

    /// `views`: the model's guest view (described fields and undescribed ones); `read` reads a tree file.
    public init(
        guestView: GuestView, tables: CpufeatureTables, aliases: @escaping (String) -> [String],
        read: @escaping (String) -> String?
    ) {
        views = guestView.fields
        fields = Dictionary(tables.fields.map { ($0.key, $0) }) { a, _ in a }
        // The writer asks for the same few files (cpufeature.c, sysreg.h, sys_regs.c) for every field.
        let cache = FileTexts(read)
        self.read = cache.text
        self.aliases = aliases
        spec = read("arch/arm64/tools/sysreg").flatMap { try? SysregSpec(text: $0, path: "arch/arm64/tools/sysreg") }
    }

    /// The edits that bound every field of `limits`, and what was written for each.
    public func write(_ limits: [FieldLimit]) throws -> (edits: [FileEdit], written: [Written]) {
        var edits: [String: FileEdit] = [:], order: [String] = [], written: [Written] = []
        var registers: [String] = []
        for l in limits where !registers.contains(l.register) && !l.protected { registers.append(l.register) }
        for register in registers {
            let group = limits.filter { $0.register == register && !$0.protected }
            guard let view = group.lazy.compactMap({ self.views[$0.key] }).first else {
                throw Failure("KVM's guest view has no treatment of \(register)")
            }
            let path = view.branch?.path ?? GuestViewAnalyzer.path
            guard let text = read(path) else { throw Failure("cannot read \(path)") }
            let source = CSource(path: path, text: text)
            let place = try self.place(register, view: view, in: source)
            let style = Style(function: source.text(place.function), tree: self, source: source, before: place.before)
            var lines: [String] = []
            for l in group {
                let statement = try self.statement(l, style: style)
                written.append(Written(limit: l, lines: statement))
                let tabs = String(repeating: "\t", count: place.indent)
                lines += statement.count == 1 ? Self.wrap(statement[0], indent: place.indent) : statement.map { tabs + $0 }
            }
            let opens = place.opensBlock
            lines = place.wrap(lines)
            if edits[path] == nil {
                edits[path] = FileEdit(path: path, original: text, changes: [])
                order.append(path)
            }
            if let i = edits[path]!.changes.firstIndex(where: { $0.before == place.before }) {
                // Statements that end an existing block go before new blocks opened at the same line.
                if opens {
                    edits[path]!.changes[i].lines += lines
                } else {
                    edits[path]!.changes[i].lines.insert(contentsOf: lines, at: 0)
                }
            } else {
                edits[path]!.changes.append(FileEdit.Change(before: place.before, lines: lines))
                edits[path]!.changes.sort { $0.before < $1.before }
            }
        }
        // pKVM's code is apart from KVM's read path: its edits are files of their own.
        let pkvm = try AllowListWriter(tree: self).write(limits.filter(\.protected))
        return (order.map { edits[$0]! } + pkvm.edits, written + pkvm.written)
    }

    // MARK: - Where

    struct Place {
        /// The statements go before this line (0-based), at this indentation.
        let before: Int
        let indent: Int
        /// The function they land in, and its body.
        let name: String
        let function: (open: Int, close: Int)
        /// Whether `wrap` opens a block of its own (else the statements end an existing one).
        var opensBlock = false
        /// What surrounds them: nothing, a new `case`, a new `else if`, a new `if` after a chain.
        var wrap: ([String]) -> [String] = { $0 }
    }

    private func place(_ register: String, view: GuestView.Field, in s: CSource) throws -> Place {
        let sysReg = "SYS_" + register
        if let branch = view.branch, branch.path == s.path, branch.line >= 1, branch.line <= s.lines.count {
            // The branch is where the read path first takes the register's way: the case label or the
            // test, or the first statement under it.
            let i = s.branchHead(branch.line - 1), t = s.trimmed(i)
            guard let fn = s.enclosingFunction(i) else { throw Failure("\(s.path):\(branch.line): not inside a function") }
            if t.hasPrefix("case ") {
                guard let brk = s.breakOfCase(i) else {
                    throw Failure("\(s.path):\(branch.line): the case for \(register) does not end in break;")
                }
                // A case that only hands the value to the register's helper: the helper is where its code is.
                let body = (i + 1..<brk).map(s.trimmed).filter { !$0.isEmpty }
                if body.count == 1, let helper = Self.helperCall(body[0]), let h = s.function(helper),
                    let end = s.endOfValueFunction(h, value: "val")
                {
                    return Place(before: end, indent: 1, name: helper, function: h)
                }
                return Place(before: brk, indent: s.indent(i) + 1, name: fn.name, function: (fn.open, fn.close))
            }
            if t == "if (id == \(sysReg)) {" || t == "} else if (id == \(sysReg)) {", let close = s.closeOfBlock(i) {
                return Place(before: close, indent: s.indent(i) + 1, name: fn.name, function: (fn.open, fn.close))
            }
            // A branch that also tests something else: a test of the register alone, after the chain.
            if t.contains("(id == \(sysReg)"), let end = s.endOfChain(i) {
                let level = s.indent(i)
                return Place(
                    before: end + 1, indent: level + 1, name: fn.name, function: (fn.open, fn.close), opensBlock: true,
                    wrap: { lines in
                        ["", String(repeating: "\t", count: level) + "if (id == \(sysReg))" + (lines.count > 1 ? " {" : "")]
                            + lines + (lines.count > 1 ? [String(repeating: "\t", count: level) + "}"] : [])
                    })
            }
            throw Failure("\(s.path):\(branch.line): the branch KVM takes for \(register) is not one ftrlint can write into")
        }
        guard let function = view.function else { throw Failure("KVM's read path does not name a function for \(register)") }
        // The handler other registers share, at one of their branches: the register gets a branch of its own.
        let anchors = views.values.filter { $0.function == function && $0.register != register }
            .compactMap { $0.branch }.filter { $0.path == s.path && $0.line >= 1 && $0.line <= s.lines.count }
            .sorted()
        for a in anchors {
            let i = s.branchHead(a.line - 1), t = s.trimmed(i)
            guard let fn = s.enclosingFunction(i) else { continue }
            let level = s.indent(i), tabs = String(repeating: "\t", count: level)
            if t.hasPrefix("case SYS_"), let end = s.endOfSwitch(i) {
                return Place(
                    before: end, indent: level + 1, name: fn.name, function: (fn.open, fn.close), opensBlock: true,
                    wrap: { lines in
                        [tabs + "case \(sysReg):"] + lines + [tabs + "\tbreak;"]
                    })
            }
            if t.hasPrefix("if (id == SYS_") || t.hasPrefix("} else if (id == SYS_"), let end = s.endOfChain(i) {
                return Place(
                    before: end, indent: level + 1, name: fn.name, function: (fn.open, fn.close), opensBlock: true,
                    wrap: { lines in
                        [tabs + "} else if (id == \(sysReg)) {"] + lines
                    })
            }
        }
        // The register's own handler.
        if let body = s.function(function), let end = s.endOfValueFunction(body, value: "val") {
            return Place(before: end, indent: 1, name: function, function: body)
        }
        throw Failure(
            "\(function)() decides \(register), and ftrlint finds neither a branch for the register nor a "
                + "`return val;` it can add a bound before")
    }

    /// `val = sanitise_id_aa64pfr0_el1(vcpu, val);` → `sanitise_id_aa64pfr0_el1`.
    static func helperCall(_ line: String) -> String? {
        guard line.hasPrefix("val = "), line.hasSuffix(", val);"), let paren = line.firstIndex(of: "(") else { return nil }
        let name = line[line.index(line.startIndex, offsetBy: 6)..<paren]
        return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } ? String(name) : nil
    }

    // MARK: - What

    /// How the code being edited already spells a mask, and what the tree defines.
    struct Style {
        enum Mask { case generated, featureMask, shift }
        let mask: Mask
        /// Whether the edited file, or asm/sysreg.h, defines a macro by this name.
        let defines: (String) -> Bool
        let limitEnum: Bool
        let capPerfmon: Bool

        /// `before`: where the statements go in `source`; a macro the file defines only further down is not usable.
        init(function text: String, tree: BoundWriter, source: CSource, before: Int) {
            if text.contains("ARM64_FEATURE_MASK(") {
                mask = .featureMask
            } else if text.contains("0xfUL <<") || text.contains("_SHIFT") && !text.contains("_MASK") {
                mask = .shift
            } else {
                mask = .generated
            }
            let header = tree.read("arch/arm64/include/asm/sysreg.h") ?? ""
            defines = { name in
                header.contains("#define \(name)")
                    || source.lines.contains { $0.hasPrefix("#define \(name)\t") || $0.hasPrefix("#define \(name) ") }
            }
            let define = "#define ID_REG_LIMIT_FIELD_ENUM("
            limitEnum =
                tree.read("arch/arm64/kvm/sys_regs.h")?.contains(define) ?? false
                || source.lines[..<before].contains { $0.hasPrefix(define) }
            capPerfmon = tree.read("arch/arm64/include/asm/cpufeature.h")?.contains("cpuid_feature_cap_perfmon_field(") ?? false
        }
    }

    /// Whether the tree's sysreg file generates the field's macros (`REG_Field_MASK`, `REG_Field_SHIFT`):
    /// a register it describes may still lack a field a newer architecture added.
    func generated(_ l: FieldLimit) -> Bool { spec?.field(register: l.register, name: l.field) != nil }

    /// The stem of the field's shift macro in this tree (`ID_AA64DFR0_PMSVER` of `ID_AA64DFR0_PMSVER_SHIFT`).
    func stem(_ l: FieldLimit) -> String? {
        if let f = fields[l.key],
            let line = read(f.location.path)?.split(separator: "\n", omittingEmptySubsequences: false)
                .dropFirst(f.location.line - 1).first,
            let token = CSource.identifiers(String(line)).first(where: { $0.hasSuffix("_SHIFT") })
        {
            return String(token.dropLast(6))
        }
        if generated(l) { return "\(l.register)_\(l.field)" }
        // Macros written by hand (5.10's asm/sysreg.h): the register without _EL1, the field upper-cased.
        guard let header = read("arch/arm64/include/asm/sysreg.h") else { return nil }
        let short = RegisterNames.base(l.register)
        let candidates =
            ["\(short)_\(l.field.uppercased())", "\(l.register)_\(l.field.uppercased())"]
            + aliases(l.key).map { $0.uppercased() }
        return candidates.first { header.contains("#define \($0)_SHIFT") }
    }

    /// The name the sysreg file gives `value` of the field (`V1P1`).
    func valueName(_ l: FieldLimit, _ value: Int) -> String? {
        spec?.field(register: l.register, name: l.field)?.values.first { $0.value == value }?.name
    }

    /// The statement's lines, the second and later indented relative to the first.
    func statement(_ l: FieldLimit, style: Style) throws -> [String] {
        let stem = self.stem(l)
        let bits = "GENMASK_ULL(\(l.lsb + l.width - 1), \(l.lsb))"
        if l.signed { return try signedCap(l, stem: stem, bits: bits) }
        if l.limit <= 0 {
            switch style.mask {
            case .generated where generated(l): return ["val &= ~\(l.register)_\(l.field)_MASK;"]
            case .generated where stem.map { style.defines($0 + "_MASK") } ?? false: return ["val &= ~\(stem!)_MASK;"]
            case .featureMask where stem != nil && l.width == 4: return ["val &= ~ARM64_FEATURE_MASK(\(stem!));"]
            default:
                if let stem, l.width == 4 { return ["val &= ~(0xfUL << \(stem)_SHIFT);"] }
                return ["val &= ~\(bits);\t/* \(l.field) */"]
            }
        }
        if style.limitEnum, generated(l), let name = valueName(l, l.limit) {
            return ["val = ID_REG_LIMIT_FIELD_ENUM(val, \(l.register), \(l.field), \(name));"]
        }
        // cpuid_feature_cap_perfmon_field() knows 4-bit fields only.
        if style.capPerfmon, l.width == 4 {
            let value = generated(l) ? valueName(l, l.limit).map { "\(l.register)_\(l.field)_\($0)" } : nil
            guard let stem else {
                return ["val = cpuid_feature_cap_perfmon_field(val, \(l.lsb), \(l.limit));\t/* \(l.field) */"]
            }
            return ["val = cpuid_feature_cap_perfmon_field(val, \(stem)_SHIFT, \(value ?? String(l.limit)));"]
        }
        // Any width, with the bitfield helpers every tree has.
        let mask = generated(l) ? "\(l.register)_\(l.field)_MASK" : bits
        return [
            "if (FIELD_GET(\(mask), val) > \(l.limit)) {",
            "\tval &= ~\(mask);",
            "\tval |= FIELD_PREP(\(mask), \(l.limit));",
            "}",
        ]
    }

    /// A signed field held to its limit in signed order, with the kernel's own signed reading of a 4-bit
    /// field: clearing it to 0 would claim a level (0 is a feature level, NI is -1), so values above the
    /// limit become the limit and a host without the feature keeps NI.
    func signedCap(_ l: FieldLimit, stem: String?, bits: String) throws -> [String] {
        guard l.width == 4, let stem else {
            throw Failure("cannot bound \(l.key): a signed field ftrlint can only cap by its 4-bit shift macro")
        }
        let mask = generated(l) ? "\(l.register)_\(l.field)_MASK" : bits
        let value = generated(l) ? valueName(l, l.limit).map { "\(l.register)_\(l.field)_\($0)" } : nil
        let limit = value ?? String(l.limit)
        let test = "cpuid_feature_extract_signed_field(val, \(stem)_SHIFT) >"
        // Within 100 columns at a case's depth (two tabs): else the comparison's right side on a line of its own.
        let head =
            CSource.columns("\t\tif (\(test) \(limit)) {") <= 100
            ? ["if (\(test) \(limit)) {"] : ["if (\(test)", "    \(limit)) {"]
        return head + [
            "\tval &= ~\(mask);",
            "\tval |= FIELD_PREP(\(mask), \(limit));",
            "}",
        ]
    }

    /// The statement at `indent` tabs, its arguments on lines of their own, aligned after the open
    /// parenthesis, where one line would be wider than 100 columns.
    static func wrap(_ statement: String, indent: Int) -> [String] {
        let tabs = String(repeating: "\t", count: indent)
        let line = tabs + statement
        guard CSource.columns(line) > 100, let paren = statement.firstIndex(of: "(") else { return [line] }
        let head = tabs + statement[...paren]
        let args = statement[statement.index(after: paren)...].components(separatedBy: ", ")
        let column = CSource.columns(head)
        let pad = CSource.padding(to: column)
        return args.enumerated().map { i, a in
            (i == 0 ? head : pad) + a + (i < args.count - 1 ? "," : "")
        }
    }
}

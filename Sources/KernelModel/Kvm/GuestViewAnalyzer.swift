import LibClang

/// Computes KVM's guest view of every field cpufeature describes.
///
/// For each register it finds the register's sys_reg_desc in sys_reg_descs[] and interprets the
/// handler that produces the guest's value — the reset callback where KVM keeps per-VM ID values
/// (6.x and later), the access handler otherwise — with the register's encoding and descriptor
/// known. Visibility callbacks are followed from the read path itself (sysreg_visible_as_raz).
public struct GuestViewAnalyzer {
    public static let path = "arch/arm64/kvm/sys_regs.c"

    /// Predicates each view fixes: a normal guest has no nested virtualisation.
    static let normalAssumptions = ["vcpu_has_nv": false]
    static let nestedAssumptions = ["vcpu_has_nv": true]
    /// The descriptor members whose handlers give the guest's value: the per-VM value set at reset where KVM
    /// keeps one, else the access handler.
    static let readMembers = ["reset", "access"]
    /// Interpretation steps per register and view: bounds the work on pathological input.
    static let budget = 200_000

    /// Where one kind of guest's ID values come from: a table of sys_reg_desc and the functions it calls.
    public struct ReadPath {
        let unit: TranslationUnit
        let table: String
        let functions: FunctionIndex

        public init(unit: TranslationUnit, table: String, functions: FunctionIndex) {
            self.unit = unit
            self.table = table
            self.functions = functions
        }
    }

    /// Protected VMs (pKVM) read ID registers at EL2 through their own table.
    public static let protectedPath = "arch/arm64/kvm/hyp/nvhe/sys_regs.c"
    public static let protectedTable = "pvm_sys_reg_descs"

    let normalPath: ReadPath
    let protectedPath: ReadPath?
    let relativize: (String) -> String
    /// Per register name, the fields the architecture defines that cpufeature does not describe: each view
    /// has their treatment too (what a guest would see the day cpufeature describes them).
    let undescribed: [String: [UndescribedField]]

    public init(
        normal: ReadPath, protected: ReadPath?, relativize: @escaping (String) -> String,
        undescribed: [String: [UndescribedField]] = [:]
    ) {
        self.normalPath = normal
        self.protectedPath = protected
        self.relativize = relativize
        self.undescribed = undescribed
    }

    public func analyze(_ tables: CpufeatureTables) throws -> GuestView {
        try analyze(tables) { try protectedPath.map { try protectedViews(tables, $0) } }
    }

    /// What a protected guest sees of each register, from the protected read path alone. Computed apart
    /// from the normal views it can run beside them, and its unit be released once it is done; hand it
    /// to `analyze(_:protected:)`, which then gives what `analyze(_:)` would.
    public struct ProtectedViews: Sendable {
        fileprivate let registers: [RegisterView]
    }

    public static func protectedViews(
        of tables: CpufeatureTables, path: ReadPath, relativize: @escaping (String) -> String,
        undescribed: [String: [UndescribedField]] = [:]
    ) throws -> ProtectedViews {
        try GuestViewAnalyzer(normal: path, protected: path, relativize: relativize, undescribed: undescribed)
            .protectedViews(tables, path)
    }

    private func protectedViews(_ tables: CpufeatureTables, _ path: ReadPath) throws -> ProtectedViews {
        let descs = try descriptors(path)
        // pKVM keeps hypervisor copies of sanitised values named after their register (id_aa64pfr0_el1_sys_val).
        let hostGlobals = Dictionary(tables.registers.map { ($0.name.lowercased() + "_sys_val", $0.encoding.sysReg) }) { a, _ in a
        }
        let views = tables.registers.map { reg in
            let enc = reg.encoding.sysReg
            return view(of: reg, encoding: enc, descriptor: descs[enc], path: path, assumptions: [:], hostGlobals: hostGlobals)
        }
        try requireRecognised(views, of: tables, path: path)
        return ProtectedViews(registers: views)
    }

    /// `analyze(_:)` with the protected views from `protectedViews(of:path:relativize:)` (nil: the tree has none),
    /// asked for only once the normal and nested views are done. Each view has its own trace, so computing
    /// the protected ones elsewhere, earlier or later, changes nothing.
    func analyze(_ tables: CpufeatureTables, protected computeProtected: () throws -> ProtectedViews?) throws -> GuestView {
        let descs = try descriptors(normalPath)
        let encodings = tables.registers.map(\.encoding.sysReg)
        let normals = zip(tables.registers, encodings).map { reg, enc in
            view(of: reg, encoding: enc, descriptor: descs[enc], path: normalPath, assumptions: Self.normalAssumptions)
        }
        try requireRecognised(normals, of: tables, path: normalPath)
        // A tree has a nested view when its read path tests the nested-guest predicate somewhere.
        let hasNested = normals.contains { !$0.assumed.isDisjoint(with: Self.nestedAssumptions.keys) }
        let nesteds = zip(tables.registers, encodings).map { reg, enc in
            hasNested
                ? view(of: reg, encoding: enc, descriptor: descs[enc], path: normalPath, assumptions: Self.nestedAssumptions)
                : nil
        }
        let protectedViews = try computeProtected()
        var result: [String: GuestView.Field] = [:]
        for (i, reg) in tables.registers.enumerated() {
            let enc = encodings[i], desc = descs[enc], normal = normals[i], nested = nesteds[i]
            let protected = protectedViews?.registers[i]
            let writableMask = desc.flatMap(writableMask)
            // The fields cpufeature describes, then those it does not (undescribed), each seen the same way.
            let described = reg.fields.map { (key: $0.key, name: $0.name, lsb: $0.lsb, mask: $0.mask) }
            let others = (undescribed[reg.name] ?? []).map { (key: $0.key, name: $0.name, lsb: $0.lsb, mask: $0.mask) }
            for f in described + others where result[f.key] == nil {
                result[f.key] = GuestView.Field(
                    register: reg.name, field: f.name,
                    normal: normal.treatments[f.lsb] ?? Self.absent(reg),
                    nested: nested.map { $0.treatments[f.lsb] ?? Self.absent(reg) },
                    protected: protected.map { $0.treatments[f.lsb] ?? Self.absent(reg) },
                    writable: writableMask.map { $0 & f.mask == f.mask },
                    function: normal.function, branch: normal.branch,
                    protectedFunction: protected?.function, protectedBranch: protected?.branch)
            }
        }
        return GuestView(fields: result)
    }

    fileprivate struct RegisterView: Sendable {
        let treatments: [Int: KvmTreatment]
        let function: String?
        var assumed: Set<String> = []
        var reading: Reading = .absent
        var branch: SourceRef?
    }

    /// How far a register's read path was followed.
    fileprivate enum Reading: Sendable {
        /// No descriptor, or one without a .reset or .access handler: the register is not KVM's to show.
        case absent
        /// Every handler was followed and none gives the guest a value (it injects UNDEF, or only stores one).
        case noValue
        /// A handler gave the guest's value, with at least one field's bits known.
        case value
        /// A handler could not be followed, or what it gives is unknown throughout: why.
        case unfollowed(String)
    }

    private func view(
        of reg: FtrRegister, encoding: UInt32, descriptor: [String: Cursor]?, path: ReadPath,
        assumptions: [String: Bool], hostGlobals: [String: UInt32] = [:]
    ) -> RegisterView {
        guard let descriptor else { return RegisterView(treatments: [:], function: nil) }
        // Every field the view is computed for: cpufeature's, then the ones it does not describe.
        let layout =
            reg.fields.map { (lsb: $0.lsb, width: $0.width) }
            + (undescribed[reg.name] ?? []).map { (lsb: $0.lsb, width: $0.width) }
        let trace = Trace(budget: Self.budget)
        let context = ReadPathInterpreter.Context(
            register: encoding, descriptor: descriptor, assumptions: assumptions,
            functions: path.functions, hostGlobals: hostGlobals, relativize: relativize)
        let interpreter = ReadPathInterpreter(context: context, trace: trace)
        var followed = false
        var unfollowed: (why: String, function: String, at: SourceRef?)?
        for member in Self.readMembers {
            guard let (name, header) = Self.handler(descriptor[member]) else { continue }
            let at = descriptor[member].map(ref)
            // KVM's own files first, else a definition the unit has (a static inline of sys_regs.h: 5.10's reset_val).
            guard let fn = path.functions.definition(of: name) ?? header else {
                unfollowed = unfollowed ?? (".\(member) = \(name) is not defined in the KVM files ftrlint reads", name, at)
                continue
            }
            let run = interpreter.run(fn)
            let produced = member == "reset" ? run.value : run.regval
            guard case .bits(let bits)? = produced else {
                if trace.budget <= 0 {
                    unfollowed = unfollowed ?? ("analysis budget exhausted in \(name)", name, at)
                } else if produced != nil, !(member == "reset" && fn.typeSpelling.hasPrefix("void ")) {
                    // A value, but not a number (a pointer, a struct): nothing the guest reads can be told from it.
                    unfollowed = unfollowed ?? (".\(member) = \(name) gives no value ftrlint can read", name, at)
                } else {
                    followed = true  // a void reset that stores its value, an access handler that never sets p->regval
                }
                continue
            }
            let classifier = FieldClassifier(register: encoding, trace: trace)
            var treatments: [Int: KvmTreatment] = [:]
            for f in layout { treatments[f.lsb] = classifier.classify(bits, lsb: f.lsb, width: f.width) }
            if trace.budget <= 0 {
                let note = "analysis budget exhausted in \(name)"
                for f in layout { treatments[f.lsb] = KvmTreatment(kind: .unknown, note: note) }
            }
            // A value unknown in every field (it flowed into code the analysis cannot see) is no value at all;
            // a register cpufeature gives no field (ID_AA64DFR1_EL1 on older trees) is judged on all its bits.
            let ranges = reg.fields.isEmpty ? [0..<64] : reg.fields.map { $0.lsb..<min(64, $0.lsb + $0.width) }
            let known = ranges.contains { r in bits.bits[r].contains { !$0.isUnknown } }
            let reading: Reading =
                trace.budget > 0 && known
                ? .value
                : .unfollowed(reg.fields.lazy.compactMap { treatments[$0.lsb]?.note }.first ?? "\(name) gives no known bit")
            return RegisterView(
                treatments: treatments, function: name, assumed: trace.assumed, reading: reading,
                branch: trace.branch)
        }
        // Fail closed: a handler that could not be followed leaves every field unknown, never hidden.
        if let unfollowed {
            let note = "\(reg.name)'s \(unfollowed.why): the guest's value could not be followed"
            var treatments: [Int: KvmTreatment] = [:]
            for f in layout {
                treatments[f.lsb] = KvmTreatment(kind: .unknown, locations: unfollowed.at.map { [$0] } ?? [], note: note)
            }
            return RegisterView(
                treatments: treatments, function: unfollowed.function, assumed: trace.assumed,
                reading: .unfollowed(unfollowed.why))
        }
        return RegisterView(treatments: [:], function: nil, reading: followed ? .noValue : .absent)
    }

    /// Fails closed on a read path ftrlint does not recognise: when no register cpufeature describes gets a
    /// value from its handlers, or more than half of those with a handler cannot be followed, the per-field
    /// verdicts would describe ftrlint's blind spot rather than KVM (a renamed read_id_reg() would look like
    /// KVM hiding everything), so the analysis stops with one error instead.
    private func requireRecognised(_ views: [RegisterView], of tables: CpufeatureTables, path: ReadPath) throws {
        guard !tables.registers.isEmpty else { return }
        var handled = 0, values = 0
        var unfollowed: [(register: String, why: String)] = []
        for (reg, view) in zip(tables.registers, views) {
            switch view.reading {
            case .absent: continue
            case .noValue: handled += 1
            case .value:
                handled += 1
                values += 1
            case .unfollowed(let why):
                handled += 1
                unfollowed.append((reg.name, why))
            }
        }
        guard values == 0 || unfollowed.count * 2 > handled else { return }
        let file = relativize(path.unit.path)
        let looked =
            "looked for each ID register's \(path.table)[] entry and the value its .reset or .access handler gives the guest"
        if handled == 0 {
            throw IncompleteAnalysis(
                file: file,
                "KVM's read path not recognised: none of the \(tables.registers.count) "
                    + "registers cpufeature describes has a \(path.table)[] entry with a handler (\(looked))")
        }
        let example = unfollowed.first.map { "; first \($0.register): \($0.why)" } ?? "; no handler gives a value"
        throw IncompleteAnalysis(
            file: file,
            "KVM's read path not recognised: \(unfollowed.count) of \(handled) ID registers "
                + "with a \(path.table)[] handler could not be followed to a value (\(looked))\(example)")
    }

    private func ref(_ c: Cursor) -> SourceRef { SourceRef(c.location, relativize: relativize) }

    /// A register KVM has no readable handler for: an ID register then reads as UNDEF or zero.
    private static func absent(_ reg: FtrRegister) -> KvmTreatment {
        KvmTreatment(kind: .hidden, note: "\(reg.name) has no sys_reg_descs[] entry with a handler that reads it")
    }

    /// The function a descriptor member names, with its definition where the unit has one with a body.
    private static func handler(_ member: Cursor?) -> (name: String, definition: Cursor?)? {
        var found: (name: String, definition: Cursor?)?
        member?.descendants { c in
            guard found == nil, c.kind == .declRefExpr, let decl = c.referenced, decl.kind == .functionDecl else { return }
            found = (c.spelling, decl.definitionWithBody)
        }
        return found
    }

    /// The ID_WRITABLE mask: `.val` of an ID register entry that userspace may write through set_user.
    private func writableMask(_ desc: [String: Cursor]) -> UInt64? {
        guard desc["set_user"] != nil, desc["reset"] != nil, let v = desc["val"]?.evaluate()?.bits else { return nil }
        return v
    }

    /// Where the normal read path starts: the functions named by the `.reset` and `.access` members of the
    /// sys_reg_descs[] entries for `encodings`, and by `.visibility`, which the read path calls through the
    /// descriptor (sysreg_visible_as_raz): KvmUnit keeps their bodies.
    static func readPathRoots(
        unit: TranslationUnit, encodings: Set<UInt32>,
        relativize: (String) -> String
    ) throws -> Set<String> {
        let descs = try descriptors(unit: unit, table: SysRegDescsExtractor.mainTable, relativize: relativize)
        var roots = Set<String>()
        for encoding in encodings {
            for member in readMembers + ["visibility"] {
                if let (name, _) = handler(descs[encoding]?[member]) { roots.insert(name) }
            }
        }
        return roots
    }

    private func descriptors(_ path: ReadPath) throws -> [UInt32: [String: Cursor]] {
        try Self.descriptors(unit: path.unit, table: path.table, relativize: relativize)
    }

    /// A table's entries by encoding, as member → initialiser maps.
    private static func descriptors(
        unit: TranslationUnit, table name: String,
        relativize: (String) -> String
    ) throws -> [UInt32: [String: Cursor]] {
        var table: Cursor?
        unit.cursor.visit { c in
            if c.kind == .varDecl, c.isInMainFile, c.spelling == name,
                c.children.contains(where: { $0.kind == .initListExpr })
            {
                table = c
            }
            return table == nil ? .continue : .break
        }
        let file = relativize(unit.path)
        guard let table, let list = table.children.first(where: { $0.kind == .initListExpr }) else {
            throw IncompleteAnalysis(file: file, "\(name)[] not found")
        }
        var result: [UInt32: [String: Cursor]] = [:]
        for entry in list.children where entry.kind == .initListExpr {
            let members = CpufeatureExtractor.designated(entry)
            let parts = ["Op0", "Op1", "CRn", "CRm", "Op2"].map { members[$0]?.evaluate()?.bits }
            guard parts.allSatisfy({ $0 != nil }) else { continue }
            let p = parts.map { Int($0!) }
            let enc = Encoding(op0: p[0], op1: p[1], crn: p[2], crm: p[3], op2: p[4]).sysReg
            if result[enc] == nil { result[enc] = members }
        }
        guard !result.isEmpty else { throw IncompleteAnalysis(file: file, "\(name)[] has no entry that evaluates") }
        return result
    }
}

import KernelModel

/// Builders for the small constructed models rule examples (and tests) run on: no C is parsed.
public enum Example {
    /// One field of a constructed model.
    public struct Field: Sendable {
        public let register: String
        public let field: String
        public var lsb: Int
        public var width: Int
        public var signed: Bool
        /// The policy's entry (nil: the policy does not know the field).
        public var entry: Policy.Entry?
        /// What a normal guest sees (nil: the model has no view of the field).
        public var normal: KvmTreatment?
        /// What a nested guest sees (nil: no NV support).
        public var nested: KvmTreatment?
        /// What a protected guest sees (nil: no pKVM view).
        public var protected: KvmTreatment?
        /// False for a field the architecture defines that cpufeature does not describe.
        public var described: Bool
        public var function: String?
        /// The values the tree's sysreg file defines for the field (nil: the tree does not describe it).
        public var defined: [Int64]?

        public init(
            _ key: String, _ entry: Policy.Entry?, normal: KvmTreatment?, nested: KvmTreatment? = nil,
            protected: KvmTreatment? = nil, lsb: Int = 0, width: Int = 4, signed: Bool = false,
            described: Bool = true, function: String? = "read_sanitised_id_reg", defined: [Int64]? = nil
        ) {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            register = parts[0]
            field = parts.count > 1 ? parts[1] : ""
            self.entry = entry
            self.normal = normal
            self.nested = nested
            self.protected = protected
            self.lsb = lsb
            self.width = width
            self.signed = signed
            self.described = described
            self.function = function
            self.defined = defined
        }
    }

    // MARK: Policy entries

    /// A kvm entry: `levels` maps each value to the registers it adds; `needs` to what else it needs, and
    /// `evidence` to the names whose use in KVM's code shows it.
    public static func kvm(
        _ key: String, bound: Int, levels: [Int: [String]], needs: [Int: String] = [:],
        evidence: [Int: [String]] = [:], minimum: Int? = nil
    ) -> Policy.Entry {
        let values = Set(levels.keys).union(needs.keys)
        return Policy.Entry(
            key: key, fieldClass: .kvm, bound: bound, reason: "example",
            levels: values.map {
                Policy.Level(
                    value: $0, feature: "FEAT_\($0)", registers: levels[$0] ?? [],
                    needs: needs[$0], evidence: evidence[$0] ?? [])
            },
            minimum: minimum)
    }

    public static func isa(_ key: String, bound: Int? = nil) -> Policy.Entry {
        Policy.Entry(key: key, fieldClass: .isa, bound: bound, reason: "example")
    }

    public static func el2(_ key: String, bound: Int = 0) -> Policy.Entry {
        Policy.Entry(key: key, fieldClass: .el2, bound: bound, reason: "example")
    }

    // MARK: Treatments

    /// A statement of KVM's read path, for examples.
    public static func kvmLine(_ line: Int) -> SourceRef { SourceRef(path: "arch/arm64/kvm/sys_regs.c", line: line, column: 2) }

    public static let passthrough = KvmTreatment(kind: .passthrough, locations: [kvmLine(1500)])
    public static let hidden = KvmTreatment(kind: .hidden, locations: [kvmLine(1510)])
    public static let computed = KvmTreatment(kind: .computed, locations: [kvmLine(1530)], note: "kvm->arch.value")
    public static func capped(_ cap: Int64) -> KvmTreatment { KvmTreatment(kind: .capped, cap: cap, locations: [kvmLine(1520)]) }
    public static func forced(_ value: Int64) -> KvmTreatment {
        KvmTreatment(kind: .forced, value: value, locations: [kvmLine(1525)])
    }
    public static func unknown(_ note: String) -> KvmTreatment {
        KvmTreatment(kind: .unknown, locations: [kvmLine(1540)], note: note)
    }
    /// Hidden unless `condition`, when the host's value passes through.
    public static func passthrough(when condition: String) -> KvmTreatment {
        KvmTreatment(
            kind: .conditional, condition: condition,
            paths: [
                KvmTreatment.Path(when: condition, kind: .passthrough, value: nil),
                KvmTreatment.Path(when: "!(\(condition))", kind: .hidden, value: 0),
            ],
            locations: [kvmLine(1550)])
    }

    // MARK: Undescribed fields

    /// ID_AA64DFR0_EL1.BRBE: a kvm field (at bit 52 in `undescribed(_:described:)`) whose level 1 adds BRBCR_EL1.
    public static let brbe = kvm("ID_AA64DFR0_EL1.BRBE", bound: 0, levels: [1: ["BRBCR_EL1"]])
    /// A field cpufeature describes in BRBE's register, so that the register is one cpufeature describes.
    public static let debugVer = Field("ID_AA64DFR0_EL1.DebugVer", isa("ID_AA64DFR0_EL1.DebugVer"), normal: passthrough)

    /// A model of BRBE's register where KVM gives BRBE `normal`, and cpufeature describes BRBE only when
    /// `described`: the examples of the rules about fields cpufeature does not describe.
    public static func undescribed(_ normal: KvmTreatment, described: Bool = false) -> RuleContext {
        context([debugVer, Field(brbe.key, brbe, normal: normal, lsb: 52, described: described)])
    }

    // MARK: Models

    /// A model of the given fields. `handled` registers get a sys_reg_descs entry with a real access handler,
    /// `undefined` ones an entry whose handler only injects UNDEF; every ID register of `fields` gets one too.
    /// `evidence`: names KVM's code programs (at sys_regs.c line 3000 on); `gated`: names it programs only
    /// where feature tests fail (a feature map's FEAT_X, the `else` of a test), with those tests; `traps`:
    /// the policy's trap controls by register.
    public static func context(
        _ fields: [Field], handled: [String] = [], undefined: [String] = [],
        policy extra: [Policy.Entry] = [], evidence: [String] = [],
        conditions: [String: Policy.Condition] = [:], traps: [String: [String]] = [:],
        gated: [String: Set<KvmEvidence.Gate>] = [:]
    ) -> RuleContext {
        var registers: [String: [FtrField]] = [:], order: [String] = []
        var views: [String: GuestView.Field] = [:], undescribed: [String: GuestView.Field] = [:]
        var undescribedFields: [UndescribedField] = []
        var entries: [String: Policy.Entry] = [:]
        for e in extra { entries[e.key] = e }
        for (i, f) in fields.enumerated() {
            let key = "\(f.register).\(f.field)"
            if let entry = f.entry { entries[entry.key] = entry }
            if !order.contains(f.register) { order.append(f.register) }
            if f.described {
                registers[f.register, default: []].append(
                    FtrField(
                        register: f.register, name: f.field, lsb: f.lsb, width: f.width, policy: .lowerSafe, safe: 0,
                        signed: f.signed, visible: false, visibleIf: nil, strict: true, table: "ftr_example",
                        location: SourceRef(path: "arch/arm64/kernel/cpufeature.c", line: 100 + i, column: 2),
                        defined: f.defined))
            }
            if let normal = f.normal {
                let v = GuestView.Field(
                    register: f.register, field: f.field, normal: normal, nested: f.nested,
                    protected: f.protected, writable: nil, function: f.function,
                    // pKVM's read path takes each register's case in one function, as 6.1's does.
                    protectedFunction: f.protected.map { _ in "pvm_read_id_reg" },
                    protectedBranch: f.protected.map { _ in
                        SourceRef(path: GuestViewAnalyzer.protectedPath, line: 200 + i, column: 3)
                    })
                if f.described { views[key] = v } else { undescribed[key] = v }
            }
            if !f.described {
                undescribedFields.append(
                    UndescribedField(register: f.register, name: f.field, lsb: f.lsb, width: f.width, signed: f.signed))
            }
        }
        let tables = CpufeatureTables(
            registers: order.enumerated().map { i, name in
                FtrRegister(
                    name: name, encoding: Encoding(op0: 3, op1: 0, crn: 0, crm: 4 + i / 8, op2: i % 8),
                    table: "ftr_example", location: SourceRef(path: "arch/arm64/kernel/cpufeature.c", line: 900 + i, column: 2),
                    fields: registers[name] ?? [])
            })
        var kvm: [KvmRegister] = []
        for (i, name) in (order + handled + undefined).enumerated() {
            let undef = undefined.contains(name) && !handled.contains(name)
            kvm.append(
                KvmRegister(
                    table: "sys_reg_descs", name: name, nameIsDerived: false, encoding: nil,
                    access: undef ? "undef_access" : "access_example", reset: nil, visibility: nil,
                    getUser: nil, setUser: nil, reg: nil, regIndex: nil, value: 0, valueIsExplicit: false,
                    accessIsUndefined: undef, visibilityKind: .none, location: kvmLine(2000 + i), macro: nil))
        }
        let ungated = Dictionary(evidence.enumerated().map { ($1, kvmLine(3000 + $0)) }) { a, _ in a }
        let uses = ungated.merging(gated.keys.enumerated().map { ($1, kvmLine(4000 + $0)) }) { a, _ in a }
        return RuleContext(
            tables: tables, kvmRegisters: KvmRegisterTables(registers: kvm), guestView: GuestView(fields: views),
            policy: Policy(entries: entries, traps: traps, conditions: conditions), undescribed: undescribed,
            undescribedFields: undescribedFields,
            kvmEvidence: KvmEvidence(uses: uses, ungated: ungated, gates: gated.mapValues { [$0] }))
    }
}

import Foundation

/// What each arm64 ID-register field describes, and how much of it KVM may expose to a
/// normal (non-nested, non-protected) guest. Shipped as `policy.yaml` (schema version 1);
/// a user's file of additions can override or extend it (`merging(additions:)`).
public struct Policy: Sendable {
    /// What a field describes, architecturally.
    public enum FieldClass: String, Sendable, CaseIterable {
        /// Instructions or memory-model behaviour that need nothing from the hypervisor.
        case isa
        /// Describes EL2/EL3 (or Secure/Realm state) only; an EL1 guest cannot act on it.
        case el2
        /// Needs KVM's support: registers, traps, EL2 state, devices, extra register state.
        case kvm
    }

    /// One value of a field and what it brings that KVM must handle.
    public struct Level: Sendable, Equatable {
        /// The field value (signed for SignedEnum fields).
        public let value: Int
        /// The FEAT_ name from the Arm ARM, when there is one.
        public let feature: String?
        /// The EL0/EL1 system registers this level adds (sysreg-file or SYS_ macro names).
        public let registers: [String]
        /// What else KVM must do (traps, EL2 controls, emulation), when registers alone don't say.
        public let needs: String?
        /// Names (a control bit KVM sets, a PSTATE bit its exception entry keeps, an exception class it
        /// handles) any one of which, used in KVM's code, shows that KVM does what `needs` says.
        public let evidence: [String]

        public init(
            value: Int, feature: String? = nil, registers: [String] = [], needs: String? = nil,
            evidence: [String] = []
        ) {
            self.value = value
            self.feature = feature
            self.registers = registers
            self.needs = needs
            self.evidence = evidence
        }
    }

    /// The policy for one field.
    public struct Entry: Sendable, Equatable {
        /// `REGISTER.Field`, as in the newest sysreg file.
        public let key: String
        public let register: String
        public let field: String
        public let fieldClass: FieldClass
        /// Absolute upper bound of the value KVM may expose to a normal guest
        /// (required for kvm and el2 entries; signed for SignedEnum fields).
        public let bound: Int?
        /// One line from the architecture: what the field is and why it has its class.
        public let reason: String
        /// Levels in ascending value order (kvm entries only).
        public let levels: [Level]
        /// Older kernels' names that a case-insensitive match would not find.
        public let aliases: [String]

        /// The field's bits in the newest sysreg file, when the policy states them.
        public let bits: ClosedRange<Int>?
        /// The lowest value the architecture permits on any CPU KVM runs on (Armv8.0): a guest always sees
        /// at least this level, so KVM cannot hide it and must handle what it brings.
        public let minimum: Int?
        /// The highest value Armv8-A and later permit: a level above it never appears on a CPU KVM runs on.
        public let maximum: Int?

        public init(
            key: String, fieldClass: FieldClass, bound: Int?, reason: String,
            levels: [Level] = [], aliases: [String] = [], bits: ClosedRange<Int>? = nil,
            minimum: Int? = nil, maximum: Int? = nil
        ) {
            self.bits = bits
            self.minimum = minimum
            self.maximum = maximum
            self.key = key
            let parts = RegisterNames.splitKey(key)
            self.register = parts?.register ?? key
            self.field = parts?.field ?? ""
            self.fieldClass = fieldClass
            self.bound = bound
            self.reason = reason
            self.levels = levels.sorted { $0.value < $1.value }
            self.aliases = aliases
        }

        /// The level with exactly this value, if the policy describes it.
        public func level(_ value: Int) -> Level? {
            levels.first { $0.value == value }
        }
    }

    /// The schema version of the file this policy came from.
    public let version: Int
    /// All entries, keyed by `REGISTER.Field`.
    public let entries: [String: Entry]
    /// The controls that route a guest's accesses to a register to EL2 (Arm ARM), as `REGISTER.FIELD` of
    /// the trap registers, for registers that are safe to leave to the hardware when untrapped: their state
    /// is virtualised by the hardware itself or there is none. Keyed by register name.
    public let traps: [String: [String]]
    /// What a run-time condition KVM tests tells about the host's sanitised value (kernel facts, each with
    /// its source): where `!(arm64_get_spectre_v2_state() == SPECTRE_UNAFFECTED)` holds, CSV2 is 0. Keyed
    /// by the condition as KVM spells it, white space removed.
    public let conditions: [String: Condition]

    /// A condition's consequence for host fields: REGISTER.Field → the highest value it can have.
    public struct Condition: Sendable, Equatable {
        public let bounds: [String: Int]
        public let reason: String
        public init(bounds: [String: Int], reason: String) {
            self.bounds = bounds
            self.reason = reason
        }
    }

    /// The key a condition is looked up by: its spelling with white space removed.
    public static func conditionKey(_ text: String) -> String { String(text.filter { !$0.isWhitespace }) }

    private let aliasIndex: [String: String]
    private let foldedIndex: [String: String]
    /// "REGISTER|lsb" (upper-cased register) → key, for naming fields by position.
    private let positionIndex: [String: String]

    public init(
        version: Int = Policy.schemaVersion, entries: [String: Entry], traps: [String: [String]] = [:],
        conditions: [String: Condition] = [:]
    ) {
        self.version = version
        self.entries = entries
        self.traps = traps
        self.conditions = conditions
        var aliases: [String: String] = [:]
        var folded: [String: String] = [:]
        var positions: [String: String] = [:]
        // Iterate in key order so a clash resolves the same way every time.
        for key in entries.keys.sorted() {
            guard let entry = entries[key] else { continue }
            folded[key.uppercased()] = folded[key.uppercased()] ?? key
            if let lsb = entry.bits?.lowerBound {
                let slot = "\(entry.register.uppercased())|\(lsb)"
                positions[slot] = positions[slot] ?? key
            }
            for alias in entry.aliases {
                let stem = RegisterNames.aliasStem(alias, register: entry.register)
                aliases[stem] = aliases[stem] ?? key
            }
        }
        self.aliasIndex = aliases
        self.foldedIndex = folded
        self.positionIndex = positions
    }

    /// Every name the search of KVM's code looks for: what levels give as evidence, and the macros of the
    /// trap controls (`ICH_HFGRTR_EL2.ICC_ICSR_EL1` is spelled `ICH_HFGRTR_EL2_ICC_ICSR_EL1`).
    public var evidenceNames: Set<String> {
        Set(entries.values.flatMap { $0.levels.flatMap(\.evidence) }).union(traps.values.flatMap { $0.flatMap(Self.macros) })
    }

    /// The kernel's spellings of a trap control written `REGISTER.FIELD`: `REGISTER_FIELD` as the sysreg file
    /// generates it, and for an EL2 control register also the older `HCR_TID5`, `CNTHCTL_EL1TVCT` form.
    public static func macros(_ control: String) -> [String] {
        let control = trapControl(control).name
        let full = control.replacingOccurrences(of: ".", with: "_")
        guard let dot = control.firstIndex(of: "."), control[..<dot].hasSuffix("_EL2") else { return [full] }
        return [full, control[..<dot].dropLast(4) + "_" + control[control.index(after: dot)...]]
    }

    /// A trap control as the policy writes it: `REGISTER.FIELD`, which traps while set, or `REGISTER.FIELD=0`,
    /// an enable that traps while clear (CNTHCTL_EL2.EL1PCTEN).
    public static func trapControl(_ control: String) -> (name: String, trapsWhenClear: Bool) {
        control.hasSuffix("=0") ? (String(control.dropLast(2)), true) : (control, false)
    }

    /// The schema version this loader reads.
    public static let schemaVersion = 1

    // MARK: Loading

    /// Parses a policy from YAML text; `path` names the text in errors.
    /// Strict: unknown keys, wrong types, unknown classes, non-integer level keys and
    /// missing required values are reported as `PolicyError` naming the path and the entry.
    public init(yaml: String, path: String) throws {
        self = try PolicyLoader(path: path).load(yaml)
    }

    /// Reads and parses a policy file.
    public static func load(file: String) throws -> Policy {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw PolicyError(path: file, problem: "cannot read the file: \(error.localizedDescription)")
        }
        return try Policy(yaml: text, path: file)
    }

    /// The policy bundled with ftrlint (`Policy/policy.yaml`).
    public static func shipped() throws -> Policy {
        guard let url = Bundle.module.url(forResource: "policy", withExtension: "yaml") else {
            throw PolicyError(path: "policy.yaml", problem: "the bundled policy is missing from the KernelModel resources")
        }
        return try load(file: url.path)
    }

    // MARK: Combining and looking up

    /// This policy with a user's additions: an entry in `additions` replaces the entry with the
    /// same key, new keys are added.
    public func merging(additions: Policy) -> Policy {
        Policy(
            version: max(version, additions.version),
            entries: entries.merging(additions.entries) { _, added in added },
            traps: traps.merging(additions.traps) { _, added in added },
            conditions: conditions.merging(additions.conditions) { _, added in added })
    }

    /// The entry for a field: the exact `REGISTER.Field` key first, then an alias (an older
    /// kernel's `REG_FIELD` macro stem, with or without `_EL1`), then a case-insensitive match.
    public func entry(register: String, field: String) -> Entry? {
        if let entry = entries["\(register).\(field)"] { return entry }
        let stem = "\(RegisterNames.base(register))_\(field)".uppercased()
        if let key = aliasIndex[stem], let entry = entries[key] { return entry }
        for candidate in RegisterNames.spellings(register) {
            if let key = foldedIndex["\(candidate).\(field)".uppercased()], let entry = entries[key] {
                return entry
            }
        }
        return nil
    }

    /// The entry whose bits start at `lsb` in `register` (any spelling of the register's name).
    public func entry(register: String, lsb: Int) -> Entry? {
        for name in [register] + RegisterNames.spellings(register) {
            if let key = positionIndex["\(name.uppercased())|\(lsb)"] { return entries[key] }
        }
        return nil
    }

    /// The entry for a `REGISTER.Field` key, with the same fallbacks as `entry(register:field:)`.
    public func entry(key: String) -> Entry? {
        guard let parts = RegisterNames.splitKey(key) else { return entries[key] }
        return entry(register: parts.register, field: parts.field)
    }
}

import KernelModel

/// What the rules read: one tree's model and the policy, as plain values.
///
/// Examples and tests build it directly from model values (see `Example.context`); `check` builds it from a
/// TreeModel. Nothing here parses C.
public struct RuleContext: Sendable {
    /// cpufeature's ARM64_FTR_BITS tables.
    public let tables: CpufeatureTables
    /// KVM's register tables (which registers a guest access reaches a real handler for).
    public let kvmRegisters: KvmRegisterTables
    /// What KVM shows normal guests of every field cpufeature describes, and nested-virtualisation and
    /// protected (pKVM) guests where the tree has those views (`GuestView.Field.nested`, `.protected`).
    public let guestView: GuestView
    /// KVM's treatment of fields the architecture defines that cpufeature does not describe, keyed
    /// REGISTER.Field (policy spelling).
    public let undescribed: [String: GuestView.Field]
    /// Those fields' bits and signedness in this tree, by the same key.
    public let undescribedFields: [String: UndescribedField]
    public let policy: Policy

    /// Registers KVM handles, by every spelling the policy may use for them.
    let support: KvmSupport

    /// The architecture's encodings of AArch64 registers by name (from the tree's sysreg file), so that policy
    /// register names find KVM entries that carry no name.
    public let registerEncodings: [String: Encoding]

    /// Where KVM's code uses the names the policy gives as evidence of what levels need.
    public let kvmEvidence: KvmEvidence

    public init(
        tables: CpufeatureTables, kvmRegisters: KvmRegisterTables, guestView: GuestView, policy: Policy,
        undescribed: [String: GuestView.Field]? = nil, undescribedFields: [UndescribedField] = [],
        registerEncodings: [String: Encoding] = [:],
        kvmEvidence: KvmEvidence = KvmEvidence(uses: [:])
    ) {
        self.tables = tables
        self.kvmRegisters = kvmRegisters
        self.guestView = guestView
        self.policy = policy
        // Entries of the guest view for fields cpufeature does not describe are, by definition, undescribed ones.
        let described = Set(tables.fields.map(\.key))
        self.undescribed = undescribed ?? guestView.fields.filter { !described.contains($0.key) }
        self.undescribedFields = Dictionary(undescribedFields.map { ($0.key, $0) }) { a, _ in a }
        self.registerEncodings = registerEncodings
        self.kvmEvidence = kvmEvidence
        support = KvmSupport(
            kvmRegisters, encodings: registerEncodings, evidence: kvmEvidence, traps: policy.traps,
            conditions: policy.conditions)
    }

    /// The context of a tree's model; register encodings come from the tree's own SYS_<NAME> macros, so
    /// policy names match KVM entries named by encoding only (6.1's PMU registers) or not at all.
    public init(model: TreeModel, policy: Policy) {
        self.init(
            tables: model.tables, kvmRegisters: model.kvmRegisters, guestView: model.guestView, policy: policy,
            undescribedFields: model.undescribed.values.flatMap { $0 }, registerEncodings: model.registerEncodings,
            kvmEvidence: model.kvmEvidence)
    }

    /// Whether the model has a nested-virtualisation view / a protected view of the tree.
    var hasNestedView: Bool { guestView.fields.values.contains { $0.nested != nil } }
    var hasProtectedView: Bool { guestView.fields.values.contains { $0.protected != nil } }

    /// Every REGISTER.Field the rules look at: the fields cpufeature describes, in table order.
    public var fieldKeys: [String] { tables.fields.map(\.key) }

    /// Where KVM decides a register for the view whose `treatment` is given (`protected`: pKVM's view): the
    /// branch the read path takes for the register (where a fix goes), else the first statement the
    /// treatment names, else the register's table entry (pKVM's own table for a protected guest).
    func kvmLocation(_ view: GuestView.Field, treatment: KvmTreatment?, protected: Bool = false) -> SourceRef? {
        if protected, let branch = view.protectedBranch { return branch }
        if !protected, treatment == view.normal, let branch = view.branch { return branch }
        if let first = treatment?.locations.first { return first }
        let entries = kvmRegisters.entries(named: view.register)
        let table = protected ? GuestViewAnalyzer.protectedTable : SysRegDescsExtractor.mainTable
        return (entries.first { $0.table == table } ?? entries.first)?.location
    }

    /// The note naming the KVM function that decides a field, at the place it does.
    func kvmNote(
        _ view: GuestView.Field, treatment: KvmTreatment?, protected: Bool = false, _ text: (String) -> String
    ) -> [Finding.Related] {
        guard let location = kvmLocation(view, treatment: treatment, protected: protected) else { return [] }
        let decider = protected ? view.protectedFunction : view.function
        let table = protected ? "pKVM's pvm_sys_reg_descs[]" : "KVM's sys_reg_descs[]"
        let function = decider.map { "\($0)()" } ?? "\(table) entry for \(view.register)"
        return [Finding.Related(location: location, message: text(function))]
    }
}

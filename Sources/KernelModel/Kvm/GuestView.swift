/// KVM's treatment of every field cpufeature describes, per view.
public struct GuestView: Codable, Hashable, Sendable {
    public struct Field: Codable, Hashable, Sendable {
        public let register: String
        public let field: String
        /// What a normal guest sees.
        public let normal: KvmTreatment
        /// What a guest with nested virtualisation sees (nil: the tree has no NV support).
        public let nested: KvmTreatment?
        /// What a protected (pKVM) guest sees (nil: the tree has no pKVM ID register emulation).
        public let protected: KvmTreatment?
        /// Whether userspace may write the field (ID_WRITABLE masks); nil where the tree has no such mask.
        public let writable: Bool?
        /// The KVM function whose code decides the field for a normal guest.
        public let function: String?
        /// Where that code first takes the register's own branch (a switch case, an `id ==` test): where a
        /// fix for a normal guest's view of the register goes. Nil where the handler is the register's own.
        public var branch: SourceRef? = nil
        /// The same two for a protected guest: pKVM's function that decides the field (`get_pvm_id_aa64pfr0()`)
        /// and where its read path takes the register's way. Nil without a protected view.
        public var protectedFunction: String? = nil
        public var protectedBranch: SourceRef? = nil

        public init(
            register: String, field: String, normal: KvmTreatment, nested: KvmTreatment?,
            protected: KvmTreatment?, writable: Bool?, function: String?, branch: SourceRef? = nil,
            protectedFunction: String? = nil, protectedBranch: SourceRef? = nil
        ) {
            self.register = register
            self.field = field
            self.normal = normal
            self.nested = nested
            self.protected = protected
            self.writable = writable
            self.function = function
            self.branch = branch
            self.protectedFunction = protectedFunction
            self.protectedBranch = protectedBranch
        }
    }

    /// Keyed by REGISTER.Field.
    public let fields: [String: Field]

    public init(fields: [String: Field]) { self.fields = fields }
}

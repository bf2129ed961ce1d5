/// An ID register cpufeature sanitises (one arm64_ftr_regs[] entry) with its described fields.
public struct FtrRegister: Codable, Hashable, Sendable {
    public let name: String
    /// sys_reg() encoding: op0, op1, CRn, CRm, op2.
    public let encoding: Encoding
    public let table: String
    public let location: SourceRef
    public let fields: [FtrField]

    public init(name: String, encoding: Encoding, table: String, location: SourceRef, fields: [FtrField]) {
        self.name = name
        self.encoding = encoding
        self.table = table
        self.location = location
        self.fields = fields
    }
}

/// A system register encoding as the kernel's sys_reg() packs it.
public struct Encoding: Codable, Hashable, Sendable, CustomStringConvertible {
    public let op0, op1, crn, crm, op2: Int

    public init(op0: Int, op1: Int, crn: Int, crm: Int, op2: Int) {
        self.op0 = op0
        self.op1 = op1
        self.crn = crn
        self.crm = crm
        self.op2 = op2
    }

    /// Decodes sys_reg(op0, op1, crn, crm, op2) = op0<<19 | op1<<16 | crn<<12 | crm<<8 | op2<<5.
    public init(sysReg v: UInt64) {
        self.init(
            op0: Int((v >> 19) & 3), op1: Int((v >> 16) & 7), crn: Int((v >> 12) & 0xf),
            crm: Int((v >> 8) & 0xf), op2: Int((v >> 5) & 7))
    }

    /// The packed sys_reg() value, the inverse of init(sysReg:).
    public var sysReg: UInt32 { UInt32(op0 << 19 | op1 << 16 | crn << 12 | crm << 8 | op2 << 5) }

    public var description: String { "\(op0),\(op1),\(crn),\(crm),\(op2)" }
}

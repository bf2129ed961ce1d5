/// The `sys_reg(op0, op1, CRn, CRm, op2)` encoding that MRS/MSR use to name a register.
public struct SysregEncoding: Sendable, Hashable {
    /// op0, 0...3.
    public let op0: Int
    /// op1, 0...7.
    public let op1: Int
    /// CRn, 0...15.
    public let crn: Int
    /// CRm, 0...15.
    public let crm: Int
    /// op2, 0...7.
    public let op2: Int

    /// An encoding from its five parts, e.g. to compare with a `sys_reg()` found in C code.
    public init(op0: Int, op1: Int, crn: Int, crm: Int, op2: Int) {
        (self.op0, self.op1, self.crn, self.crm, self.op2) = (op0, op1, crn, crm, op2)
    }
}

/// A register whose layout lives elsewhere in the file.
public enum SysregReference: Sendable, Hashable {
    /// `Fields NAME`: the layout is the `SysregFields NAME` block.
    case fields(String)
    /// `Mapping NAME`: a VHE alias of register NAME, sharing its layout.
    case mapping(String)

    /// The referenced block's name.
    public var target: String {
        switch self {
        case .fields(let name), .mapping(let name): return name
        }
    }
}

/// One `Sysreg` ... `EndSysreg` block.
public struct Sysreg: Sendable, Hashable {
    /// The register name, e.g. `ID_AA64DFR0_EL1`.
    public let name: String
    /// The instruction encoding.
    public let encoding: SysregEncoding
    /// The fields declared in the block itself, in file order (prefixed ones first).
    public let fields: [SysregField]
    /// The `Fields` or `Mapping` directive, if the block has one instead of its own plain layout.
    public let reference: SysregReference?
    /// The 1-based line of the `Sysreg` directive.
    public let line: Int
}

/// One `SysregFields` ... `EndSysregFields` block: a layout that registers share via `Fields`.
public struct SysregType: Sendable, Hashable {
    /// The layout name, e.g. `CPACR_ELx`; it is also the macro prefix of its fields.
    public let name: String
    /// The fields, in file order (prefixed ones first).
    public let fields: [SysregField]
    /// The 1-based line of the `SysregFields` directive.
    public let line: Int
}

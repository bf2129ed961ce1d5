/// Everything cpufeature.c says about ID register fields.
public struct CpufeatureTables: Codable, Hashable, Sendable {
    /// Registers in arm64_ftr_regs[] order.
    public let registers: [FtrRegister]

    public init(registers: [FtrRegister]) { self.registers = registers }

    public var fields: [FtrField] { registers.flatMap(\.fields) }

    public func register(named name: String) -> FtrRegister? { registers.first { $0.name == name } }

    public func field(_ key: String) -> FtrField? { fields.first { $0.key == key } }
}

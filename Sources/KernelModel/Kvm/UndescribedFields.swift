import SysregSpec

/// A field the architecture defines in an ID register cpufeature describes, that no ARM64_FTR_BITS entry
/// of that register covers: the sanitised value reads 0 there today, and KVM's read path decides what a
/// guest would see the day cpufeature describes it.
public struct UndescribedField: Codable, Hashable, Sendable {
    public let register: String
    public let name: String
    public let lsb: Int
    public let width: Int
    /// A SignedEnum field (0xF reads as -1, "not implemented").
    public let signed: Bool

    public init(register: String, name: String, lsb: Int, width: Int, signed: Bool) {
        self.register = register
        self.name = name
        self.lsb = lsb
        self.width = width
        self.signed = signed
    }

    /// REGISTER.Field, as for a described field.
    public var key: String { "\(register).\(name)" }
    public var mask: UInt64 { width >= 64 ? ~0 : ((1 << UInt64(width)) - 1) << UInt64(lsb) }

    /// The undescribed fields of every register in `tables`, by register name. The layout is the tree's
    /// sysreg file where it has the register (feature fields only: no RES0, RES1, UNKNOWN or RAZ range);
    /// else, as for naming (5.10, AArch32 registers before 6.x), the bits the policy states for the
    /// register's fields. A field that overlaps a described one is the described one's.
    public static func of(_ tables: CpufeatureTables, spec: SysregSpec?, policy: Policy) -> [String: [UndescribedField]] {
        var result: [String: [UndescribedField]] = [:]
        for reg in tables.registers {
            let described = reg.fields.reduce(UInt64(0)) { $0 | $1.mask }
            var candidates: [UndescribedField] = []
            if let spec, spec.register(named: reg.name) != nil {
                candidates = spec.fields(of: reg.name).compactMap { f in
                    guard [.unsignedEnum, .signedEnum, .enumeration, .field].contains(f.kind) else { return nil }
                    return UndescribedField(
                        register: reg.name, name: f.name, lsb: f.lsb, width: f.width,
                        signed: f.kind == .signedEnum)
                }
            } else {
                candidates = policy.entries.values.compactMap { e in
                    guard let bits = e.bits, policy.entry(register: reg.name, lsb: bits.lowerBound)?.key == e.key
                    else { return nil }
                    // A SignedEnum field's bound is signed: the policy gives it a negative value somewhere.
                    let signed = (e.bound ?? 0) < 0 || (e.minimum ?? 0) < 0 || e.levels.contains { $0.value < 0 }
                    return UndescribedField(
                        register: reg.name, name: e.field, lsb: bits.lowerBound,
                        width: bits.count, signed: signed)
                }
            }
            let fields = candidates.filter { $0.mask & described == 0 }.sorted { $0.lsb > $1.lsb }
            if !fields.isEmpty { result[reg.name] = fields }
        }
        return result
    }
}

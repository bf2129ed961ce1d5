/// What a bit range of a register is declared as.
public enum SysregFieldKind: String, Sendable, Hashable, CaseIterable {
    /// `UnsignedEnum`: named values, compared as unsigned (ID register feature fields).
    case unsignedEnum
    /// `SignedEnum`: named values, compared as signed.
    case signedEnum
    /// `Enum`: named values with no declared signedness.
    case enumeration
    /// `Field`: a plain named bit range.
    case field
    /// `Res0`: reserved, reads as zero.
    case res0
    /// `Res1`: reserved, reads as one.
    case res1
    /// `Unkn`: UNKNOWN value.
    case unkn
    /// `Raz`: reads as zero, no mask emitted.
    case raz

    /// Whether the field carries enumerated values.
    public var isEnum: Bool { self == .unsignedEnum || self == .signedEnum || self == .enumeration }
}

/// One named value of an enumerated field.
public struct SysregEnumValue: Sendable, Hashable {
    /// The value, decoded from the binary literal.
    public let value: Int
    /// The value's name (the macro suffix); may start with a digit, e.g. `52_BIT`.
    public let name: String
    /// The literal as written, e.g. `0b0001`; the generated header repeats it verbatim.
    public let literal: String
    /// The 1-based line of the value in the file.
    public let line: Int
}

/// A bit range of a register or field set, from one field directive.
public struct SysregField: Sendable, Hashable {
    /// The field name; reserved ranges get the generator's synthetic name, e.g. `RES0_63_32`.
    public let name: String
    /// The highest bit, 0...63.
    public let msb: Int
    /// The lowest bit, 0...msb.
    public let lsb: Int
    /// The directive that declared the range.
    public let kind: SysregFieldKind
    /// The enumerated values, in file order; empty unless `kind.isEnum`.
    public let values: [SysregEnumValue]
    /// The `Prefix` block the field belongs to (without the trailing `_`), nil for the plain layout.
    public let prefix: String?
    /// The 1-based line of the directive in the file.
    public let line: Int

    /// The number of bits, 1...64.
    public var width: Int { msb - lsb + 1 }

    /// The field's bits in place within the 64-bit register.
    public var mask: UInt64 { (UInt64.max >> UInt64(63 - msb + lsb)) << UInt64(lsb) }

    /// The enumerated value called `name`, if any.
    public func value(named name: String) -> SysregEnumValue? { values.first { $0.name == name } }
}

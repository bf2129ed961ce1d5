/// One field of an ID register as cpufeature.c describes it (one ARM64_FTR_BITS entry).
public struct FtrField: Codable, Hashable, Sendable {
    /// How cpufeature combines the field across CPUs (enum ftr_type).
    public enum Policy: String, Codable, Sendable, CaseIterable {
        case exact = "EXACT", lowerSafe = "LOWER_SAFE", higherSafe = "HIGHER_SAFE", higherOrZeroSafe = "HIGHER_OR_ZERO_SAFE"
    }

    public let register: String
    public let name: String
    public let lsb: Int
    public let width: Int
    public let policy: Policy
    public let safe: Int64
    public let signed: Bool
    /// Visible to userspace (HWCAP / MRS emulation); FTR_HIDDEN still reaches the sanitised value.
    public let visible: Bool
    /// The Kconfig option the visibility depends on (FTR_VISIBLE_IF_IS_ENABLED), if any.
    public let visibleIf: String?
    public let strict: Bool
    /// The arm64_ftr_bits table that holds the entry.
    public let table: String
    public let location: SourceRef
    /// The raw values the tree's sysreg file defines for the field (its Enum), where it describes one.
    public let defined: [Int64]?

    public init(
        register: String, name: String, lsb: Int, width: Int, policy: Policy, safe: Int64, signed: Bool,
        visible: Bool, visibleIf: String?, strict: Bool, table: String, location: SourceRef,
        defined: [Int64]? = nil
    ) {
        self.register = register
        self.name = name
        self.lsb = lsb
        self.width = width
        self.policy = policy
        self.safe = safe
        self.signed = signed
        self.visible = visible
        self.visibleIf = visibleIf
        self.strict = strict
        self.table = table
        self.location = location
        self.defined = defined
    }

    /// REGISTER.Field, the key findings, baselines and the policy use.
    public var key: String { "\(register).\(name)" }
    /// Bits covered, as a 64-bit mask.
    public var mask: UInt64 { width >= 64 ? ~0 : ((1 << UInt64(width)) - 1) << UInt64(lsb) }
    /// Visibility as the source spells it.
    public var visibility: String {
        if let visibleIf { return "FTR_VISIBLE_IF_IS_ENABLED(\(visibleIf))" }
        return visible ? "FTR_VISIBLE" : "FTR_HIDDEN"
    }
}

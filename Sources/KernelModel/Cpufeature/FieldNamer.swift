/// Names a field: by the architecture's name where the tree's sysreg file has the register, otherwise from
/// the shift macro the entry was written with, put into the architecture's spelling where that is known.
public struct FieldNamer {
    /// The sysreg file's field name covering (register, lsb), where the tree has it.
    let architectural: (String, Int) -> String?
    /// The newest architectural name of the field at (register, lsb), where known (from the policy).
    let positional: (String, Int) -> String?
    /// The canonical spelling of a macro-derived name for a register (e.g. PMSVER → PMSVer), where known.
    let canonical: (String, String) -> String?
    /// The values the sysreg file's Enum defines for the field at (register, lsb), where the tree has one.
    let defined: (String, Int) -> [Int64]?

    public init(
        architectural: @escaping (String, Int) -> String?, positional: @escaping (String, Int) -> String? = { _, _ in nil },
        canonical: @escaping (String, String) -> String?, defined: @escaping (String, Int) -> [Int64]? = { _, _ in nil }
    ) {
        self.architectural = architectural
        self.positional = positional
        self.canonical = canonical
        self.defined = defined
    }

    public func name(register: String, lsb: Int, width: Int, shiftMacro: String?) -> String {
        if let name = architectural(register, lsb) ?? positional(register, lsb) { return name }
        if let macro = shiftMacro, let derived = Self.strip(macro: macro, register: register) {
            return canonical(register, derived) ?? derived
        }
        return "bits\(lsb + width - 1)_\(lsb)"
    }

    /// ID_AA64DFR0_PMSVER_SHIFT → PMSVER, for the spellings kernels have used for a register prefix.
    static func strip(macro: String, register: String) -> String? {
        guard macro.hasSuffix("_SHIFT") else { return nil }
        let base = String(macro.dropLast(6))
        let short = register.replacingOccurrences(of: "_EL1", with: "").replacingOccurrences(of: "_EL0", with: "")
        let prefixes = [register + "_", short + "_ELx_", short + "_EL1_", short + "_"]
        for p in prefixes where base.hasPrefix(p) && base.count > p.count {
            return String(base.dropFirst(p.count))
        }
        return base
    }
}

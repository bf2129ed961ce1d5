import Foundation

/// How one register or field is spelled across the policy, the sysreg file, the kernel's macros and KVM's
/// tables, folded to the forms they are compared in: the one place that knows `SYS_ID_AA64DFR0_EL1`,
/// `id_aa64dfr0_el1`, `ID_AA64DFR0` (older kernels' field macros) and `PMEVCNTRn_EL0(3)` name the same thing.
public enum RegisterNames {
    /// Upper-cased, without the `SYS_` of the kernel's encoding macros: the form KVM's entries are compared in.
    public static func folded(_ name: String) -> String {
        var upper = name.uppercased()
        if upper.hasPrefix("SYS_") { upper.removeFirst(4) }
        return upper
    }

    /// Whether the name ends in an exception level, `_EL0` to `_EL3`: an AArch64 register's name.
    public static func hasExceptionLevel(_ name: String) -> Bool {
        name.uppercased().range(of: #"_EL[0-3]$"#, options: .regularExpression) != nil
    }

    /// Whether the name ends in an exception level or a host alias of one (`_EL12`, `_EL02`).
    public static func hasExceptionLevelOrAlias(_ name: String) -> Bool {
        name.uppercased().range(of: #"_EL[0-3][0-9]?$"#, options: .regularExpression) != nil
    }

    /// The exception levels a name without one is looked up at: older kernels named fields without the
    /// `_EL1`, and an AArch32 register's AArch64 counterpart is NAME_EL1 or NAME_EL0.
    public static let omittedExceptionLevels = ["_EL1", "_EL0"]

    /// `ID_AA64PFR0_EL1` -> `ID_AA64PFR0`: older kernels named fields without the `_EL1`.
    public static func base(_ register: String) -> String {
        let upper = register.uppercased()
        for suffix in omittedExceptionLevels where upper.hasSuffix(suffix) {
            return String(register.dropLast(suffix.count))
        }
        return register
    }

    /// The register as given and, when it has no `_ELx` suffix, with `_EL1` added.
    public static func spellings(_ register: String) -> [String] {
        if hasExceptionLevel(register) { return [register] }
        return [register, register + "_EL1"]
    }

    /// "PMEVCNTR3_EL0" → "PMEVCNTRN_EL0": the family name the policy writes with a lower-case n.
    public static func family(_ name: String) -> String {
        guard let digits = name.range(of: #"[0-9]+(_EL[0-3])$"#, options: .regularExpression) else { return name }
        return name.replacingCharacters(in: digits, with: "N" + name[digits].drop { $0.isNumber })
    }

    /// A KVM table entry's name folded, without an index argument ("PMEVCNTRn_EL0(3)"), and its family name.
    public static func spellings(ofEntry name: String) -> Set<String> {
        var entry = folded(name)
        if let paren = entry.firstIndex(of: "(") { entry = String(entry[..<paren]) }
        return [entry, family(entry)]
    }

    /// Splits `REGISTER.Field`; nil unless there is exactly one dot with text on both sides.
    public static func splitKey(_ key: String) -> (register: String, field: String)? {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// Normalizes an alias to an upper-case `REGBASE_FIELD` stem. An alias may be written as a
    /// macro stem (`ID_AA64MMFR1_HADBS`, `ID_AA64MMFR1_EL1_HADBS`, optionally with `_SHIFT`) or
    /// as a bare field name (`HADBS`), which then belongs to the entry's own register.
    public static func aliasStem(_ alias: String, register: String) -> String {
        var upper = alias.uppercased()
        if upper.hasSuffix("_SHIFT") { upper = String(upper.dropLast("_SHIFT".count)) }
        let short = base(register).uppercased()
        let full = register.uppercased()
        if upper.hasPrefix(full + "_") { return short + "_" + upper.dropFirst(full.count + 1) }
        if upper.hasPrefix(short + "_") { return upper }
        return short + "_" + upper
    }
}

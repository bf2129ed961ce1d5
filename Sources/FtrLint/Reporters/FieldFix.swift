import Bound
import KernelModel
import Rules

/// Where to change a field's verdict and what to write there: `explain`'s "fix" section.
///
/// The place is the one the finding's note names (the KVM function that decides the register), unless
/// that statement is one `FieldStatements` leaves out for naming only other fields: then the first
/// statement that touches the field, in the order they run. What to
/// write is spelled with the tree's own macros: the mask its sysreg header generates
/// (`ID_AA64DFR0_EL1_PMSVer_MASK`) or, where the field's macros predate it (5.10's
/// `ID_AA64DFR0_PMSVER_SHIFT`), a shift; a cap with `ID_REG_LIMIT_FIELD_ENUM` and the value's name from
/// `arch/arm64/tools/sysreg` where the tree has both, else with `cpuid_feature_cap_perfmon_field`.
/// Where `ftrlint bound`'s writer can place a statement for the field, a `patch:` line says what it
/// inserts and before which line (the same as `check`'s `note: suggested fix:`).
struct FieldFix {
    let row: FieldMatrix.Row
    let source: SourceLines
    /// The statements that touch the field in the view the finding is about, in the order they run.
    let statements: [SourceRef]
    /// What `ftrlint bound` would insert for the field, where its writer can place it.
    var patch: BoundWriter.Suggestion? = nil

    /// Rules whose findings KVM fixes by hiding or capping the field in its read path.
    static let kvmSide: Set<String> = ["leak", "unverified", "over-bound", "nv-leak", "protected-leak"]

    func lines() -> [String] {
        guard let finding = row.verdict.findings.first else { return ["nothing to change"] }
        var out: [String] = []
        if let note = finding.related.first {
            let rest = row.normal.locations + (row.nested?.locations ?? []) + (row.protected?.locations ?? [])
            let dropped = rest.contains(note.location) && !statements.contains(note.location)
            let place = dropped ? statements.first ?? note.location : note.location
            out.append("where: \(GccReporter.position(place)): \(note.message)")
        } else {
            out.append("where: \(GccReporter.position(finding.location))")
        }
        if Self.kvmSide.contains(finding.rule) {
            let bound = row.policy?.bound ?? 0
            if finding.rule == ProtectedLeakRule.description.identifier {
                // pKVM limits fields with its own masks, not with statements on KVM's `val`.
                out.append(
                    "write: in pKVM's own read path (hyp/nvhe/sys_regs.c) and the masks it uses; "
                        + "`ftrlint bound --register \(row.register.name)` writes the change in pKVM's idiom and proves it")
            } else {
                out.append(
                    bound <= 0
                        ? "write: \(hide()) (hide it: the policy's bound is 0)"
                        : "write: \(cap(bound)) (cap it at the policy's bound)")
            }
            if let patch {
                out.append(
                    "patch: \(patch.path):\(patch.line): \(Escape.oneLine(patch.statement))  "
                        + "(what `ftrlint bound` inserts before this line; it writes the whole patch and proves it)")
            }
            out.append(
                "or accept it: `ftrlint baseline -o FILE` and `check --baseline FILE`, or raise the bound with --policy-additions"
            )
        } else {
            out.append("see docs/rules/\(finding.rule).md")
        }
        return out
    }

    /// The tree's macro prefix of the register (`ID_AA64DFR0_EL1_`, `ID_AA64DFR0_`).
    var prefix: String? { source.line(row.field.location).flatMap { FieldStatements.macroPrefix(in: $0, field: row.field.name) } }

    /// Whether the tree's macros are generated from arch/arm64/tools/sysreg (`REG_Field_MASK` exists).
    var generated: Bool { prefix?.uppercased() == row.register.name.uppercased() + "_" }

    func hide() -> String {
        let f = row.field
        if generated { return "val &= ~\(row.register.name)_\(f.name)_MASK;" }
        let mask = "0x" + String((UInt64(1) << UInt64(f.width)) - 1, radix: 16) + "UL"
        return "val &= ~(\(mask) << \(prefix ?? row.register.name + "_")\(f.name.uppercased())_SHIFT);"
    }

    func cap(_ bound: Int) -> String {
        let f = row.field, reg = row.register.name
        if generated, source.text("arch/arm64/kvm/sys_regs.h")?.contains("define ID_REG_LIMIT_FIELD_ENUM") == true,
            let name = valueName(bound)
        {
            return "val = ID_REG_LIMIT_FIELD_ENUM(val, \(reg), \(f.name), \(name));"
        }
        let shift = generated ? "\(reg)_\(f.name)_SHIFT" : "\(prefix ?? reg + "_")\(f.name.uppercased())_SHIFT"
        return "val = cpuid_feature_cap_perfmon_field(val, \(shift), \(bound));"
    }

    /// The name arch/arm64/tools/sysreg gives `value` of the field (`V1P1`), when it has one.
    func valueName(_ value: Int) -> String? {
        guard let text = source.text("arch/arm64/tools/sysreg") else { return nil }
        var inRegister = false, inField = false
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first else { continue }
            if first == "Sysreg" {
                inRegister = words.count > 1 && words[1] == row.register.name
                continue
            }
            if first == "EndSysreg" { inRegister = false }
            guard inRegister else { continue }
            if first.hasSuffix("Enum"), first != "EndEnum" {
                inField = words.last.map(String.init) == row.field.name
                continue
            }
            if first == "EndEnum" { inField = false }
            if inField, first.hasPrefix("0b"), Int(first.dropFirst(2), radix: 2) == value, words.count > 1 {
                return String(words[1])
            }
        }
        return nil
    }
}

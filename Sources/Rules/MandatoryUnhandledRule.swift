import KernelModel
import Policy

/// `mandatory-unhandled`: a level every guest has (the architecture's minimum for the field) brings
/// registers KVM's tables do not handle.
///
/// What it cannot see: whether KVM would be right to UNDEF an access the architecture allows (it names
/// the registers; a maintainer decides between emulating them and RAZ/WI).
public enum MandatoryUnhandledRule: Rule {
    public static let description = RuleDescription(
        identifier: "mandatory-unhandled", name: "KVM lacks registers every guest has",
        rationale: """
            The policy gives the field a `minimum`: the lowest value the architecture permits on any CPU KVM \
            runs on (ID_AA64DFR0_EL1.DebugVer is at least 6, Armv8.0 debug). KVM cannot hide such a level: \
            clearing the field shows guests an encoding the architecture does not allow, and they use the \
            registers anyway. So the registers the policy names for levels 1 up to the minimum must have \
            sys_reg_descs entries with a real handler (an entry that only injects UNDEF, or none, means a \
            guest's access traps and is refused). The finding is anchored at KVM's table, at the entry after \
            which the first missing register would go by encoding, and names what to add. It is not a leak of \
            the field, which `leak` does not report for these levels.
            """,
        severity: .warning,
        triggeringExamples: triggeringExamples, nonTriggeringExamples: nonTriggeringExamples)

    public static func check(_ context: RuleContext) -> [Finding] {
        var findings: [Finding] = []
        for (f, entry) in context.classifiedFields {
            guard let entry, let minimum = entry.minimum else { continue }
            let levels = entry.levels.filter { $0.value >= 1 && $0.value <= minimum }
            let missing = levels.flatMap { level in
                level.registers.filter {
                    !context.support.handles($0) && context.support.isEvidence($0)
                        && !context.support.runsOnHardware($0, for: entry.key)
                }
            }
            guard !missing.isEmpty, let anchor = context.insertionPoint(for: missing[0]) else { continue }
            let top = levels.last { !$0.registers.isEmpty } ?? levels[levels.count - 1]
            let feature = top.feature.map { " (\($0))" } ?? ""
            let noun = missing.count == 1 ? "it" : "them"
            let message =
                "\(f.key) is at least \(minimum)\(feature) on every CPU KVM runs on, so every guest may access "
                + "\(Shortfall.list(missing)), which \(anchor.table)[] does not handle: add entries for \(noun) "
                + "(emulated, or RAZ/WI where KVM does not virtualise what \(noun == "it" ? "it holds" : "they hold"))"
            findings.append(
                finding(
                    f.register, f.name, message, at: anchor.location,
                    related: [Finding.Related(location: f.location, message: "cpufeature describes \(f.key) here")]))
        }
        return findings
    }

    static let debug = Example.kvm(
        "ID_AA64DFR0_EL1.DebugVer", bound: 10,
        levels: [6: ["MDSCR_EL1", "OSECCR_EL1"], 8: ["OSLAR_EL1"]], minimum: 6)

    private static var triggeringExamples: [RuleExample] {
        [
            RuleExample(
                "a register of the minimum level with no entry",
                Example.context([.init(debug.key, debug, normal: Example.capped(10))], handled: ["MDSCR_EL1"]),
                expect: [debug.key]),
            RuleExample(
                "KVM hides the field, but every guest still has the minimum level",
                Example.context([.init(debug.key, debug, normal: Example.hidden)], handled: ["MDSCR_EL1"]),
                expect: [debug.key]),
            RuleExample(
                "an entry that only injects UNDEF is not a handler",
                Example.context(
                    [.init(debug.key, debug, normal: Example.capped(10))],
                    handled: ["MDSCR_EL1"], undefined: ["OSECCR_EL1"]),
                expect: [debug.key]),
        ]
    }

    private static var nonTriggeringExamples: [RuleExample] {
        [
            RuleExample(
                "every register of the minimum level has a handler; a higher level is leak's to judge",
                Example.context(
                    [.init(debug.key, debug, normal: Example.capped(10))],
                    handled: ["MDSCR_EL1", "OSECCR_EL1"])),
            RuleExample(
                "a field with no minimum", Example.context([.init(LeakRule.spe.key, LeakRule.spe, normal: Example.hidden)])),
        ]
    }
}

/// Where mandatory-unhandled anchors a register KVM lacks.
private extension RuleContext {
    /// Where a missing AArch64 register would go in KVM's main table: after the last entry whose encoding is
    /// below its own (the table is sorted by encoding), else at the table's first entry.
    func insertionPoint(for register: String) -> (table: String, location: SourceRef)? {
        let table = kvmRegisters.entries(in: SysRegDescsExtractor.mainTable)
        guard let first = table.first else { return nil }
        let key = { (e: Encoding) in [e.op0, e.op1, e.crn, e.crm, e.op2] }
        let name = RegisterNames.folded(register)
        guard let target = registerEncodings.first(where: { RegisterNames.folded($0.key) == name })?.value else {
            return (SysRegDescsExtractor.mainTable, first.location)
        }
        let before = table.last { $0.encoding.map { key($0).lexicographicallyPrecedes(key(target)) } ?? false }
        return (SysRegDescsExtractor.mainTable, (before ?? first).location)
    }
}

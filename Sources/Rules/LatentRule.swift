import KernelModel

/// `latent`: a field the architecture defines that cpufeature does not describe yet, which KVM would let through.
public enum LatentRule: Rule {
    public static let description = RuleDescription(
        identifier: "latent", name: "Field KVM would leak once cpufeature describes it",
        rationale: """
            The policy lists every field the newest sysreg file defines. For the registers cpufeature describes, a \
            `kvm` or `el2` field that cpufeature does not describe yet reads as zero in the sanitised value today; \
            the day an ARM64_FTR_BITS entry is added for it, KVM's read path decides what guests see. This note \
            reports the fields for which KVM's read path would then let through more than the policy allows (what \
            `leak` or `over-bound` would report), so the KVM side can be fixed with, or before, the cpufeature \
            patch. The model computes every view for each field the tree's sysreg file defines in the registers \
            cpufeature describes (else at the bits the policy states: 5.10, older AArch32 registers); registers \
            cpufeature does not describe at all read as zero whole and are not looked at. Undescribed fields \
            are taken as 4-bit unsigned. Opt-in: on the Debian trees it reports 17 to 42 fields each, questions \
            for a hardening pass rather than defects of the tree; `ftrlint bound --scope all` writes their bounds.
            """,
        severity: .note, optIn: true,
        triggeringExamples: triggeringExamples, nonTriggeringExamples: nonTriggeringExamples)

    public static func check(_ context: RuleContext) -> [Finding] {
        guard !context.undescribed.isEmpty else { return [] }
        let described = context.describedKeys
        var findings: [Finding] = []
        for entry in context.policy.entries.values.sorted(by: { $0.key < $1.key }) {
            guard entry.fieldClass != .isa, !described.contains(entry.key), let reg = context.describedRegister(entry),
                let v = context.undescribedView(entry.key)
            else { continue }
            guard let field = context.undescribedFields[v.register + "." + v.field] else { continue }
            let shape = FieldShape(width: field.width, signed: field.signed)
            let why: String
            if let leak = Leak.assess(entry, v.normal, shape, context.support) {
                why = "once it does, \(leak.message(entry.key, guests: "normal"))"
            } else if let bound = entry.bound, let top = Exposure(v.normal, shape).highest(shape), top > Int64(bound) {
                why = "once it does, \(Exposure(v.normal, shape).how), above the policy's bound \(bound)"
            } else {
                continue
            }
            let related = context.kvmNote(v, treatment: v.normal) { fn in "\(fn) decides \(reg.name) here" }
            findings.append(
                finding(
                    reg.name, entry.field, "cpufeature does not describe \(entry.key) yet; \(why)",
                    at: reg.location, related: related))
        }
        return findings
    }

    private static var triggeringExamples: [RuleExample] {
        [
            RuleExample(
                "KVM would pass through an undescribed kvm field whose registers it does not handle",
                Example.undescribed(Example.passthrough), expect: [Example.brbe.key])
        ]
    }

    private static var nonTriggeringExamples: [RuleExample] {
        [
            RuleExample("KVM already hides the undescribed field", Example.undescribed(Example.hidden)),
            RuleExample(
                "cpufeature describes the field (leak's to report)",
                Example.undescribed(Example.passthrough, described: true)),
            RuleExample(
                "the model has no view of undescribed fields",
                Example.context([Example.debugVer], policy: [Example.brbe])),
        ]
    }
}

/// How latent finds what cpufeature does not describe.
private extension RuleContext {
    /// The cpufeature register a policy entry belongs to, by a case-insensitive match of its name.
    func describedRegister(_ entry: Policy.Entry) -> FtrRegister? {
        let name = entry.register.uppercased()
        return tables.registers.first { $0.name.uppercased() == name }
    }

    /// KVM's view of a field cpufeature does not describe, by its policy key (case-insensitive).
    func undescribedView(_ key: String) -> GuestView.Field? {
        if let v = undescribed[key] { return v }
        let folded = key.uppercased()
        return undescribed.first { $0.key.uppercased() == folded }?.value
    }
}

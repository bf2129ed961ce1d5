import KernelModel

/// `stale-mask`: KVM masks a field cpufeature does not describe.
public enum StaleMaskRule: Rule {
    public static let description = RuleDescription(
        identifier: "stale-mask", name: "KVM masks a field cpufeature does not describe",
        rationale: """
            cpufeature's sanitised value has zeros in every field it does not describe, so a KVM mask or cap on \
            such a field has no effect today: either cpufeature is missing the field (and the mask is KVM being \
            ahead, which is fine but worth knowing), or the field was removed from cpufeature and the mask is \
            stale. Reported at the last KVM statement that decides the field (the mask, after the read). A mask \
            that keeps a list of fields (`val &= A | B`) hides every other field and is reported for each of them \
            the sysreg file defines. Opt-in, as latent: under the maintainers' proposal that KVM bounds every \
            field, such a mask is KVM being ahead, a question rather than a defect.
            """,
        severity: .note, optIn: true,
        triggeringExamples: triggeringExamples, nonTriggeringExamples: nonTriggeringExamples)

    public static func check(_ context: RuleContext) -> [Finding] {
        let described = context.describedKeys
        var findings: [Finding] = []
        for (key, v) in context.undescribed.sorted(by: { $0.key < $1.key }) where !described.contains(key) {
            let t = v.normal
            // The last deciding statement is the mask; the first is the read of the sanitised value.
            guard t.kind == .hidden || t.kind == .capped, let at = t.locations.last else { continue }
            let verb = t.kind == .hidden ? "hides" : "caps"
            let fn = v.function.map { " in \($0)()" } ?? ""
            findings.append(
                finding(
                    v.register, v.field,
                    "KVM \(verb) \(key)\(fn), which cpufeature does not describe: the sanitised value always reads 0 there",
                    at: at))
        }
        return findings
    }

    private static var triggeringExamples: [RuleExample] {
        [RuleExample("KVM hides an undescribed field", Example.undescribed(Example.hidden), expect: [Example.brbe.key])]
    }

    private static var nonTriggeringExamples: [RuleExample] {
        [
            RuleExample(
                "KVM would pass the undescribed field through (latent's to report)",
                Example.undescribed(Example.passthrough)),
            RuleExample("KVM hides a field cpufeature describes", Example.undescribed(Example.hidden, described: true)),
        ]
    }
}

import Foundation
import KernelModel

/// Walks shared by the rules: the fields cpufeature describes with their policy entries and KVM views.
extension RuleContext {
    /// Every field cpufeature describes, with the policy's entry for it (nil: unclassified). A field the
    /// model could not name (bitsN_M: a shared table such as ftr_generic_32bits in a tree without a sysreg
    /// description of the register) is found by its bits when the policy states them.
    var classifiedFields: [(field: FtrField, entry: Policy.Entry?)] {
        tables.fields.map { f in
            if let e = policy.entry(register: f.register, field: f.name) { return (f, e) }
            guard f.name.range(of: #"^bits[0-9]+_[0-9]+$"#, options: .regularExpression) != nil,
                  let e = policy.entry(register: f.register, lsb: f.lsb), e.bits == f.lsb...(f.lsb + f.width - 1) else { return (f, nil) }
            return (f, e)
        }
    }

    /// The leak findings of one view: `treatment` picks the view's treatment of a field (nil: no view).
    /// `evidenced`: a level whose registers KVM does not handle (leak rules), or one the analysis can
    /// only describe with `needs`, with no register to look for (unverified).
    func leakFindings<R: Rule>(_ rule: R.Type, guests: String, evidenced: Bool = true,
                               treatment: (GuestView.Field) -> KvmTreatment?) -> [Finding] {
        var findings: [Finding] = []
        for (f, entry) in classifiedFields {
            guard let entry, let v = guestView.fields[f.key], let t = treatment(v),
                  let leak = Leak.assess(entry, t, FieldShape(f), support) ?? Leak.claimed(entry, t, FieldShape(f), support),
                  leak.shortfall.isEvidenced == evidenced else { continue }
            let related = kvmNote(v, treatment: t) { fn in
                "\(fn) decides \(f.register) for \(guests) guests here; it should hide or cap \(f.name)"
            }
            findings.append(R.finding(f.register, f.name, leak.message(f.key, guests: guests), at: f.location, related: related))
        }
        return findings
    }

    /// The cpufeature register a policy entry belongs to, by a case-insensitive match of its name.
    func describedRegister(_ entry: Policy.Entry) -> FtrRegister? {
        let name = entry.register.uppercased()
        return tables.registers.first { $0.name.uppercased() == name }
    }

    /// Policy keys of the fields cpufeature describes.
    var describedKeys: Set<String> {
        Set(classifiedFields.compactMap { $0.entry?.key }).union(tables.fields.map(\.key))
    }

    /// KVM's view of a field cpufeature does not describe, by its policy key (case-insensitive).
    func undescribedView(_ key: String) -> GuestView.Field? {
        if let v = undescribed[key] { return v }
        let folded = key.uppercased()
        return undescribed.first { $0.key.uppercased() == folded }?.value
    }
}

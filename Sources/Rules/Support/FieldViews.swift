import Foundation
import KernelModel

/// The guests of one view of KVM, as messages name them.
enum Guests: String {
    case normal
    case nested = "nested-virtualisation"
    case protected

    /// This view's treatment of a field (nil: the model has no such view).
    func treatment(_ view: GuestView.Field) -> KvmTreatment? {
        switch self {
        case .normal: return view.normal
        case .nested: return view.nested
        case .protected: return view.protected
        }
    }
}

/// Walks shared by the rules: the fields cpufeature describes with their policy entries and KVM views.
extension RuleContext {
    /// Every field cpufeature describes, with the policy's entry for it (nil: unclassified). A field the
    /// model could not name (bitsN_M: a shared table such as ftr_generic_32bits in a tree without a sysreg
    /// description of the register) is found by its bits when the policy states them.
    var classifiedFields: [(field: FtrField, entry: Policy.Entry?)] {
        tables.fields.map { f in
            if let e = policy.entry(register: f.register, field: f.name) { return (f, e) }
            guard f.name.range(of: #"^bits[0-9]+_[0-9]+$"#, options: .regularExpression) != nil,
                let e = policy.entry(register: f.register, lsb: f.lsb), e.bits == f.lsb...(f.lsb + f.width - 1)
            else { return (f, nil) }
            return (f, e)
        }
    }

    /// The fields cpufeature describes that one view of KVM leaks (a `kvm` field at a level KVM does not meet,
    /// or a signed field it clears to "implemented": Leak.claimed): `treatment` picks the view's treatment of a
    /// field (nil: no view). The leak rules report the levels with evidence of what KVM lacks, unverified the
    /// ones only a `needs` text describes.
    func leaks(_ treatment: (GuestView.Field) -> KvmTreatment?) -> [ViewLeak] {
        classifiedFields.compactMap { f, entry in
            guard let entry, let v = guestView.fields[f.key], let t = treatment(v),
                let leak = Leak.assess(entry, t, FieldShape(f), support) ?? Leak.claimed(entry, t, FieldShape(f), support)
            else { return nil }
            return ViewLeak(field: f, view: v, treatment: t, leak: leak)
        }
    }

    /// The note at the KVM function that decides a leaked field for `guests` guests.
    func leakNote(_ leaked: ViewLeak, guests: Guests) -> [Finding.Related] {
        kvmNote(leaked.view, treatment: leaked.treatment, protected: guests == .protected) { fn in
            "\(fn) decides \(leaked.field.register) for \(guests.rawValue) guests here; it should hide or cap \(leaked.field.name)"
        }
    }

    /// Policy keys of the fields cpufeature describes.
    var describedKeys: Set<String> {
        Set(classifiedFields.compactMap { $0.entry?.key }).union(tables.fields.map(\.key))
    }
}

/// A field one view of KVM leaks: what `RuleContext.leaks` finds.
struct ViewLeak {
    let field: FtrField
    let view: GuestView.Field
    let treatment: KvmTreatment
    let leak: Leak
}

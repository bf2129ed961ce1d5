import KernelModel

/// The width and signedness of a field: how its raw bits read as a value.
struct FieldShape: Sendable {
    let width: Int
    let signed: Bool

    init(width: Int, signed: Bool) { self.width = max(1, min(width, 63)); self.signed = signed }
    init(_ field: FtrField) { self.init(width: field.width, signed: field.signed) }

    /// The largest value the field can hold.
    var maximum: Int64 { signed ? (Int64(1) << (width - 1)) - 1 : (Int64(1) << width) - 1 }

    /// A raw field value as the architecture reads it (SignedEnum: 0xF is -1).
    func value(_ raw: Int64) -> Int64 {
        guard signed, width < 64 else { return raw }
        let masked = raw & ((Int64(1) << width) - 1)
        return masked >= (Int64(1) << (width - 1)) ? masked - (Int64(1) << width) : masked
    }
}

/// What a guest can see of a field under one KVM treatment.
enum Exposure: Equatable, Sendable {
    /// KVM hides, caps or forces the field: the guest sees at most this value. `how` says which.
    case bounded(Int64, how: String)
    /// The host's value reaches the guest, always or when `condition` holds.
    case host(condition: String?)
    /// KVM computes the value from its own state (not the host's).
    case kvm(String?)
    /// The analysis could not tell.
    case unknown(String)

    init(_ t: KvmTreatment, _ shape: FieldShape) {
        func v(_ raw: Int64?) -> Int64? { raw.map(shape.value) }
        switch t.kind {
        case .hidden: self = .bounded(0, how: "KVM hides the field")
        case .capped:
            guard let cap = v(t.cap) else { self = .unknown("KVM caps the field at a value that does not evaluate"); return }
            self = .bounded(cap, how: "KVM caps the field at \(cap)")
        case .forced:
            guard let value = v(t.value) else { self = .unknown("KVM sets the field to a value that does not evaluate"); return }
            self = .bounded(value, how: "KVM sets the field to \(value)")
        case .computed: self = .kvm(t.note)
        case .passthrough: self = .host(condition: nil)
        case .unknown: self = .unknown(t.note ?? t.condition ?? "the analysis could not follow KVM's read path")
        case .conditional:
            if let p = t.paths.first(where: { $0.kind == .passthrough }) {
                self = .host(condition: p.when.isEmpty ? t.condition : p.when); return
            }
            if let p = t.paths.first(where: { $0.kind == .unknown }) {
                self = .unknown("when \(p.when): \(t.note ?? "the analysis could not follow KVM's read path")"); return
            }
            var top: Int64?
            for p in t.paths {
                switch p.kind {
                case .hidden: top = max(top ?? 0, 0)
                case .capped, .forced:
                    guard let value = v(p.value) else {
                        self = .unknown("when \(p.when): a value that does not evaluate"); return
                    }
                    top = max(top ?? value, value)
                default: continue  // computed: KVM's own value, not the host's
                }
            }
            if let top {
                self = .bounded(top, how: "KVM lets at most \(top) through, depending on \(t.condition ?? "a run-time condition")")
            } else {
                self = .kvm(t.note)
            }
        }
    }

    /// Whether KVM itself bounds the value (hides, caps or forces it on every path).
    var isBoundedByKVM: Bool { if case .bounded = self { return true }; return false }

    /// The highest value a guest can see (the field's maximum when the host's value reaches it).
    func highest(_ shape: FieldShape) -> Int64? {
        switch self {
        case .bounded(let v, _): return v
        case .host: return shape.maximum
        case .kvm, .unknown: return nil
        }
    }

    /// How the value reaches the guest, for messages.
    var how: String {
        switch self {
        case .bounded(_, let how): return how
        case .host(nil): return "KVM passes the host's value through"
        case .host(let c?): return "KVM passes the host's value through when \(c)"
        case .kvm: return "KVM computes the value"
        case .unknown(let why): return "KVM's treatment is unknown (\(why))"
        }
    }
}

/// The first level of a field whose requirements KVM does not meet in a tree.
struct Shortfall: Sendable {
    let level: Policy.Level
    /// The registers of the level KVM does not handle; empty when the level only has `needs`.
    let missing: [String]

    /// "value 1 (FEAT_SPE) needs PMSCR_EL1, PMSICR_EL1 and 9 more registers that KVM does not handle in this tree"
    var text: String {
        let feature = level.feature.map { " (\($0))" } ?? ""
        if missing.isEmpty {
            let what = level.needs ?? "registers \(level.registers.prefix(4).joined(separator: ", ")) that KVM's AArch32 tables name only by encoding"
            return "value \(level.value)\(feature) needs what the analysis cannot see KVM do: \(what)"
        }
        let shown = missing.prefix(4).joined(separator: ", ")
        let more = missing.count > 4 ? " and \(missing.count - 4) more" : ""
        let noun = missing.count == 1 ? "register" : "registers"
        return "value \(level.value)\(feature) needs \(noun) \(shown)\(more) that KVM does not handle in this tree"
    }

    /// The first level (value 1 upwards) KVM does not meet. A level whose registers KVM handles is met;
    /// a level with no registers but a `needs` text is met only when KVM bounds the field itself
    /// (`bounded`), since the analysis cannot see traps; a level with neither needs nothing.
    static func first(_ entry: Policy.Entry, _ support: KvmSupport, bounded: Bool) -> Shortfall? {
        for level in entry.levels where level.value >= 1 {
            let unhandled = level.registers.filter { !support.handles($0) }
            let missing = unhandled.filter(support.isEvidence)
            if !missing.isEmpty { return Shortfall(level: level, missing: missing) }
            // Nothing to look for in the tree (only `needs`, or AArch32 names matched by encoding only).
            let unverifiable = !unhandled.isEmpty || (level.registers.isEmpty && level.needs != nil)
            if unverifiable, !bounded { return Shortfall(level: level, missing: []) }
        }
        return nil
    }

    /// The highest level KVM handles: every level from 1 up to it is met.
    static func handledLevel(_ entry: Policy.Entry, _ support: KvmSupport, bounded: Bool) -> Int {
        guard let s = first(entry, support, bounded: bounded) else { return entry.levels.last.map { max($0.value, 0) } ?? 0 }
        return entry.levels.last { $0.value >= 0 && $0.value < s.level.value }?.value ?? 0
    }
}

/// A leak: the guest can see a value whose requirements KVM does not meet.
struct Leak: Sendable {
    let exposure: Exposure
    let shortfall: Shortfall

    /// Whether `treatment` leaks a kvm-class field: nil when it does not, or when the treatment is unknown
    /// (unknown-treatment reports those) or computed by KVM.
    static func assess(_ entry: Policy.Entry, _ treatment: KvmTreatment, _ shape: FieldShape, _ support: KvmSupport) -> Leak? {
        guard entry.fieldClass == .kvm else { return nil }
        let exposure = Exposure(treatment, shape)
        switch exposure {
        case .host:
            guard let s = Shortfall.first(entry, support, bounded: false) else { return nil }
            return Leak(exposure: exposure, shortfall: s)
        case .bounded(let top, _):
            guard let s = Shortfall.first(entry, support, bounded: true), s.level.value <= top else { return nil }
            return Leak(exposure: exposure, shortfall: s)
        case .kvm, .unknown:
            return nil
        }
    }

    /// "ID_AA64DFR0_EL1.PMSVer leaks to normal guests: KVM passes the host's value through, and value 1 ..."
    func message(_ key: String, guests: String) -> String {
        "\(key) leaks to \(guests) guests: \(exposure.how), and \(shortfall.text)"
    }
}

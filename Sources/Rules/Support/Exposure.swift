import KernelModel

/// The width and signedness of a field: how its raw bits read as a value.
struct FieldShape: Sendable {
    let width: Int
    let signed: Bool

    init(width: Int, signed: Bool) {
        self.width = max(1, min(width, 63))
        self.signed = signed
    }
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
            guard let cap = v(t.cap) else {
                self = .unknown("KVM caps the field at a value that does not evaluate")
                return
            }
            self = .bounded(cap, how: "KVM caps the field at \(cap)")
        case .forced:
            guard let value = v(t.value) else {
                self = .unknown("KVM sets the field to a value that does not evaluate")
                return
            }
            self = .bounded(value, how: "KVM sets the field to \(value)")
        case .computed: self = .kvm(t.note)
        case .passthrough: self = .host(condition: nil)
        case .unknown: self = .unknown(t.note ?? t.condition ?? "the analysis could not follow KVM's read path")
        case .conditional:
            if let p = t.paths.first(where: { $0.kind == .passthrough }) {
                self = .host(condition: p.when.isEmpty ? t.condition : p.when)
                return
            }
            if let p = t.paths.first(where: { $0.kind == .unknown }) {
                self = .unknown("when \(p.when): \(t.note ?? "the analysis could not follow KVM's read path")")
                return
            }
            var top: Int64?
            for p in t.paths {
                switch p.kind {
                case .hidden: top = max(top ?? 0, 0)
                case .capped, .forced:
                    guard let value = v(p.value) else {
                        self = .unknown("when \(p.when): a value that does not evaluate")
                        return
                    }
                    top = max(top ?? value, value)
                default: continue  // computed: KVM's own value, not the host's
                }
            }
            if let top {
                self = .bounded(
                    top, how: "KVM lets at most \(top) through, depending on \(t.condition ?? "a run-time condition")")
            } else {
                self = .kvm(t.note)
            }
        }
    }

    /// Whether KVM itself bounds the value (hides, caps or forces it on every path).
    var isBoundedByKVM: Bool {
        if case .bounded = self { return true }
        return false
    }

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
    /// The level is the hardware's own (an `isa` feature): no hypervisor can supply it.
    var hardware = false

    /// Whether the tree shows the shortfall (a register KVM lacks, a feature only hardware has), rather than
    /// the analysis failing to see the evidence.
    var isEvidenced: Bool { hardware || !missing.isEmpty }

    /// "value 1 (FEAT_SPE) needs PMSCR_EL1, PMSICR_EL1 and 9 more registers that KVM does not handle in this tree"
    var text: String {
        let feature = level.feature.map { " (\($0))" } ?? ""
        if hardware {
            return "value \(level.value)\(feature) is the hardware's own, which the host may not implement: "
                + "a signed field is hidden as NI (0xF), not 0"
        }
        if missing.isEmpty {
            let what =
                level.needs
                ?? "registers \(level.registers.prefix(4).joined(separator: ", ")) that KVM's AArch32 tables name only by encoding"
            let looked = level.evidence.isEmpty ? "" : " (no use of \(Self.list(level.evidence, or: true)) in KVM's code)"
            return "value \(level.value)\(feature) needs what the analysis cannot see KVM do: \(what)\(looked)"
        }
        let noun = missing.count == 1 ? "register" : "registers"
        return "value \(level.value)\(feature) needs \(noun) \(Self.list(missing)) that KVM does not handle in this tree"
    }

    /// "A, B, C, D and 2 more" (or "A or B").
    static func list(_ names: [String], or: Bool = false) -> String {
        let shown = names.prefix(4)
        if names.count > 4 { return shown.joined(separator: ", ") + " and \(names.count - 4) more" }
        guard shown.count > 1 else { return shown.joined() }
        return shown.dropLast().joined(separator: ", ") + (or ? " or " : " and ") + shown.last!
    }

    /// The levels a guest may be shown and that KVM must support for it: values from 1 up (SignedEnum's
    /// 0, "implemented", and the negative "not implemented" need nothing), above the architecture's
    /// minimum (those are every guest's, reported by mandatory-unhandled) and up to its maximum
    /// (higher values never appear on a CPU KVM runs on).
    static func checked(_ entry: Policy.Entry) -> [Policy.Level] {
        entry.levels.filter { level in
            level.value >= 1 && level.value > (entry.minimum ?? 0) && level.value <= (entry.maximum ?? .max)
        }
    }

    /// How KVM meets one level: nil when it does, else the shortfall (missing registers, or `needs` the
    /// analysis found no evidence of).
    static func of(
        _ level: Policy.Level, of field: String, _ support: KvmSupport,
        exposedWhen: Set<String> = []
    ) -> Shortfall? {
        let unhandled = level.registers.filter {
            !support.handles($0) && !support.runsOnHardware($0, for: field, exposedWhen: exposedWhen)
        }
        let missing = unhandled.filter(support.isEvidence)
        if !missing.isEmpty { return Shortfall(level: level, missing: missing) }
        // What KVM's tables cannot show (AArch32 names its cp14/cp15 tables carry only as encodings, `needs`
        // with no register) is met where KVM's code uses a name the level gives as evidence; `needs` beside
        // registers KVM handles only describe them further, unless the level names evidence for them too.
        let unverified = !unhandled.isEmpty || !level.evidence.isEmpty || (level.registers.isEmpty && level.needs != nil)
        if unverified, support.evidence(of: level) == nil { return Shortfall(level: level, missing: []) }
        return nil
    }

    /// The first level up to `top` whose registers KVM does not handle; else, where the host's value
    /// reaches the guest (`bounded` false), the first whose requirement cannot be verified. Every level is
    /// looked at: a level the analysis cannot verify never hides a higher one that KVM plainly lacks. A
    /// field KVM bounds itself at a level is taken as handled up to it where only `needs` describe it.
    /// `exposedWhen`: the tests every path showing the field holds under (KvmSupport.exposedWhen).
    static func first(
        _ entry: Policy.Entry, _ support: KvmSupport, bounded: Bool, top: Int64 = .max,
        exposedWhen: Set<String> = []
    ) -> Shortfall? {
        let gaps = checked(entry).filter { Int64($0.value) <= top }.compactMap {
            of($0, of: entry.key, support, exposedWhen: exposedWhen)
        }
        if let leak = gaps.first(where: \.isEvidenced) { return leak }
        return bounded ? nil : gaps.first
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
        let exposure = support.exposure(treatment, shape, field: entry.key)
        let when = support.exposedWhen(treatment)
        switch exposure {
        case .host:
            guard let s = Shortfall.first(entry, support, bounded: false, exposedWhen: when) else { return nil }
            return Leak(exposure: exposure, shortfall: s)
        case .bounded(let top, _):
            guard let s = Shortfall.first(entry, support, bounded: true, top: top, exposedWhen: when) else { return nil }
            return Leak(exposure: exposure, shortfall: s)
        case .kvm, .unknown:
            return nil
        }
    }

    /// A signed field of an AArch64 ID register that KVM always clears: 0 reads as "implemented", so clearing it
    /// claims level 0 whatever the hardware has. For a `kvm` field that is a leak where KVM lacks what level 0
    /// needs; for an `isa` field always, since only the hardware implements it. (An AArch32 ID register
    /// reads as zero as a whole where the CPU has no AArch32, which the architecture allows.)
    static func claimed(_ entry: Policy.Entry, _ treatment: KvmTreatment, _ shape: FieldShape, _ support: KvmSupport) -> Leak? {
        guard shape.signed, entry.register.uppercased().contains("_AA64"), entry.fieldClass != .el2 else { return nil }
        // Only a field KVM always clears: a path that zeroes the whole register (an error path, a register
        // the guest does not have) is not a claim about the field.
        guard treatment.kind == .hidden else { return nil }
        let exposure = Exposure.bounded(0, how: "KVM clears the field to 0, which this signed field reads as implemented")
        if entry.fieldClass == .isa {
            let level = Policy.Level(value: 0, feature: "implemented")
            return Leak(exposure: exposure, shortfall: Shortfall(level: level, missing: [], hardware: true))
        }
        guard let level = entry.level(0), let s = Shortfall.of(level, of: entry.key, support), s.isEvidenced else { return nil }
        return Leak(exposure: exposure, shortfall: s)
    }

    /// "ID_AA64DFR0_EL1.PMSVer leaks to normal guests: KVM passes the host's value through, and value 1 ..."
    func message(_ key: String, guests: String) -> String {
        "\(key) leaks to \(guests) guests: \(exposure.how), and \(shortfall.text)"
    }
}

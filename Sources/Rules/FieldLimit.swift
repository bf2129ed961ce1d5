import KernelModel

/// The highest value KVM should let a guest see of one field, and why: what `ftrlint bound` writes into
/// KVM's read path (pKVM's, for a protected guest). The value meets both sides of the policy: at most the
/// `bound`, and below the first level whose registers KVM evidently does not handle in this tree (the
/// level `leak` reports). A signed field's limit is in signed order: a host without the feature (-1,
/// NI) still shows it has none.
public struct FieldLimit: Sendable, Equatable {
    public let register: String
    public let field: String
    public let lsb: Int
    public let width: Int
    public let signed: Bool
    /// Whether the limit is for protected (pKVM) guests, whose ID registers pKVM's own code decides.
    public let protected: Bool
    /// The value to let through at most; 0 hides an unsigned field.
    public let limit: Int
    /// The highest level KVM handles in this tree (every level up to it has what it needs), where a level
    /// above it is one KVM lacks; nil when KVM handles every level the policy lists.
    public let handled: Int?
    /// The policy's bound.
    public let bound: Int?
    /// The policy's one-line reason.
    public let reason: String
    /// The rules whose findings the limit answers.
    public let rules: [String]
    /// Whether cpufeature describes the field (else it reads as zero today).
    public let described: Bool
    /// The policy's name for each level it lists (FEAT_CSV2), for the commit message.
    public let features: [Int: String]

    public var key: String { "\(register).\(field)" }
    public var mask: UInt64 { width >= 64 ? ~0 : ((1 << UInt64(width)) - 1) << UInt64(lsb) }
}

/// The rules whose findings a bound in KVM's read path answers, by the scope they belong to.
public enum BoundScope: String, CaseIterable, Sendable {
    /// The leak rules: a normal, nested-virtualisation or protected guest sees a level KVM does not handle.
    case leaks
    /// A normal guest sees more than the policy's bound.
    case overBound = "over-bound"
    /// Both, and every field that reads as zero today whose bound KVM would not hold (latent).
    case all

    public var rules: Set<String> {
        switch self {
        case .leaks: return ["leak", "nv-leak", "protected-leak"]
        case .overBound: return ["over-bound"]
        case .all: return BoundScope.leaks.rules.union(BoundScope.overBound.rules).union(["latent"])
        }
    }
}

extension RuleContext {
    /// The limits that answer `findings` (those of the scope's rules), one per field and view (protected
    /// guests apart), in register order then from the most significant field down. A field whose limit
    /// cannot be stated (no policy entry, no bound and no level KVM lacks) is in `unbounded` with the reason.
    public func limits(answering findings: [Finding]) -> (limits: [FieldLimit], unbounded: [(key: String, why: String)]) {
        struct Target: Hashable {
            let key: String
            let protected: Bool
        }
        var rulesByTarget: [Target: [String]] = [:], targets: [Target] = []
        for f in findings {
            let t = Target(key: f.key, protected: f.rule == ProtectedLeakRule.description.identifier)
            if rulesByTarget[t] == nil { targets.append(t) }
            if !(rulesByTarget[t]?.contains(f.rule) ?? false) { rulesByTarget[t, default: []].append(f.rule) }
        }
        let order = tables.registers.map(\.name)
        var limits: [FieldLimit] = [], unbounded: [(String, String)] = []
        for t in targets {
            let key = t.key
            let described = tables.fields.first { $0.key == key }
            let shape: (register: String, field: String, lsb: Int, width: Int, signed: Bool)
            if let f = described {
                shape = (f.register, f.name, f.lsb, f.width, f.signed)
            } else if let u = undescribedFields[key] {
                // Where the tree's sysreg file (or, without one, the policy) places the field, and its sign.
                shape = (u.register, u.name, u.lsb, u.width, u.signed)
            } else {
                unbounded.append((key, "ftrlint does not know the field's bits"))
                continue
            }
            guard let entry = policy.entry(register: shape.register, field: shape.field) else {
                unbounded.append((key, "the policy has no entry for it"))
                continue
            }
            let handled = Shortfall.checked(entry).lazy
                .compactMap { Shortfall.of($0, of: entry.key, self.support) }.first(where: \.isEvidenced)
                .map { $0.level.value - 1 }
            // A signed field KVM clears claims level 0 (implemented): held to it in signed order, a host
            // without the feature shows NI instead.
            let view = t.protected ? guestView.fields[key]?.protected : guestView.fields[key]?.normal
            let claimed = shape.signed && view?.kind == .hidden ? 0 : nil
            guard let limit = [entry.bound, handled].compactMap({ $0 }).min() ?? claimed else {
                unbounded.append((key, "the policy gives it no bound"))
                continue
            }
            var features: [Int: String] = [:]
            for level in entry.levels { features[level.value] = level.feature }
            limits.append(
                FieldLimit(
                    register: shape.register, field: shape.field, lsb: shape.lsb, width: shape.width,
                    signed: shape.signed, protected: t.protected, limit: shape.signed ? limit : max(0, limit),
                    handled: handled, bound: entry.bound, reason: entry.reason, rules: rulesByTarget[t]!,
                    described: described != nil, features: features))
        }
        limits.sort { a, b in
            let (ia, ib) = (order.firstIndex(of: a.register) ?? .max, order.firstIndex(of: b.register) ?? .max)
            return ia != ib ? ia < ib : a.protected != b.protected ? !a.protected : a.lsb > b.lsb
        }
        return (limits, unbounded.sorted { $0.0 < $1.0 })
    }
}

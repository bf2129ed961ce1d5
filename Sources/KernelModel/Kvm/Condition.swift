import KernelTree

/// A condition KVM's code branches on that the analysis cannot decide: a predicate as written.
struct Atom: Hashable {
    let text: String
    let location: SourceRef
    /// Set when the predicate compares a field of the analysed register's host value with a constant:
    /// branches on it are how caps are written (`if (val > cap)`, `min(val, cap)`).
    let hostField: HostField?
    /// Set when the predicate compares a field of any register's host value with a constant: what the
    /// predicate says about that field, so that paths no host value can take are left out
    /// (`pmuver < 6` and then `pmuver == 15`).
    var constraint: Constraint? = nil
    /// Set (the note saying why) when the predicate's value is one ftrlint could not read: an operator
    /// libclang 14 cannot name. A field whose view branches on it is unknown, not conditional.
    var unreadable: Int? = nil
}

struct HostField: Hashable {
    let register: UInt32
    let lsb: Int
    let width: Int
}

/// `field op value`: a comparison of a host field with a constant.
struct Constraint: Hashable {
    let field: HostField
    let op: String
    let value: UInt64

    /// The same comparison with its operands swapped (`6 > x` is `x < 6`).
    func swapped() -> Constraint {
        let flipped = ["<": ">", ">": "<", "<=": ">=", ">=": "<="][op] ?? op
        return Constraint(field: field, op: flipped, value: value)
    }

    func holds(for v: UInt64) -> Bool { Relation.holds(v, op, value) }

    /// Whether some value of each field satisfies every constraint on it as `assignment` decides it.
    static func feasible(_ assignment: [Int: Bool], atoms: [Atom]) -> Bool {
        var byField: [HostField: [(Constraint, Bool)]] = [:]
        for (atom, holds) in assignment {
            if let c = atoms[atom].constraint { byField[c.field, default: []].append((c, holds)) }
        }
        return byField.allSatisfy { field, constraints in
            guard constraints.count > 1, field.width < 16 else { return true }
            return (0..<(UInt64(1) << UInt64(field.width))).contains { v in
                constraints.allSatisfy { $0.0.holds(for: v) == $0.1 }
            }
        }
    }
}

/// A boolean in the abstract: decided, or a decision tree over atoms (by index).
indirect enum Cond: Hashable {
    case known(Bool)
    case node(Int, Cond, Cond)

    /// `self ? a : b` over conditions; below each decision on an atom, `a` and `b` are taken with that atom
    /// decided, so no path tests it both ways (`x && !x`).
    func ite(_ a: Cond, _ b: Cond) -> Cond {
        switch self {
        case .known(let v): return v ? a : b
        case .node(let atom, let t, let e):
            let x = t.ite(a.restricted(atom, true), b.restricted(atom, true))
            let y = e.ite(a.restricted(atom, false), b.restricted(atom, false))
            return x == y ? x : .node(atom, x, y)
        }
    }

    /// This condition where `atom` is known to be `value`.
    func restricted(_ atom: Int, _ value: Bool) -> Cond {
        guard case .node(let a, let t, let e) = self else { return self }
        if a == atom { return (value ? t : e).restricted(atom, value) }
        let x = t.restricted(atom, value), y = e.restricted(atom, value)
        return x == y ? x : .node(a, x, y)
    }

    var negated: Cond { ite(.known(false), .known(true)) }
    func and(_ other: Cond) -> Cond { ite(other, .known(false)) }
    func or(_ other: Cond) -> Cond { ite(.known(true), other) }
}

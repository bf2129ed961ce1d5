/// A condition KVM's code branches on that the analysis cannot decide: a predicate as written.
struct Atom: Hashable {
    let text: String
    let location: SourceRef
    /// Set when the predicate compares a field of the analysed register's host value with a constant:
    /// branches on it are how caps are written (`if (val > cap)`, `min(val, cap)`).
    let hostField: HostField?
}

struct HostField: Hashable {
    let register: UInt32
    let lsb: Int
    let width: Int
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

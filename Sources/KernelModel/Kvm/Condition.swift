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

    /// `self ? a : b` over conditions.
    func ite(_ a: Cond, _ b: Cond) -> Cond {
        switch self {
        case .known(let v): return v ? a : b
        case .node(let atom, let t, let e):
            let x = t.ite(a, b), y = e.ite(a, b)
            return x == y ? x : .node(atom, x, y)
        }
    }

    var negated: Cond { ite(.known(false), .known(true)) }
    func and(_ other: Cond) -> Cond { ite(other, .known(false)) }
    func or(_ other: Cond) -> Cond { ite(.known(true), other) }
}

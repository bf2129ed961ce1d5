/// One bit of an abstract 64-bit value in KVM's read path.
///
/// Tracking bits (not fields) lets masks, shifts, FIELD_PREP and FIELD_GET compose exactly after
/// macro expansion; fields are read back from the bits at the end.
indirect enum Bit: Hashable {
    case zero, one
    /// Bit `bit` of the sanitised host value of the register with sys_reg() encoding `register`.
    case host(register: UInt32, bit: Int)
    /// A value KVM computes from its own state (vcpu/VM fields, header inlines): index into the trace.
    case computed(Int)
    /// A value the analysis could not model: index into the trace.
    case unknown(Int)
    /// `condition ? then : else`, by condition index.
    case choice(Int, Bit, Bit)

    /// `condition ? a : b`, with `condition` decided inside each side: a choice on it there can only go one
    /// way, so no path tests a predicate both true and false (`x && !x`).
    static func pick(_ condition: Int, _ ifTrue: Bit, _ ifFalse: Bit) -> Bit {
        let whenTrue = ifTrue.restricted(condition, true), whenFalse = ifFalse.restricted(condition, false)
        return whenTrue == whenFalse ? whenTrue : .choice(condition, whenTrue, whenFalse)
    }

    /// This bit where `condition` is known to be `value`.
    func restricted(_ condition: Int, _ value: Bool) -> Bit {
        guard case .choice(let atom, let ifTrue, let ifFalse) = self else { return self }
        if atom == condition { return (value ? ifTrue : ifFalse).restricted(condition, value) }
        return .pick(atom, ifTrue.restricted(condition, value), ifFalse.restricted(condition, value))
    }

    /// Unknown whichever way the conditions go.
    var isUnknown: Bool {
        switch self {
        case .unknown: return true
        case .choice(_, let ifTrue, let ifFalse): return ifTrue.isUnknown && ifFalse.isUnknown
        default: return false
        }
    }

    /// An `.unknown` bit itself, not a choice between unknowns.
    var isPlainUnknown: Bool {
        guard case .unknown = self else { return false }
        return true
    }

    /// A bit of some register's host value.
    var isHost: Bool {
        guard case .host = self else { return false }
        return true
    }

    /// A bit of the host value of `register`.
    func isHost(of register: UInt32) -> Bool {
        guard case .host(register, _) = self else { return false }
        return true
    }

    var isChoice: Bool {
        guard case .choice = self else { return false }
        return true
    }

    // MARK: - Operations

    /// `lhs & rhs`; `otherwise()`: the bit KVM's own computation gives where neither side decides.
    static func and(_ lhs: Bit, _ rhs: Bit, otherwise: () -> Bit) -> Bit {
        combine(lhs, rhs, absorbing: .zero, identity: .one, otherwise: otherwise)
    }

    /// `lhs | rhs`; `otherwise()`: the bit KVM's own computation gives where neither side decides.
    static func or(_ lhs: Bit, _ rhs: Bit, otherwise: () -> Bit) -> Bit {
        combine(lhs, rhs, absorbing: .one, identity: .zero, otherwise: otherwise)
    }

    /// A bitwise operation with an absorbing constant (0 for `&`) and an identity (1 for `&`), taken
    /// through both sides of a choice.
    private static func combine(_ lhs: Bit, _ rhs: Bit, absorbing: Bit, identity: Bit, otherwise: () -> Bit) -> Bit {
        if lhs == absorbing || rhs == absorbing { return absorbing }
        if lhs == identity { return rhs }
        if rhs == identity { return lhs }
        switch (lhs, rhs) {
        case let (.choice(atom, ifTrue, ifFalse), other):
            return .pick(
                atom, combine(ifTrue, other, absorbing: absorbing, identity: identity, otherwise: otherwise),
                combine(ifFalse, other, absorbing: absorbing, identity: identity, otherwise: otherwise))
        case let (other, .choice(atom, ifTrue, ifFalse)):
            return .pick(
                atom, combine(other, ifTrue, absorbing: absorbing, identity: identity, otherwise: otherwise),
                combine(other, ifFalse, absorbing: absorbing, identity: identity, otherwise: otherwise))
        case let (same, other) where same == other: return same
        case (.unknown, _): return lhs
        case (_, .unknown): return rhs
        default: return otherwise()
        }
    }

    /// `~self`; `otherwise()`: the bit KVM's own computation gives where the bit is not known.
    func inverted(otherwise: () -> Bit) -> Bit {
        switch self {
        case .zero: return .one
        case .one: return .zero
        case let .choice(atom, ifTrue, ifFalse):
            return .pick(atom, ifTrue.inverted(otherwise: otherwise), ifFalse.inverted(otherwise: otherwise))
        case .unknown: return self
        default: return otherwise()
        }
    }
}

/// An abstract scalar: 64 bits, least significant first.
struct Bits: Hashable {
    var bits: [Bit]

    init(_ bits: [Bit]) { self.bits = bits }
    init(constant value: UInt64) { bits = (0..<64).map { (value >> UInt64($0)) & 1 == 1 ? .one : .zero } }
    init(repeating bit: Bit) { bits = Array(repeating: bit, count: 64) }
    static func host(_ register: UInt32) -> Bits { Bits((0..<64).map { .host(register: register, bit: $0) }) }

    /// The value when every bit is a constant.
    var constant: UInt64? {
        var value: UInt64 = 0
        for (index, bit) in bits.enumerated() {
            switch bit {
            case .one: value |= 1 << UInt64(index)
            case .zero: continue
            default: return nil
            }
        }
        return value
    }

    func shiftedLeft(_ count: Int) -> Bits {
        guard count > 0 else { return self }
        guard count < 64 else { return Bits(constant: 0) }
        return Bits(Array(repeating: .zero, count: count) + bits[0..<(64 - count)])
    }

    func shiftedRight(_ count: Int) -> Bits {
        guard count > 0 else { return self }
        guard count < 64 else { return Bits(constant: 0) }
        return Bits(Array(bits[count..<64]) + Array(repeating: .zero, count: count))
    }

    /// Truncation to a narrower C type (u8, u32 ...).
    func truncated(to width: Int) -> Bits {
        guard width < 64 else { return self }
        return Bits(Array(bits[0..<width]) + Array(repeating: .zero, count: 64 - width))
    }
}

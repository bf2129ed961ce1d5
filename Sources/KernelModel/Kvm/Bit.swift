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
    static func pick(_ condition: Int, _ a: Bit, _ b: Bit) -> Bit {
        let x = a.restricted(condition, true), y = b.restricted(condition, false)
        return x == y ? x : .choice(condition, x, y)
    }

    /// This bit where `condition` is known to be `value`.
    func restricted(_ condition: Int, _ value: Bool) -> Bit {
        guard case .choice(let c, let p, let q) = self else { return self }
        if c == condition { return (value ? p : q).restricted(condition, value) }
        return .pick(c, p.restricted(condition, value), q.restricted(condition, value))
    }

    /// Unknown whichever way the conditions go.
    var isUnknown: Bool {
        switch self {
        case .unknown: return true
        case .choice(_, let a, let b): return a.isUnknown && b.isUnknown
        default: return false
        }
    }
}

/// An abstract scalar: 64 bits, least significant first.
struct Bits: Hashable {
    var bits: [Bit]

    init(_ bits: [Bit]) { self.bits = bits }
    init(constant v: UInt64) { bits = (0..<64).map { (v >> UInt64($0)) & 1 == 1 ? .one : .zero } }
    init(repeating b: Bit) { bits = Array(repeating: b, count: 64) }
    static func host(_ register: UInt32) -> Bits { Bits((0..<64).map { .host(register: register, bit: $0) }) }

    /// The value when every bit is a constant.
    var constant: UInt64? {
        var v: UInt64 = 0
        for (i, b) in bits.enumerated() {
            switch b {
            case .one: v |= 1 << UInt64(i)
            case .zero: continue
            default: return nil
            }
        }
        return v
    }

    func shiftedLeft(_ n: Int) -> Bits {
        guard n > 0 else { return self }
        guard n < 64 else { return Bits(constant: 0) }
        return Bits(Array(repeating: .zero, count: n) + bits[0..<(64 - n)])
    }

    func shiftedRight(_ n: Int) -> Bits {
        guard n > 0 else { return self }
        guard n < 64 else { return Bits(constant: 0) }
        return Bits(Array(bits[n..<64]) + Array(repeating: .zero, count: n))
    }

    /// Truncation to a narrower C type (u8, u32 ...).
    func truncated(to width: Int) -> Bits {
        guard width < 64 else { return self }
        return Bits(Array(bits[0..<width]) + Array(repeating: .zero, count: 64 - width))
    }
}

import LibClang

/// Kernel and compiler functions whose meaning the interpreter knows rather than follows: what a call
/// returns, given its arguments' values. A function that answers nil is followed as any other.
extension ReadPathInterpreter {
    typealias KnownFunction = (_ interpreter: ReadPathInterpreter, _ arguments: [Value], _ call: Cursor) -> Value?

    static let knownFunctions: [String: KnownFunction] = {
        var table: [String: KnownFunction] = [
            // The host's sanitised value of the register the argument encodes.
            "read_sanitised_ftr_reg": { interpreter, arguments, call in
                guard let id = arguments.first?.bits?.constant else {
                    return interpreter.unknown("register of \(call.text)", call)
                }
                return .bits(.host(UInt32(truncatingIfNeeded: id)))
            },
            "__builtin_expect": { _, arguments, _ in arguments.first ?? .opaque },
            "__builtin_constant_p": { _, _, _ in .bits(Bits(constant: 0)) },
            // pKVM's loop over 4-bit fields: each field is min(host field, restriction field).
            "get_restricted_features_unsigned": { interpreter, arguments, call in
                guard arguments.count == 2, let host = arguments[0].bits, let limit = arguments[1].bits?.constant else {
                    return nil
                }
                return .bits(interpreter.fieldwiseMin(host, limit, call))
            },
        ]
        // __bf_shf() in FIELD_PREP/FIELD_GET: the lowest set bit of a constant mask, counted from 1 by ffs.
        for name in ["__builtin_ffsll", "__builtin_ffsl", "__builtin_ffs"] { table[name] = lowestSetBit(plus: 1) }
        for name in ["__builtin_ctzll", "__builtin_ctzl", "__builtin_ctz"] { table[name] = lowestSetBit(plus: 0) }
        return table
    }()

    private static func lowestSetBit(plus offset: UInt64) -> KnownFunction {
        { interpreter, arguments, call in
            guard let mask = arguments.first?.bits?.constant, mask != 0 else { return interpreter.computed(call.text, call) }
            return .bits(Bits(constant: UInt64(mask.trailingZeroBitCount) + offset))
        }
    }

    /// min(field, limit) for every 4-bit field: a cap where the field is the register's host value.
    private func fieldwiseMin(_ host: Bits, _ limit: UInt64, _ call: Cursor) -> Bits {
        var out = Bits(constant: 0)
        for lsb in stride(from: 0, to: 64, by: 4) {
            let cap = (limit >> UInt64(lsb)) & 0xf
            guard cap != 0 else { continue }
            guard case .host(let register, lsb)? = host.bits[lsb] as Bit?,
                (1..<4).allSatisfy({ host.bits[lsb + $0] == .host(register: register, bit: lsb + $0) })
            else {
                let note = trace.note(call.text, at: ref(call))
                for bit in lsb..<(lsb + 4) { out.bits[bit] = .computed(note) }
                continue
            }
            let atom = trace.atom(
                "field > \(cap) in \(call.text)", at: ref(call), spelled: "\(lsb)",
                hostField: HostField(register: register, lsb: lsb, width: 4))
            for bit in 0..<4 {
                out.bits[lsb + bit] = .pick(atom, (cap >> UInt64(bit)) & 1 == 1 ? .one : .zero, host.bits[lsb + bit])
            }
        }
        return out
    }
}

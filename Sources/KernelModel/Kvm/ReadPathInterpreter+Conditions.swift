import KernelTree
import LibClang

/// Conditions: what a value tested for truth or compared says, as a decision tree over the predicates
/// KVM decides at run time; and values chosen by such a tree.
extension ReadPathInterpreter {
    func condition(_ expr: Cursor, _ frame: inout Frame) -> Cond {
        let value = eval(expr, &frame)
        if case .function = value { return .known(true) }
        guard let bits = value.bits else { return asWritten(expr) }
        return asWritten(nonZero(bits, text: expr.text, at: expr), expr, bits)
    }

    /// A predicate as written at `expr` (or as `text` says), on the analysed register's `hostField` where it
    /// tests one, with what it says of a host field where it compares one with a constant.
    private func asWritten(_ expr: Cursor, text: String? = nil, hostField: HostField? = nil, constraint: Constraint? = nil)
        -> Cond
    {
        .node(
            trace.atom(
                text ?? expr.text, at: ref(expr), spelled: expr.spellingKey + (text.map { " " + $0 } ?? ""),
                hostField: hostField, constraint: constraint),
            .known(true), .known(false))
    }

    /// A predicate written as one macro (`vcpu_has_sve(vcpu)`, `kvm_supports_32bit_el0()`) whose parts are
    /// all KVM's own state: one condition named as written. Its parts would each print as the macro's text,
    /// and a path such as "vcpu_has_sve(vcpu) && !(vcpu_has_sve(vcpu))" reads as a contradiction. Parts that
    /// test the host's value (caps inside min()) stay apart.
    private func asWritten(_ cond: Cond, _ expr: Cursor, _ bits: Bits) -> Cond {
        var parts = Set<Int>()
        func collect(_ cond: Cond) {
            guard case .node(let atom, let whenTrue, let whenFalse) = cond else { return }
            parts.insert(atom)
            collect(whenTrue)
            collect(whenFalse)
        }
        collect(cond)
        guard parts.count > 1, parts.allSatisfy({ trace.atoms[$0].text == expr.text && trace.atoms[$0].hostField == nil }),
            !bits.bits.contains(where: { $0.isHost || $0.isUnknown })
        else { return cond }
        return .node(trace.atom(expr.text, at: ref(expr), spelled: "as written " + expr.spellingKey), .known(true), .known(false))
    }

    /// Whether bits are non-zero: decided when constant, split on choices, else a predicate as written.
    private func nonZero(_ bits: Bits, text: String, at expr: Cursor) -> Cond {
        if let value = bits.constant { return .known(value != 0) }
        if let atom = firstChoice(bits) {
            return .node(
                atom, nonZero(restrict(bits, atom, true), text: text, at: expr),
                nonZero(restrict(bits, atom, false), text: text, at: expr))
        }
        if bits.bits.contains(.one) { return .known(true) }
        let unreadable = bits.bits.lazy.compactMap { bit -> Int? in
            guard case .unknown(let n) = bit, self.trace.unreadable.contains(n) else { return nil }
            return n
        }.first
        return .node(
            trace.atom(text, at: ref(expr), spelled: expr.spellingKey, unreadable: unreadable), .known(true), .known(false))
    }

    func compare(_ op: String, _ lhs: Cursor, _ rhs: Cursor, _ expr: Cursor, _ frame: inout Frame) -> Cond {
        let left = eval(lhs, &frame).bits, right = eval(rhs, &frame).bits
        guard let left, let right else { return asWritten(expr) }
        return compareBits(op, left, right, expr)
    }

    /// `left op right`, decided where both are constant on a path; else a predicate, written as `expr` (or
    /// `text`).
    func compareBits(_ op: String, _ left: Bits, _ right: Bits, _ expr: Cursor, text: String? = nil) -> Cond {
        if let lhs = left.constant, let rhs = right.constant {
            // `if (id == SYS_ID_AA64PFR1_EL1)`: the register's own branch of a handler shared by many.
            if op == "==", lhs == rhs, lhs == UInt64(context.register), trace.branch == nil { trace.branch = ref(expr) }
            return .known(Relation.holds(lhs, op, rhs))
        }
        if let atom = firstChoice(left) ?? firstChoice(right) {
            return .node(
                atom, compareBits(op, restrict(left, atom, true), restrict(right, atom, true), expr, text: text),
                compareBits(op, restrict(left, atom, false), restrict(right, atom, false), expr, text: text))
        }
        var constraint: Constraint?
        if let field = anyHostField(left), let value = right.constant {
            constraint = Constraint(field: field, op: op, value: value)
        } else if let field = anyHostField(right), let value = left.constant {
            constraint = Constraint(field: field, op: op, value: value).swapped()
        }
        return asWritten(expr, text: text, hostField: hostField(left) ?? hostField(right), constraint: constraint)
    }

    /// A field of any register's host value moved down to bit 0, zero above.
    private func anyHostField(_ bits: Bits) -> HostField? {
        guard case .host(let register, let lsb)? = bits.bits.first else { return nil }
        var width = 0
        while width < 64, case .host(register, lsb + width) = bits.bits[width] { width += 1 }
        guard bits.bits[width...].allSatisfy({ $0 == .zero }) else { return nil }
        return HostField(register: register, lsb: lsb, width: width)
    }

    /// A field of the analysed register's host value moved down to bit 0, zero above.
    private func hostField(_ bits: Bits) -> HostField? {
        anyHostField(bits).flatMap { $0.register == context.register ? $0 : nil }
    }

    private func firstChoice(_ bits: Bits) -> Int? {
        for bit in bits.bits {
            if case .choice(let atom, _, _) = bit { return atom }
        }
        return nil
    }

    func restrict(_ bits: Bits, _ atom: Int, _ value: Bool) -> Bits { Bits(bits.bits.map { $0.restricted(atom, value) }) }

    func select(_ cond: Cond, _ whenTrue: () -> Value, _ whenFalse: () -> Value) -> Value {
        switch cond {
        case .known(let value): return value ? whenTrue() : whenFalse()
        case .node(let atom, let ifTrue, let ifFalse):
            return choose(atom, select(ifTrue, whenTrue, whenFalse), select(ifFalse, whenTrue, whenFalse))
        }
    }

    func boolBits(_ cond: Cond) -> Bits {
        switch cond {
        case .known(let value): return Bits(constant: value ? 1 : 0)
        case .node(let atom, let whenTrue, let whenFalse):
            let ifTrue = boolBits(whenTrue), ifFalse = boolBits(whenFalse)
            return Bits(zip(ifTrue.bits, ifFalse.bits).map { Bit.pick(atom, $0, $1) })
        }
    }

    /// `atom ? whenTrue : whenFalse`, bit by bit for bits.
    func choose(_ atom: Int, _ whenTrue: Value, _ whenFalse: Value) -> Value {
        switch (whenTrue, whenFalse) {
        case let (.bits(ifTrue), .bits(ifFalse)):
            return .bits(Bits(zip(ifTrue.bits, ifFalse.bits).map { Bit.pick(atom, $0, $1) }))
        case (.descriptor, .descriptor): return .descriptor
        case (.params, .params): return .params
        case let (.function(name), .function(other)) where name == other: return whenTrue
        default: return .opaque
        }
    }

    /// `value` where `path` holds, else `rest`.
    func guarded(_ path: Path, _ value: Value, _ rest: Value) -> Value {
        guard let (atom, holds) = path.first else { return value }
        let inner = guarded(Array(path.dropFirst()), value, rest)
        return holds ? choose(atom, inner, rest) : choose(atom, rest, inner)
    }

    /// A value converted to bool: decided when constant, split on choices, otherwise KVM's own bit.
    func truth(_ bits: Bits, _ cursor: Cursor) -> Bit {
        if let value = bits.constant { return value != 0 ? .one : .zero }
        if let atom = firstChoice(bits) {
            return .pick(atom, truth(restrict(bits, atom, true), cursor), truth(restrict(bits, atom, false), cursor))
        }
        if bits.bits.contains(.one) { return .one }
        // An unknown stays unknown; otherwise the bool is a value of KVM's own, noted where it is made.
        return bits.bits.first(where: \.isPlainUnknown) ?? computedBit(cursor)
    }
}

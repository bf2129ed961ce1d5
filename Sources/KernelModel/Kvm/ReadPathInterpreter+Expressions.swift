import LibClang

/// Expressions: what each evaluates to in a frame, and what assignments change in it.
extension ReadPathInterpreter {
    func eval(_ expr: Cursor, _ frame: inout Frame) -> Value {
        trace.budget -= 1
        guard trace.budget > 0 else { return unknown("analysis budget exhausted", expr) }
        switch expr.kind {
        case .integerLiteral:
            return constant(expr) ?? unknown("non-constant \(expr.text)", expr)
        case .unaryExpr:
            // A sizeof that does not fold is a compile-time assertion (BUILD_BUG_ON_ZERO): zero once it compiles.
            return constant(expr) ?? .bits(Bits(constant: 0))
        case .parenExpr, .unexposedExpr:
            if let value = constantIfPure(expr) { return value }
            guard let child = expr.children.last else { return constant(expr) ?? .opaque }
            return eval(child, &frame)
        case .cStyleCastExpr:
            guard let child = expr.children.last(where: { $0.kind.isExpression }) else { return .opaque }
            return truncate(eval(child, &frame), toTypeOf: expr)
        case .declRefExpr:
            if let decl = expr.referenced {
                if decl.kind == .functionDecl { return .function(decl.spelling) }
                if let value = frame.env[decl] { return value }
                if decl.kind == .enumConstantDecl, let value = constant(expr) { return value }
                if decl.kind == .varDecl, let register = context.hostGlobals[decl.spelling] { return .bits(.host(register)) }
            }
            return computed(expr.text, expr)
        case .memberRefExpr:
            return member(expr, &frame)
        case .callExpr:
            return call(expr, &frame)
        case .stmtExpr:
            // ({ ...; last; }) — FIELD_PREP, FIELD_GET, min: run the statements, the value is the last one's.
            guard let body = expr.children.first(where: { $0.kind == .compoundStmt }) else { return .opaque }
            let stmts = body.children
            for stmt in stmts.dropLast() { exec(stmt, &frame) }
            guard let last = stmts.last else { return .opaque }
            guard last.kind.isExpression else {
                exec(last, &frame)
                return .opaque
            }
            return eval(last, &frame)
        case .conditionalOperator:
            let parts = expr.children
            guard parts.count == 3 else { return unknown("conditional \(expr.text)", expr) }
            let cond = condition(parts[0], &frame)
            return select(cond, { self.eval(parts[1], &frame) }, { self.eval(parts[2], &frame) })
        case .unaryOperator:
            return unary(expr, &frame)
        case .binaryOperator, .compoundAssignOperator:
            return binary(expr, &frame)
        default:
            return constant(expr) ?? computed(expr.text, expr)
        }
    }

    private func member(_ expr: Cursor, _ frame: inout Frame) -> Value {
        let base = expr.children.first.map { eval($0, &frame) } ?? .opaque
        if base == .descriptor {
            guard let member = context.descriptor[expr.spelling] else { return .bits(Bits(constant: 0)) }
            if let value = member.evaluate()?.bits { return .bits(Bits(constant: value)) }
            var function: String?
            member.descendants { child in
                if function == nil, child.kind == .declRefExpr, child.referenced?.kind == .functionDecl {
                    function = child.spelling
                }
            }
            return function.map { .function($0) } ?? .opaque
        }
        if base == .params, expr.spelling == "regval" { return frame.regval ?? .opaque }
        return computed(expr.text, expr)
    }

    private func call(_ expr: Cursor, _ frame: inout Frame) -> Value {
        guard let calleeExpr = expr.children.first else { return computed(expr.text, expr) }
        guard case .function(let name) = eval(calleeExpr, &frame) else { return computed(expr.text, expr) }
        let arguments = expr.arguments.map { eval($0, &frame) }
        // A view's predicate, called directly or through a macro of that name (vcpu_has_nv(vcpu)).
        let written = expr.expansionTokens.first.map(\.spelling) ?? name
        if let key = [name, written].first(where: { context.assumptions[$0] != nil }), let assumed = context.assumptions[key] {
            trace.assumed.insert(key)
            return .bits(Bits(constant: assumed ? 1 : 0))
        }
        if let known = Self.knownFunctions[name], let value = known(self, arguments, expr) { return value }
        // Follow KVM's own functions, and any function the register's value or descriptor flows into;
        // a header helper that only takes vcpu or VM pointers is a run-time predicate, kept as written.
        let carries = arguments.contains { argument in
            argument == .descriptor || argument == .params
                || (argument.bits?.bits.contains { $0.isHost || $0.isChoice } ?? false)
        }
        let own = context.functions.definition(of: name)
        let definition = own ?? (carries ? expr.referenced?.definitionWithBody : nil)
        guard let definition, depth < Self.maxDepth else {
            // The register's value or descriptor flows into code the analysis cannot see (a function of a file
            // it does not parse, a renamed helper): what comes back, and what it writes to p->regval, is unknown.
            if carries {
                let why = definition == nil ? "is not defined in the KVM files ftrlint reads" : "is nested too deeply to follow"
                let value = unknown("\(name)() \(why): the ID value flows into code the analysis cannot see", expr)
                if arguments.contains(.params) { frame.regval = value }
                return value
            }
            // A function defined in no file the unit holds may return anything, the host's raw register included:
            // not KVM's own state. Header inlines (vcpu_has_sve()) and compiler builtins stay KVM's own values.
            if definition == nil, !name.hasPrefix("__builtin_"), expr.referenced?.definition == nil {
                return unknown(
                    "\(name)() is defined in no file ftrlint reads: its value may be the host's own, not KVM's state", expr)
            }
            return computed(expr.text, expr)
        }
        let saved = frame.regval
        let result = run(definition, arguments: arguments)
        frame.regval = result.regval ?? saved
        return result.value ?? .opaque
    }

    private func unary(_ expr: Cursor, _ frame: inout Frame) -> Value {
        if let value = constantIfPure(expr) { return value }
        guard let operand = expr.children.first else { return .opaque }
        switch expr.operatorSpelling {
        case "~":
            guard let bits = eval(operand, &frame).bits else { return computed(expr.text, expr) }
            let made = { self.computedBit(expr) }
            return .bits(Bits(bits.bits.map { $0.inverted(otherwise: made) }))
        case "!":
            return .bits(boolBits(condition(operand, &frame).negated))
        case "&", "*":
            return .opaque
        case "++", "--":
            if let decl = local(operand) { frame.env[decl] = computed(expr.text, expr) }
            return computed(expr.text, expr)
        default:
            return computed(expr.text, expr)
        }
    }

    private func binary(_ expr: Cursor, _ frame: inout Frame) -> Value {
        let parts = expr.children
        if let encoding = descriptorEncoding(expr, &frame) { return encoding }
        guard parts.count == 2 else { return unknown("operator in \(expr.text)", expr) }
        if let value = constantIfPure(expr) { return value }
        guard let op = expr.operatorSpelling else { return withoutOperator(expr, operands: parts.map { eval($0, &frame) }) }
        if op == "=" || (op.count >= 2 && op.hasSuffix("=") && !["==", "!=", "<=", ">="].contains(op)) {
            let rhs = eval(parts[1], &frame)
            let value: Value = op == "=" ? rhs : arithmetic(String(op.dropLast()), eval(parts[0], &frame), rhs, expr)
            assign(parts[0], value, expr, &frame)
            return value
        }
        switch op {
        case "&&":
            let lhs = condition(parts[0], &frame), rhs = condition(parts[1], &frame)
            return .bits(boolBits(lhs.and(rhs)))
        case "||":
            return .bits(boolBits(condition(parts[0], &frame).or(condition(parts[1], &frame))))
        case "==", "!=", "<", ">", "<=", ">=":
            return .bits(boolBits(compare(op, parts[0], parts[1], expr, &frame)))
        case ",":
            _ = eval(parts[0], &frame)
            return eval(parts[1], &frame)
        default:
            return arithmetic(op, eval(parts[0], &frame), eval(parts[1], &frame), expr)
        }
    }

    /// A binary operator libclang 14 cannot name (inside a macro body), from its operands' values: the
    /// result is still KVM's own value when no operand carries the register's host bits.
    private func withoutOperator(_ expr: Cursor, operands: [Value]) -> Value {
        // The kernel adds compile-time checks that are zero once they compile (GENMASK's
        // BUILD_BUG_ON_ZERO(...) + mask): with a zero operand the value is the other one.
        if operands[0].bits?.constant == 0, let other = operands[1].bits { return .bits(other) }
        if operands[1].bits?.constant == 0, let other = operands[0].bits { return .bits(other) }
        // Masks built from FIELD_PREP(...) | FIELD_PREP(...): constants with disjoint bits combine the
        // same under |, + and ^, the operators that build masks.
        if let lhs = operands[0].bits?.constant, let rhs = operands[1].bits?.constant, lhs & rhs == 0 {
            return .bits(Bits(constant: lhs | rhs))
        }
        let register = context.register
        let carriesHost = operands.contains { $0.bits?.bits.contains { $0.isHost(of: register) } ?? false }
        // An unknown operand (inline asm, a function ftrlint cannot see) keeps the result unknown, with its reason.
        for operand in operands {
            if let unknownBit = operand.bits?.bits.first(where: \.isPlainUnknown) { return .bits(Bits(repeating: unknownBit)) }
        }
        guard carriesHost else { return computed(expr.text, expr) }
        let note = trace.note("libclang cannot name the operator inside the macro in \(expr.text)", at: ref(expr))
        trace.unreadable.insert(note)
        return .bits(Bits(repeating: .unknown(note)))
    }

    /// sys_reg(r->Op0, r->Op1, r->CRn, r->CRm, r->Op2) — however a kernel spells it — is the encoding
    /// of the register under analysis: an expression whose only variable parts are those members.
    private func descriptorEncoding(_ expr: Cursor, _ frame: inout Frame) -> Value? {
        // Most expressions fail on what does not depend on the frame: decide those from the memoised shape.
        let shape = ExpressionShape.of(expr)
        guard !shape.call, shape.onlyEncodingMembers else { return nil }
        var members = Set<String>()
        var other = false
        expr.descendants { child in
            if child.kind == .callExpr { other = true }
            if child.kind == .memberRefExpr { members.insert(child.spelling) }
            // A variable other than the descriptor makes it another expression.
            if child.kind == .declRefExpr, let decl = child.referenced, decl.kind == .varDecl || decl.kind == .parmDecl,
                frame.env[decl] != .descriptor
            {
                other = true
            }
        }
        guard !other, members == ["Op0", "Op1", "CRn", "CRm", "Op2"] else { return nil }
        return .bits(Bits(constant: UInt64(context.register)))
    }

    func assign(_ target: Cursor, _ value: Value, _ expr: Cursor, _ frame: inout Frame) {
        if let decl = local(target) {
            let new = truncate(value, toTypeOf: decl)
            if case .bits(let old)? = frame.env[decl], case .bits(let newBits) = new { record(old, newBits, at: expr) }
            frame.env[decl] = new
        } else if target.kind == .memberRefExpr, target.spelling == "regval",
            target.children.first.map({ eval($0, &frame) }) == .params
        {
            frame.regval = value
        }
    }

    /// Notes which bits a statement changed, for values that hold the analysed register in place. A local
    /// holding one field shifted down (cpuid_feature_cap_perfmon_field's `val`) is not the register: what
    /// a statement does to it is recorded where the result goes back into the register's bits.
    private func record(_ old: Bits, _ new: Bits, at expr: Cursor) {
        let register = context.register
        let holds = { (value: Bits) in value.bits.indices.contains { value.bits[$0] == .host(register: register, bit: $0) } }
        guard holds(old) || holds(new) else { return }
        let place = ref(expr)
        for bit in 0..<64 where old.bits[bit] != new.bits[bit] { trace.touched[bit, default: []].insert(place) }
    }

    private func arithmetic(_ op: String, _ lhs: Value, _ rhs: Value, _ expr: Cursor) -> Value {
        guard let left = lhs.bits, let right = rhs.bits else { return computed(expr.text, expr) }
        switch op {
        // One closure for the whole operation: made per bit, it would copy the cursor 64 times.
        case "&":
            let made = { self.computedBit(expr) }
            return .bits(Bits(zip(left.bits, right.bits).map { Bit.and($0, $1, otherwise: made) }))
        case "|":
            let made = { self.computedBit(expr) }
            return .bits(Bits(zip(left.bits, right.bits).map { Bit.or($0, $1, otherwise: made) }))
        case "<<", ">>":
            guard let count = right.constant else { return computed(expr.text, expr) }
            return .bits(op == "<<" ? left.shiftedLeft(Int(min(count, 64))) : left.shiftedRight(Int(min(count, 64))))
        default:
            if let lhs = left.constant, let rhs = right.constant, let value = Self.fold(op, lhs, rhs) {
                return .bits(Bits(constant: value))
            }
            return computed(expr.text, expr)
        }
    }

    /// Arithmetic on two constants; nil for a division by zero or an operator not folded.
    private static func fold(_ op: String, _ lhs: UInt64, _ rhs: UInt64) -> UInt64? {
        switch op {
        case "+": return lhs &+ rhs
        case "-": return lhs &- rhs
        case "*": return lhs &* rhs
        case "^": return lhs ^ rhs
        case "/": return rhs == 0 ? nil : lhs / rhs
        case "%": return rhs == 0 ? nil : lhs % rhs
        default: return nil
        }
    }
}

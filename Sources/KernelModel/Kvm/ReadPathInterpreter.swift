import LibClang

/// Interprets KVM's C read path abstractly for one ID register: `id` is known, so switches and
/// comparisons on the register resolve; the value starts as the sanitised host value and every mask,
/// shift, FIELD_PREP and helper call is followed bit by bit; predicates KVM decides at run time
/// (vcpu features, VM state) become atoms and the value splits on them.
///
/// What it cannot see: loops and gotos that touch the value, calls through pointers other than the
/// register's own descriptor, functions in files that were not parsed, inline asm. Those give `unknown`
/// bits — never the host value, and never `computed`, which is kept for KVM's own state (vcpu and VM
/// fields, header inlines that only take vcpu or VM pointers), so a raw `mrs` of the host's register or a
/// value from another file is not taken for KVM's choice.
final class ReadPathInterpreter {
    struct Context {
        /// sys_reg() encoding of the register under analysis.
        let register: UInt32
        /// Members of the register's sys_reg_desc entry.
        let descriptor: [String: Cursor]
        /// Predicates whose value a view fixes (vcpu_has_nv: false for normal guests).
        let assumptions: [String: Bool]
        let functions: FunctionIndex
        /// Globals that hold a register's sanitised value (pKVM's hypervisor copies), by name.
        let hostGlobals: [String: UInt32]
        let relativize: (String) -> String
    }

    struct Frame {
        var env: [Cursor: Value] = [:]
        var path: [(atom: Int, value: Bool)] = []
        var returns: [(path: [(atom: Int, value: Bool)], value: Value, regval: Value?)] = []
        var terminated = false
        var broke = false
        /// What the handler stored in `p->regval`: the value the guest reads.
        var regval: Value?
    }

    let context: Context
    let trace: Trace
    private var depth = 0
    static let maxDepth = 12

    init(context: Context, trace: Trace) { self.context = context; self.trace = trace }

    /// Runs `function` with its parameters bound by type (descriptor, params) or to `arguments`.
    func run(_ function: Cursor, arguments: [Value]? = nil) -> (value: Value?, regval: Value?) {
        let params = function.children.filter { $0.kind == .parmDecl }
        var frame = Frame()
        for (i, p) in params.enumerated() {
            if let arguments, i < arguments.count { frame.env[p] = arguments[i]; continue }
            let type = p.typeSpelling
            frame.env[p] = type.contains("sys_reg_desc") ? .descriptor : type.contains("sys_reg_params") ? .params : .opaque
        }
        guard let body = function.children.last(where: { $0.kind == .compoundStmt }) else { return (nil, nil) }
        depth += 1
        defer { depth -= 1 }
        exec(body, &frame)
        // Fall-through is a return without value; fold every return into one guarded value.
        var value: Value? = nil
        var regval: Value? = frame.terminated ? nil : frame.regval
        for r in frame.returns.reversed() {
            value = value.map { guarded(r.path, r.value, $0) } ?? r.value
            if let rv = r.regval { regval = regval.map { guarded(r.path, rv, $0) } ?? rv }
        }
        return (value, regval)
    }

    // MARK: - statements

    func exec(_ s: Cursor, _ f: inout Frame) {
        guard !f.terminated, !f.broke else { return }
        trace.budget -= 1
        guard trace.budget > 0 else { return }
        switch s.kind {
        case .compoundStmt:
            for child in s.children { exec(child, &f); if f.terminated || f.broke { break } }
        case .declStmt:
            for v in s.children where v.kind == .varDecl {
                let initExpr = v.children.last { $0.kind.isExpression }
                f.env[v] = initExpr.map { truncate(eval($0, &f), to: v) } ?? computed("uninitialised \(v.spelling)", v)
            }
        case .ifStmt:
            let parts = s.children
            guard parts.count >= 2 else { return }
            let cond = condition(parts[0], &f)
            branch(cond, &f, then: { self.exec(parts[1], &$0) }, else: { if parts.count > 2 { self.exec(parts[2], &$0) } })
        case .switchStmt:
            execSwitch(s, &f)
        case .returnStmt:
            let value = s.children.first.map { eval($0, &f) } ?? .opaque
            f.returns.append((f.path, value, f.regval))
            f.terminated = true
        case .breakStmt:
            f.broke = true
        case .doStmt:
            // do { } while (0): the kernel's macro-statement idiom runs once.
            let parts = s.children
            if parts.count == 2, case .bits(let b)? = Optional(eval(parts[1], &f)), b.constant == 0 {
                exec(parts[0], &f); f.broke = false
            } else { spoil(s, &f) }
        case .forStmt, .whileStmt, .gotoStmt, .labelStmt:
            spoil(s, &f)
        case .nullStmt, .caseStmt, .defaultStmt:
            return
        default:
            if s.kind == .asmStmt { execAsm(s, &f) } else if s.kind.isExpression { _ = eval(s, &f) }
        }
    }

    /// Inline asm: what it writes comes from outside KVM's C code — an `mrs` of an ID register is the host's
    /// raw, unsanitised value — so every operand it may write becomes unknown, never KVM's own state.
    /// libclang lists the operands (outputs, then inputs) but not the asm string: an operand that is a bare
    /// lvalue (no conversion to a value around it) is taken as written, which also covers "+r" and "m".
    private func execAsm(_ s: Cursor, _ f: inout Frame) {
        let n = trace.note("inline asm \(s.text.prefix(120)): a value from outside KVM's C code "
                           + "(an mrs of an ID register reads the host's raw value)", at: ref(s))
        for operand in s.children where operand.kind == .declRefExpr || operand.kind == .memberRefExpr {
            assign(operand, .bits(Bits(repeating: .unknown(n))), s, &f)
        }
    }

    /// Executes `then`/`else` on copies of the frame and merges them under the condition.
    private func branch(_ cond: Cond, _ f: inout Frame, then: (inout Frame) -> Void, else otherwise: (inout Frame) -> Void) {
        switch cond {
        case .known(true): then(&f)
        case .known(false): otherwise(&f)
        case .node(let atom, let t, let e):
            var a = f, b = f
            a.path.append((atom, true)); b.path.append((atom, false))
            branch(t, &a, then: then, else: otherwise)
            branch(e, &b, then: then, else: otherwise)
            a.path = f.path; b.path = f.path
            f = merge(atom, a, b)
        }
    }

    private func merge(_ atom: Int, _ a: Frame, _ b: Frame) -> Frame {
        var m = a
        m.returns = a.returns + b.returns.filter { r in !a.returns.contains { $0.path.elementsEqual(r.path, by: ==) } }
        m.terminated = a.terminated && b.terminated
        m.broke = a.broke && b.broke
        if a.terminated && !b.terminated { m.env = b.env; m.regval = b.regval; m.broke = b.broke; return m }
        if b.terminated && !a.terminated { m.env = a.env; m.regval = a.regval; m.broke = a.broke; return m }
        for (k, va) in a.env { if let vb = b.env[k] { m.env[k] = choose(atom, va, vb) } }
        m.regval = switch (a.regval, b.regval) {
        case let (x?, y?): choose(atom, x, y)
        case let (x, y): x ?? y
        }
        return m
    }

    private func execSwitch(_ s: Cursor, _ f: inout Frame) {
        let parts = s.children
        guard parts.count == 2 else { return spoil(s, &f) }
        var items: [(label: UInt64??, stmt: Cursor?)] = []  // label: nil = none, .some(nil) = default
        func flatten(_ c: Cursor) {
            switch c.kind {
            case .caseStmt:
                let kids = c.children
                let v = kids.first?.evaluate()?.bits
                items.append((.some(v), nil))
                if let sub = kids.last, kids.count >= 2 { flatten(sub) }
            case .defaultStmt:
                items.append((.some(nil), nil))
                if let sub = c.children.last { flatten(sub) }
            default:
                items.append((nil, c))
            }
        }
        for c in (parts[1].kind == .compoundStmt ? parts[1].children : [parts[1]]) { flatten(c) }
        let selector = eval(parts[0], &f).bits?.constant
        func runFrom(_ start: Int, _ g: inout Frame) {
            for item in items[start...] { if let st = item.stmt { exec(st, &g) }; if g.terminated || g.broke { break } }
            g.broke = false
        }
        let labels = items.indices.filter { items[$0].label != nil }
        if let selector {
            let hit = labels.first { items[$0].label! == selector } ?? labels.first { items[$0].label! == nil }
            if let hit {
                if selector == UInt64(context.register), trace.branch == nil,
                   let first = items[hit...].lazy.compactMap(\.stmt).first {
                    trace.branch = ref(first)
                }
                runFrom(hit, &f)
            }
            return
        }
        // A switch on something other than the register: each case is a predicate on the selector.
        let text = parts[0].text
        var fallback = f
        if let d = labels.first(where: { items[$0].label! == nil }) { runFrom(d, &fallback) }
        for i in labels.reversed() {
            guard let v = items[i].label! else { continue }
            let atom = trace.atom("\(text) == \(v)", at: ref(s))
            var g = f
            g.path.append((atom, true))
            runFrom(i, &g)
            g.path = f.path
            fallback = merge(atom, g, fallback)
        }
        f = fallback
    }

    /// A statement the interpreter does not model: every value it assigns becomes unknown.
    private func spoil(_ s: Cursor, _ f: inout Frame) {
        let n = trace.note("unmodelled statement: \(s.text.prefix(120))", at: ref(s))
        s.descendants { c in
            guard c.kind == .binaryOperator || c.kind == .compoundAssignOperator || c.kind == .unaryOperator,
                  let op = c.operatorSpelling, op.hasSuffix("=") || op == "++" || op == "--",
                  let target = c.children.first, let decl = self.local(target), f.env[decl] != nil else { return }
            f.env[decl] = .bits(Bits(repeating: .unknown(n)))
        }
        if f.regval != nil, s.text.contains("regval") { f.regval = .bits(Bits(repeating: .unknown(n))) }
    }

    // MARK: - expressions

    func eval(_ e: Cursor, _ f: inout Frame) -> Value {
        trace.budget -= 1
        guard trace.budget > 0 else { return unknown("analysis budget exhausted", e) }
        switch e.kind {
        case .integerLiteral:
            return constant(e) ?? unknown("non-constant \(e.text)", e)
        case .unaryExpr:
            // A sizeof that does not fold is a compile-time assertion (BUILD_BUG_ON_ZERO): zero once it compiles.
            return constant(e) ?? .bits(Bits(constant: 0))
        case .parenExpr, .unexposedExpr:
            if let c = constantIfPure(e) { return c }
            guard let child = e.children.last else { return constant(e) ?? .opaque }
            return eval(child, &f)
        case .cStyleCastExpr:
            guard let child = e.children.last(where: { $0.kind.isExpression }) else { return .opaque }
            return truncate(eval(child, &f), toType: e.canonicalTypeSpelling, at: e)
        case .declRefExpr:
            if let decl = e.referenced {
                if decl.kind == .functionDecl { return .function(decl.spelling) }
                if let v = f.env[decl] { return v }
                if decl.kind == .enumConstantDecl, let c = constant(e) { return c }
                if decl.kind == .varDecl, let reg = context.hostGlobals[decl.spelling] { return .bits(.host(reg)) }
            }
            return computed(e.text, e)
        case .memberRefExpr:
            return member(e, &f)
        case .callExpr:
            return call(e, &f)
        case .stmtExpr:
            // ({ ...; last; }) — FIELD_PREP, FIELD_GET, min: run the statements, the value is the last one's.
            guard let body = e.children.first(where: { $0.kind == .compoundStmt }) else { return .opaque }
            let stmts = body.children
            for s in stmts.dropLast() { exec(s, &f) }
            guard let last = stmts.last else { return .opaque }
            return last.kind.isExpression ? eval(last, &f) : { exec(last, &f); return .opaque }()
        case .conditionalOperator:
            let parts = e.children
            guard parts.count == 3 else { return unknown("conditional \(e.text)", e) }
            let cond = condition(parts[0], &f)
            return select(cond, { self.eval(parts[1], &f) }, { self.eval(parts[2], &f) })
        case .unaryOperator:
            return unary(e, &f)
        case .binaryOperator, .compoundAssignOperator:
            return binary(e, &f)
        default:
            return constant(e) ?? computed(e.text, e)
        }
    }

    private func member(_ e: Cursor, _ f: inout Frame) -> Value {
        let base = e.children.first.map { eval($0, &f) } ?? .opaque
        if case .descriptor = base {
            guard let m = context.descriptor[e.spelling] else { return .bits(Bits(constant: 0)) }
            if let c = m.evaluate()?.bits { return .bits(Bits(constant: c)) }
            var fn: String?
            m.descendants { c in if fn == nil, c.kind == .declRefExpr, c.referenced?.kind == .functionDecl { fn = c.spelling } }
            return fn.map { .function($0) } ?? .opaque
        }
        if case .params = base, e.spelling == "regval" { return f.regval ?? .opaque }
        return computed(e.text, e)
    }

    private func call(_ e: Cursor, _ f: inout Frame) -> Value {
        let kids = e.children
        guard let calleeExpr = kids.first else { return computed(e.text, e) }
        let callee = eval(calleeExpr, &f)
        guard case .function(let name) = callee else { return computed(e.text, e) }
        let args = e.arguments.map { eval($0, &f) }
        // A view's predicate, called directly or through a macro of that name (vcpu_has_nv(vcpu)).
        let written = e.expansionTokens.first.map(\.spelling) ?? name
        if let key = [name, written].first(where: { context.assumptions[$0] != nil }), let assumed = context.assumptions[key] {
            trace.assumed.insert(key)
            return .bits(Bits(constant: assumed ? 1 : 0))
        }
        switch name {
        case "read_sanitised_ftr_reg":
            guard let id = args.first?.bits?.constant else { return unknown("register of \(e.text)", e) }
            return .bits(.host(UInt32(truncatingIfNeeded: id)))
        case "__builtin_expect":
            return args.first ?? .opaque
        case "__builtin_constant_p":
            return .bits(Bits(constant: 0))
        case "get_restricted_features_unsigned":
            // pKVM's loop over 4-bit fields: each field is min(host field, restriction field).
            guard args.count == 2, let host = args[0].bits, let limit = args[1].bits?.constant else { break }
            return .bits(fieldwiseMin(host, limit, e))
        case "__builtin_ffsll", "__builtin_ffsl", "__builtin_ffs", "__builtin_ctzll", "__builtin_ctzl", "__builtin_ctz":
            // __bf_shf() in FIELD_PREP/FIELD_GET: the lowest set bit of a constant mask.
            guard let v = args.first?.bits?.constant, v != 0 else { return computed(e.text, e) }
            let tz = UInt64(v.trailingZeroBitCount)
            return .bits(Bits(constant: name.hasPrefix("__builtin_ffs") ? tz + 1 : tz))
        default:
            break
        }
        // Follow KVM's own functions, and any function the register's value or descriptor flows into;
        // a header helper that only takes vcpu or VM pointers is a run-time predicate, kept as written.
        let carries = args.contains { a in
            switch a {
            case .descriptor, .params: return true
            case .bits(let b): return b.bits.contains { if case .host = $0 { return true }; if case .choice = $0 { return true }; return false }
            default: return false
            }
        }
        let own = context.functions.definition(of: name)
        let definition = own ?? (carries ? e.referenced?.definitionWithBody : nil)
        guard let definition, depth < Self.maxDepth else {
            // The register's value or descriptor flows into code the analysis cannot see (a function of a file
            // it does not parse, a renamed helper): what comes back, and what it writes to p->regval, is unknown.
            if carries {
                let why = definition == nil ? "is not defined in the KVM files ftrlint reads" : "is nested too deeply to follow"
                let value = unknown("\(name)() \(why): the ID value flows into code the analysis cannot see", e)
                if args.contains(where: { if case .params = $0 { return true }; return false }) { f.regval = value }
                return value
            }
            // A function defined in no file the unit holds may return anything, the host's raw register included:
            // not KVM's own state. Header inlines (vcpu_has_sve()) and compiler builtins stay KVM's own values.
            if definition == nil, !name.hasPrefix("__builtin_"), e.referenced?.definition == nil {
                return unknown("\(name)() is defined in no file ftrlint reads: its value may be the host's own, not KVM's state", e)
            }
            return computed(e.text, e)
        }
        let saved = f.regval
        let result = run(definition, arguments: args)
        if let rv = result.regval { f.regval = rv } else { f.regval = saved }
        return result.value ?? .opaque
    }

    /// min(field, limit) for every 4-bit field: a cap where the field is the register's host value.
    private func fieldwiseMin(_ host: Bits, _ limit: UInt64, _ e: Cursor) -> Bits {
        var out = Bits(constant: 0)
        for lsb in stride(from: 0, to: 64, by: 4) {
            let cap = (limit >> UInt64(lsb)) & 0xf
            guard cap != 0 else { continue }
            guard case .host(let reg, lsb)? = host.bits[lsb] as Bit?,
                  (1..<4).allSatisfy({ host.bits[lsb + $0] == .host(register: reg, bit: lsb + $0) }) else {
                let n = trace.note(e.text, at: ref(e))
                for i in lsb..<(lsb + 4) { out.bits[i] = .computed(n) }
                continue
            }
            let atom = trace.atom("field > \(cap) in \(e.text)", at: ref(e), spelled: "\(lsb)",
                                  hostField: HostField(register: reg, lsb: lsb, width: 4))
            for i in 0..<4 {
                out.bits[lsb + i] = .pick(atom, (cap >> UInt64(i)) & 1 == 1 ? .one : .zero, host.bits[lsb + i])
            }
        }
        return out
    }

    private func unary(_ e: Cursor, _ f: inout Frame) -> Value {
        if let c = constantIfPure(e) { return c }
        guard let operand = e.children.first else { return .opaque }
        switch e.operatorSpelling {
        case "~":
            guard let b = eval(operand, &f).bits else { return computed(e.text, e) }
            return .bits(Bits(b.bits.map { invert($0, e) }))
        case "!":
            return .bits(boolBits(condition(operand, &f).negated))
        case "&", "*":
            return .opaque
        case "++", "--":
            if let decl = local(operand) { f.env[decl] = computed(e.text, e) }
            return computed(e.text, e)
        default:
            return computed(e.text, e)
        }
    }

    private func binary(_ e: Cursor, _ f: inout Frame) -> Value {
        let parts = e.children
        if let encoding = descriptorEncoding(e, &f) { return encoding }
        guard parts.count == 2 else { return unknown("operator in \(e.text)", e) }
        if let c = constantIfPure(e) { return c }
        guard let op = e.operatorSpelling else {
            // Inside a macro body libclang 14 cannot show the operator: the result is still KVM's own
            // value when no operand carries the register's host bits.
            let operands = parts.map { eval($0, &f) }
            // The kernel adds compile-time checks that are zero once they compile (GENMASK's
            // BUILD_BUG_ON_ZERO(...) + mask): with a zero operand the value is the other one.
            if operands[0].bits?.constant == 0, let other = operands[1].bits { return .bits(other) }
            if operands[1].bits?.constant == 0, let other = operands[0].bits { return .bits(other) }
            // Masks built from FIELD_PREP(...) | FIELD_PREP(...): constants with disjoint bits combine the
            // same under |, + and ^, the operators that build masks.
            if let a = operands[0].bits?.constant, let b = operands[1].bits?.constant, a & b == 0 {
                return .bits(Bits(constant: a | b))
            }
            let r = context.register
            let carriesHost = operands.contains { v in
                v.bits?.bits.contains { if case .host(r, _) = $0 { return true }; return false } ?? false
            }
            // An unknown operand (inline asm, a function ftrlint cannot see) keeps the result unknown, with its reason.
            for v in operands {
                if let u = v.bits?.bits.first(where: { if case .unknown = $0 { return true }; return false }) {
                    return .bits(Bits(repeating: u))
                }
            }
            return carriesHost ? unknown("operator inside a macro in \(e.text)", e) : computed(e.text, e)
        }
        if op == "=" || (op.count >= 2 && op.hasSuffix("=") && !["==", "!=", "<=", ">="].contains(op)) {
            let rhs = eval(parts[1], &f)
            let value: Value = op == "=" ? rhs : arithmetic(String(op.dropLast()), eval(parts[0], &f), rhs, e)
            assign(parts[0], value, e, &f)
            return value
        }
        if let c = constantIfPure(e) { return c }
        switch op {
        case "&&":
            let a = condition(parts[0], &f), b = condition(parts[1], &f)
            return .bits(boolBits(a.and(b)))
        case "||": return .bits(boolBits(condition(parts[0], &f).or(condition(parts[1], &f))))
        case "==", "!=", "<", ">", "<=", ">=":
            return .bits(boolBits(compare(op, parts[0], parts[1], e, &f)))
        case ",":
            _ = eval(parts[0], &f); return eval(parts[1], &f)
        default:
            return arithmetic(op, eval(parts[0], &f), eval(parts[1], &f), e)
        }
    }

    /// sys_reg(r->Op0, r->Op1, r->CRn, r->CRm, r->Op2) — however a kernel spells it — is the encoding
    /// of the register under analysis: an expression whose only variable parts are those members.
    private func descriptorEncoding(_ e: Cursor, _ f: inout Frame) -> Value? {
        // Most expressions fail on what does not depend on the frame: decide those from the memoised shape.
        let shape = shape(e)
        guard !shape.call, shape.onlyEncodingMembers else { return nil }
        var members = Set<String>()
        var other = false
        e.descendants { c in
            if c.kind == .callExpr { other = true }
            if c.kind == .memberRefExpr { members.insert(c.spelling) }
            if c.kind == .declRefExpr, let d = c.referenced, d.kind == .varDecl || d.kind == .parmDecl,
               case .descriptor? = f.env[d] {} else if c.kind == .declRefExpr, let d = c.referenced,
               d.kind == .varDecl || d.kind == .parmDecl { other = true }
        }
        guard !other, members == ["Op0", "Op1", "CRn", "CRm", "Op2"] else { return nil }
        return .bits(Bits(constant: UInt64(context.register)))
    }

    private func assign(_ target: Cursor, _ value: Value, _ e: Cursor, _ f: inout Frame) {
        if let decl = local(target) {
            let new = truncate(value, to: decl)
            if case .bits(let old)? = f.env[decl], case .bits(let nb) = new { record(old, nb, at: e) }
            f.env[decl] = new
        } else if target.kind == .memberRefExpr, target.spelling == "regval",
                  case .params? = target.children.first.map({ eval($0, &f) }) {
            f.regval = value
        }
    }

    /// Notes which bits a statement changed, for values that hold the analysed register in place. A local
    /// holding one field shifted down (cpuid_feature_cap_perfmon_field's `val`) is not the register: what
    /// a statement does to it is recorded where the result goes back into the register's bits.
    private func record(_ old: Bits, _ new: Bits, at e: Cursor) {
        let r = context.register
        let holds = { (b: Bits) in b.bits.indices.contains { i in if case .host(r, i) = b.bits[i] { return true }; return false } }
        guard holds(old) || holds(new) else { return }
        let where_ = ref(e)
        for i in 0..<64 where old.bits[i] != new.bits[i] { trace.touched[i, default: []].insert(where_) }
    }

    private func arithmetic(_ op: String, _ a: Value, _ b: Value, _ e: Cursor) -> Value {
        guard let x = a.bits, let y = b.bits else { return computed(e.text, e) }
        switch op {
        case "&": return .bits(Bits(zip(x.bits, y.bits).map { and($0, $1, e) }))
        case "|": return .bits(Bits(zip(x.bits, y.bits).map { or($0, $1, e) }))
        case "<<", ">>":
            guard let n = y.constant else { return computed(e.text, e) }
            return .bits(op == "<<" ? x.shiftedLeft(Int(min(n, 64))) : x.shiftedRight(Int(min(n, 64))))
        default:
            if let p = x.constant, let q = y.constant, let v = fold(op, p, q) { return .bits(Bits(constant: v)) }
            return computed(e.text, e)
        }
    }

    private func fold(_ op: String, _ p: UInt64, _ q: UInt64) -> UInt64? {
        switch op {
        case "+": return p &+ q
        case "-": return p &- q
        case "*": return p &* q
        case "^": return p ^ q
        case "/": return q == 0 ? nil : p / q
        case "%": return q == 0 ? nil : p % q
        default: return nil
        }
    }

    // MARK: - bits

    private func and(_ a: Bit, _ b: Bit, _ e: Cursor) -> Bit {
        switch (a, b) {
        case (.zero, _), (_, .zero): return .zero
        case (.one, let x), (let x, .one): return x
        case let (.choice(c, p, q), y): return .pick(c, and(p, y, e), and(q, y, e))
        case let (x, .choice(c, p, q)): return .pick(c, and(x, p, e), and(x, q, e))
        case let (x, y) where x == y: return x
        case (.unknown, _): return a
        case (_, .unknown): return b
        default: return .computed(trace.note(e.text, at: ref(e)))
        }
    }

    private func or(_ a: Bit, _ b: Bit, _ e: Cursor) -> Bit {
        switch (a, b) {
        case (.one, _), (_, .one): return .one
        case (.zero, let x), (let x, .zero): return x
        case let (.choice(c, p, q), y): return .pick(c, or(p, y, e), or(q, y, e))
        case let (x, .choice(c, p, q)): return .pick(c, or(x, p, e), or(x, q, e))
        case let (x, y) where x == y: return x
        case (.unknown, _): return a
        case (_, .unknown): return b
        default: return .computed(trace.note(e.text, at: ref(e)))
        }
    }

    private func invert(_ a: Bit, _ e: Cursor) -> Bit {
        switch a {
        case .zero: return .one
        case .one: return .zero
        case let .choice(c, p, q): return .pick(c, invert(p, e), invert(q, e))
        case .unknown: return a
        default: return .computed(trace.note(e.text, at: ref(e)))
        }
    }

    // MARK: - conditions

    func condition(_ e: Cursor, _ f: inout Frame) -> Cond {
        let v = eval(e, &f)
        if case .function = v { return .known(true) }
        guard let b = v.bits else { return .node(trace.atom(e.text, at: ref(e), spelled: e.spellingKey), .known(true), .known(false)) }
        return asWritten(nonZero(b, text: e.text, at: e), e, b)
    }

    /// A predicate written as one macro (`vcpu_has_sve(vcpu)`, `kvm_supports_32bit_el0()`) whose parts are
    /// all KVM's own state: one condition named as written. Its parts would each print as the macro's text,
    /// and a path such as "vcpu_has_sve(vcpu) && !(vcpu_has_sve(vcpu))" reads as a contradiction. Parts that
    /// test the host's value (caps inside min()) stay apart.
    private func asWritten(_ c: Cond, _ e: Cursor, _ b: Bits) -> Cond {
        var parts = Set<Int>()
        func collect(_ c: Cond) { if case .node(let a, let t, let f) = c { parts.insert(a); collect(t); collect(f) } }
        collect(c)
        guard parts.count > 1, parts.allSatisfy({ trace.atoms[$0].text == e.text && trace.atoms[$0].hostField == nil }),
              !b.bits.contains(where: { if case .host = $0 { return true }; return $0.isUnknown }) else { return c }
        return .node(trace.atom(e.text, at: ref(e), spelled: "as written " + e.spellingKey), .known(true), .known(false))
    }

    /// Whether bits are non-zero: decided when constant, split on choices, else a predicate as written.
    private func nonZero(_ b: Bits, text: String, at e: Cursor) -> Cond {
        if let c = b.constant { return .known(c != 0) }
        if let atom = firstChoice(b) {
            return .node(atom, nonZero(restrict(b, atom, true), text: text, at: e),
                         nonZero(restrict(b, atom, false), text: text, at: e))
        }
        if b.bits.contains(where: { if case .one = $0 { return true }; return false }) { return .known(true) }
        return .node(trace.atom(text, at: ref(e), spelled: e.spellingKey), .known(true), .known(false))
    }

    private func compare(_ op: String, _ l: Cursor, _ r: Cursor, _ e: Cursor, _ f: inout Frame) -> Cond {
        let lv = eval(l, &f).bits, rv = eval(r, &f).bits
        guard let lv, let rv else { return .node(trace.atom(e.text, at: ref(e), spelled: e.spellingKey), .known(true), .known(false)) }
        return compareBits(op, lv, rv, e)
    }

    private func compareBits(_ op: String, _ lv: Bits, _ rv: Bits, _ e: Cursor) -> Cond {
        if let p = lv.constant, let q = rv.constant {
            // `if (id == SYS_ID_AA64PFR1_EL1)`: the register's own branch of a handler shared by many.
            if op == "==", p == q, p == UInt64(context.register), trace.branch == nil { trace.branch = ref(e) }
            let result: Bool
            switch op {
            case "==": result = p == q
            case "!=": result = p != q
            case "<": result = p < q
            case ">": result = p > q
            case "<=": result = p <= q
            default: result = p >= q
            }
            return .known(result)
        }
        if let atom = firstChoice(lv) ?? firstChoice(rv) {
            return .node(atom, compareBits(op, restrict(lv, atom, true), restrict(rv, atom, true), e),
                         compareBits(op, restrict(lv, atom, false), restrict(rv, atom, false), e))
        }
        let field = hostField(lv) ?? hostField(rv)
        return .node(trace.atom(e.text, at: ref(e), spelled: e.spellingKey, hostField: field), .known(true), .known(false))
    }

    /// A field of the analysed register's host value moved down to bit 0, zero above.
    private func hostField(_ b: Bits) -> HostField? {
        guard case .host(let reg, let lsb)? = b.bits.first, reg == context.register else { return nil }
        var width = 0
        while width < 64, case .host(reg, lsb + width) = b.bits[width] { width += 1 }
        guard b.bits[width...].allSatisfy({ $0 == .zero }) else { return nil }
        return HostField(register: reg, lsb: lsb, width: width)
    }

    private func firstChoice(_ b: Bits) -> Int? {
        for bit in b.bits { if case .choice(let c, _, _) = bit { return c } }
        return nil
    }

    func restrict(_ b: Bits, _ atom: Int, _ value: Bool) -> Bits { Bits(b.bits.map { $0.restricted(atom, value) }) }

    private func select(_ cond: Cond, _ a: () -> Value, _ b: () -> Value) -> Value {
        switch cond {
        case .known(let v): return v ? a() : b()
        case .node(let atom, let t, let e): return choose(atom, select(t, a, b), select(e, a, b))
        }
    }

    private func boolBits(_ c: Cond) -> Bits {
        switch c {
        case .known(let v): return Bits(constant: v ? 1 : 0)
        case .node(let atom, let t, let e):
            let x = boolBits(t), y = boolBits(e)
            return Bits(zip(x.bits, y.bits).map { Bit.pick(atom, $0, $1) })
        }
    }

    func choose(_ atom: Int, _ a: Value, _ b: Value) -> Value {
        switch (a, b) {
        case let (.bits(x), .bits(y)): return .bits(Bits(zip(x.bits, y.bits).map { Bit.pick(atom, $0, $1) }))
        case (.descriptor, .descriptor): return .descriptor
        case (.params, .params): return .params
        case let (.function(x), .function(y)) where x == y: return a
        default: return .opaque
        }
    }

    private func guarded(_ path: [(atom: Int, value: Bool)], _ v: Value, _ rest: Value) -> Value {
        guard let (atom, value) = path.first else { return v }
        let inner = guarded(Array(path.dropFirst()), v, rest)
        return value ? choose(atom, inner, rest) : choose(atom, rest, inner)
    }

    // MARK: - helpers

    private func local(_ e: Cursor) -> Cursor? {
        var c = e
        while c.kind == .parenExpr || c.kind == .unexposedExpr, let inner = c.children.first { c = inner }
        guard c.kind == .declRefExpr, let d = c.referenced, d.kind == .varDecl || d.kind == .parmDecl else { return nil }
        return d
    }

    private func constant(_ e: Cursor) -> Value? { e.evaluate()?.bits.map { .bits(Bits(constant: $0)) } }

    /// Evaluates an expression that references no variable of the frame (masks, enum values, encodings).
    private func constantIfPure(_ e: Cursor) -> Value? {
        shape(e).impure ? nil : constant(e)
    }

    /// What an expression's descendants contain, independent of the frame: the same for every register
    /// and view, so computed once per expression (from its children's) rather than by a walk per question.
    private struct Shape {
        /// A variable or parameter reference, a call or a member access below: not a constant expression.
        var impure = false
        var call = false
        /// Which of Op0, Op1, CRn, CRm, Op2 are accessed below (bit i: encodingMembers[i]).
        var encodingMembers: UInt8 = 0
        /// Whether another member is accessed below.
        var otherMembers = false

        static let encodingMembers = ["Op0", "Op1", "CRn", "CRm", "Op2"]

        /// The members accessed below are exactly Op0, Op1, CRn, CRm and Op2.
        var onlyEncodingMembers: Bool { encodingMembers == 0b11111 && !otherMembers }
    }

    private static let shapes = CursorMemoSlot<Shape>("ReadPathInterpreter.Shape")

    private func shape(_ e: Cursor) -> Shape {
        e.memoized(Self.shapes) {
            var s = Shape()
            for c in e.children {
                let below = shape(c)
                s.impure = s.impure || below.impure
                s.call = s.call || below.call
                s.encodingMembers |= below.encodingMembers
                s.otherMembers = s.otherMembers || below.otherMembers
                let kind = c.kind
                if kind == .declRefExpr, let d = c.referenced, d.kind == .varDecl || d.kind == .parmDecl { s.impure = true }
                if kind == .callExpr { s.call = true; s.impure = true }
                if kind == .memberRefExpr {
                    s.impure = true
                    if let i = Shape.encodingMembers.firstIndex(of: c.spelling) { s.encodingMembers |= 1 << i } else { s.otherMembers = true }
                }
            }
            return s
        }
    }

    private func truncate(_ v: Value, to decl: Cursor) -> Value { truncate(v, toType: decl.canonicalTypeSpelling, at: decl) }

    private func truncate(_ v: Value, toType type: String, at e: Cursor) -> Value {
        guard case .bits(let b) = v else { return v }
        if type == "_Bool" { return .bits(Bits([truth(b, e)] + Array(repeating: .zero, count: 63))) }
        let widths = ["unsigned char": 8, "char": 8, "signed char": 8, "unsigned short": 16, "short": 16,
                      "unsigned int": 32, "int": 32]
        return .bits(widths[type].map { b.truncated(to: $0) } ?? b)
    }

    /// A value converted to bool: decided when constant, split on choices, otherwise KVM's own bit.
    private func truth(_ b: Bits, _ e: Cursor) -> Bit {
        if let c = b.constant { return c != 0 ? .one : .zero }
        if let atom = firstChoice(b) { return .pick(atom, truth(restrict(b, atom, true), e), truth(restrict(b, atom, false), e)) }
        if b.bits.contains(where: { $0 == .one }) { return .one }
        // An unknown stays unknown; otherwise the bool is a value of KVM's own, noted where it is made.
        return b.bits.first { if case .unknown = $0 { return true }; return false }
            ?? .computed(trace.note(e.text, at: ref(e)))
    }

    /// A value KVM takes from its own state, as wide as the expression's type (a u8 field stays 8 bits).
    private func computed(_ text: @escaping @autoclosure () -> String, _ e: Cursor) -> Value {
        truncate(.bits(Bits(repeating: .computed(trace.note(text(), at: ref(e))))), toType: e.canonicalTypeSpelling, at: e)
    }

    private func unknown(_ text: @escaping @autoclosure () -> String, _ e: Cursor) -> Value {
        .bits(Bits(repeating: .unknown(trace.note(text(), at: ref(e)))))
    }

    func ref(_ c: Cursor) -> SourceRef { SourceRef(c.location, relativize: context.relativize) }
}

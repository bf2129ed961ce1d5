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
///
/// The interpreter is split by job: statements (+Statements), expressions (+Expressions), the functions
/// it knows rather than follows (KnownFunctions), conditions (+Conditions), what an expression's
/// subtree holds (ExpressionShape), and bit operations (Bit).
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

    /// The conditions a path took, each with the value it had there.
    typealias Path = [(atom: Int, value: Bool)]

    struct Frame {
        var env: [Cursor: Value] = [:]
        var path: Path = []
        var returns: [(path: Path, value: Value, regval: Value?)] = []
        var terminated = false
        var broke = false
        /// What the handler stored in `p->regval`: the value the guest reads.
        var regval: Value?
    }

    let context: Context
    let trace: Trace
    /// How many calls deep the function being run is.
    private(set) var depth = 0
    static let maxDepth = 12

    init(context: Context, trace: Trace) {
        self.context = context
        self.trace = trace
    }

    /// Runs `function` with its parameters bound by type (descriptor, params) or to `arguments`.
    func run(_ function: Cursor, arguments: [Value]? = nil) -> (value: Value?, regval: Value?) {
        let params = function.children.filter { $0.kind == .parmDecl }
        var frame = Frame()
        for (index, param) in params.enumerated() {
            if let arguments, index < arguments.count {
                frame.env[param] = arguments[index]
                continue
            }
            let type = param.typeSpelling
            frame.env[param] = type.contains("sys_reg_desc") ? .descriptor : type.contains("sys_reg_params") ? .params : .opaque
        }
        guard let body = function.children.last(where: { $0.kind == .compoundStmt }) else { return (nil, nil) }
        depth += 1
        defer { depth -= 1 }
        exec(body, &frame)
        // Fall-through is a return without value; fold every return into one guarded value. A return whose
        // path extends another's is the more specific one and takes precedence (a switch's default is
        // recorded with the path at the switch, its cases with their labels' conditions added).
        var value: Value? = nil
        var regval: Value? = frame.terminated ? nil : frame.regval
        let ordered = frame.returns.enumerated().sorted { a, b in
            a.element.path.count != b.element.path.count ? a.element.path.count > b.element.path.count : a.offset < b.offset
        }
        for (_, returned) in ordered.reversed() {
            value = value.map { guarded(returned.path, returned.value, $0) } ?? returned.value
            if let stored = returned.regval { regval = regval.map { guarded(returned.path, stored, $0) } ?? stored }
        }
        return (value, regval)
    }

    // MARK: - values

    /// The variable or parameter an lvalue names, through parentheses and implicit conversions.
    func local(_ expr: Cursor) -> Cursor? {
        var inner = expr
        while inner.kind == .parenExpr || inner.kind == .unexposedExpr, let child = inner.children.first { inner = child }
        guard inner.kind == .declRefExpr, let decl = inner.referenced, decl.kind == .varDecl || decl.kind == .parmDecl else {
            return nil
        }
        return decl
    }

    func constant(_ expr: Cursor) -> Value? { expr.evaluate()?.bits.map { .bits(Bits(constant: $0)) } }

    /// Evaluates an expression that references no variable of the frame (masks, enum values, encodings).
    func constantIfPure(_ expr: Cursor) -> Value? {
        ExpressionShape.of(expr).impure ? nil : constant(expr)
    }

    /// `value` converted to the type of `cursor` (an expression or a declaration), by the type's size as
    /// libclang gives it: an integer type narrower than 64 bits keeps its low bits, `_Bool` is a truth value,
    /// and any other type (64-bit integers, enums, pointers, structs) leaves the value as it is.
    func truncate(_ value: Value, toTypeOf cursor: Cursor) -> Value {
        guard case .bits(let bits) = value, let integer = cursor.integerType else { return value }
        if integer.isBool { return .bits(Bits([truth(bits, cursor)] + Array(repeating: .zero, count: 63))) }
        return .bits(bits.truncated(to: integer.bits))
    }

    /// A value KVM takes from its own state, as wide as the expression's type (a u8 field stays 8 bits).
    func computed(_ text: @escaping @autoclosure () -> String, _ expr: Cursor) -> Value {
        truncate(.bits(Bits(repeating: .computed(trace.note(text(), at: ref(expr))))), toTypeOf: expr)
    }

    func unknown(_ text: @escaping @autoclosure () -> String, _ expr: Cursor) -> Value {
        .bits(Bits(repeating: .unknown(trace.note(text(), at: ref(expr)))))
    }

    /// A bit KVM computes from its own state in `expr`, noted where it is made.
    func computedBit(_ expr: Cursor) -> Bit { .computed(trace.note(expr.text, at: ref(expr))) }

    func ref(_ cursor: Cursor) -> SourceRef { SourceRef(cursor.location, relativize: context.relativize) }
}

import LibClang

/// Statements: each runs on a frame, which a condition splits into one per path and merges again.
extension ReadPathInterpreter {
    func exec(_ stmt: Cursor, _ frame: inout Frame) {
        guard !frame.terminated, !frame.broke else { return }
        trace.budget -= 1
        guard trace.budget > 0 else { return }
        switch stmt.kind {
        case .compoundStmt:
            for child in stmt.children {
                exec(child, &frame)
                if frame.terminated || frame.broke { break }
            }
        case .declStmt:
            for variable in stmt.children where variable.kind == .varDecl {
                let initializer = variable.children.last { $0.kind.isExpression }
                frame.env[variable] =
                    initializer.map { truncate(eval($0, &frame), toTypeOf: variable) }
                    ?? computed("uninitialised \(variable.spelling)", variable)
            }
        case .ifStmt:
            let parts = stmt.children
            guard parts.count >= 2 else { return }
            let cond = condition(parts[0], &frame)
            branch(cond, &frame, then: { self.exec(parts[1], &$0) }, else: { if parts.count > 2 { self.exec(parts[2], &$0) } })
        case .switchStmt:
            execSwitch(stmt, &frame)
        case .returnStmt:
            let value = stmt.children.first.map { eval($0, &frame) } ?? .opaque
            frame.returns.append((frame.path, value, frame.regval))
            frame.terminated = true
        case .breakStmt:
            frame.broke = true
        case .doStmt:
            // do { } while (0): the kernel's macro-statement idiom runs once.
            let parts = stmt.children
            if parts.count == 2, case .bits(let bits)? = Optional(eval(parts[1], &frame)), bits.constant == 0 {
                exec(parts[0], &frame)
                frame.broke = false
            } else {
                spoil(stmt, &frame)
            }
        case .forStmt, .whileStmt, .gotoStmt, .labelStmt:
            spoil(stmt, &frame)
        case .nullStmt, .caseStmt, .defaultStmt:
            return
        default:
            if stmt.kind == .asmStmt {
                execAsm(stmt, &frame)
            } else if stmt.kind.isExpression {
                _ = eval(stmt, &frame)
            }
        }
    }

    /// Inline asm: what it writes comes from outside KVM's C code — an `mrs` of an ID register is the host's
    /// raw, unsanitised value — so every operand it may write becomes unknown, never KVM's own state.
    /// libclang lists the operands (outputs, then inputs) but not the asm string: an operand that is a bare
    /// lvalue (no conversion to a value around it) is taken as written, which also covers "+r" and "m".
    private func execAsm(_ stmt: Cursor, _ frame: inout Frame) {
        let note = trace.note(
            "inline asm \(stmt.text.prefix(120)): a value from outside KVM's C code "
                + "(an mrs of an ID register reads the host's raw value)", at: ref(stmt))
        for operand in stmt.children where operand.kind == .declRefExpr || operand.kind == .memberRefExpr {
            assign(operand, .bits(Bits(repeating: .unknown(note))), stmt, &frame)
        }
    }

    /// Executes `then`/`else` on copies of the frame and merges them under the condition.
    func branch(_ cond: Cond, _ frame: inout Frame, then: (inout Frame) -> Void, else otherwise: (inout Frame) -> Void) {
        switch cond {
        case .known(true): then(&frame)
        case .known(false): otherwise(&frame)
        case .node(let atom, let whenTrue, let whenFalse):
            var taken = frame, notTaken = frame
            taken.path.append((atom, true))
            notTaken.path.append((atom, false))
            branch(whenTrue, &taken, then: then, else: otherwise)
            branch(whenFalse, &notTaken, then: then, else: otherwise)
            taken.path = frame.path
            notTaken.path = frame.path
            frame = merge(atom, taken, notTaken)
        }
    }

    /// The frame after a split on `atom`: `taken` where it holds, `notTaken` where not.
    func merge(_ atom: Int, _ taken: Frame, _ notTaken: Frame) -> Frame {
        var merged = taken
        merged.returns =
            taken.returns
            + notTaken.returns.filter { returned in
                !taken.returns.contains { $0.path.elementsEqual(returned.path, by: ==) }
            }
        merged.terminated = taken.terminated && notTaken.terminated
        merged.broke = taken.broke && notTaken.broke
        if taken.terminated && !notTaken.terminated {
            merged.env = notTaken.env
            merged.regval = notTaken.regval
            merged.broke = notTaken.broke
            return merged
        }
        if notTaken.terminated && !taken.terminated {
            merged.env = taken.env
            merged.regval = taken.regval
            merged.broke = taken.broke
            return merged
        }
        for (decl, value) in taken.env {
            if let other = notTaken.env[decl] { merged.env[decl] = choose(atom, value, other) }
        }
        merged.regval =
            switch (taken.regval, notTaken.regval) {
            case let (stored?, other?): choose(atom, stored, other)
            case let (stored, other): stored ?? other
            }
        return merged
    }

    /// One entry of a switch body flattened: a case label (`label`: nil for no label, `.some(nil)` for
    /// `default:` or a value that does not evaluate) or a statement.
    private typealias SwitchItem = (label: UInt64??, stmt: Cursor?)

    private func execSwitch(_ stmt: Cursor, _ frame: inout Frame) {
        let parts = stmt.children
        guard parts.count == 2 else { return spoil(stmt, &frame) }
        var items: [SwitchItem] = []
        func flatten(_ cursor: Cursor) {
            switch cursor.kind {
            case .caseStmt:
                let children = cursor.children
                items.append((.some(children.first?.evaluate()?.bits), nil))
                if let sub = children.last, children.count >= 2 { flatten(sub) }
            case .defaultStmt:
                items.append((.some(nil), nil))
                if let sub = cursor.children.last { flatten(sub) }
            default:
                items.append((nil, cursor))
            }
        }
        for child in (parts[1].kind == .compoundStmt ? parts[1].children : [parts[1]]) { flatten(child) }
        let selectorBits = eval(parts[0], &frame).bits
        let selector = selectorBits?.constant
        func runFrom(_ start: Int, _ path: inout Frame) {
            for item in items[start...] {
                if let stmt = item.stmt { exec(stmt, &path) }
                if path.terminated || path.broke { break }
            }
            path.broke = false
        }
        let labels = items.indices.filter { items[$0].label != nil }
        if let selector {
            let hit = labels.first { items[$0].label! == selector } ?? labels.first { items[$0].label! == nil }
            if let hit {
                if selector == UInt64(context.register), trace.branch == nil,
                    let first = items[hit...].lazy.compactMap(\.stmt).first
                {
                    trace.branch = ref(first)
                }
                runFrom(hit, &frame)
            }
            return
        }
        // A switch on something other than the register: each case is the selector compared with its
        // label, decided on the paths where the selector is known (a helper's constant return).
        let text = parts[0].text
        var fallback = frame
        if let defaultLabel = labels.first(where: { items[$0].label! == nil }) { runFrom(defaultLabel, &fallback) }
        for index in labels.reversed() {
            guard let value = items[index].label! else { continue }
            let written = "\(text) == \(value)"
            let cond =
                selectorBits.map { compareBits("==", $0, Bits(constant: value), stmt, text: written) }
                ?? .node(trace.atom(written, at: ref(stmt)), .known(true), .known(false))
            let otherwise = fallback
            var next = frame
            branch(cond, &next, then: { runFrom(index, &$0) }, else: { $0 = otherwise })
            fallback = next
        }
        frame = fallback
    }

    /// A statement the interpreter does not model: every value it assigns becomes unknown.
    private func spoil(_ stmt: Cursor, _ frame: inout Frame) {
        let note = trace.note("unmodelled statement: \(stmt.text.prefix(120))", at: ref(stmt))
        stmt.descendants { child in
            guard child.kind == .binaryOperator || child.kind == .compoundAssignOperator || child.kind == .unaryOperator,
                let op = child.operatorSpelling, op.hasSuffix("=") || op == "++" || op == "--",
                let target = child.children.first, let decl = self.local(target), frame.env[decl] != nil
            else { return }
            frame.env[decl] = .bits(Bits(repeating: .unknown(note)))
        }
        if frame.regval != nil, stmt.text.contains("regval") { frame.regval = .bits(Bits(repeating: .unknown(note))) }
    }
}

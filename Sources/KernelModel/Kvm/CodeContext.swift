/// What a name in C code is doing where it stands, followed token by token through a file's text: whether
/// the code programs it (`hcr |= HCR_TID5`), tests it (inside an `if (...)`), clears it (`&= ~HCR_TID5`) or
/// lists it in a table (`.value = HCR_TID5`), and which feature tests must fail for the code to run at all:
/// the `else` of `if (kvm_has_mte(kvm))`, the body of `if (!kvm_has_feat(kvm, ID_AA64PFR1_EL1, MTE, MTE2))`.
///
/// It follows `if`/`else` with and without braces, `else if` chains and nested `if`s. What it does not follow
/// it leaves ungated, so that a trap is never taken as set only for guests without a feature when the code
/// does not show it: an early `return` under a feature test, a `switch`, a ternary, braces that preprocessor
/// conditionals leave unbalanced.
struct CodeContext {
    enum Role: Equatable {
        /// The value is put into a register or a variable: KVM programs it.
        case program
        /// Inside the condition of an `if`, `while`, `for` or `switch`.
        case test
        /// Under a `~`: the bits are cleared.
        case clear
        /// The value of a designated initializer (`.value = X`): data whose use is not followed.
        case table
    }

    /// A branch the code below runs in.
    private struct Frame {
        enum Kind {
            /// `{ ... }`, ended by the `}` that closes it.
            case block
            /// One statement, ended by its `;` (or by the `}` of a block statement such as a loop).
            case statement
            /// An `if` statement that is itself a branch (`else if`, `if (a) if (b)`), ended when that `if` is.
            case chain
        }
        let kind: Kind
        /// The brace depth the branch's code stands at.
        let depth: Int
        /// The text of the `if`'s condition, when the branch is one.
        let condition: [UInt8]?
        /// Whether the branch is the `if`'s then-branch (which waits for an `else` when it ends).
        let isThen: Bool
    }

    private var braceDepth = 0
    private var parenDepth = 0
    private var frames: [Frame] = []
    /// After `if`, `while`, `for` or `switch`: whether its condition's `(` is next, and whether it is an `if`'s.
    private var conditionNext: Bool?
    /// The condition being read: the paren depth it opened at, its text, and whether it is an `if`'s.
    private var condition: (depth: Int, text: [UInt8], isIf: Bool)?
    /// An `if`'s condition just closed: its then-branch starts at the next token.
    private var body: [UInt8]?
    /// An `if`'s then-branch just ended: the next token is its `else`, or the `if` is complete.
    private var afterThen: [UInt8]?
    /// `else` was read: its branch starts at the next token.
    private var elseNext: [UInt8]?
    /// `~` was read (`complementNext`), or the paren depth of the group it complements.
    private var complementNext = false
    private var complementDepth: Int?
    /// The brace and paren depth of the designated initializer value being read.
    private var tableDepth: (brace: Int, paren: Int)?
    /// The three tokens before this one, as far as designated initializers need them: a punctuation byte,
    /// or `a` for an identifier and `0` for a number.
    private var previous: (UInt8, UInt8, UInt8) = (0, 0, 0)

    /// The gates of the branches the current token stands in: any one of them failing keeps the code from
    /// running. Worked out only when asked: most conditions guard no name anyone looks for.
    var gates: Set<KvmEvidence.Gate> {
        frames.reduce(into: []) { gates, frame in
            guard let condition = frame.condition else { return }
            let both = Self.gates(of: condition)
            gates.formUnion(frame.isThen ? both.then : both.else)
        }
    }

    /// Reads one token (an identifier, a number, or one punctuation byte) and says what an identifier there does.
    mutating func step(_ token: UnsafeBufferPointer<UInt8>) -> Role {
        let first = token[0]
        let isWord = first == 95 || (first | 0x20) >= 97 && (first | 0x20) <= 122
        while let condition = afterThen {
            afterThen = nil
            if isWord, Self.equals(token, "else") {
                elseNext = condition
                return .program
            }
            complete()
        }
        if let condition = elseNext {
            elseNext = nil
            open(condition, isThen: false, startingWith: token)
        } else if let condition = body {
            body = nil
            open(condition, isThen: true, startingWith: token)
        }
        let role = currentRole
        advance(token, isWord: isWord)
        return role
    }

    /// What a name at the current token does, from where the token stands.
    private var currentRole: Role {
        if condition != nil { return .test }
        if complementNext || complementDepth != nil { return .clear }
        if tableDepth != nil { return .table }
        return .program
    }

    private mutating func advance(_ token: UnsafeBufferPointer<UInt8>, isWord: Bool) {
        defer { previous = (previous.1, previous.2, isWord ? 97 : token.count == 1 ? token[0] : 48) }
        if isWord {
            complementNext = false
            if condition != nil {
                condition!.text.append(contentsOf: token)
            } else if Self.equals(token, "if") {
                conditionNext = true
            } else if Self.equals(token, "while") || Self.equals(token, "for") || Self.equals(token, "switch") {
                conditionNext = false
            }
            return
        }
        let byte = token[0]
        if let isIf = conditionNext {
            conditionNext = nil
            if byte == 40 {
                condition = (parenDepth, [], isIf)
                parenDepth += 1
                return
            }
        }
        if condition != nil, !(byte == 41 && parenDepth - 1 == condition!.depth) {
            condition!.text.append(contentsOf: token)
        }
        switch byte {
        case 40:  // (
            if complementNext {
                complementNext = false
                complementDepth = parenDepth
            }
            parenDepth += 1
        case 41:  // )
            parenDepth = max(0, parenDepth - 1)
            if complementDepth == parenDepth { complementDepth = nil }
            if let c = condition, c.depth == parenDepth {
                condition = nil
                if c.isIf { body = c.text }
            }
        case 126:  // ~
            complementNext = true
        case 61 where previous.2 == 97 && previous.1 == 46 && (previous.0 == 123 || previous.0 == 44) && tableDepth == nil:
            // `{ .name =` or `, .name =`: a designated initializer, not a member's assignment
            tableDepth = (braceDepth, parenDepth)
        case 44:  // ,
            if let t = tableDepth, t == (braceDepth, parenDepth) { tableDepth = nil }
        case 123:  // {
            braceDepth += 1
        case 125:  // }
            braceDepth -= 1
            if let t = tableDepth, t.brace > braceDepth { tableDepth = nil }
            if braceDepth < 0 { self = CodeContext() }
            while let top = frames.last, top.depth > braceDepth || (top.kind == .statement && top.depth == braceDepth) {
                end()
            }
        case 59 where parenDepth == 0:  // ;
            complementNext = false
            complementDepth = nil
            tableDepth = nil
            if let top = frames.last, top.kind == .statement, top.depth == braceDepth { end() }
        default:
            complementNext = false
        }
    }

    /// A branch of the `if` with `condition` starts at `token`: a block, an `if` that is the whole branch,
    /// or one statement.
    private mutating func open(_ condition: [UInt8], isThen: Bool, startingWith token: UnsafeBufferPointer<UInt8>) {
        let kind: Frame.Kind = token.count == 1 && token[0] == 123 ? .block : Self.equals(token, "if") ? .chain : .statement
        frames.append(
            Frame(kind: kind, depth: kind == .block ? braceDepth + 1 : braceDepth, condition: condition, isThen: isThen))
    }

    /// The innermost branch ends: a then-branch waits for its `else`; any other ends its `if` statement.
    private mutating func end() {
        let frame = frames.removeLast()
        if frame.isThen, let condition = frame.condition { afterThen = condition } else { complete() }
    }

    /// An `if` statement is complete: so is the branch it was the whole of.
    private mutating func complete() {
        if let top = frames.last, top.kind == .chain { end() }
    }

    /// The gates of an `if`'s branches from its condition's text (no spaces): the then-branch runs only where
    /// each negated conjunct's test fails (`!a && b`), the else-branch only where each plain disjunct's does
    /// (`a || b`).
    static func gates(of condition: [UInt8]) -> (then: Set<KvmEvidence.Gate>, else: Set<KvmEvidence.Gate>) {
        let text = String(decoding: condition, as: UTF8.self)
        var then: Set<KvmEvidence.Gate> = []
        for conjunct in KvmEvidence.Gate.split(text, on: "&&") where conjunct.hasPrefix("!") && !conjunct.hasPrefix("!=") {
            then.formUnion(KvmEvidence.Gate.failing(String(conjunct.dropFirst())))
        }
        var otherwise: Set<KvmEvidence.Gate> = []
        for disjunct in KvmEvidence.Gate.split(text, on: "||") where !disjunct.hasPrefix("!") {
            otherwise.formUnion(KvmEvidence.Gate.failing(disjunct))
        }
        return (then, otherwise)
    }

    private static func equals(_ token: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        token.count == word.utf8CodeUnitCount
            && token.elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }
}

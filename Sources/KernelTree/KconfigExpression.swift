/// Kconfig expressions ("A && !B", "PGTABLE_LEVELS > 2", "$(cc-option,...)"), tokenized and evaluated.
enum KconfigExpression {
    /// Splits expression text into tokens: symbols, literals, quoted strings, operators, whole `$(...)` macros.
    static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" {
                i += 1
                continue
            }
            if c == "\"" || c == "'" {
                var j = i + 1
                while j < chars.count, chars[j] != c { j += chars[j] == "\\" ? 2 : 1 }
                tokens.append(String(chars[i..<min(j + 1, chars.count)]))
                i = j + 1
            } else if c == "$", i + 1 < chars.count, chars[i + 1] == "(" {
                var depth = 0, j = i + 1
                repeat {
                    if chars[j] == "(" { depth += 1 } else if chars[j] == ")" { depth -= 1 }
                    j += 1
                } while j < chars.count && depth > 0
                tokens.append(String(chars[i..<j]))
                i = j
            } else if let op = ["&&", "||", "!=", "<=", ">="].first(where: { matches($0, chars, i) }) {
                tokens.append(op)
                i += 2
            } else if "!()=<>".contains(c) {
                tokens.append(String(c))
                i += 1
            } else {
                var j = i
                while j < chars.count, !" \t\"'!()=<>&|".contains(chars[j]) { j += 1 }
                if j == i { j += 1 }
                tokens.append(String(chars[i..<j]))
                i = j
            }
        }
        return tokens
    }

    private static func matches(_ op: String, _ chars: [Character], _ i: Int) -> Bool {
        let o = Array(op)
        return i + o.count <= chars.count && Array(chars[i..<i + o.count]) == o
    }

    /// Evaluates tokens to a tristate (0 = n, 1 = m, 2 = y) under `values` (symbol → value; unset symbols are n).
    static func evaluate(_ tokens: [String], values: [String: String]) -> Int {
        var parser = Parser(tokens: tokens, values: values)
        return parser.or()
    }

    /// The value a single operand stands for: a literal's text, a macro's assumed "y", a symbol's value or "n".
    static func operand(_ token: String, values: [String: String]) -> String {
        if token.hasPrefix("\"") || token.hasPrefix("'") { return unquote(token) }
        // Macros ask the toolchain ($(cc-option,...), $(success,...)): assume the toolchain can.
        if token.hasPrefix("$(") { return "y" }
        if ["y", "m", "n"].contains(token) || Int(token) != nil || token.hasPrefix("0x") { return token }
        return values[token] ?? "n"
    }

    /// The text of a quoted Kconfig string: quotes dropped, backslash escapes undone.
    private static func unquote(_ token: String) -> String {
        var text = ""
        var escaped = false
        for c in token.dropFirst().dropLast() {
            if escaped || c != "\\" {
                text.append(c)
                escaped = false
            } else {
                escaped = true
            }
        }
        return text
    }

    private struct Parser {
        let tokens: [String]
        let values: [String: String]
        var index = 0

        mutating func or() -> Int {
            var result = and()
            while accept("||") { result = max(result, and()) }
            return result
        }

        mutating func and() -> Int {
            var result = unary()
            while accept("&&") { result = min(result, unary()) }
            return result
        }

        mutating func unary() -> Int {
            if accept("!") { return 2 - unary() }
            if accept("(") {
                let inner = or()
                _ = accept(")")
                return inner
            }
            guard let left = next() else { return 0 }
            if let op = peek, ["=", "!=", "<", ">", "<=", ">="].contains(op) {
                index += 1
                let right = next() ?? ""
                return compare(operand(left, values: values), op, operand(right, values: values)) ? 2 : 0
            }
            switch operand(left, values: values) {
            case "y": return 2
            case "m": return 1
            default: return 0
            }
        }

        private var peek: String? { index < tokens.count ? tokens[index] : nil }

        /// Steps over the next token when it is `token`.
        private mutating func accept(_ token: String) -> Bool {
            guard peek == token else { return false }
            index += 1
            return true
        }

        private mutating func next() -> String? {
            defer { index += 1 }
            return peek
        }

        /// Numbers compare as numbers, anything else as strings.
        private func compare(_ a: String, _ op: String, _ b: String) -> Bool {
            if let x = number(a), let y = number(b) { return Relation.holds(x, op, y) }
            return Relation.holds(a, op, b)
        }

        private func number(_ s: String) -> Int? {
            s.hasPrefix("0x") ? Int(s.dropFirst(2), radix: 16) : Int(s)
        }
    }
}

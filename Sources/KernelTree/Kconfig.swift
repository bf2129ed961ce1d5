import Foundation

/// What the configuration resolver needs from Kconfig files: each symbol's type, defaults and selects, and the choices.
struct Kconfig {
    enum Kind { case bool, tristate, int, hex, string }

    /// A `default`/`select` value with its optional `if` condition, both as expression tokens.
    struct Conditional {
        let value: [String]
        let condition: [String]
    }

    struct Symbol {
        let name: String
        var kind: Kind?
        var defaults: [Conditional] = []
        var selects: [Conditional] = []
        /// Index into `choices` when the symbol is a member of a choice.
        var choice: Int?
    }

    struct Choice {
        var defaults: [Conditional] = []
        var members: [String] = []
    }

    /// Symbols in the order they were first defined.
    private(set) var order: [String] = []
    private(set) var symbols: [String: Symbol] = [:]
    private(set) var choices: [Choice] = []

    /// The files `source` statements name, reachable from `path`, that `text` can supply, `path` first.
    static func files(from path: String, text: (String) -> String?) -> [String] {
        var seen: [String] = []
        var queue = [path]
        while let file = queue.first {
            queue.removeFirst()
            guard !seen.contains(file), let body = text(file) else { continue }
            seen.append(file)
            queue += body.split(separator: "\n").compactMap { sourcedFile($0) }
        }
        return seen
    }

    /// Parses `files` (as `files(from:text:)` lists them) in order.
    init(files: [String], text: (String) -> String?) {
        for file in files { if let body = text(file) { parse(body) } }
    }

    private static func sourcedFile(_ line: Substring) -> String? {
        let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
        guard words.count == 2, ["source", "rsource", "osource"].contains(words[0]) else { return nil }
        let name = words[1].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        return name.replacingOccurrences(of: "$(SRCARCH)", with: "arm64").replacingOccurrences(of: "$SRCARCH", with: "arm64")
    }

    private enum Owner { case none, symbol(String), choice(Int) }

    private mutating func parse(_ text: String) {
        var owner = Owner.none
        var openChoices: [Int] = []
        var helpIndent: Int?  // inside a help text: the indentation that ends it (nil before its first line)
        var inHelp = false
        for line in Self.logicalLines(text) {
            let indent = line.prefix { $0 == " " || $0 == "\t" }.reduce(0) { $0 + ($1 == "\t" ? 8 : 1) }
            let body = line.trimmingCharacters(in: .whitespaces)
            if inHelp {
                if body.isEmpty { continue }
                if let level = helpIndent, indent >= level { continue }
                if helpIndent == nil, indent > 0 {
                    helpIndent = indent
                    continue
                }
                inHelp = false
            }
            guard !body.isEmpty, !body.hasPrefix("#") else { continue }
            let tokens = KconfigExpression.tokenize(Self.stripComment(body))
            guard let keyword = tokens.first else { continue }
            let rest = Array(tokens.dropFirst())
            switch keyword {
            case "config", "menuconfig":
                guard let name = rest.first else { continue }
                if symbols[name] == nil {
                    symbols[name] = Symbol(name: name)
                    order.append(name)
                }
                if let c = openChoices.last, symbols[name]?.choice == nil {
                    symbols[name]?.choice = c
                    choices[c].members.append(name)
                }
                owner = .symbol(name)
            case "choice":
                choices.append(Choice())
                openChoices.append(choices.count - 1)
                owner = .choice(choices.count - 1)
            case "endchoice":
                _ = openChoices.popLast()
                owner = .none
            case "bool", "tristate", "int", "hex", "string":
                setKind(keyword, owner)
            case "def_bool", "def_tristate", "def_int", "def_hex", "def_string":
                setKind(String(keyword.dropFirst(4)), owner)
                addDefault(Self.conditional(rest), owner)
            case "default":
                addDefault(Self.conditional(rest), owner)
            case "select":
                if case .symbol(let name) = owner { symbols[name]?.selects.append(Self.conditional(rest)) }
            case "help", "---help---":
                inHelp = true
                helpIndent = nil
            case "menu", "endmenu", "if", "endif", "comment", "source", "rsource", "osource", "mainmenu":
                owner = .none
            default:
                break  // depends on, prompt, range, imply, visible, option, modules: not needed for a worst case
            }
        }
    }

    private mutating func setKind(_ word: String, _ owner: Owner) {
        let kind: Kind =
            switch word {
            case "tristate": .tristate
            case "int": .int
            case "hex": .hex
            case "string": .string
            default: .bool
            }
        if case .symbol(let name) = owner { symbols[name]?.kind = kind }
    }

    private mutating func addDefault(_ value: Conditional, _ owner: Owner) {
        switch owner {
        case .symbol(let name): symbols[name]?.defaults.append(value)
        case .choice(let c): choices[c].defaults.append(value)
        case .none: break
        }
    }

    /// "VALUE if COND" → value tokens and condition tokens (empty when unconditional).
    private static func conditional(_ tokens: [String]) -> Conditional {
        guard let i = tokens.firstIndex(of: "if") else { return Conditional(value: tokens, condition: []) }
        return Conditional(value: Array(tokens[..<i]), condition: Array(tokens[(i + 1)...]))
    }

    /// Lines with backslash continuations joined.
    private static func logicalLines(_ text: String) -> [String] {
        var lines: [String] = []
        var pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if raw.hasSuffix("\\") {
                pending += raw.dropLast() + " "
            } else {
                lines.append(pending + raw)
                pending = ""
            }
        }
        if !pending.isEmpty { lines.append(pending) }
        return lines
    }

    /// Drops a trailing `# comment` that is not inside quotes.
    private static func stripComment(_ line: String) -> String {
        var quote: Character?
        for (i, c) in zip(line.indices, line) {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                return String(line[..<i])
            }
        }
        return line
    }
}

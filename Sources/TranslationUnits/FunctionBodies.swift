/// The function bodies of a C file, found in its text before any parse: each `{ ... }` at file scope
/// that follows a declarator's `)` outside an initialiser, with the identifiers it spells.
///
/// Most of what a KVM unit costs to parse is its function bodies (their macro expansions), and the
/// analysis reads few of them. A body can be blanked — its `{` becomes `;`, the rest spaces, newlines
/// kept — so that libclang sees a prototype at the same offsets, lines and columns.
///
/// Read from the raw text: comments, string and character literals and directives are skipped, #if is
/// not evaluated (a body in an inactive branch is found too; blanking it changes nothing). The scan
/// gives up (nil) where braces or parentheses do not balance, and a body that a conditional group
/// straddles (`#else` inside it for an `#if` outside) or that defines a macro is marked as not blankable.
public struct FunctionBodies {
    public struct Body {
        /// Offsets of the body's `{` and `}`.
        public let open: Int
        public let close: Int
        /// Identifiers spelled in the body (callees, macros).
        let identifiers: Set<String>
        /// Whether a branch or loop is a statement of the body itself (an `if` at its top level): such a
        /// body is not a lone call and return, the shapes SysRegDescsExtractor classifies.
        let branches: Bool
        /// False where a conditional group opens outside the body and continues inside it, or the body holds
        /// a directive other than a conditional (a macro it defines may be used after it).
        public let blankable: Bool
    }

    public let bodies: [Body]
    /// Macros the file defines (#define), with the identifiers of their replacement lists.
    let macros: [String: Set<String>]
    /// Names the file #undefines.
    let undefined: Set<String>
    /// Every identifier the file spells, directives included.
    let identifiers: Set<String>

    private static let branchKeywords: Set<String> = ["if", "switch", "for", "while", "do", "goto"]

    public init?(source: [UInt8]) {
        var lexer = Lexer(source)
        var bodies: [Body] = []
        var macros: [String: Set<String>] = [:]
        var undefined = Set<String>()
        var identifiers = Set<String>()
        // File scope: nesting, whether an `=` made this declaration an initialiser, the last token.
        var braces = 0, parens = 0, initialiser = false, afterParen = false
        // The body being read, if any: where it opened, its depth of conditional groups then.
        var body: (open: Int, groups: Int, identifiers: Set<String>, branches: Bool, blankable: Bool)?
        var groups = 0

        while let token = lexer.next() {
            switch token {
            case .directive(let name, let defined, let replacement, let words):
                switch name {
                case "if", "ifdef", "ifndef": groups += 1
                case "endif":
                    groups -= 1
                    if let b = body, groups < b.groups { body!.blankable = false }
                case "else", "elif", "elifdef", "elifndef":
                    if let b = body, groups <= b.groups { body!.blankable = false }
                case "define": if let defined { macros[defined] = replacement }
                case "undef": if let defined { undefined.insert(defined) }
                default: break
                }
                // A macro defined or undone inside a body may be used after it: such a body stays.
                if ["define", "undef", "include", "line", "pragma"].contains(name) { body?.blankable = false }
                identifiers.formUnion(words)
                if groups < 0 { return nil }
            case .identifier(let word):
                identifiers.insert(word)
                if body != nil {
                    body!.identifiers.insert(word)
                    if braces == 1, parens == 0, Self.branchKeywords.contains(word) { body!.branches = true }
                }
                afterParen = false
            case .punctuation(let c, let offset):
                switch c {
                case UInt8(ascii: "("), UInt8(ascii: "["): parens += 1
                case UInt8(ascii: ")"), UInt8(ascii: "]"):
                    parens -= 1
                    if parens < 0 { return nil }
                case UInt8(ascii: "{"):
                    if braces == 0, parens == 0, afterParen, !initialiser {
                        body = (offset, groups, [], false, true)
                    }
                    braces += 1
                case UInt8(ascii: "}"):
                    braces -= 1
                    if braces < 0 { return nil }
                    if braces == 0, let b = body {
                        guard parens == 0 else { return nil }
                        bodies.append(
                            Body(
                                open: b.open, close: offset, identifiers: b.identifiers, branches: b.branches,
                                blankable: b.blankable && groups == b.groups))
                        body = nil
                        initialiser = false
                    }
                case UInt8(ascii: ";"):
                    if braces == 0, parens == 0 { initialiser = false }
                case UInt8(ascii: "="):
                    if braces == 0, parens == 0 { initialiser = true }
                default: break
                }
                afterParen = c == UInt8(ascii: ")")
            case .other:
                afterParen = false
            }
        }
        guard !lexer.failed, braces == 0, parens == 0, groups == 0, body == nil else { return nil }
        self.bodies = bodies
        self.macros = macros
        self.undefined = undefined
        self.identifiers = identifiers
    }

    /// `source` with the bodies `blank` selects blanked: `{` → `;`, everything else up to and including
    /// the `}` → spaces, newlines kept.
    public static func blanking(_ source: [UInt8], _ bodies: [Body], where blank: (Int) -> Bool) -> [UInt8] {
        var out = source
        for (i, b) in bodies.enumerated() where b.blankable && blank(i) {
            out[b.open] = UInt8(ascii: ";")
            for j in (b.open + 1)...b.close where out[j] != UInt8(ascii: "\n") { out[j] = UInt8(ascii: " ") }
        }
        return out
    }
}

/// The tokens FunctionBodies needs from C text: identifiers, the punctuation that nests or ends
/// declarations, directives (with what #define and #undef name), everything else as `other`.
private struct Lexer {
    enum Token {
        case identifier(String)
        case punctuation(UInt8, offset: Int)
        /// A directive's name; for #define and #undef, the macro, and for #define its replacement's identifiers;
        /// every identifier after the name.
        case directive(String, macro: String?, replacement: Set<String>, words: [String])
        case other
    }

    private let bytes: [UInt8]
    private var i = 0
    /// Only blanks since the start of the line: a `#` here starts a directive.
    private var lineStart = true
    /// Set when the text ends inside a comment or literal.
    private(set) var failed = false

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private func at(_ k: Int) -> UInt8 { k < bytes.count ? bytes[k] : 0 }

    private static func isIdentifierStart(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "_") || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "z"))
    }

    private static func isIdentifierPart(_ b: UInt8) -> Bool {
        isIdentifierStart(b) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }

    mutating func next() -> Token? {
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\n") {
                lineStart = true
                i += 1
                continue
            }
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") || b == 0x0c || b == 0x0b {
                i += 1
                continue
            }
            if skipSpliceOrComment() { continue }
            if b == UInt8(ascii: "#"), lineStart { return directive() }
            lineStart = false
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                skipLiteral(b)
                return .other
            }
            if Self.isIdentifierStart(b) {
                let start = i
                while i < bytes.count, Self.isIdentifierPart(bytes[i]) { i += 1 }
                return .identifier(String(decoding: bytes[start..<i], as: UTF8.self))
            }
            if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                // A preprocessing number: digits, letters, dots, and a sign after an exponent.
                i += 1
                while i < bytes.count {
                    let c = bytes[i]
                    if Self.isIdentifierPart(c) || c == UInt8(ascii: ".") {
                        i += 1
                        continue
                    }
                    if c == UInt8(ascii: "+") || c == UInt8(ascii: "-"), "eEpP".utf8.contains(bytes[i - 1]) {
                        i += 1
                        continue
                    }
                    break
                }
                return .other
            }
            i += 1
            switch b {
            case UInt8(ascii: "="):
                // `==`, and `<=`, `+=` ...: only a lone `=` makes an initialiser.
                if at(i) == UInt8(ascii: "=") {
                    i += 1
                    return .other
                }
                if i >= 2, "=!<>+-*/%&|^".utf8.contains(bytes[i - 2]) { return .other }
                return .punctuation(b, offset: i - 1)
            case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "("), UInt8(ascii: ")"),
                UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ";"):
                return .punctuation(b, offset: i - 1)
            default:
                return .other
            }
        }
        return nil
    }

    /// Skips a line splice or a comment at `i`, and says whether there was one. A line comment stops at
    /// its newline, which still ends the line (and so a directive).
    private mutating func skipSpliceOrComment() -> Bool {
        switch (bytes[i], at(i + 1)) {
        case (UInt8(ascii: "\\"), UInt8(ascii: "\n")): i += 2
        case (UInt8(ascii: "/"), UInt8(ascii: "/")): skipLineComment()
        case (UInt8(ascii: "/"), UInt8(ascii: "*")): skipBlockComment()
        default: return false
        }
        return true
    }

    private mutating func skipLineComment() {
        while i < bytes.count, bytes[i] != UInt8(ascii: "\n") {
            i += bytes[i] == UInt8(ascii: "\\") && at(i + 1) == UInt8(ascii: "\n") ? 2 : 1
        }
    }

    private mutating func skipBlockComment() {
        i += 2
        while i + 1 < bytes.count {
            if bytes[i] == UInt8(ascii: "*"), bytes[i + 1] == UInt8(ascii: "/") {
                i += 2
                return
            }
            i += 1
        }
        i = bytes.count
        failed = true
    }

    private mutating func skipLiteral(_ quote: UInt8) {
        i += 1
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\\") {
                i += 2
                continue
            }
            if c == quote {
                i += 1
                return
            }
            if c == UInt8(ascii: "\n") {
                failed = true
                return
            }
            i += 1
        }
        failed = true
    }

    /// A directive's logical line: its name, and for #define/#undef the macro and replacement identifiers.
    private mutating func directive() -> Token {
        i += 1
        var words: [String] = []
        var afterName = -1  // index in `words` after which the replacement starts (after a parameter list)
        var parens = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\n") { break }
            if skipSpliceOrComment() { continue }
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                // #include "x.h" and string macros; a stray quote in #error text is no literal.
                if words.first == "error" || words.first == "warning" {
                    i += 1
                    continue
                }
                let before = failed
                skipLiteral(b)
                failed = before
                continue
            }
            if Self.isIdentifierStart(b) {
                let start = i
                while i < bytes.count, Self.isIdentifierPart(bytes[i]) { i += 1 }
                words.append(String(decoding: bytes[start..<i], as: UTF8.self))
                // `#define NAME(` (no blank before the paren) takes parameters.
                if words.count == 2, words[0] == "define" {
                    afterName = 1
                    if at(i) == UInt8(ascii: "(") { parens = -1 }
                }
                continue
            }
            if parens < 0, b == UInt8(ascii: ")") {
                parens = 0
                afterName = words.count - 1
            }
            i += 1
        }
        lineStart = true
        let name = words.first ?? ""
        let rest = Array(words.dropFirst())
        guard name == "define" || name == "undef", words.count >= 2 else {
            return .directive(name, macro: nil, replacement: [], words: rest)
        }
        let replacement = name == "define" && afterName >= 1 ? Set(words[(afterName + 1)...]) : []
        return .directive(name, macro: words[1], replacement: replacement, words: rest)
    }
}

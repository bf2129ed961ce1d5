/// A kernel C file as lines, with the few questions about its layout the bound writer asks. Kernel style
/// makes them textual: a function's braces are in column 0, a `case` is at its `switch`'s indentation, a
/// block closes at the indentation of the line that opened it.
struct CSource {
    let path: String
    let lines: [String]

    init(path: String, text: String) {
        self.path = path
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The leading tabs of line `i`.
    func indent(_ i: Int) -> Int { lines[i].prefix { $0 == "\t" }.count }

    func trimmed(_ i: Int) -> String { lines[i].trimmingCharacters(in: .whitespaces) }

    /// The body of function `name`: the lines of its opening and closing braces (column 0).
    func function(_ name: String) -> (open: Int, close: Int)? {
        for i in lines.indices where !lines[i].hasPrefix("\t") && !lines[i].hasPrefix(" ") && !lines[i].hasPrefix("#") {
            guard let r = lines[i].range(of: name + "("),
                r.lowerBound == lines[i].startIndex
                    || !(lines[i][lines[i].index(before: r.lowerBound)].isLetter
                        || lines[i][lines[i].index(before: r.lowerBound)].isNumber
                        || lines[i][lines[i].index(before: r.lowerBound)] == "_")
            else { continue }
            // The declarator runs to a line ending in `)`; a `;` there makes it a prototype.
            var j = i
            while j < lines.count, !lines[j].hasSuffix(")"), !lines[j].hasSuffix(";"), !lines[j].hasSuffix("{") { j += 1 }
            guard j < lines.count, !lines[j].hasSuffix(";") else { continue }
            let open = lines[j].hasSuffix("{") ? j : j + 1
            guard open < lines.count, lines[open].hasPrefix("{") || lines[open].hasSuffix("{") else { continue }
            guard let close = (open + 1..<lines.count).first(where: { lines[$0].hasPrefix("}") }) else { return nil }
            return (open, close)
        }
        return nil
    }

    /// The function whose body holds line `i`.
    func enclosingFunction(_ i: Int) -> (name: String, open: Int, close: Int)? {
        guard let open = stride(from: i, through: 0, by: -1).first(where: { lines[$0].hasPrefix("{") }),
            let close = (i..<lines.count).first(where: { lines[$0].hasPrefix("}") })
        else { return nil }
        // The name is the last identifier before `(` on the declarator's first line.
        var k = open - 1
        while k > 0, lines[k].hasPrefix("\t") || lines[k].hasPrefix(" ") { k -= 1 }
        guard k >= 0, let paren = lines[k].firstIndex(of: "(") else { return nil }
        let head = lines[k][..<paren]
        let name = head.reversed().prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        return (String(name.reversed()), open, close)
    }

    /// Where to add statements at the end of a function that ends in `return val;`: after its last
    /// statement, before the blank line that sets off the return, if there is one.
    func endOfValueFunction(_ body: (open: Int, close: Int), value: String) -> Int? {
        var r = body.close - 1
        while r > body.open, trimmed(r).isEmpty { r -= 1 }
        guard trimmed(r) == "return \(value);" else { return nil }
        return r > body.open + 1 && trimmed(r - 1).isEmpty ? r - 1 : r
    }

    /// The `case` label or the `if` that opens the block holding line `i` (line `i` itself when it is one).
    func branchHead(_ i: Int) -> Int {
        let t = trimmed(i)
        if t.hasPrefix("case ") || t.contains("if (id == ") { return i }
        var j = i - 1
        while j >= 0, indent(j) >= indent(i) || trimmed(j).isEmpty { j -= 1 }
        guard j >= 0, indent(j) == indent(i) - 1 else { return i }
        let head = trimmed(j)
        if head.hasPrefix("case ") || head.contains("if (id == ") && head.hasSuffix("{") { return j }
        return i
    }

    /// The line of `break;` that ends the `case` at line `i` (nil when the case falls through or returns).
    func breakOfCase(_ i: Int) -> Int? {
        let level = indent(i)
        for j in (i + 1)..<lines.count {
            if indent(j) == level, !trimmed(j).isEmpty { return nil }  // the next case, or the switch's end
            if indent(j) == level + 1, trimmed(j) == "break;" { return j }
        }
        return nil
    }

    /// The line of the `}` that closes the block opened at the end of line `i` (the `if`'s own
    /// indentation: `}` or `} else …`).
    func closeOfBlock(_ i: Int) -> Int? {
        let level = indent(i)
        return ((i + 1)..<lines.count).first { indent($0) == level && trimmed($0).hasPrefix("}") }
    }

    /// The `}` ending the `switch` whose `case` is at line `i`.
    func endOfSwitch(_ i: Int) -> Int? {
        let level = indent(i)
        return ((i + 1)..<lines.count).first { indent($0) == level && trimmed($0) == "}" }
    }

    /// The `}` that ends the if / else-if chain the branch at line `i` belongs to.
    func endOfChain(_ i: Int) -> Int? {
        var j = i
        while let close = closeOfBlock(j) {
            if trimmed(close) == "}" { return close }
            guard trimmed(close).hasPrefix("} else") else { return nil }
            j = close
        }
        return nil
    }

    /// Every line of the function body `body`, as one text.
    func text(_ body: (open: Int, close: Int)) -> String { lines[body.open...body.close].joined(separator: "\n") }

    /// The C identifiers (and numbers) of `text`, in order.
    static func identifiers(_ text: String) -> [String] {
        text.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init)
    }

    /// Tabs, then spaces, that reach `column` from column 0 (kernel style: tabs of 8).
    static func padding(to column: Int) -> String {
        String(repeating: "\t", count: column / 8) + String(repeating: " ", count: column % 8)
    }

    /// The width of a line as an editor shows it, tabs to 8 columns.
    static func columns(_ line: String) -> Int {
        line.reduce(0) { n, c in c == "\t" ? (n / 8 + 1) * 8 : n + 1 }
    }
}

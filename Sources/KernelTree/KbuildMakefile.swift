import Foundation

/// The flags a folder's Kbuild Makefile adds to its C files (ccflags-y, subdir-ccflags-y, CFLAGS_<obj>.o) and
/// the module a file is linked into, read from the Makefile text without running make.
struct KbuildMakefile {
    private var variables: [String: String] = [:]
    private var order: [String] = []

    /// Reads the assignments of a Makefile; `builtins` are make's and Kbuild's own variables ($(srctree), $(src)...).
    init(_ text: String, builtins: [String: String]) {
        variables = builtins
        var inDefine = false
        for line in Self.logicalLines(text) {
            let body = line.trimmingCharacters(in: .whitespaces)
            if inDefine {
                inDefine = !body.hasPrefix("endef")
                continue
            }
            if body.hasPrefix("define ") {
                inDefine = true
                continue
            }
            // Recipes start with a tab; conditionals are ignored so that every branch counts (a worst case).
            guard !line.hasPrefix("\t"), !body.hasPrefix("#"), let (name, op, value) = Self.assignment(body) else { continue }
            switch op {
            case "+=": variables[name] = (variables[name].map { $0 + " " } ?? "") + value
            case "?=": if variables[name] == nil { variables[name] = value }
            case ":=", "::=": variables[name] = expand(value)
            default: variables[name] = value
            }
            if !order.contains(name) { order.append(name) }
        }
    }

    /// The expanded words of a variable, empty when unset.
    func words(_ name: String) -> [String] {
        expand(variables[name] ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    /// The variable names assigned in the Makefile, in order of first assignment.
    var assigned: [String] { order }

    /// Expands $(VAR), ${VAR} and the few make functions that matter for flags; the rest expands to nothing.
    func expand(_ text: String, depth: Int = 0) -> String {
        guard depth < 16, text.contains("$") else { return text }
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            guard c == "$", let open = text.index(i, offsetBy: 1, limitedBy: text.endIndex), open < text.endIndex else {
                out.append(c)
                i = text.index(after: i)
                continue
            }
            let opener = text[open]
            guard opener == "(" || opener == "{" else {
                if opener == "$" { out.append("$") }
                i = text.index(after: open)
                continue
            }
            let closer: Character = opener == "(" ? ")" : "}"
            var level = 0
            var j = open
            repeat {
                if text[j] == opener { level += 1 } else if text[j] == closer { level -= 1 }
                j = text.index(after: j)
            } while j < text.endIndex && level > 0
            let inner = String(text[text.index(after: open)..<text.index(before: j)])
            out += reference(inner, depth: depth)
            i = j
        }
        return out
    }

    private func reference(_ inner: String, depth: Int) -> String {
        let trimmed = inner.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("call ") {
            let args = trimmed.dropFirst(5).split(separator: ",", omittingEmptySubsequences: false)
                .map { expand(String($0), depth: depth + 1).trimmingCharacters(in: .whitespaces) }
            switch args.first {
            case "cc-disable-warning": return args.count > 1 ? "-Wno-" + args[1] : ""
            case "cc-option": return args.count > 1 ? args[1] : ""
            default: return ""
            }
        }
        // Other functions ($(addprefix ...), $(if ...), $(shell ...)) are never evaluated.
        if trimmed.contains(" ") || trimmed.contains(",") { return "" }
        return expand(variables[trimmed] ?? "", depth: depth + 1)
    }

    /// "name op value" for make assignments (=, :=, ::=, +=, ?=).
    private static func assignment(_ line: String) -> (String, String, String)? {
        guard let eq = line.firstIndex(of: "=") else { return nil }
        var nameEnd = eq
        var op = "="
        if eq > line.startIndex {
            let before = line[line.index(before: eq)]
            if "+?:".contains(before) {
                nameEnd = line.index(before: eq)
                op = String(before) + "="
                if before == ":", nameEnd > line.startIndex, line[line.index(before: nameEnd)] == ":" {
                    nameEnd = line.index(before: nameEnd)
                    op = "::="
                }
            }
        }
        let name = line[..<nameEnd].trimmingCharacters(in: .whitespaces)
        // A rule ("target: prereq") or an export line is not an assignment we need.
        guard !name.isEmpty, !name.contains(" "), !name.contains(":") else { return nil }
        let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        return (name, op, value)
    }

    private static func logicalLines(_ text: String) -> [String] {
        var lines: [String] = []
        var pending: String?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw)
            if let comment = line.firstIndex(of: "#"), !line.hasPrefix("\t") { line = String(line[..<comment]) }
            let continued = line.hasSuffix("\\")
            if continued { line.removeLast() }
            if let p = pending {
                pending = p + " " + line.trimmingCharacters(in: .whitespaces)
            } else {
                pending = line
            }
            if !continued, let p = pending {
                lines.append(p)
                pending = nil
            }
        }
        if let p = pending { lines.append(p) }
        return lines
    }
}

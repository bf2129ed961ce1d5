import Foundation

/// Reading a condition's text as feature tests: which tests must fail for a branch to run.
extension KvmEvidence.Gate {
    /// `text` split at the top-level (outside parentheses) occurrences of `op` (`&&` or `||`), outer
    /// parentheses removed first.
    static func split(_ text: String, on op: String) -> [String] {
        let text = Array(stripped(text).utf8)
        let sep = Array(op.utf8)
        var parts: [String] = []
        var depth = 0, start = 0, i = 0
        while i < text.count {
            switch text[i] {
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"): depth -= 1
            default:
                if depth == 0, i + sep.count <= text.count, text[i..<i + sep.count].elementsEqual(sep) {
                    parts.append(String(decoding: text[start..<i], as: UTF8.self))
                    i += sep.count
                    start = i
                    continue
                }
            }
            i += 1
        }
        parts.append(String(decoding: text[start...], as: UTF8.self))
        return parts.map(stripped)
    }

    /// The conjuncts of a condition's text (`a && (b)`: `a`, `b`).
    public static func conjuncts(_ text: String) -> [String] {
        split(text, on: "&&")
    }

    /// The gates for a test that fails: the test itself, and the field it names (a `kvm_has_feat*(kvm,
    /// REGISTER, Field, ...)` call, or the one field macro such as ID_AA64PFR1_EL1_MTE it reads). Empty when
    /// `test` is not a plain test (a name or a call, such as `kvm_has_mte(kvm)`): a comparison's failure
    /// says nothing that a field's absence would.
    static func failing(_ test: String) -> Set<Self> {
        let test = stripped(test)
        guard
            test.range(
                of: #"^[A-Za-z_][A-Za-z0-9_]*((->|\.)[A-Za-z_][A-Za-z0-9_]*)*(\(.*\))?$"#,
                options: .regularExpression) != nil,
            balanced(test)
        else { return [] }
        var gates: Set<Self> = [.condition(key(test))]
        if let field = field(test) { gates.insert(.field(field)) }
        return gates
    }

    /// The comparison key of a condition's text: no spaces, no outer parentheses, member chains folded to
    /// their last member (`&(vcpu->kvm)->arch.flags` is `&flags`).
    public static func key(_ text: String) -> String {
        let text = stripped(text)
        guard text.contains("->") || text.contains(".") else { return text }
        return text.replacingOccurrences(
            of: #"(?:(?:[A-Za-z_][A-Za-z0-9_]*|\([^()]*\))(?:->|\.))+([A-Za-z_][A-Za-z0-9_]*)"#,
            with: "$1", options: .regularExpression)
    }

    /// A call's name and arguments (`kvm_has_mte(vcpu->kvm)`: `kvm_has_mte`, [`vcpu->kvm`]); nil for
    /// anything else.
    public static func call(_ text: String) -> (name: String, arguments: [String])? {
        let text = stripped(text)
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")"),
            text[..<open].range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil,
            balanced(String(text[text.index(after: open)..<text.index(before: text.endIndex)]))
        else { return nil }
        let inside = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        return (String(text[..<open]), inside.isEmpty ? [] : split(inside, on: ","))
    }

    /// The field a test names, `REGISTER.Field`.
    private static func field(_ test: String) -> String? {
        if let call = call(test), call.name.hasPrefix("kvm_has_feat") {
            return call.arguments.count >= 3 ? "\(call.arguments[1]).\(call.arguments[2])" : nil
        }
        let names = test.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init)
        let fields = Set(names.compactMap(fieldOfMacro))
        return fields.count == 1 ? fields.first : nil
    }

    /// ID_AA64PFR1_EL1_MTE, ID_AA64PFR1_EL1_MTE_SHIFT and the older ID_AA64PFR1_MTE_SHIFT: ID_AA64PFR1_EL1.MTE.
    private static func fieldOfMacro(_ name: String) -> String? {
        let base = name.replacingOccurrences(of: #"_(SHIFT|MASK)$"#, with: "", options: .regularExpression)
        if let r = base.range(of: #"^ID_[A-Z0-9]+_EL1_"#, options: .regularExpression) {
            return base[..<base.index(before: r.upperBound)] + "." + base[r.upperBound...]
        }
        if base != name, let r = base.range(of: #"^ID_[A-Z0-9]+_"#, options: .regularExpression) {
            return base[..<base.index(before: r.upperBound)] + "_EL1." + base[r.upperBound...]
        }
        return nil
    }

    /// `text` without spaces and without parentheses that enclose all of it.
    private static func stripped(_ text: String) -> String {
        var t = text.filter { !$0.isWhitespace }
        while t.hasPrefix("("), t.hasSuffix(")"), balanced(String(t.dropFirst().dropLast())) {
            t = String(t.dropFirst().dropLast())
        }
        return t
    }

    /// Whether no prefix of `text` closes more parentheses than it opens, and it closes all it opens.
    private static func balanced(_ text: String) -> Bool {
        var depth = 0
        for c in text {
            if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
            if depth < 0 { return false }
        }
        return depth == 0
    }
}

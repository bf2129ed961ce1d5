import Foundation
import KernelModel

/// KVM's statements about one field as `explain` quotes them: only those that touch the field, in the
/// order they run.
///
/// The guest view records, per bit, every statement its value passed through, sorted by file and line,
/// so a register-wide helper that computes a neighbour (pmu-emul.c's PMUVer limit) is listed for every
/// field of the register. What a statement names tells them apart: one that names other fields of the
/// register but not this one is left out; one that names none (`val = read_sanitised_ftr_reg(id)`)
/// carries the whole register and stays. The order is rebuilt from the text the same way: the deciding
/// function's statements by line, each call followed by the statements of the function it calls.
struct FieldStatements {
    let source: SourceLines

    /// `refs` that touch `field`, in the order they run, starting in `function` (the deciding one).
    func story(_ refs: [SourceRef], field: FtrField, register: FtrRegister, function: String?) -> [SourceRef] {
        let prefix =
            source.line(field.location).flatMap { Self.macroPrefix(in: $0, field: field.name) }
            ?? register.name.uppercased() + "_"
        let names = register.fields.map { $0.name.uppercased() }
        let touching = refs.filter { ref in
            let named = Self.fieldsNamed(in: statement(ref), prefix: prefix, register: register.name, among: names)
            return named.isEmpty || named.contains(field.name.uppercased())
        }
        return ordered(touching, startingIn: function)
    }

    /// The statement starting at `ref`: its line and the lines that continue it (up to a `;` or `{`).
    func statement(_ ref: SourceRef) -> String {
        var text = ""
        for n in 0..<6 {
            guard let line = source.line(SourceRef(path: ref.path, line: ref.line + n, column: 1)) else { break }
            text += line + "\n"
            if line.contains(";") || line.contains("{") { break }
        }
        return text
    }

    /// `ID_AA64DFR0_EL1_` from `ID_AA64DFR0_EL1_PMSVer_SHIFT` (`ID_AA64DFR0_` in 5.10's spelling): how the
    /// tree's macros spell the register before a field name.
    static func macroPrefix(in text: String, field: String) -> String? {
        let suffix = "_" + field.uppercased() + "_SHIFT"
        return identifiers(text).map { $0.uppercased() }.first { $0.hasSuffix(suffix) }.map {
            String($0.dropLast(suffix.count - 1))
        }
    }

    /// Which of `names` (upper case) the text names: as a macro argument (`DebugVer`), or after the
    /// register's prefix in a macro (`ID_AA64DFR0_EL1_PMSVer_MASK`, `vcpu_has_sve`).
    static func fieldsNamed(in text: String, prefix: String, register: String, among names: [String]) -> Set<String> {
        var found = Set<String>()
        for id in identifiers(text) {
            var u = id.uppercased()
            if u.hasPrefix(prefix) {
                u = String(u.dropFirst(prefix.count))
            } else {
                u = u.replacingOccurrences(of: register.uppercased(), with: "")
            }
            let delimited = "_" + u + "_"
            for name in names where delimited.contains("_" + name + "_") { found.insert(name) }
        }
        return found
    }

    static func identifiers(_ text: String) -> [String] {
        var out: [String] = [], current = ""
        for c in text {
            if c == "_" || c.isLetter || (c.isNumber && !current.isEmpty) {
                current.append(c)
            } else {
                if !current.isEmpty {
                    out.append(current)
                    current = ""
                }
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// The function a statement is in: the nearest line above it that starts a definition at column 0
    /// (kernel style), named by the identifier before its first `(`.
    func function(of ref: SourceRef) -> String? {
        var n = ref.line - 1
        while n >= 1, ref.line - n < 1000 {
            defer { n -= 1 }
            guard let line = source.line(SourceRef(path: ref.path, line: n, column: 1)), let first = line.first,
                first.isLetter || first == "_", let paren = line.firstIndex(of: "(")
            else { continue }
            return Self.identifiers(String(line[..<paren])).last
        }
        return nil
    }

    /// The deciding function's statements first, by line, each followed by those of any function it
    /// calls; then the rest, those in KVM's sys_regs.c (where the read path starts) before the others
    /// (a function no listed statement calls, such as nested.c's limit applied on top of the normal
    /// value), by file and line. The deciding function may be a wrapper of the one holding the
    /// statements (`kvm_read_sanitised_id_reg` of `__kvm_read_sanitised_id_reg`).
    func ordered(_ refs: [SourceRef], startingIn root: String?) -> [SourceRef] {
        var groups: [String: [SourceRef]] = [:], order: [String] = []
        for ref in refs.sorted() {
            let name = function(of: ref) ?? ref.path
            if groups[name] == nil { order.append(name) }
            groups[name, default: []].append(ref)
        }
        var out: [SourceRef] = [], done = Set<String>()
        func emit(_ name: String) {
            guard done.insert(name).inserted else { return }
            for ref in groups[name] ?? [] {
                out.append(ref)
                let text = statement(ref)
                for callee in order where !done.contains(callee) && text.contains(callee + "(") { emit(callee) }
            }
        }
        if let root, let first = order.first(where: { $0 == root || $0.hasSuffix(root) || root.hasSuffix($0) }) { emit(first) }
        for name in order where groups[name]?.first?.path.hasSuffix("kvm/sys_regs.c") == true { emit(name) }
        for name in order { emit(name) }
        return out
    }
}

import Bound
import KernelModel

/// `ftrlint explain`: one field's story, verdict first: what ftrlint concludes, why, where to change it
/// and what to write, then the KVM statements and the cpufeature entry it rests on.
struct FieldStory {
    /// Why a REGISTER.Field given on the command line names no field.
    struct NotFound: Error, CustomStringConvertible {
        let description: String
    }

    /// The field `query` names: `REGISTER.Field` exactly, then ignoring case, then with `_EL1` added to
    /// the register (`ID_AA64PFR0.SVE`); a bare field name when exactly one register has it.
    static func resolve(_ query: String, in tables: CpufeatureTables) throws -> FtrField {
        let fields = tables.fields
        if let f = fields.first(where: { $0.key == query }) { return f }
        let upper = query.uppercased()
        guard let dot = upper.lastIndex(of: ".") else {
            let named = fields.filter { $0.name.uppercased() == upper }
            if named.count == 1 { return named[0] }
            if named.isEmpty {
                throw NotFound(description: "no field named \(query) in cpufeature's tables (give REGISTER.Field)")
            }
            throw NotFound(description: "\(query) is ambiguous: " + named.map(\.key).joined(separator: ", "))
        }
        let register = String(upper[..<dot]), field = String(upper[upper.index(after: dot)...])
        for reg in [register, register + "_EL1"] {
            if let f = fields.first(where: { $0.register.uppercased() == reg && $0.name.uppercased() == field }) { return f }
        }
        if let reg = tables.registers.first(where: { [register, register + "_EL1"].contains($0.name.uppercased()) }) {
            throw NotFound(
                description:
                    "\(reg.name) has no field \(query[query.index(after: query.lastIndex(of: ".")!)...]) in cpufeature's tables; it has "
                    + reg.fields.map(\.name).joined(separator: ", "))
        }
        let elsewhere = fields.filter { $0.name.uppercased() == field }.map(\.key)
        throw NotFound(
            description: "no register \(query[..<query.lastIndex(of: ".")!]) in cpufeature's tables"
                + (elsewhere.isEmpty ? "" : "; a field of that name is in " + elsewhere.joined(separator: ", ")))
    }

    let row: FieldMatrix.Row
    let source: SourceLines
    /// What `ftrlint bound` would insert for the field (SuggestedFixes), for the fix section's `patch:` line.
    var patch: BoundWriter.Suggestion? = nil

    /// The verdict first, then why, then where to change it and what to write, then KVM's statements
    /// that touch the field in the order they run, then the cpufeature entry and the other guests' views.
    func render() -> String {
        let f = row.field, reg = row.register, verdict = row.verdict
        var out = "\(row.key): \(verdict.headline)\n"
        for finding in verdict.findings { out += "  \(Escape.oneLine(finding.message)) [ftrlint-\(finding.rule)]\n" }

        out += "\nwhy:\n"
        out += "  KVM, normal guest: " + treatment(row.normal) + (row.function.map { "  (decided in \($0)())" } ?? "") + "\n"
        out += conditions(row.normal)
        out += "  policy: "
        if let p = row.policy {
            out += p.fieldClass.rawValue + (p.bound.map { ", bound \($0)" } ?? ", no bound") + "  (\(p.key))\n"
            out += "    \(p.reason)\n"
            for l in p.levels {
                var parts = ["\(l.value):"]
                if let feature = l.feature { parts.append(feature) }
                if !l.registers.isEmpty { parts.append("registers " + l.registers.joined(separator: ", ")) }
                if let needs = l.needs { parts.append("needs: " + needs) }
                out += "    " + parts.joined(separator: " ") + "\n"
            }
        } else {
            out += "- (the policy has no entry for this field)\n"
        }

        let fix = FieldFix(row: row, source: source, statements: story(view(of: verdict.findings.first?.rule)), patch: patch)
        out += "\nfix:\n" + fix.lines().map { "  \($0)\n" }.joined()

        out += "\nKVM, normal guest:\n" + statements(row.normal)
        out +=
            "  writable by userspace: " + (row.writable.map { $0 ? "yes" : "no" } ?? "- (the tree has no writable mask)") + "\n"
        out += "\nKVM, nested guest (NV): "
        if let nested = row.nested {
            out += treatment(nested) + "\n" + conditions(nested) + statements(nested)
        } else {
            out += "- (the tree has no nested virtualisation support)\n"
        }
        out += "\nKVM, protected guest (pKVM): "
        if let protected = row.protected {
            out += treatment(protected) + "\n" + conditions(protected) + statements(protected)
        } else {
            out += "- (the tree has no pKVM ID register emulation)\n"
        }

        out += "\ncpufeature: \(f.location) in \(f.table), bits \(row.bits) of \(reg.name), sys_reg(\(reg.encoding))\n"
        out += quote(f.location, indent: "    ")
        out +=
            "  \(f.policy.rawValue), safe value \(f.safe), \(f.signed ? "signed" : "unsigned"), \(f.visibility), "
            + (f.strict ? "FTR_STRICT" : "FTR_NONSTRICT") + "\n"
        return out
    }

    func treatment(_ t: KvmTreatment) -> String {
        switch t.kind {
        case .capped: return "capped, at most \(t.cap.map(String.init) ?? "?")"
        case .forced: return "forced to \(t.value.map(String.init) ?? "?")"
        case .hidden: return "hidden (reads as 0)"
        case .passthrough: return "passthrough (the host's sanitised value)"
        default: return t.kind.rawValue
        }
    }

    func conditions(_ t: KvmTreatment) -> String {
        var out = ""
        if let c = t.condition { out += "    condition: \(c)\n" }
        for p in t.paths { out += "    when \(p.when): \(p.kind.rawValue)\(p.value.map { " = \($0)" } ?? "")\n" }
        if let n = t.note { out += "    note: \(n)\n" }
        return out
    }

    /// The guest whose view a rule judges: nested for nv-leak, protected for protected-leak, else normal.
    func view(of rule: String?) -> KvmTreatment {
        switch rule {
        case "nv-leak": return row.nested ?? row.normal
        case "protected-leak": return row.protected ?? row.normal
        default: return row.normal
        }
    }

    /// The statements of `t` that touch the field, in the order they run.
    func story(_ t: KvmTreatment) -> [SourceRef] {
        FieldStatements(source: source).story(
            t.locations, field: row.field, register: row.register,
            function: t == row.protected ? nil : row.function)
    }

    /// The statements of `t` that touch the field, in the order they run, each under its source line.
    func statements(_ t: KvmTreatment) -> String {
        let refs = story(t)
        guard !refs.isEmpty else { return "  no KVM statement touches the field\n" }
        var out = "  statements that touch the field, in the order they run:\n"
        for (i, ref) in refs.enumerated() { out += "  \(i + 1). \(ref)\n" + quote(ref, indent: "       ") }
        return out
    }

    /// The source line at `ref`, trimmed, under a bar.
    func quote(_ ref: SourceRef, indent: String) -> String {
        guard let text = source.line(ref) else { return "" }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? "" : "\(indent)| \(trimmed)\n"
    }
}

/// Reads lines of the tree's files, each file once.
final class SourceLines {
    private let read: (String) -> String?
    private var cache: [String: [Substring]] = [:]

    init(read: @escaping (String) -> String?) { self.read = read }

    /// A whole file of the tree (nil when it cannot be read).
    func text(_ path: String) -> String? { read(path) }

    func line(_ ref: SourceRef) -> String? {
        if cache[ref.path] == nil {
            guard let text = read(ref.path) else { return nil }
            cache[ref.path] = text.split(separator: "\n", omittingEmptySubsequences: false)
        }
        guard let lines = cache[ref.path], ref.line >= 1, ref.line <= lines.count else { return nil }
        return String(lines[ref.line - 1])
    }
}

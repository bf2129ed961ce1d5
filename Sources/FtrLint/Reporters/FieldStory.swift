import KernelModel

/// `ftrlint explain`: one field's story, from cpufeature's entry through each KVM statement that decides
/// what a guest sees to the policy that says what it may see.
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
            if named.isEmpty { throw NotFound(description: "no field named \(query) in cpufeature's tables (give REGISTER.Field)") }
            throw NotFound(description: "\(query) is ambiguous: " + named.map(\.key).joined(separator: ", "))
        }
        let register = String(upper[..<dot]), field = String(upper[upper.index(after: dot)...])
        for reg in [register, register + "_EL1"] {
            if let f = fields.first(where: { $0.register.uppercased() == reg && $0.name.uppercased() == field }) { return f }
        }
        if let reg = tables.registers.first(where: { [register, register + "_EL1"].contains($0.name.uppercased()) }) {
            throw NotFound(description: "\(reg.name) has no field \(query[query.index(after: query.lastIndex(of: ".")!)...]) in cpufeature's tables; it has "
                           + reg.fields.map(\.name).joined(separator: ", "))
        }
        let elsewhere = fields.filter { $0.name.uppercased() == field }.map(\.key)
        throw NotFound(description: "no register \(query[..<query.lastIndex(of: ".")!]) in cpufeature's tables"
                       + (elsewhere.isEmpty ? "" : "; a field of that name is in " + elsewhere.joined(separator: ", ")))
    }

    let row: FieldMatrix.Row
    /// The text of a line of the tree (nil when it cannot be read).
    let line: (SourceRef) -> String?

    func render() -> String {
        let f = row.field, reg = row.register
        var out = "\(row.key) — bits \(row.bits) of \(reg.name), sys_reg(\(reg.encoding))\n"

        out += "\ncpufeature: \(f.location) in \(f.table)\n"
        out += quote(f.location, indent: "    ")
        out += "  \(f.policy.rawValue), safe value \(f.safe), \(f.signed ? "signed" : "unsigned"), \(f.visibility), "
            + (f.strict ? "FTR_STRICT" : "FTR_NONSTRICT") + "\n"

        out += "\nKVM, normal guest: " + treatment(row.normal)
            + (row.function.map { "  (decided in \($0)())" } ?? "") + "\n"
        out += details(row.normal)
        out += "  writable by userspace: " + (row.writable.map { $0 ? "yes" : "no" } ?? "- (the tree has no writable mask)") + "\n"

        out += "\nKVM, nested guest (NV): "
        if let nested = row.nested {
            out += treatment(nested) + "\n" + details(nested)
        } else {
            out += "- (the tree has no nested virtualisation support)\n"
        }
        out += "\nKVM, protected guest (pKVM): "
        if let protected = row.protected {
            out += treatment(protected) + "\n" + details(protected)
        } else {
            out += "- (the tree has no pKVM ID register emulation)\n"
        }

        out += "\npolicy: "
        if let p = row.policy {
            out += p.fieldClass.rawValue + (p.bound.map { ", bound \($0)" } ?? ", no bound") + "  (\(p.key))\n"
            out += "  \(p.reason)\n"
            for l in p.levels {
                var parts = ["  \(l.value):"]
                if let feature = l.feature { parts.append(feature) }
                if !l.registers.isEmpty { parts.append("registers " + l.registers.joined(separator: ", ")) }
                if let needs = l.needs { parts.append("needs: " + needs) }
                out += "  " + parts.joined(separator: " ") + "\n"
            }
        } else {
            out += "- (the shipped policy has no entry for this field)\n"
        }
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

    func details(_ t: KvmTreatment) -> String {
        var out = ""
        if let c = t.condition { out += "  condition: \(c)\n" }
        for p in t.paths { out += "  when \(p.when): \(p.kind.rawValue)\(p.value.map { " = \($0)" } ?? "")\n" }
        if let n = t.note { out += "  note: \(n)\n" }
        if t.locations.isEmpty {
            out += "  no KVM statement touches the field\n"
        } else {
            out += "  statements, in order:\n"
            for (i, ref) in t.locations.enumerated() {
                out += "  \(i + 1). \(ref)\n" + quote(ref, indent: "       ")
            }
        }
        return out
    }

    /// The source line at `ref`, trimmed, under a bar.
    func quote(_ ref: SourceRef, indent: String) -> String {
        guard let text = line(ref) else { return "" }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? "" : "\(indent)| \(trimmed)\n"
    }
}

/// Reads lines of the tree's files, each file once.
final class SourceLines {
    private let read: (String) -> String?
    private var cache: [String: [Substring]] = [:]

    init(read: @escaping (String) -> String?) { self.read = read }

    func line(_ ref: SourceRef) -> String? {
        if cache[ref.path] == nil {
            guard let text = read(ref.path) else { return nil }
            cache[ref.path] = text.split(separator: "\n", omittingEmptySubsequences: false)
        }
        guard let lines = cache[ref.path], ref.line >= 1, ref.line <= lines.count else { return nil }
        return String(lines[ref.line - 1])
    }
}

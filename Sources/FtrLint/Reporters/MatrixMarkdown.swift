import KernelModel

/// `matrix --format markdown`: what reads well pasted into a mail as well as rendered. Per register a
/// heading and a narrow table (field, bits, verdict, KVM's treatments, policy) whose cells are padded so
/// the raw text lines up; below it, one bullet per field with a finding, a condition or a note.
enum MatrixMarkdown {
    static let header = ["Field", "Bits", "Verdict", "KVM", "NV", "pKVM", "Writable", "Policy"]

    static func cells(_ r: FieldMatrix.Row) -> [String] {
        [
            "`\(r.field.name)`", r.bits, r.verdict.short, Describe.treatment(r.normal),
            r.nested.map(Describe.treatment) ?? "-", r.protected.map(Describe.treatment) ?? "-",
            Describe.writable(r.writable), Describe.policy(r.policy),
        ].map(Escape.markdownCell)
    }

    static func render(_ m: FieldMatrix) -> String {
        var out = "# KVM's guest view of arm64 ID register fields, Linux \(m.kernel)\n\n"
        for reg in m.registers {
            let rows = m.rows.filter { $0.register.name == reg.name }
            let table = [header] + rows.map(cells)
            let widths = header.indices.map { c in table.map { $0[c].count }.max() ?? 0 }
            func line(_ cells: [String]) -> String {
                "| "
                    + cells.enumerated().map { c, cell in cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                    .joined(separator: " | ") + " |\n"
            }
            out += "## \(reg.name)\n\n`sys_reg(\(reg.encoding))`, `\(reg.table)` at \(reg.location)\n\n"
            out += line(header) + "|" + widths.map { String(repeating: "-", count: $0 + 2) + "|" }.joined() + "\n"
            for r in rows { out += line(cells(r)) }
            let notes = rows.compactMap(note)
            if !notes.isEmpty { out += "\n" + notes.joined() }
            out += "\n"
        }
        return out + m.summary + "\n"
    }

    /// "- `PMSVer`: leak: …message…" for a reported field, "- `SVE`: when …" for a conditional one.
    static func note(_ r: FieldMatrix.Row) -> String? {
        var parts = r.verdict.findings.map { "\($0.rule): \(Escape.oneLine($0.message))" }
        if let why = r.normal.condition ?? r.normal.note { parts.append(Escape.oneLine(why)) }
        return parts.isEmpty ? nil : "- `\(r.field.name)`: " + parts.joined(separator: "; ") + "\n"
    }
}

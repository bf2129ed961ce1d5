import KernelModel

/// `matrix --format text`: for a terminal, a block per register — a heading, then one line per field —
/// every line at most 100 columns. A field's condition or note, and where KVM decides it, follow on a
/// line of their own; cells too wide for their column are cut with "…" (`explain` tells the whole story).
enum MatrixText {
    static let width = 100

    /// Each column's title and the widest its cells may be; together with the gaps they fit `width`.
    static let columns: [(title: String, width: Int)] = [
        ("BITS", 5), ("FIELD", 14), ("VERDICT", 17), ("KVM", 12), ("NV", 12), ("PKVM", 12), ("W", 3), ("POLICY", 8),
    ]
    static let verdictColumn = 2, kvmColumn = 3

    static func cells(_ r: FieldMatrix.Row) -> [String] {
        [
            r.bits, r.field.name, r.verdict.short, Describe.treatment(r.normal), r.nested.map(Describe.treatment) ?? "-",
            r.protected.map(Describe.treatment) ?? "-", Describe.writable(r.writable), Describe.policy(r.policy),
        ]
        .map(Escape.oneLine)
    }

    /// The line under a field: its condition or note, and the lines of KVM that decide it; nil when it has neither.
    static func detail(_ r: FieldMatrix.Row) -> String? {
        guard let why = r.normal.condition ?? r.normal.note else { return nil }
        let at = Describe.locations(r.normal.locations)
        return Escape.oneLine(why) + (at.isEmpty ? "" : " · " + at)
    }

    static func render(_ m: FieldMatrix, color: Bool) -> String {
        var out = ""
        for reg in m.registers {
            let rows = m.rows.filter { $0.register.name == reg.name }
            let table = rows.map(cells)
            let widths = columns.indices.map { c in
                min(columns[c].width, max(columns[c].title.count, table.map { $0[c].count }.max() ?? 0))
            }
            out += clip("\(reg.name)  sys_reg(\(reg.encoding))  \(reg.table)  \(reg.location)", width) + "\n"
            out += line(columns.map(\.title), widths: widths, paint: { _, _ in color ? ANSI.bold : "" }) + "\n"
            for (r, cells) in zip(rows, table) {
                out +=
                    line(cells, widths: widths) { c, _ in
                        guard color else { return "" }
                        if c == verdictColumn { return ANSI.color(r.verdict) }
                        if c == kvmColumn { return ANSI.color(r.normal.kind, attention: r.attention) }
                        return ""
                    } + "\n"
                if let detail = detail(r) {
                    let indent = 2 + widths[0] + 2
                    out += String(repeating: " ", count: indent) + clip(detail, width - indent) + "\n"
                }
            }
            out += "\n"
        }
        return out + wrap(m.summary) + wrap(findingsSummary(m))
    }

    /// "findings: 2 leak, 14 unverified; 300 fields without one".
    static func findingsSummary(_ m: FieldMatrix) -> String {
        let reported = m.rows.filter { !$0.verdict.findings.isEmpty }
        var counts: [String: Int] = [:]
        for r in reported { counts[r.verdict.name, default: 0] += 1 }
        let ranked = FieldVerdict.names.filter { counts[$0] != nil }
        return "verdicts: " + (ranked.isEmpty ? "no findings" : ranked.map { "\(counts[$0]!) \($0)" }.joined(separator: ", "))
            + "; \(m.rows.count - reported.count) fields without a finding"
    }

    /// Two spaces, then the cells padded to their column's width (the last one not), trailing blanks dropped.
    /// `paint(column, cell)` gives a cell's colour; padding is counted on the plain text.
    static func line(_ cells: [String], widths: [Int], paint: (Int, String) -> String = { _, _ in "" }) -> String {
        var out = " "
        for (c, raw) in cells.enumerated() {
            let cell = clip(raw, widths[c])
            let code = paint(c, cell)
            out += " " + (code.isEmpty ? cell : code + cell + ANSI.reset)
            if c < cells.count - 1 { out += String(repeating: " ", count: widths[c] - cell.count + 1) }
        }
        while out.hasSuffix(" ") { out.removeLast() }
        return out
    }

    /// `text` cut to `limit` characters, the last one "…" when it was cut.
    static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(0, limit - 1))) + "…"
    }

    /// `text` broken into lines of at most `width` columns at spaces, each line ending in a newline.
    static func wrap(_ text: String) -> String {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty, current.count + 1 + word.count > width {
                lines.append(current)
                current = "    "
            }
            current += (current.isEmpty || current == "    " ? "" : " ") + word
        }
        lines.append(current)
        return lines.map { $0 + "\n" }.joined()
    }
}

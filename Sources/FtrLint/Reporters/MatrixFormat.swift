import ArgumentParser
import KernelModel

/// The formats of `ftrlint matrix`.
enum MatrixFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, csv, json, html

    /// The whole output, ending in a newline. `color` applies to text only (a terminal).
    func render(_ matrix: FieldMatrix, color: Bool = false) -> String {
        switch self {
        case .text: return MatrixText.text(matrix, color: color)
        case .markdown: return MatrixText.markdown(matrix)
        case .csv: return MatrixText.csv(matrix)
        case .json: return encodeJSON(MatrixDocument(matrix)) + "\n"
        case .html: return MatrixHtml.render(matrix)
        }
    }
}

/// The plain-text renderings of the matrix.
enum MatrixText {
    static let header = ["REGISTER", "FIELD", "BITS", "CPUFEATURE", "KVM", "WRITABLE", "NV", "PROTECTED", "POLICY",
                         "WHERE", "CONDITION"]

    static func cells(_ r: FieldMatrix.Row) -> [String] {
        [r.register.name, r.field.name, r.bits, Describe.cpufeature(r.field), Describe.treatment(r.normal),
         Describe.writable(r.writable), r.nested.map(Describe.treatment) ?? "-", r.protected.map(Describe.treatment) ?? "-",
         Describe.policy(r.policy),
         Describe.locations(r.normal.locations), r.normal.condition ?? r.normal.note ?? ""]
    }

    /// Aligned columns for a terminal; the KVM column coloured by treatment when `color`.
    static func text(_ m: FieldMatrix, color: Bool) -> String {
        // One line per field: a line break inside a condition or note would start a false row.
        let table = [header] + m.rows.map { cells($0).map(Escape.oneLine) }
        let kvm = header.firstIndex(of: "KVM")!
        let widths = header.indices.map { c in table.map { $0[c].count }.max() ?? 0 }
        var out = ""
        for (i, row) in table.enumerated() {
            var line = ""
            for (c, cell) in row.enumerated() {
                let last = c == row.count - 1
                let padded = last ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                if color && i == 0 {
                    line += ANSI.bold + padded + ANSI.reset
                } else if color && c == kvm {
                    let r = m.rows[i - 1]
                    let code = ANSI.color(r.normal.kind, attention: r.attention)
                    line += (code.isEmpty ? cell : code + cell + ANSI.reset) + String(repeating: " ", count: widths[c] - cell.count)
                } else {
                    line += padded
                }
                if !last { line += "  " }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out + m.summary + "\n"
    }

    /// A GitHub-flavoured Markdown table.
    static func markdown(_ m: FieldMatrix) -> String {
        var out = "| " + header.map { $0.prefix(1) + $0.dropFirst().lowercased() }.joined(separator: " | ") + " |\n"
        out += "|" + header.map { _ in " --- |" }.joined() + "\n"
        for r in m.rows {
            var c = cells(r).map(Escape.markdownCell)
            c[0] = "`\(c[0])`"
            out += "| " + c.joined(separator: " | ") + " |\n"
        }
        return out + "\n" + m.summary + "\n"
    }

    static let csvHeader = ["register", "field", "lsb", "width", "type", "safe", "signed", "visibility", "strict",
                            "cpufeature_location", "kvm", "kvm_cap", "kvm_value", "kvm_condition", "kvm_paths",
                            "kvm_locations", "kvm_note", "kvm_function", "writable", "nested", "protected",
                            "policy_class", "policy_bound"]

    /// RFC 4180 CSV, one row per field, one value per column (cap and value apart).
    static func csv(_ m: FieldMatrix) -> String {
        var out = csvHeader.joined(separator: ",") + "\r\n"
        for r in m.rows {
            let f = r.field, t = r.normal
            let row: [String] = [
                r.register.name, f.name, "\(f.lsb)", "\(f.width)", f.policy.rawValue, "\(f.safe)", f.signed ? "yes" : "no",
                f.visibility, f.strict ? "yes" : "no", f.location.description, t.kind.rawValue,
                t.cap.map(String.init) ?? "", t.value.map(String.init) ?? "", t.condition ?? "", Describe.paths(t),
                t.locations.map(\.description).joined(separator: " "), t.note ?? "", r.function ?? "",
                r.writable.map { $0 ? "yes" : "no" } ?? "", r.nested.map(Describe.treatment) ?? "", r.protected.map(Describe.treatment) ?? "",
                r.policy?.fieldClass.rawValue ?? "", r.policy?.bound.map(String.init) ?? "",
            ]
            out += row.map(Escape.csv).joined(separator: ",") + "\r\n"
        }
        return out
    }
}

/// Terminal colours (only when standard output is a terminal and NO_COLOR is unset).
enum ANSI {
    static let reset = "\u{1B}[0m"
    static let bold = "\u{1B}[1m"

    static func color(_ kind: KvmTreatment.Kind, attention: Bool) -> String {
        switch kind {
        case .hidden: return "\u{1B}[32m"
        case .capped: return "\u{1B}[36m"
        case .forced: return "\u{1B}[34m"
        case .computed: return "\u{1B}[35m"
        case .conditional: return "\u{1B}[33m"
        case .passthrough: return attention ? "\u{1B}[31m" : ""
        case .unknown: return "\u{1B}[1;41;97m"
        }
    }
}

import KernelModel

/// `matrix --format csv`: RFC 4180, one row per field, one value per column (cap and value apart).
/// Columns are only ever added at the end (`verdict` was), so scripts that read by position keep working.
enum MatrixCsv {
    static let header = [
        "register", "field", "lsb", "width", "type", "safe", "signed", "visibility", "strict",
        "cpufeature_location", "kvm", "kvm_cap", "kvm_value", "kvm_condition", "kvm_paths",
        "kvm_locations", "kvm_note", "kvm_function", "writable", "nested", "protected",
        "policy_class", "policy_bound", "verdict",
    ]

    static func render(_ m: FieldMatrix) -> String {
        var out = header.joined(separator: ",") + "\r\n"
        for r in m.rows {
            let f = r.field, t = r.normal
            let row: [String] = [
                r.register.name, f.name, "\(f.lsb)", "\(f.width)", f.policy.rawValue, "\(f.safe)", f.signed ? "yes" : "no",
                f.visibility, f.strict ? "yes" : "no", f.location.description, t.kind.rawValue,
                t.cap.map(String.init) ?? "", t.value.map(String.init) ?? "", t.condition ?? "", Describe.paths(t),
                t.locations.map(\.description).joined(separator: " "), t.note ?? "", r.function ?? "",
                r.writable.map { $0 ? "yes" : "no" } ?? "", r.nested.map(Describe.treatment) ?? "",
                r.protected.map(Describe.treatment) ?? "",
                r.policy?.fieldClass.rawValue ?? "", r.policy?.bound.map(String.init) ?? "", r.verdict.name,
            ]
            out += row.map(Escape.csv).joined(separator: ",") + "\r\n"
        }
        return out
    }
}

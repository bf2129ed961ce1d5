import ArgumentParser
import KernelModel

/// `ftrlint matrix`: per field, cpufeature's policy against what KVM's guests see.
struct MatrixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix", abstract: "Print the field-coverage matrix: cpufeature's policy × KVM's treatment.")

    @OptionGroup var options: TreeOptions

    func run() throws {
        try reportingErrors {
            let (tree, arguments) = try options.open()
            let model = try TreeModel(tree: tree, arguments: arguments, policy: try Policy.shipped())
            var rows = [["REGISTER", "FIELD", "BITS", "CPUFEATURE", "KVM", "WRITABLE", "NV", "CONDITION", "WHERE"]]
            for reg in model.tables.registers {
                for f in reg.fields {
                    guard let v = model.guestView.fields[f.key] else { continue }
                    rows.append([reg.name, f.name, "\(f.lsb + f.width - 1):\(f.lsb)", f.policy.rawValue,
                                 Self.describe(v.normal), v.writable.map { $0 ? "yes" : "no" } ?? "-",
                                 v.nested.map(Self.describe) ?? "-", v.normal.condition ?? v.normal.note ?? "",
                                 v.normal.locations.map { "\($0.line)" }.joined(separator: ",")])
                }
            }
            print(aligned(rows))
        }
    }

    static func describe(_ t: KvmTreatment) -> String {
        switch t.kind {
        case .capped: return "capped<=\(t.cap.map(String.init) ?? "?")"
        case .forced: return "forced=\(t.value.map(String.init) ?? "?")"
        default: return t.kind.rawValue
        }
    }
}

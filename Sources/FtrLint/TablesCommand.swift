import ArgumentParser
import KernelModel

/// `ftrlint tables`: every arm64_ftr_bits table of cpufeature.c, bound to its register.
struct TablesCommand: TreeCommand {
    static let configuration = CommandConfiguration(
        commandName: "tables", abstract: "Print cpufeature.c's ID register fields and their policy.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var options: TreeOptions
    @OptionGroup var policy: PolicyOptions
    @Option(help: "Output format.") var format: Format = .text

    func run() throws {
        try reportingErrors {
            let (tree, arguments) = try options.open()
            // The policy names fields where the tree's sysreg file lacks the register.
            let names = try FieldNames(tree: tree, policy: try policy.load(tree: options.tree))
            let analysis = try CpufeatureAnalysis(tree: tree, arguments: arguments, names: names)
            switch format {
            case .json: print(encodeJSON(TablesDocument(kernel: tree.version.description, tables: analysis.tables)))
            case .text: print(Self.text(analysis.tables))
            }
        }
    }

    static func text(_ tables: CpufeatureTables) -> String {
        var rows = [["REGISTER", "FIELD", "BITS", "TYPE", "SAFE", "SIGN", "VISIBILITY", "STRICT", "LOCATION"]]
        for reg in tables.registers {
            for f in reg.fields {
                rows.append([
                    reg.name, f.name, "\(f.lsb + f.width - 1):\(f.lsb)", f.policy.rawValue, "\(f.safe)",
                    f.signed ? "signed" : "unsigned", f.visibility, f.strict ? "strict" : "nonstrict",
                    f.location.description,
                ])
            }
        }
        return aligned(rows) + "\n\(tables.registers.count) registers, \(tables.fields.count) fields"
    }
}

/// The public JSON of `ftrlint tables --format json` (version 1; changes are additive).
struct TablesDocument: Encodable {
    struct Register: Encodable {
        let name: String
        let encoding: String
        let table: String
        let location: String
        let fields: [Field]
    }
    struct Field: Encodable {
        let name: String
        let lsb: Int
        let width: Int
        let type: String
        let safe: Int64
        let signed: Bool
        let visibility: String
        let strict: Bool
        let location: String
    }

    let version = 1
    let kernel: String
    let registers: [Register]

    init(kernel: String, tables: CpufeatureTables) {
        self.kernel = kernel
        registers = tables.registers.map { r in
            Register(
                name: r.name, encoding: r.encoding.description, table: r.table, location: r.location.description,
                fields: r.fields.map { f in
                    Field(
                        name: f.name, lsb: f.lsb, width: f.width, type: f.policy.rawValue, safe: f.safe,
                        signed: f.signed, visibility: f.visibility, strict: f.strict, location: f.location.description)
                })
        }
    }
}

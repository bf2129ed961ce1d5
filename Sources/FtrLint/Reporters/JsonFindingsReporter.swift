import KernelModel
import Rules

/// `check --format json`: ftrlint's own document of findings, version 1
/// (docs/json-schema/findings.schema.json). Changes are additive: keys are never renamed or removed.
struct JsonFindingsReporter {
    func render(_ report: CheckReport) -> String {
        encodeJSON(FindingsDocument(report)) + "\n"
    }
}

/// A place in the tree: path relative to the tree root, 1-based line and column.
struct JSONLocation: Encodable {
    let path: String
    let line: Int
    let column: Int
    init(_ ref: SourceRef) {
        path = ref.path
        line = ref.line
        column = ref.column
    }
}

struct FindingsDocument: Encodable {
    struct Tool: Encodable { let name = "ftrlint" }
    struct Rule: Encodable {
        let id: String
        let name: String
        let severity: String
        let rationale: String
    }
    struct Related: Encodable {
        let message: String
        let location: JSONLocation
    }
    struct Item: Encodable {
        let rule: String
        let severity: String
        let register: String
        let field: String
        let key: String
        let message: String
        let location: JSONLocation
        let related: [Related]
        /// What `ftrlint bound` would insert for the field (left out when there is no suggestion).
        let fix: Fix?
    }
    struct Fix: Encodable {
        let location: JSONLocation
        let statement: String
        let inserted: String
    }
    struct Summary: Encodable {
        let error: Int
        let warning: Int
        let note: Int
    }

    let version = 1
    let tool = Tool()
    let kernel: String
    let rules: [Rule]
    /// Every REGISTER.Field the check looked at.
    let fields: [String]
    let summary: Summary
    let findings: [Item]

    init(_ report: CheckReport) {
        kernel = report.kernel
        rules = report.rules.map {
            Rule(id: $0.identifier, name: $0.name, severity: $0.severity.rawValue, rationale: $0.rationale)
        }
        fields = report.fields
        summary = Summary(
            error: report.findings.filter { $0.severity == .error }.count,
            warning: report.findings.filter { $0.severity == .warning }.count,
            note: report.findings.filter { $0.severity == .note }.count)
        findings = report.findings.map { f in
            Item(
                rule: f.rule, severity: f.severity.rawValue, register: f.register, field: f.field, key: f.key,
                message: f.message, location: JSONLocation(f.location),
                related: f.related.map { Related(message: $0.message, location: JSONLocation($0.location)) },
                fix: report.fix(for: f).map { s in
                    Fix(
                        location: JSONLocation(SourceRef(path: s.path, line: s.line, column: 1)), statement: s.statement,
                        inserted: s.insertedText)
                })
        }
    }
}

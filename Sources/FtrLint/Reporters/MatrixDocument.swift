import KernelModel

/// The public JSON of `ftrlint matrix --format json`, version 1 (docs/json-schema/matrix.schema.json,
/// docs/output.md). Changes are additive. Absent values are `null`, never left out (`@Nullable`), so every
/// field object has the same keys.
struct MatrixDocument: Encodable {
    struct Summary: Encodable {
        let registers: Int
        let fields: Int
        /// Fields per normal treatment (every kind, zeros included).
        let treatments: [String: Int]
        /// REGISTER.Field of every field whose normal treatment is unknown (exit status 2 when any).
        let unknown: [String]
    }

    struct Register: Encodable {
        let name: String
        let encoding: String
        let table: String
        let location: JSONLocation
    }

    struct Cpufeature: Encodable {
        let type: String
        let safe: Int64
        let signed: Bool
        let visibility: String
        let visible: Bool
        @Nullable var visibleIf: String?
        let strict: Bool
        let table: String
        let location: JSONLocation

        init(_ f: FtrField) {
            type = f.policy.rawValue
            safe = f.safe
            signed = f.signed
            visibility = f.visibility
            visible = f.visible
            visibleIf = f.visibleIf
            strict = f.strict
            table = f.table
            location = JSONLocation(f.location)
        }
    }

    struct Path: Encodable {
        let when: String
        let treatment: String
        @Nullable var value: Int64?
    }

    /// One view's treatment (the normal guest's, or the nested guest's).
    struct Kvm: Encodable {
        let treatment: String
        @Nullable var cap: Int64?
        @Nullable var value: Int64?
        /// The highest value a guest can see when it is bounded; null when the host's value can reach it.
        @Nullable var bound: Int64?
        @Nullable var condition: String?
        let paths: [Path]
        let locations: [JSONLocation]
        @Nullable var note: String?
        @Nullable var function: String?

        init(_ t: KvmTreatment, function: String?) {
            treatment = t.kind.rawValue
            cap = t.cap
            value = t.value
            bound = t.bound
            condition = t.condition
            paths = t.paths.map { Path(when: $0.when, treatment: $0.kind.rawValue, value: $0.value) }
            locations = t.locations.map(JSONLocation.init)
            note = t.note
            self.function = function
        }
    }

    struct PolicyEntry: Encodable {
        let `class`: String
        @Nullable var bound: Int?
        let reason: String
    }

    /// What ftrlint concludes about a field (added in version 1 without breaking it: a new key).
    struct Verdict: Encodable {
        /// A rule id (`leak`) when a rule reports the field, else the normal treatment (`hidden`).
        let name: String
        /// The most severe finding's severity; null when no rule reports the field.
        @Nullable var severity: String?
        /// Every rule that reports the field, most severe first.
        let rules: [String]
    }

    struct Field: Encodable {
        let register: String
        let field: String
        let key: String
        let lsb: Int
        let width: Int
        let bits: String
        let cpufeature: Cpufeature
        let kvm: Kvm
        @Nullable var nested: Kvm?
        @Nullable var writable: Bool?
        /// A protected (pKVM) guest's view; null when the tree has no pKVM ID register emulation.
        @Nullable var `protected`: Kvm?
        @Nullable var policy: PolicyEntry?
        let verdict: Verdict
    }

    let version = 1
    let kernel: String
    let summary: Summary
    let registers: [Register]
    let fields: [Field]

    init(_ m: FieldMatrix) {
        kernel = m.kernel
        var treatments: [String: Int] = [:]
        for k in KvmTreatment.Kind.allCases { treatments[k.rawValue] = m.rows.filter { $0.normal.kind == k }.count }
        summary = Summary(
            registers: m.registers.count, fields: m.rows.count, treatments: treatments,
            unknown: m.unknown.map(\.key))
        registers = m.registers.map {
            Register(name: $0.name, encoding: $0.encoding.description, table: $0.table, location: JSONLocation($0.location))
        }
        fields = m.rows.map { r in
            Field(
                register: r.register.name, field: r.field.name, key: r.key, lsb: r.field.lsb, width: r.field.width,
                bits: r.bits, cpufeature: Cpufeature(r.field), kvm: Kvm(r.normal, function: r.function),
                nested: r.nested.map { Kvm($0, function: nil) }, writable: r.writable,
                protected: r.protected.map { Kvm($0, function: nil) },
                policy: r.policy.map { PolicyEntry(class: $0.fieldClass.rawValue, bound: $0.bound, reason: $0.reason) },
                verdict: Verdict(
                    name: r.verdict.name, severity: r.verdict.severity?.rawValue,
                    rules: r.verdict.findings.map(\.rule)))
        }
    }
}

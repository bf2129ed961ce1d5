import KernelModel
import Rules

/// Per field, cpufeature's description against KVM's guest view and the shipped policy: what `matrix`
/// prints and `explain` tells. Built from plain model values (not a parsed tree) so tests can make one.
struct FieldMatrix {
    struct Row {
        let register: FtrRegister
        let field: FtrField
        /// What a normal guest sees. A field the guest view lacks is `unknown` (the analysis did not
        /// reach it): the matrix fails closed rather than leave a row out.
        let normal: KvmTreatment
        /// What a guest with nested virtualisation sees (nil: the tree has no NV support).
        let nested: KvmTreatment?
        /// What a protected (pKVM) guest sees (nil: the tree has no pKVM ID register emulation).
        let protected: KvmTreatment?
        let writable: Bool?
        /// The KVM function that decides the field for a normal guest.
        let function: String?
        let policy: Policy.Entry?
        /// What ftrlint concludes: the rules' findings on the field, else the normal treatment.
        let verdict: FieldVerdict

        var key: String { field.key }
        var bits: String { field.width == 1 ? "\(field.lsb)" : "\(field.lsb + field.width - 1):\(field.lsb)" }
        /// The field's most significant bit.
        var msb: Int { field.lsb + field.width - 1 }
        /// A field KVM must support (or an EL2-only field) whose host value reaches a normal guest
        /// unchanged: what a reviewer looks at first. A visual cue, not a verdict (that is `check`'s).
        var attention: Bool {
            guard let policy, policy.fieldClass != .isa else { return false }
            return normal.kind == .passthrough
        }
    }

    static let missingNote = "KVM's guest view has no treatment for this field"

    let kernel: String
    let rows: [Row]

    /// `findings` are the registered rules' findings on the tree (Analysis); each row's verdict is made of
    /// those on its field.
    init(tables: CpufeatureTables, guestView: GuestView, policy: Policy, kernel: String, findings: [Finding] = []) {
        self.kernel = kernel
        let byKey = Dictionary(grouping: findings, by: \.key)
        rows = tables.registers.flatMap { reg in
            reg.fields.map { f in
                let g = guestView.fields[f.key]
                let normal = g?.normal ?? KvmTreatment(kind: .unknown, note: Self.missingNote)
                let entry = policy.entry(register: f.register, field: f.name)
                return Row(
                    register: reg, field: f, normal: normal,
                    nested: g?.nested, protected: g?.protected, writable: g?.writable, function: g?.function,
                    policy: entry,
                    verdict: FieldVerdict(findings: byKey[f.key] ?? [], treatment: normal, fieldClass: entry?.fieldClass))
            }
        }
    }

    private init(kernel: String, rows: [Row]) {
        self.kernel = kernel
        self.rows = rows
    }

    /// The rows of the named registers (`_EL1` may be left out, case does not matter) whose verdict is
    /// one of `verdicts`; an empty list keeps every register / verdict. A name that matches nothing is an
    /// error, so a typo does not print an empty matrix that looks clean.
    func filtered(registers: [String], verdicts: [String]) throws -> FieldMatrix {
        let wanted = Set(registers.map { $0.uppercased() })
        for name in wanted where !self.registers.contains(where: { Self.names($0.name).contains(name) }) {
            throw CheckProblem(
                "--register \(name): no such register in cpufeature's tables; they are "
                    + self.registers.map(\.name).joined(separator: ", "))
        }
        for v in verdicts where !FieldVerdict.names.contains(v) {
            throw CheckProblem("--verdict \(v): not a verdict; one of " + FieldVerdict.names.joined(separator: ", "))
        }
        return FieldMatrix(
            kernel: kernel,
            rows: rows.filter { r in
                (wanted.isEmpty || !wanted.isDisjoint(with: Self.names(r.register.name)))
                    && (verdicts.isEmpty || verdicts.contains(r.verdict.name))
            })
    }

    /// A register's spellings on the command line: its name, and without `_EL1`.
    private static func names(_ register: String) -> Set<String> {
        let upper = register.uppercased()
        return upper.hasSuffix("_EL1") ? [upper, String(upper.dropLast(4))] : [upper]
    }

    var registers: [FtrRegister] {
        var seen = Set<String>()
        return rows.compactMap { seen.insert($0.register.name).inserted ? $0.register : nil }
    }

    /// Fields whose normal treatment the analysis could not establish (exit status 2).
    var unknown: [Row] { rows.filter { $0.normal.kind == .unknown } }

    /// How many fields have each normal treatment, in KvmTreatment.Kind order, without zeros.
    var counts: [(KvmTreatment.Kind, Int)] {
        KvmTreatment.Kind.allCases.compactMap { k in
            let n = rows.filter { $0.normal.kind == k }.count
            return n == 0 ? nil : (k, n)
        }
    }

    var summary: String {
        "\(rows.count) field\(rows.count == 1 ? "" : "s") in \(registers.count) register\(registers.count == 1 ? "" : "s"): "
            + counts.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ")
    }
}

/// Short spellings shared by the text formats.
enum Describe {
    /// `capped<=1`, `forced=0`, `hidden`, ….
    static func treatment(_ t: KvmTreatment) -> String {
        switch t.kind {
        case .capped: return "capped<=\(t.cap.map(String.init) ?? "?")"
        case .forced: return "forced=\(t.value.map(String.init) ?? "?")"
        default: return t.kind.rawValue
        }
    }

    /// `when: kind[=value]; …` for a conditional treatment.
    static func paths(_ t: KvmTreatment) -> String {
        t.paths.map { p in "\(p.when): \(p.kind.rawValue)\(p.value.map { "=\($0)" } ?? "")" }.joined(separator: "; ")
    }

    /// `LOWER_SAFE 0 visible`: cpufeature's type, safe value and visibility.
    static func cpufeature(_ f: FtrField) -> String {
        let visibility = f.visibleIf.map { "if:\($0)" } ?? (f.visible ? "visible" : "hidden")
        return "\(f.policy.rawValue) \(f.safe) \(visibility)"
    }

    static func writable(_ w: Bool?) -> String { w.map { $0 ? "yes" : "no" } ?? "-" }

    /// `kvm<=1`, `el2<=0`, `isa`, or `-` when the policy has no entry.
    static func policy(_ p: Policy.Entry?) -> String {
        guard let p else { return "-" }
        return p.fieldClass.rawValue + (p.bound.map { "<=\($0)" } ?? "")
    }

    /// `sys_regs.c:1522,1645`: the deciding statements, grouped by file name.
    static func locations(_ refs: [SourceRef]) -> String {
        var order: [String] = []
        var lines: [String: [Int]] = [:]
        for r in refs {
            let name = r.path.split(separator: "/").last.map(String.init) ?? r.path
            if lines[name] == nil { order.append(name) }
            lines[name, default: []].append(r.line)
        }
        return order.map { "\($0):" + lines[$0]!.map(String.init).joined(separator: ",") }.joined(separator: " ")
    }
}

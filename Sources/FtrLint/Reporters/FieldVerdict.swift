import KernelModel
import Rules

/// What ftrlint concludes about one field: `explain`'s first line and `matrix`'s VERDICT column.
///
/// A field some rule reports takes the rule's id as its verdict (the most severe finding first, then in
/// the registry's order); a field no rule reports takes KVM's treatment for a normal guest. The verdict is
/// read off the findings of the registered rules, never worked out again here, so what a rule decides
/// is what every command says.
struct FieldVerdict {
    /// The findings on the field, most severe first, then in RuleRegistry's order.
    let findings: [Finding]
    /// What a normal guest sees.
    let treatment: KvmTreatment
    let fieldClass: Policy.FieldClass?

    init(findings: [Finding], treatment: KvmTreatment, fieldClass: Policy.FieldClass?) {
        let order = RuleRegistry.descriptions.map(\.identifier)
        func rank(_ f: Finding) -> Int { order.firstIndex(of: f.rule) ?? order.count }
        self.findings = findings.sorted { a, b in a.severity != b.severity ? a.severity > b.severity : rank(a) < rank(b) }
        self.treatment = treatment
        self.fieldClass = fieldClass
    }

    /// Every name a verdict can have: the rules' ids, then the treatments (what `--verdict` accepts).
    static var names: [String] {
        RuleRegistry.descriptions.map(\.identifier) + KvmTreatment.Kind.allCases.map(\.rawValue)
    }

    /// `leak`, `over-bound`, … for a reported field; `hidden`, `capped`, … for one no rule reports.
    var name: String { findings.first?.rule ?? treatment.kind.rawValue }

    /// The rules that report a field a guest sees more of than KVM supports: the HTML page's leak colour.
    static let leakRules: Set<String> = ["leak", "nv-leak", "protected-leak"]

    /// Whether a leak rule reports the field.
    var isLeak: Bool { findings.contains { Self.leakRules.contains($0.rule) } }

    /// The most severe finding's severity; nil when no rule reports the field.
    var severity: Severity? { findings.first?.severity }

    /// The matrix cell: the name, with the cap or value a treatment has (`capped<=1`, `forced=0`).
    var short: String { findings.first?.rule ?? Describe.treatment(treatment) }

    /// The verdict as a phrase: `leak (error)`, `capped at 1: guests see at most 1`, ….
    var headline: String {
        if let first = findings.first {
            let more = findings.count > 1 ? ", and " + findings.dropFirst().map(\.rule).joined(separator: ", ") : ""
            return "\(first.rule) (\(first.severity.rawValue))\(more)"
        }
        let t = treatment
        switch t.kind {
        case .hidden: return "hidden: guests read 0"
        case .capped: return "capped at \(t.cap.map(String.init) ?? "?"): guests see at most that"
        case .forced: return "forced to \(t.value.map(String.init) ?? "?"): guests see that value"
        case .computed: return "computed: KVM sets it from its own state"
        case .conditional: return "conditional: what guests see depends on \(t.condition ?? "a run-time condition")"
        case .unknown: return "unknown: the analysis could not tell what guests see"
        case .passthrough:
            return fieldClass == .isa
                ? "passthrough of an isa field: guests see the host's value, which needs nothing from KVM"
                : "passthrough: guests see the host's value"
        }
    }
}

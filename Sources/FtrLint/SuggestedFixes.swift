import Bound
import KernelModel
import Rules

/// The fixes `check` suggests: for each finding of a rule `ftrlint bound` answers (leak, nv-leak,
/// protected-leak, over-bound, and latent when it runs), the statement bound's writer would insert for that field and
/// where, from the same limits (`RuleContext.limits(answering:)`). Only the writer runs: nothing is
/// re-analysed or proved, so a suggestion costs no parse; `ftrlint bound` writes and proves the whole
/// patch. A field with no limit (no policy bound, a signed field outside pKVM's view) or one the writer
/// cannot place (it fails closed: a register it finds no place for) gets no suggestion, and so does one
/// whose fix is more than lines inserted at one place (pKVM's allow-lists lose an entry where another
/// gains it).
struct SuggestedFixes {
    /// The rules whose findings get a suggestion: those `bound --scope all` answers.
    static let rules = BoundScope.all.rules

    let byKey: [String: BoundWriter.Suggestion]

    static let none = SuggestedFixes(byKey: [:])

    init(byKey: [String: BoundWriter.Suggestion]) { self.byKey = byKey }

    /// The suggestions for `findings` (those of `analysis`).
    init(_ analysis: Analysis, findings: [Finding]) {
        let answering = findings.filter { Self.rules.contains($0.rule) }
        guard !answering.isEmpty else {
            self.init(byKey: [:])
            return
        }
        let model = analysis.model, policy = analysis.policy
        let limits = RuleContext(model: model, policy: policy).limits(answering: answering).limits
        // Each file once, however many fields are written into it.
        var files: [String: String?] = [:]
        let read: (String) -> String? = { path in
            if let cached = files[path] { return cached }
            let text = (try? model.tree.readIfPresent(path)) ?? nil
            files[path] = text
            return text
        }
        let writer = BoundWriter(
            guestView: model.guestView, tables: model.tables,
            aliases: { policy.entry(key: $0)?.aliases ?? [] }, read: read)
        var byKey: [String: BoundWriter.Suggestion] = [:]
        for (i, suggestion) in writer.suggestions(limits) {
            byKey[Self.key(limits[i].key, protected: limits[i].protected)] = suggestion
        }
        self.init(byKey: byKey)
    }

    /// A field's limit for protected guests is pKVM's, apart from the one for the others.
    static func key(_ field: String, protected: Bool) -> String { protected ? field + " (protected)" : field }

    /// The suggestion for `finding`, when its rule is one bound answers and the writer could place it.
    func fix(for finding: Finding) -> BoundWriter.Suggestion? {
        guard Self.rules.contains(finding.rule) else { return nil }
        return byKey[Self.key(finding.key, protected: finding.rule == ProtectedLeakRule.description.identifier)]
    }
}

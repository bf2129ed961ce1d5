import Bound
import KernelModel
import Rules

/// The fixes `check` suggests: for each finding of a rule `ftrlint bound` answers (leak, nv-leak,
/// over-bound, and latent when it runs), the statement bound's writer would insert for that field and
/// where, from the same limits (`RuleContext.limits(answering:)`). Only the writer runs: nothing is
/// re-analysed or proved, so a suggestion costs no parse; `ftrlint bound` writes and proves the whole
/// patch. A field the writer cannot place (it fails closed: a signed field, a register it finds no
/// place for, no policy bound) gets no suggestion.
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
        for limit in limits { byKey[limit.key] = writer.suggestion(limit) }
        self.init(byKey: byKey)
    }

    /// The suggestion for `finding`, when its rule is one bound answers and the writer could place it.
    func fix(for finding: Finding) -> BoundWriter.Suggestion? {
        Self.rules.contains(finding.rule) ? byKey[finding.key] : nil
    }
}

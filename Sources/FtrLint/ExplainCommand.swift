import ArgumentParser
import KernelModel

/// `ftrlint explain REGISTER.FIELD`: one field's story.
struct ExplainCommand: AnalysisCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "Tell one field's story, verdict first: why, where to fix it, KVM's statements.",
        discussion: """
            REGISTER.FIELD as the matrix spells it (ID_AA64PFR0_EL1.SVE); case does not matter and _EL1 may be \
            left out. The first line is the verdict: the id of the most severe rule that reports the field \
            (leak, unverified, …) or, when none does, what KVM shows a normal guest (hidden, capped at N, \
            forced to N, computed, passthrough of an isa field). Then why (KVM's treatment and the policy's \
            class, bound and levels), where to change it and what to write, KVM's statements that touch the \
            field in the order they run (normal, nested and protected guests) and the cpufeature entry. Exit \
            status 2 when the field's treatment is unknown.
            """)

    @Argument(help: "The field, as REGISTER.Field (e.g. ID_AA64PFR0_EL1.SVE).") var field: String
    @OptionGroup var options: TreeOptions
    @OptionGroup var policy: PolicyOptions

    func run(_ analysis: Analysis) throws {
        let target = try FieldStory.resolve(field, in: analysis.model.tables)
        guard let row = analysis.matrix.rows.first(where: { $0.key == target.key }) else {
            throw FieldStory.NotFound(description: target.key)
        }
        let tree = analysis.model.tree
        let patch = row.verdict.findings.first.flatMap { SuggestedFixes(analysis, findings: [$0]).fix(for: $0) }
        print(FieldStory(row: row, source: SourceLines { try? tree.read($0) }, patch: patch).render(), terminator: "")
        if row.normal.kind == .unknown {
            printError("ftrlint: error: the KVM treatment of \(row.key) is unknown")
            throw ExitStatus.incomplete
        }
    }
}

import ArgumentParser
import KernelModel

/// `ftrlint explain REGISTER.FIELD`: one field's story.
struct ExplainCommand: TreeCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "Tell one field's story: cpufeature's entry, each KVM statement that decides it, the policy.",
        discussion: """
        REGISTER.FIELD as the matrix spells it (ID_AA64PFR0_EL1.SVE); case does not matter and _EL1 may be \
        left out. Prints the cpufeature entry (location, source line, type, safe value, visibility), KVM's \
        treatment for a normal guest with each statement that decides it (location and source line, in \
        order), the condition and the note, whether userspace may write the field, the nested guest's view, \
        and the policy entry (class, bound, reason, levels). Exit status 2 when the field's treatment is unknown.
        """)

    @Argument(help: "The field, as REGISTER.Field (e.g. ID_AA64PFR0_EL1.SVE).") var field: String
    @OptionGroup var options: TreeOptions

    func run() throws {
        try reportingErrors {
            let (tree, arguments) = try options.open()
            let policy = try Policy.shipped()
            let model = try TreeModel(tree: tree, arguments: arguments, policy: policy, cache: options.resultCache,
                                      preambles: options.preambles)
            let target = try FieldStory.resolve(field, in: model.tables)
            let matrix = FieldMatrix(tables: model.tables, guestView: model.guestView, policy: policy,
                                     kernel: tree.version.description)
            guard let row = matrix.rows.first(where: { $0.key == target.key }) else { throw FieldStory.NotFound(description: target.key) }
            let lines = SourceLines { try? tree.read($0) }
            print(FieldStory(row: row, line: lines.line).render(), terminator: "")
            if row.normal.kind == .unknown {
                printError("ftrlint: error: the KVM treatment of \(row.key) is unknown")
                throw ExitStatus.incomplete
            }
        }
    }
}

import KernelModel
import Rules

/// One tree analysed: the model built and every registered rule run on it. `check` reports the findings;
/// `matrix` and `explain` turn them into each field's verdict, so a change to a rule shows in all three.
struct Analysis {
    let model: TreeModel
    let policy: Policy
    let findings: [Finding]
    let fields: [String]
    let treeRoot: String
    let kernel: String

    /// `enabling`: the opt-in rules to run too (those `--only` names).
    init(options: TreeOptions, policy: Policy, overlay: [String: String] = [:], enabling: Set<String> = []) throws {
        let (tree, arguments) = try options.open(overlay: overlay)
        model = try TreeModel(
            tree: tree, arguments: arguments, policy: policy, cache: options.resultCache,
            preambles: options.preambles)
        self.policy = policy
        let context = RuleContext(model: model, policy: policy)
        findings = RuleRegistry.run(context, rules: RuleRegistry.selected(enabling: enabling))
        fields = context.fieldKeys
        treeRoot = options.tree
        kernel = tree.version.description
    }

    /// The matrix of this tree, each row carrying the findings on its field.
    var matrix: FieldMatrix {
        FieldMatrix(tables: model.tables, guestView: model.guestView, policy: policy, kernel: kernel, findings: findings)
    }
}

/// A command that analyses one tree under the policy options and reports on that (matrix, explain,
/// baseline): the set-up, and turning its errors into one line and exit status 2, are the same for all.
protocol AnalysisCommand: TreeCommand {
    var policy: PolicyOptions { get }
    /// What the command makes of the analysis.
    func run(_ analysis: Analysis) throws
}

extension AnalysisCommand {
    func run() throws {
        try reportingErrors {
            try run(try Analysis(options: options, policy: try policy.load(tree: options.tree)))
        }
    }
}

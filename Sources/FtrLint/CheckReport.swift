import Bound
import KernelModel
import Rules

/// What `check` hands its reporter: the findings, the rules that ran, and every field that was checked.
struct CheckReport {
    let findings: [Finding]
    let rules: [RuleDescription]
    /// Every REGISTER.Field the check looked at (JUnit writes one test case each).
    let fields: [String]
    /// The tree's root as given on the command line; finding paths are relative to it.
    let treeRoot: String
    /// The kernel version, e.g. "6.12.117".
    let kernel: String
    /// What `ftrlint bound` would insert for each finding it answers (none for the others).
    var fixes: SuggestedFixes = .none

    /// The suggested fix of `finding`, if any.
    func fix(for finding: Finding) -> BoundWriter.Suggestion? { fixes.fix(for: finding) }
}

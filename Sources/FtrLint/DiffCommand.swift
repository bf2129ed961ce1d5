import ArgumentParser
import Foundation
import KernelModel
import Rules

/// `ftrlint diff OLD NEW`: what NEW introduces and fixes against OLD.
struct DiffCommand: BoundedCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Report only the findings NEW_TREE introduces against OLD_TREE, and list the ones it fixes.",
        discussion: """
            Findings match on rule and REGISTER.Field, not on lines. New findings are printed as --format says; \
            fixed ones are listed on stderr ("ftrlint: fixed: ID_AA64DFR0_EL1.PMSVer [ftrlint-leak]"). Exit \
            status: 0 nothing new at or above --fail-on, 1 something new, 2 either tree could not be analysed.
            """)

    @Argument(help: "The tree before the change.") var oldTree: String
    @Argument(help: "The tree after the change.") var newTree: String

    @Option(help: TreeOptions.cacheDirHelp)
    var cacheDir: String?
    /// One bound for both trees: armed once, when the command starts.
    @OptionGroup var limits: LimitOptions

    @OptionGroup var policy: PolicyOptions
    @OptionGroup var report: ReportOptions

    func run() throws {
        try reportingErrors {
            let (policy, settings) = try report.resolve(self.policy, tree: newTree)
            let old = try Analysis(options: try treeOptions(oldTree), policy: policy, enabling: settings.only)
            let new = try Analysis(options: try treeOptions(newTree), policy: policy, enabling: settings.only)
            let diff = FindingDiff(old: old.findings, new: new.findings)
            try settings.emit(new, findings: diff.introduced, fixed: diff.fixed, against: oldTree)
        }
    }

    /// The tree options `check` would have for one of the trees.
    func treeOptions(_ tree: String) throws -> TreeOptions {
        var options = try TreeOptions.parse(["--", tree])
        options.cacheDir = cacheDir
        options.limits = limits
        return options
    }
}

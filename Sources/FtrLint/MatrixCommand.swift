import ArgumentParser
import Foundation
import KernelModel

/// `ftrlint matrix`: per field, cpufeature's policy against what KVM's guests see.
struct MatrixCommand: AnalysisCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract: "Print the field-coverage matrix: each field's verdict, cpufeature's policy × KVM's treatment.",
        discussion: """
            One row per field cpufeature describes: its verdict (the id of the most severe rule that reports it, \
            as `check` would, or KVM's treatment when no rule does), KVM's treatment for a normal guest (with its \
            cap, value or condition), the nested guest's and the protected (pKVM) guest's ("-" when the tree has \
            none), whether userspace may write it, and the policy's class and bound. Formats: text (a block per \
            register, lines of at most 100 columns), markdown (for a mail or a review), csv, json (versioned, \
            docs/json-schema/matrix.schema.json) and html (one self-contained page). --register and --verdict \
            keep some rows (each may be repeated or given a comma-separated list). Exit status 2, after the \
            matrix, when any field's treatment is unknown.
            """)

    @OptionGroup var options: TreeOptions
    @OptionGroup var policy: PolicyOptions
    @Option(help: "Output format.")
    var format: MatrixFormat = .text
    @OptionGroup var color: ColorOptions

    @Option(name: .customLong("register"), help: ArgumentHelp("Only these registers (_EL1 may be left out).", valueName: "name"))
    var registers: [String] = []

    @Option(
        name: .customLong("verdict"),
        help: ArgumentHelp(
            "Only fields with these verdicts: a rule id (leak, …) or a treatment (hidden, capped, …).",
            valueName: "verdict"))
    var verdicts: [String] = []

    func run(_ analysis: Analysis) throws {
        let whole = analysis.matrix
        let matrix = try whole.filtered(registers: OptionValues.list(registers), verdicts: OptionValues.list(verdicts))
        print(format.render(matrix, color: format == .text && color.enabled), terminator: "")
        try failIfUnknown(whole)
    }
}

/// Fails closed: a matrix with a field whose treatment is unknown is printed but is not a result.
func failIfUnknown(_ matrix: FieldMatrix) throws {
    let unknown = matrix.unknown
    guard !unknown.isEmpty else { return }
    let shown = unknown.prefix(10).map(\.key).joined(separator: ", ")
    printError(
        "ftrlint: error: the KVM treatment of \(unknown.count) field\(unknown.count == 1 ? "" : "s") is unknown: "
            + shown + (unknown.count > 10 ? ", …" : ""))
    throw ExitStatus.incomplete
}

import ArgumentParser
import Foundation
import KernelModel

/// `ftrlint matrix`: per field, cpufeature's policy against what KVM's guests see.
struct MatrixCommand: TreeCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix", abstract: "Print the field-coverage matrix: cpufeature's policy × KVM's treatment.",
        discussion: """
        One row per field cpufeature describes: register, field, bits, cpufeature's policy (type, safe \
        value, visibility), KVM's treatment for a normal guest (with its cap, value or condition), whether \
        userspace may write it, the nested guest's treatment, the protected (pKVM) guest's ("-" when the tree has none), and \
        the shipped policy's class and bound. Formats: text (a terminal; colour on a tty unless NO_COLOR), \
        markdown, csv, json (versioned, docs/json-schema/matrix.schema.json) and html (one self-contained \
        page). Exit status 2, after the matrix, when any field's treatment is unknown.
        """)

    @OptionGroup var options: TreeOptions
    @Option(help: "Output format: \(MatrixFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: MatrixFormat = .text

    func run() throws {
        try reportingErrors {
            let (tree, arguments) = try options.open()
            let policy = try Policy.shipped()
            let model = try TreeModel(tree: tree, arguments: arguments, policy: policy, cache: options.resultCache,
                                      preambles: options.preambles)
            let matrix = FieldMatrix(tables: model.tables, guestView: model.guestView, policy: policy,
                                     kernel: tree.version.description)
            print(format.render(matrix, color: format == .text && terminalWantsColor()), terminator: "")
            try failIfUnknown(matrix)
        }
    }
}

/// Fails closed: a matrix with a field whose treatment is unknown is printed but is not a result.
func failIfUnknown(_ matrix: FieldMatrix) throws {
    let unknown = matrix.unknown
    guard !unknown.isEmpty else { return }
    let shown = unknown.prefix(10).map(\.key).joined(separator: ", ")
    printError("ftrlint: error: the KVM treatment of \(unknown.count) field\(unknown.count == 1 ? " is" : "s are") unknown: "
               + shown + (unknown.count > 10 ? ", …" : ""))
    throw ExitStatus.incomplete
}

/// Colour only for a terminal, and never when NO_COLOR is set (no-color.org) or TERM is dumb.
func terminalWantsColor() -> Bool {
    let env = ProcessInfo.processInfo.environment
    if let v = env["NO_COLOR"], !v.isEmpty { return false }
    if env["TERM"] == "dumb" { return false }
    return isatty(1) != 0
}

import ArgumentParser
import KernelModel
import Rules

/// The formats of `ftrlint matrix`.
enum MatrixFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, csv, json, html

    /// The whole output, ending in a newline. `color` applies to text only (a terminal).
    func render(_ matrix: FieldMatrix, color: Bool = false) -> String {
        switch self {
        case .text: return MatrixText.render(matrix, color: color)
        case .markdown: return MatrixMarkdown.render(matrix)
        case .csv: return MatrixCsv.render(matrix)
        case .json: return encodeJSON(MatrixDocument(matrix)) + "\n"
        case .html: return MatrixHtml.render(matrix)
        }
    }
}

/// Terminal colours (only when standard output is a terminal and NO_COLOR is unset), gcc's where gcc
/// has one: bold red errors, bold magenta warnings, bold cyan notes.
enum ANSI {
    static let reset = "\u{1B}[0m"
    static let bold = "\u{1B}[1m"

    static func color(_ severity: Severity) -> String {
        switch severity {
        case .error: return "\u{1B}[1;31m"
        case .warning: return "\u{1B}[1;35m"
        case .note: return "\u{1B}[1;36m"
        }
    }

    /// A verdict's colour: its severity's for a reported field, its treatment's for the rest.
    static func color(_ verdict: FieldVerdict) -> String {
        verdict.severity.map(color) ?? color(verdict.treatment.kind, attention: false)
    }

    static func color(_ kind: KvmTreatment.Kind, attention: Bool) -> String {
        switch kind {
        case .hidden: return "\u{1B}[32m"
        case .capped: return "\u{1B}[36m"
        case .forced: return "\u{1B}[34m"
        case .computed: return "\u{1B}[35m"
        case .conditional: return "\u{1B}[33m"
        case .passthrough: return attention ? "\u{1B}[31m" : ""
        case .unknown: return "\u{1B}[1;41;97m"
        }
    }
}

import ArgumentParser

/// The formats `check` writes its findings in. Each is a public interface (docs/output.md): once
/// parsed by others it changes only additively.
enum FindingFormat: String, ExpressibleByArgument, CaseIterable {
    /// `path:line:col: error|warning|note: message [ftrlint-RULE]`, what editors and CI log parsers read.
    case gcc
    /// ftrlint's own versioned JSON document (docs/json-schema/findings.schema.json).
    case json
    /// SARIF 2.1.0 for code-scanning services.
    case sarif
    /// GitHub workflow commands (`::error file=…,line=…,col=…::message`).
    case github
    /// JUnit XML: one test case per register field.
    case junit

    /// The complete output: every line ends in a newline, and it is empty when a line format
    /// (gcc, github) has nothing to say. Write it as is: `print(text, terminator: "")`.
    func render(_ report: CheckReport) -> String {
        switch self {
        case .gcc: return GccReporter().render(report)
        case .json: return JsonFindingsReporter().render(report)
        case .sarif: return SarifReporter().render(report)
        case .github: return GithubReporter().render(report)
        case .junit: return JunitReporter().render(report)
        }
    }
}

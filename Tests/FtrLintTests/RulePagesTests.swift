import Foundation
import KernelModel
import Rules
import XCTest

@testable import FtrLint

/// docs/rules/ is generated from the rules: a page that differs from what its rule makes is stale, and the
/// failure says the one command that regenerates every page. SARIF carries the same pages.
final class RulePagesTests: XCTestCase {
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/rules").path

    func testPagesAreCurrent() throws {
        for page in RulePage.all {
            let path = Self.docs + "/" + page.fileName
            let onDisk = try? String(contentsOfFile: path, encoding: .utf8)
            XCTAssertEqual(onDisk, page.markdown(), "docs/rules/\(page.fileName) is stale: run `\(RulePage.regenerate)`")
        }
        let pages = try FileManager.default.contentsOfDirectory(atPath: Self.docs).filter { $0.hasSuffix(".md") }.sorted()
        XCTAssertEqual(
            pages, RulePage.all.map(\.fileName).sorted(),
            "one page per rule and no page without a rule: run `\(RulePage.regenerate)`")
    }

    /// A page shows what the rule prints on its first example: the rule's own output, not a copy.
    func testPageShowsTheRulesOwnOutput() throws {
        let page = try XCTUnwrap(RulePage.page("leak"))
        let text = page.markdown()
        XCTAssertTrue(text.hasPrefix("# leak — "), text)
        XCTAssertTrue(text.contains("[ftrlint-leak]\n"), "a gcc line of the rule's first example")
        for e in LeakRule.description.nonTriggeringExamples { XCTAssertTrue(text.contains("- \(e.summary)\n"), e.summary) }
        XCTAssertTrue(text.contains(RulePage.regenerate))
    }

    /// `ftrlint rules --markdown DIR` writes exactly the pages the test compares with.
    func testRegenerateCommandWritesThePages() throws {
        let dir = NSTemporaryDirectory() + "ftrlint-rules-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CheckRun.ftrlint(["rules", "--markdown", dir])
        XCTAssertEqual(r.status, 0, r.error)
        for page in RulePage.all {
            XCTAssertEqual(try String(contentsOfFile: dir + "/" + page.fileName, encoding: .utf8), page.markdown())
        }
        let list = try CheckRun.ftrlint(["check", "--list-rules"])
        XCTAssertEqual(list.status, 0, list.error)
        let lines = list.output.split(separator: "\n")
        XCTAssertEqual(lines.count, RuleRegistry.all.count)
        for (line, d) in zip(lines, RuleRegistry.descriptions) {
            XCTAssertTrue(line.hasPrefix(d.identifier + " "), String(line))
            XCTAssertTrue(line.contains(" \(d.severity.rawValue) ") && line.hasSuffix(d.name), String(line))
        }
    }

    /// SARIF names the tool's version and home, and gives each rule its page as helpUri and help.
    func testSarifRulesCarryTheirPages() throws {
        let report = CheckReport(findings: [], rules: RuleRegistry.descriptions, fields: [], treeRoot: "/src", kernel: "7.2")
        let text = SarifReporter(currentDirectory: "/").render(report)
        try SchemaValidation.validate(text, schema: SchemaValidation.sarifSchema)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let driver = try XCTUnwrap(
            ((doc["runs"] as? [[String: Any]])?.first?["tool"] as? [String: Any])?["driver"] as? [String: Any])
        XCTAssertEqual(driver["version"] as? String, FtrLint.version)
        XCTAssertEqual(driver["informationUri"] as? String, Project.home)
        let rules = try XCTUnwrap(driver["rules"] as? [[String: Any]])
        XCTAssertEqual(rules.count, RuleRegistry.all.count)
        for (rule, page) in zip(rules, RulePage.all) {
            XCTAssertEqual(rule["id"] as? String, page.description.identifier, "the bare id, as baselines and --only use")
            XCTAssertEqual(rule["helpUri"] as? String, Project.rulesURL + page.fileName)
            XCTAssertEqual((rule["help"] as? [String: Any])?["markdown"] as? String, page.markdown())
        }
    }
}

import Foundation
import KernelModel
import XCTest

@testable import Rules

/// Baselines match on rule and REGISTER.Field, never lines; a malformed file is one error line.
final class CheckBaselineTests: XCTestCase {
    func finding(_ rule: String, _ key: String, line: Int = 10, message: String = "m") -> Finding {
        let parts = key.split(separator: ".").map(String.init)
        return Finding(
            rule: rule, severity: .error, register: parts[0], field: parts[1], message: message,
            location: SourceRef(path: "arch/arm64/kernel/cpufeature.c", line: line, column: 2))
    }

    func testRoundTripAndMatching() throws {
        let b = Baseline(
            entries: [
                .init(rule: "leak", key: "ID_AA64DFR0_EL1.PMSVer", message: "old text"),
                .init(rule: "leak", key: "ID_AA64DFR0_EL1.PMSVer"),
                .init(rule: "over-bound", key: "ID_AA64PFR0_EL1.EL2"),
            ], kernel: "6.12.1")
        XCTAssertEqual(b.entries.count, 2, "duplicates collapse")
        let text = b.encoded()
        XCTAssertTrue(text.contains("\"version\" : 1"), text)
        XCTAssertTrue(text.contains("\"tool\" : \"ftrlint\""), text)
        let again = try Baseline(json: Data(text.utf8), path: "b.json")
        XCTAssertEqual(again, b)
        XCTAssertTrue(again.accepts(rule: "leak", key: "ID_AA64DFR0_EL1.PMSVer"))
        XCTAssertFalse(again.accepts(rule: "nv-leak", key: "ID_AA64DFR0_EL1.PMSVer"), "rule and key both match")
        XCTAssertFalse(again.accepts(rule: "leak", key: "ID_AA64DFR0_EL1.BRBE"))
        let stale = again.unmatched([("leak", "ID_AA64DFR0_EL1.PMSVer")])
        XCTAssertEqual(stale.map(\.key), ["ID_AA64PFR0_EL1.EL2"])
        // Unknown keys are ignored: later versions only add.
        let extended = try Baseline(
            json: Data(#"{"version": 1, "findings": [{"rule": "leak", "key": "A.B", "line": 3}], "more": true}"#.utf8), path: "b")
        XCTAssertTrue(extended.accepts(rule: "leak", key: "A.B"))
    }

    func testMalformedBaselinesAreOneLineErrors() {
        let cases: [(String, String)] = [
            ("not json", "not valid JSON"),
            ("[]", "expected a JSON object"),
            (#"{"findings": []}"#, "'version'"),
            (#"{"version": true, "findings": []}"#, "'version'"),
            (#"{"version": 2, "findings": []}"#, "newer ftrlint"),
            (#"{"version": 1}"#, "'findings'"),
            (#"{"version": 1, "findings": [3]}"#, "findings[0] is not an object"),
            (#"{"version": 1, "findings": [{"key": "A.B"}]}"#, "'rule'"),
            (#"{"version": 1, "findings": [{"rule": "leak", "key": "AB"}]}"#, "REGISTER.Field"),
            (#"{"version": 1, "findings": [{"rule": "leak", "key": "A.B", "message": 1}]}"#, "'message'"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try Baseline(json: Data(text.utf8), path: "base.json"), text) { error in
                let line = "\(error)"
                XCTAssertTrue(line.hasPrefix("base.json: "), line)
                XCTAssertTrue(line.contains(expected), "\(text): \(line)")
                XCTAssertFalse(line.contains("\n"))
            }
        }
        XCTAssertThrowsError(try Baseline.load(file: "/nonexistent/baseline.json")) {
            XCTAssertTrue("\($0)".contains("cannot read"), "\($0)")
        }
    }

    /// Diffs match on rule and field: a moved line is neither new nor fixed.
    func testFindingDiff() {
        let old = [finding("leak", "ID_AA64DFR0_EL1.PMSVer", line: 10), finding("over-bound", "ID_AA64PFR0_EL1.EL2")]
        let new = [finding("leak", "ID_AA64DFR0_EL1.PMSVer", line: 42), finding("leak", "ID_AA64DFR0_EL1.TraceBuffer")]
        let d = FindingDiff(old: old, new: new)
        XCTAssertEqual(d.introduced.map(\.key), ["ID_AA64DFR0_EL1.TraceBuffer"])
        XCTAssertEqual(d.fixed.map(\.key), ["ID_AA64PFR0_EL1.EL2"])
        XCTAssertEqual(d.fixed.first?.fixedLine, "fixed: ID_AA64PFR0_EL1.EL2 [ftrlint-over-bound]")
        // The same rule and field twice (two views): the extra one is new.
        let twice = FindingDiff(
            old: [finding("unknown-treatment", "A.B", message: "normal")],
            new: [finding("unknown-treatment", "A.B", message: "nested"), finding("unknown-treatment", "A.B", message: "normal")])
        XCTAssertEqual(twice.introduced.map(\.message), ["nested"])
        XCTAssertTrue(twice.fixed.isEmpty)
    }
}

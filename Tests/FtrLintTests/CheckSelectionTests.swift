import Foundation
import KernelModel
import Rules
import XCTest

@testable import FtrLint

/// Choosing what check runs and shows: --only, --ignore, --min-severity, --list-rules, and the
/// configuration file (.ftrlint.yaml at the tree's root, or --config), whose unknown keys are errors.
final class CheckSelectionTests: XCTestCase {
    /// The fixture with a leak (TraceBuffer) and, through a policy addition, nothing else.
    func leakyTree() throws -> String { try CheckRun.copy(edits: [CheckRun.describeTraceBuffer]) }

    func testOnlyIgnoreAndMinimumSeverity() throws {
        let tree = try leakyTree()
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let ignored = try CheckRun.ftrlint(["check", tree, "--ignore", "leak"])
        XCTAssertEqual(ignored.status, 0, ignored.output)
        XCTAssertEqual(ignored.output, "")
        XCTAssertTrue(ignored.error.contains("1 not selected"), ignored.error)
        let tagged = try CheckRun.ftrlint(["check", tree, "--ignore", "ftrlint-leak"])
        XCTAssertEqual(tagged.output, "", "the tag gcc lines print names the rule too")
        let only = try CheckRun.ftrlint(["check", tree, "--only", "over-bound,unverified"])
        XCTAssertEqual(only.status, 0)
        XCTAssertEqual(only.output, "")
        let kept = try CheckRun.ftrlint(["check", tree, "--only", "leak"])
        XCTAssertEqual(kept.status, 1)
        XCTAssertTrue(kept.output.contains("[ftrlint-leak]"))
        let severe = try CheckRun.ftrlint(["check", tree, "--min-severity", "error"])
        XCTAssertEqual(severe.status, 1)
        XCTAssertTrue(severe.output.contains("[ftrlint-leak]"))

        let bad = try CheckRun.ftrlint(["check", tree, "--only", "leek"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.output, "")
        XCTAssertEqual(bad.error.split(separator: "\n").count, 1, bad.error)
        XCTAssertTrue(bad.error.hasPrefix("ftrlint: error: --only/--ignore: no rule 'leek'; the rules are leak, "), bad.error)
    }

    func testConfigurationFileAtTheTreeRootAndByOption() throws {
        let tree = try leakyTree()
        defer { try? FileManager.default.removeItem(atPath: tree) }
        try "ignore: [leak]\n".write(toFile: tree + "/.ftrlint.yaml", atomically: true, encoding: .utf8)
        let quiet = try CheckRun.ftrlint(["check", tree])
        XCTAssertEqual(quiet.status, 0, "the tree's .ftrlint.yaml ignores leak: \(quiet.output)")
        XCTAssertEqual(quiet.output, "")

        // --config instead, with a policy addition and fail-on, paths relative to the file.
        let other = NSTemporaryDirectory() + "ftrlint-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: other) }
        try """
        version: 1
        fields:
          ID_AA64DFR0_EL1.TraceBuffer: { class: kvm, bound: 0, reason: "test: needs nothing", levels: { 1: {} } }
        """.write(toFile: other + "/additions.yaml", atomically: true, encoding: .utf8)
        try "policy-additions: additions.yaml\nfail-on: warning\n".write(
            toFile: other + "/ci.yaml", atomically: true, encoding: .utf8)
        let strict = try CheckRun.ftrlint(["check", tree, "--config", other + "/ci.yaml"])
        XCTAssertEqual(strict.status, 1, "fail-on warning from the file: \(strict.output)\(strict.error)")
        XCTAssertTrue(strict.output.contains("[ftrlint-over-bound]"), strict.output)
        let lenient = try CheckRun.ftrlint(["check", tree, "--config", other + "/ci.yaml", "--fail-on", "error"])
        XCTAssertEqual(lenient.status, 0, "the command line wins over the file")

        // The configuration reaches matrix too: its verdict is the addition's over-bound.
        let matrix = try CheckRun.ftrlint([
            "matrix", tree, "--config", other + "/ci.yaml", "--verdict", "over-bound", "--format", "csv",
        ])
        XCTAssertEqual(matrix.status, 0, matrix.error)
        XCTAssertEqual(MatrixTests.parseCSV(matrix.output).count, 2, matrix.output)
    }

    func testUnknownKeysAndBadValuesAreOneLineErrors() throws {
        let tree = try leakyTree()
        defer { try? FileManager.default.removeItem(atPath: tree) }
        for (yaml, expected) in [
            ("ignroe: [leak]\n", "unknown key 'ignroe'"),
            ("ignore: [leek]\n", "no rule 'leek'"),
            ("fail-on: fatal\n", "'fail-on' must be one of note, warning, error"),
            ("- leak\n", "expected a mapping"),
            ("ignore: [leak\n", "not YAML"),
        ] {
            try yaml.write(toFile: tree + "/.ftrlint.yaml", atomically: true, encoding: .utf8)
            let r = try CheckRun.ftrlint(["check", tree])
            XCTAssertEqual(r.status, 2, yaml)
            XCTAssertEqual(r.output, "", yaml)
            XCTAssertEqual(r.error.split(separator: "\n").count, 1, r.error)
            XCTAssertTrue(r.error.hasPrefix("ftrlint: error: ") && r.error.contains(expected), "\(yaml): \(r.error)")
        }
        XCTAssertThrowsError(try Configuration.load(file: "/nonexistent/.ftrlint.yaml"))
        let c = try Configuration(
            yaml: "baseline: b.json\nonly: ftrlint-leak\nmin-severity: warning\n", path: "/src/linux/.ftrlint.yaml")
        XCTAssertEqual(c.baseline, "/src/linux/b.json")
        XCTAssertEqual(c.only, ["leak"])
        XCTAssertEqual(c.minSeverity, .warning)
        XCTAssertEqual(try Configuration(yaml: "", path: "x"), Configuration(), "an empty file configures nothing")
    }

    /// The first line is the one to act on: errors, then warnings, then notes, each by place.
    func testMostSevereFirst() {
        func f(_ severity: Severity, _ line: Int) -> Finding {
            Finding(
                rule: "r", severity: severity, register: "R", field: "F\(line)", message: "m",
                location: SourceRef(path: "a.c", line: line, column: 1))
        }
        let ordered = ReportSettings.ordered([f(.note, 1), f(.warning, 2), f(.error, 3), f(.warning, 4), f(.error, 5)])
        XCTAssertEqual(ordered.map(\.location.line), [3, 5, 2, 4, 1])
    }
}

import Foundation
import KernelModel
import Rules
import XCTest

@testable import FtrLint

/// Runs the built ftrlint and copies fixture trees: shared by the check, diff and b4 tests.
enum CheckRun {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    /// cpufeature.c and sys_regs.c of two real ID registers; KVM hides PMSVer, TraceBuffer is not described.
    static let fixture = repo + "/testdata/rules/check-minimal"
    static let cpufeature = "arch/arm64/kernel/cpufeature.c"
    static let sysRegs = "arch/arm64/kvm/sys_regs.c"

    struct Result {
        let status: Int32
        let output: String
        let error: String
    }

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

    /// Runs `ftrlint arguments` (in `directory`, with `input` on stdin).
    static func ftrlint(_ arguments: [String], in directory: String? = nil, input: String? = nil) throws -> Result {
        try run([try binary()] + arguments, in: directory, input: input)
    }

    static func run(
        _ command: [String], in directory: String? = nil, input: String? = nil,
        environment: [String: String] = [:]
    ) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: command[0].hasPrefix("/") ? command[0] : "/usr/bin/env")
        p.arguments = command[0].hasPrefix("/") ? Array(command.dropFirst()) : command
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input == nil ? FileHandle.nullDevice : inp
        try p.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        if let input {
            DispatchQueue.global().async(group: group) {
                try? inp.fileHandleForWriting.write(contentsOf: Data(input.utf8))
                try? inp.fileHandleForWriting.close()
            }
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus, output: String(decoding: outData, as: UTF8.self),
            error: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh copy of the fixture tree in a temporary folder, with `edits` (path → (old, new)) made.
    static func copy(edits: [(path: String, old: String, new: String)] = []) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ftrlint-rules-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: fixture, toPath: dir)
        for e in edits { try edit(dir, e.path, e.old, e.new) }
        return dir
    }

    static func edit(_ root: String, _ path: String, _ old: String, _ new: String) throws {
        let file = root + "/" + path
        let text = try String(contentsOfFile: file, encoding: .utf8)
        _ = try XCTUnwrap(text.range(of: old), "fixture edit: \(old) not found in \(path)")
        try text.replacingOccurrences(of: old, with: new).write(toFile: file, atomically: true, encoding: .utf8)
    }

    /// cpufeature.c starts describing ID_AA64DFR0_EL1.TraceBuffer, which the fixture's KVM passes through.
    static let describeTraceBuffer = (
        path: cpufeature,
        old: "\tARM64_FTR_BITS(FTR_HIDDEN, FTR_NONSTRICT, FTR_LOWER_SAFE, ID_AA64DFR0_EL1_PMSVer_SHIFT, 4, 0),\n",
        new: "\tARM64_FTR_BITS(FTR_HIDDEN, FTR_NONSTRICT, FTR_LOWER_SAFE, ID_AA64DFR0_EL1_TraceBuffer_SHIFT, 4, 0),\n"
            + "\tARM64_FTR_BITS(FTR_HIDDEN, FTR_NONSTRICT, FTR_LOWER_SAFE, ID_AA64DFR0_EL1_PMSVer_SHIFT, 4, 0),\n"
    )
    /// KVM hides ID_AA64DFR0_EL1.TraceBuffer too.
    static let hideTraceBuffer = (
        path: sysRegs,
        old: "\t\tval &= ~ID_AA64DFR0_EL1_PMSVer_MASK;\n",
        new: "\t\tval &= ~ID_AA64DFR0_EL1_PMSVer_MASK;\n\t\tval &= ~ID_AA64DFR0_EL1_TraceBuffer_MASK;\n"
    )
    /// KVM stops hiding PMSVer.
    static let unhidePMSVer = (path: sysRegs, old: "\t\tval &= ~ID_AA64DFR0_EL1_PMSVer_MASK;\n", new: "")
}

/// `ftrlint check` end to end on the fixture tree: output, exit statuses, policies and baselines.
final class CheckCommandTests: XCTestCase {
    func testCleanFixtureExitsZeroWithASummary() throws {
        let r = try CheckRun.ftrlint(["check", CheckRun.fixture])
        XCTAssertEqual(r.status, 0, r.error)
        XCTAssertEqual(r.output, "")
        XCTAssertEqual(r.error, "ftrlint: 0 errors, 0 warnings, 0 notes in 3 fields\n")
    }

    func testLeakIsAnErrorAtTheFtrBitsEntryWithAKvmNote() throws {
        let tree = try CheckRun.copy(edits: [CheckRun.describeTraceBuffer])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let r = try CheckRun.ftrlint(["check", tree])
        XCTAssertEqual(r.status, 1, r.error)
        let lines = r.output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, "the finding, its note, and bound's suggestion (BoundSuggestionTests): \(r.output)")
        XCTAssertTrue(lines[2].contains(": note: suggested fix: "), lines[2])
        XCTAssertTrue(
            lines[0].hasPrefix("arch/arm64/kernel/cpufeature.c:54:2: error: ID_AA64DFR0_EL1.TraceBuffer leaks to normal guests"),
            lines[0])
        XCTAssertTrue(lines[0].contains("value 1 (FEAT_TRBE)"), lines[0])
        XCTAssertTrue(lines[0].contains("TRBLIMITR_EL1"), lines[0])
        XCTAssertTrue(lines[0].hasSuffix("[ftrlint-leak]"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("arch/arm64/kvm/sys_regs.c:"), lines[1])
        XCTAssertTrue(lines[1].contains(": note: access_id_reg() decides ID_AA64DFR0_EL1"), lines[1])
        XCTAssertEqual(r.error, "ftrlint: 1 error, 0 warnings, 0 notes in 4 fields\n")

        // The same with KVM hiding the field: clean.
        try CheckRun.edit(tree, CheckRun.hideTraceBuffer.path, CheckRun.hideTraceBuffer.old, CheckRun.hideTraceBuffer.new)
        let hidden = try CheckRun.ftrlint(["check", tree])
        XCTAssertEqual(hidden.status, 0, hidden.output + hidden.error)
        XCTAssertEqual(hidden.output, "")
    }

    func testFailOnAndFormats() throws {
        let tree = try CheckRun.copy(edits: [CheckRun.describeTraceBuffer])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        // TraceBuffer given a level that needs nothing by an addition: no leak, but passing it through lets
        // the level's value 1 exceed the bound 0.
        let additions = tree + "/additions.yaml"
        try """
        version: 1
        fields:
          ID_AA64DFR0_EL1.TraceBuffer: { class: kvm, bound: 0, reason: "test: needs nothing", levels: { 1: {} } }
        """.write(toFile: additions, atomically: true, encoding: .utf8)
        let warned = try CheckRun.ftrlint(["check", tree, "--policy-additions", additions])
        XCTAssertEqual(warned.status, 0, "a warning is below the default --fail-on error: \(warned.output)")
        XCTAssertTrue(
            warned.output.contains("warning: ID_AA64DFR0_EL1.TraceBuffer: KVM passes the host's value through"), warned.output)
        XCTAssertTrue(warned.output.contains("[ftrlint-over-bound]"))
        let strict = try CheckRun.ftrlint(["check", tree, "--policy-additions", additions, "--fail-on", "warning"])
        XCTAssertEqual(strict.status, 1)

        let json = try CheckRun.ftrlint(["check", tree, "--format", "json"])
        XCTAssertEqual(json.status, 1)
        XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(json.output.utf8)), json.output)
        XCTAssertEqual(json.error, "", "the summary line is for gcc output only")
        let sarif = try CheckRun.ftrlint(["check", tree, "--format", "sarif"])
        XCTAssertEqual(sarif.status, 1)
        XCTAssertTrue(sarif.output.contains("\"2.1.0\""))
    }

    func testUnusableInputIsExitTwoWithOneLine() throws {
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("ftrlint-bad-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: bad) }
        try #"{"version": 1, "findings": [{"rule": "leak"}]}"#.write(toFile: bad, atomically: true, encoding: .utf8)
        let cases: [[String]] = [
            ["check", CheckRun.fixture, "--baseline", bad],
            ["check", CheckRun.fixture, "--baseline", "/nonexistent/baseline.json"],
            ["check", CheckRun.fixture, "--policy", "/nonexistent/policy.yaml"],
            ["check", CheckRun.fixture, "--policy-additions", bad],
            ["check", "/nonexistent/tree"],
            ["diff", CheckRun.fixture, "/nonexistent/tree"],
            ["baseline", "/nonexistent/tree"],
        ]
        for args in cases {
            let r = try CheckRun.ftrlint(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.output) \(r.error)")
            XCTAssertEqual(r.error.split(separator: "\n").count, 1, "\(args): \(r.error)")
            XCTAssertTrue(r.error.hasPrefix("ftrlint: error: "), r.error)
            XCTAssertEqual(r.output, "")
        }
    }

    func testBaselineWrittenThenAccepted() throws {
        let tree = try CheckRun.copy(edits: [CheckRun.describeTraceBuffer])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let file = tree + "/baseline.json"
        let written = try CheckRun.ftrlint(["baseline", tree, "-o", file])
        XCTAssertEqual(written.status, 0, written.error)
        let baseline = try Baseline.load(file: file)
        XCTAssertEqual(baseline.entries.map { "\($0.rule) \($0.key)" }, ["leak ID_AA64DFR0_EL1.TraceBuffer"])

        let accepted = try CheckRun.ftrlint(["check", tree, "--baseline", file])
        XCTAssertEqual(accepted.status, 0, accepted.output)
        XCTAssertEqual(accepted.output, "")
        XCTAssertTrue(accepted.error.contains("1 accepted by the baseline"), accepted.error)

        // A new finding is still reported (here: KVM stops hiding PMSVer), and matching ignores lines.
        try CheckRun.edit(tree, CheckRun.unhidePMSVer.path, CheckRun.unhidePMSVer.old, CheckRun.unhidePMSVer.new)
        try CheckRun.edit(
            tree, CheckRun.cpufeature, "static const struct arm64_ftr_bits ftr_id_aa64dfr0[]",
            "/* moved */\n\nstatic const struct arm64_ftr_bits ftr_id_aa64dfr0[]")
        let new = try CheckRun.ftrlint(["check", tree, "--baseline", file])
        XCTAssertEqual(new.status, 1)
        XCTAssertTrue(new.output.contains("ID_AA64DFR0_EL1.PMSVer leaks"), new.output)
        XCTAssertFalse(new.output.contains("TraceBuffer"), new.output)
    }

    func testDiffReportsWhatNewIntroducesAndFixes() throws {
        let tree = try CheckRun.copy(edits: [CheckRun.describeTraceBuffer])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let forward = try CheckRun.ftrlint(["diff", CheckRun.fixture, tree])
        XCTAssertEqual(forward.status, 1)
        XCTAssertEqual(forward.output.split(separator: "\n").filter { $0.contains(": error: ") }.count, 1, forward.output)
        XCTAssertTrue(forward.output.contains("ID_AA64DFR0_EL1.TraceBuffer leaks"))
        let backward = try CheckRun.ftrlint(["diff", tree, CheckRun.fixture])
        XCTAssertEqual(backward.status, 0)
        XCTAssertEqual(backward.output, "")
        XCTAssertTrue(backward.error.contains("ftrlint: fixed: ID_AA64DFR0_EL1.TraceBuffer [ftrlint-leak]"), backward.error)
    }

    func testExitStatusFunction() {
        let f = Finding(
            rule: "over-bound", severity: .warning, register: "A", field: "B", message: "m",
            location: SourceRef(path: "p", line: 1, column: 1))
        XCTAssertEqual(ReportSettings.status([], failOn: .note), ExitStatus.clean)
        XCTAssertEqual(ReportSettings.status([f], failOn: .error), ExitStatus.clean)
        XCTAssertEqual(ReportSettings.status([f], failOn: .warning), ExitStatus.findings)
        XCTAssertEqual(ReportSettings.status([f], failOn: .note), ExitStatus.findings)
        XCTAssertEqual(ReportSettings.counts([f, f]), "0 errors, 2 warnings, 0 notes")
    }
}

import Bound
import Foundation
import KernelModel
import Rules
import XCTest

@testable import FtrLint

/// `check` suggests what `ftrlint bound` would insert (issue 12): a `note: suggested fix:` line in gcc
/// format, `fix` in JSON, `fixes` in SARIF, a `patch:` line in `explain`, on the check fixture with
/// cpufeature describing TraceBuffer, which KVM passes through (a leak bound hides).
final class BoundSuggestionTests: XCTestCase {
    static let leak = "arch/arm64/kernel/cpufeature.c:"
    /// The fixture's `break;` of read_id_reg()'s case for ID_AA64DFR0_EL1, where bound inserts.
    static let note = "arch/arm64/kvm/sys_regs.c:83:1: note: suggested fix: val &= ~ID_AA64DFR0_EL1_TraceBuffer_MASK;"
    static let inserted = "\t\tval &= ~ID_AA64DFR0_EL1_TraceBuffer_MASK;\n"

    func leakingTree(_ edits: [(path: String, old: String, new: String)] = []) throws -> String {
        try CheckRun.copy(edits: [CheckRun.describeTraceBuffer] + edits)
    }

    func testGccNoteFollowsTheFindingsNotesAndIsWhatBoundInserts() throws {
        let tree = try leakingTree()
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let r = try CheckRun.ftrlint(["check", tree])
        XCTAssertEqual(r.status, 1, r.error)
        let lines = r.output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, r.output)
        XCTAssertTrue(lines[0].hasPrefix(Self.leak) && lines[0].hasSuffix("[ftrlint-leak]"), r.output)
        XCTAssertTrue(
            lines[1].hasPrefix("arch/arm64/kvm/sys_regs.c:") && lines[1].contains(": note: access_id_reg() decides"), r.output)
        XCTAssertEqual(lines[2], Self.note, "the suggestion comes last, at the line bound inserts before")
        XCTAssertEqual(r.error, "ftrlint: 1 error, 0 warnings, 0 notes in 4 fields\n", "the counts do not change")

        // The same statement, at the same place, as bound's verified patch.
        let bound = try CheckRun.ftrlint(["bound", tree])
        XCTAssertEqual(bound.status, 0, bound.error)
        let added = bound.output.split(separator: "\n").filter { $0.hasPrefix("+") && !$0.hasPrefix("+++") }.map {
            String($0.dropFirst())
        }
        XCTAssertEqual(added, [String(Self.inserted.dropLast())])
        XCTAssertTrue(bound.output.contains("\n@@ -80,6 +80,7 @@"), bound.output)
        XCTAssertTrue(Self.note.hasSuffix(": " + added[0].trimmingCharacters(in: .whitespaces)))
    }

    /// Two fields of a register KVM has no branch for: one suggestion opens the case for both, as bound
    /// writes it, so that applying every suggestion does not repeat the `case` label.
    func testFieldsOfOneNewCaseShareOneSuggestion() throws {
        let tree = try CheckRun.copy(edits: [
            (
                CheckRun.sysRegs, "#define ID_AA64DFR0_EL1_TraceBuffer_MASK",
                "#define ID_AA64ISAR0_EL1_SHA1_SHIFT\t8\n#define ID_AA64ISAR0_EL1_AES_SHIFT\t4\n"
                    + "#define ID_AA64DFR0_EL1_TraceBuffer_MASK"
            )
        ])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let additions = tree + "/additions.yaml"
        try """
        version: 1
        fields:
          ID_AA64ISAR0_EL1.SHA1: { class: kvm, bound: 0, reason: "test: above the bound", levels: { 1: {} } }
          ID_AA64ISAR0_EL1.AES: { class: kvm, bound: 0, reason: "test: above the bound", levels: { 1: {} } }
        """.write(toFile: additions, atomically: true, encoding: .utf8)
        let r = try CheckRun.ftrlint(["check", "--policy-additions", additions, tree])
        XCTAssertEqual(r.status, 0, r.error)
        let notes = r.output.split(separator: "\n").filter { $0.contains(": note: suggested fix: ") }
        XCTAssertEqual(
            notes.map { $0.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" },
            [
                "note: suggested fix: val &= ~(0xfUL << ID_AA64ISAR0_EL1_SHA1_SHIFT); val &= ~(0xfUL << ID_AA64ISAR0_EL1_AES_SHIFT);"
            ],
            r.output)
        let json = try CheckRun.ftrlint(["check", "--policy-additions", additions, "--format", "json", tree])
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let fixes = (doc["findings"] as? [[String: Any]] ?? []).compactMap { $0["fix"] as? [String: Any] }
        XCTAssertEqual(fixes.count, 1, json.output)
        XCTAssertEqual(
            fixes.first?["inserted"] as? String,
            "\tcase SYS_ID_AA64ISAR0_EL1:\n\t\tval &= ~(0xfUL << ID_AA64ISAR0_EL1_SHA1_SHIFT);\n"
                + "\t\tval &= ~(0xfUL << ID_AA64ISAR0_EL1_AES_SHIFT);\n\t\tbreak;\n")
    }

    func testSarifFixIsAnInsertionAtAnEmptyRegion() throws {
        let tree = try leakingTree()
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let r = try CheckRun.ftrlint(["check", "--format", "sarif", tree])
        XCTAssertEqual(r.status, 1, r.error)
        try SchemaValidation.validate(r.output, schema: SchemaValidation.sarifSchema)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
        let result = try XCTUnwrap(((doc["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])?.first)
        let fixes = try XCTUnwrap(result["fixes"] as? [[String: Any]])
        XCTAssertEqual(fixes.count, 1)
        XCTAssertEqual(
            (fixes[0]["description"] as? [String: Any])?["text"] as? String,
            "Insert `val &= ~ID_AA64DFR0_EL1_TraceBuffer_MASK;` (what `ftrlint bound` writes for this field; "
                + "it writes and proves the whole patch)")
        let changes = try XCTUnwrap(fixes[0]["artifactChanges"] as? [[String: Any]])
        XCTAssertEqual(changes.count, 1)
        let artifact = try XCTUnwrap(changes[0]["artifactLocation"] as? [String: String])
        XCTAssertEqual(artifact, ["uri": "arch/arm64/kvm/sys_regs.c", "uriBaseId": "SRCROOT"])
        let replacements = try XCTUnwrap(changes[0]["replacements"] as? [[String: Any]])
        XCTAssertEqual(replacements.count, 1)
        // Nothing deleted: the region ends where it starts (SARIF's default end is the end of the line).
        XCTAssertEqual(
            replacements[0]["deletedRegion"] as? [String: Int],
            ["startLine": 83, "startColumn": 1, "endLine": 83, "endColumn": 1])
        XCTAssertEqual((replacements[0]["insertedContent"] as? [String: Any])?["text"] as? String, Self.inserted)
    }

    func testJsonFixIsOptionalAndAdditive() throws {
        let tree = try leakingTree()
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let r = try CheckRun.ftrlint(["check", "--format", "json", tree])
        XCTAssertEqual(r.status, 1, r.error)
        try SchemaValidation.validate(r.output, schema: SchemaValidation.docs + "/findings.schema.json")
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
        let finding = try XCTUnwrap((doc["findings"] as? [[String: Any]])?.first)
        XCTAssertEqual(
            Set(finding.keys), ["rule", "severity", "register", "field", "key", "message", "location", "related", "fix"])
        let fix = try XCTUnwrap(finding["fix"] as? [String: Any])
        let location = try XCTUnwrap(fix["location"] as? [String: Any])
        XCTAssertEqual(location["path"] as? String, "arch/arm64/kvm/sys_regs.c")
        XCTAssertEqual(location["line"] as? Int, 83)
        XCTAssertEqual(location["column"] as? Int, 1)
        XCTAssertEqual(fix["statement"] as? String, "val &= ~ID_AA64DFR0_EL1_TraceBuffer_MASK;")
        XCTAssertEqual(fix["inserted"] as? String, Self.inserted)
        let plain = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(FindingFormat.json.render(ReporterSamples.report).utf8)) as? [String: Any]
        )
        let first = try XCTUnwrap((plain["findings"] as? [[String: Any]])?.first)
        XCTAssertNil(first["fix"], "no key at all without a suggestion")
    }

    func testExplainHasAPatchLineInItsFixSection() throws {
        let tree = try leakingTree()
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let r = try CheckRun.ftrlint(["explain", "ID_AA64DFR0_EL1.TraceBuffer", tree])
        XCTAssertEqual(r.status, 0, r.error)
        let lines = r.output.split(separator: "\n").map(String.init)
        let fix = try XCTUnwrap(lines.firstIndex(of: "fix:"), r.output)
        XCTAssertTrue(lines[fix + 1].hasPrefix("  where: arch/arm64/kvm/sys_regs.c:"), r.output)
        XCTAssertTrue(lines[fix + 2].hasPrefix("  write: "), r.output)
        XCTAssertEqual(
            lines[fix + 3],
            "  patch: arch/arm64/kvm/sys_regs.c:83: val &= ~ID_AA64DFR0_EL1_TraceBuffer_MASK;  "
                + "(what `ftrlint bound` inserts before this line; it writes the whole patch and proves it)")
        XCTAssertTrue(lines[fix + 4].hasPrefix("  or accept it: "), r.output)
    }

    /// Where bound's writer fails closed (here: the register's case ends in `return`, not `break;`), check
    /// reports as before and suggests nothing.
    func testNoSuggestionWhereTheWriterCannotPlaceOne() throws {
        let tree = try leakingTree([(CheckRun.sysRegs, "\t\tbreak;\n\t}\n", "\t\treturn val;\n\t}\n")])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        XCTAssertEqual(try CheckRun.ftrlint(["bound", tree]).status, 2, "bound cannot write it either")
        let r = try CheckRun.ftrlint(["check", tree])
        XCTAssertEqual(r.status, 1, r.error)
        XCTAssertTrue(r.output.contains("[ftrlint-leak]"), r.output)
        XCTAssertFalse(r.output.contains("suggested fix"), r.output)
        XCTAssertEqual(r.output.split(separator: "\n").count, 2, r.output)
        let sarif = try CheckRun.ftrlint(["check", "--format", "sarif", tree])
        XCTAssertFalse(sarif.output.contains("\"fixes\""), sarif.output)
    }

    // MARK: - The reporters, on a report with a suggestion

    static let suggestion = BoundWriter.Suggestion(
        path: "arch/arm64/kvm/sys_regs.c", line: 1604,
        statement: "val &= ~ID_AA64PFR1_EL1_SME_MASK;",
        inserted: ["\t\tval &= ~ID_AA64PFR1_EL1_SME_MASK;"])
    static let leakFinding = Finding(
        rule: "leak", severity: .error, register: "ID_AA64PFR1_EL1", field: "SME", message: "SME leaks",
        location: SourceRef(path: "arch/arm64/kernel/cpufeature.c", line: 301, column: 2),
        related: [
            .init(
                location: SourceRef(path: "arch/arm64/kvm/sys_regs.c", line: 1602, column: 1),
                message: "read_id_reg() should hide or cap it")
        ])
    static var report: CheckReport {
        // A finding of a rule bound does not answer gets no suggestion, even on the same field.
        let other = Finding(
            rule: "unverified", severity: .warning, register: "ID_AA64PFR1_EL1", field: "SME", message: "m",
            location: SourceRef(path: "arch/arm64/kernel/cpufeature.c", line: 301, column: 2))
        return CheckReport(
            findings: [leakFinding, other], rules: [], fields: ["ID_AA64PFR1_EL1.SME"], treeRoot: ".",
            kernel: "6.12.117", fixes: SuggestedFixes(byKey: ["ID_AA64PFR1_EL1.SME": suggestion]))
    }

    func testReportersCarryTheSuggestionLikeTheirNotes() throws {
        XCTAssertEqual(
            FindingFormat.gcc.render(Self.report),
            """
            arch/arm64/kernel/cpufeature.c:301:2: error: SME leaks [ftrlint-leak]
            arch/arm64/kvm/sys_regs.c:1602:1: note: read_id_reg() should hide or cap it
            arch/arm64/kvm/sys_regs.c:1604:1: note: suggested fix: val &= ~ID_AA64PFR1_EL1_SME_MASK;
            arch/arm64/kernel/cpufeature.c:301:2: warning: m [ftrlint-unverified]

            """)
        let github = FindingFormat.github.render(Self.report).split(separator: "\n").map(String.init)
        XCTAssertEqual(
            github[0],
            "::error file=arch/arm64/kernel/cpufeature.c,line=301,col=2,title=ftrlint-leak ID_AA64PFR1_EL1.SME::SME leaks"
                + "%0Aarch/arm64/kvm/sys_regs.c:1602:1: read_id_reg() should hide or cap it"
                + "%0Aarch/arm64/kvm/sys_regs.c:1604:1: suggested fix: val &= ~ID_AA64PFR1_EL1_SME_MASK;")
        XCTAssertFalse(github[1].contains("suggested"))
        let junit = FindingFormat.junit.render(Self.report)
        XCTAssertTrue(
            junit.contains(
                "arch/arm64/kvm/sys_regs.c:1604:1: note: suggested fix: val &amp;= ~ID_AA64PFR1_EL1_SME_MASK;\n</failure>"), junit
        )
        try SchemaValidation.validate(FindingFormat.sarif.render(Self.report), schema: SchemaValidation.sarifSchema)
        try SchemaValidation.validate(
            FindingFormat.json.render(Self.report), schema: SchemaValidation.docs + "/findings.schema.json")
    }
}

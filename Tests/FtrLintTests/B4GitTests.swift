import Foundation
import XCTest

@testable import FtrLint

/// `check --b4`: one patch on stdin, silence when clean, an `ERROR:` line per error it introduces.
final class B4GitTests: XCTestCase {
    /// The patch of HEAD as `git format-patch` writes it.
    func formatPatch(_ repo: FixtureRepo) throws -> String {
        try repo.git("format-patch", "-1", "--stdout", "HEAD")
    }

    func testLeakingPatchIsAnErrorLineAndHarmlessOneIsSilent() throws {
        let repo = try FixtureRepo()
        defer { repo.remove() }
        // A harmless patch: a comment in sys_regs.c.
        try repo.edit(
            (
                CheckRun.sysRegs, "/* Read a sanitised cpufeature ID register by sys_reg_desc */",
                "/* Read a sanitised cpufeature ID register, by its sys_reg_desc */"
            ))
        try repo.commit("KVM: arm64: reword a comment")
        let harmless = try formatPatch(repo)
        // A leaking one on top: cpufeature describes TraceBuffer, KVM passes it through.
        try repo.edit(CheckRun.describeTraceBuffer)
        try repo.commit("arm64: cpufeature: describe FEAT_TRBE")
        let leaking = try formatPatch(repo)

        // As b4 runs it: in the tree at the series' tip, the patch on stdin, "." as the tree.
        let quiet = try CheckRun.ftrlint(["check", "--b4", "."], in: repo.path, input: harmless)
        XCTAssertEqual(quiet.status, 0, quiet.output + quiet.error)
        XCTAssertEqual(quiet.output, "")
        XCTAssertEqual(quiet.error, "")

        let loud = try CheckRun.ftrlint(["check", "--b4", "."], in: repo.path, input: leaking)
        XCTAssertEqual(loud.status, 1, loud.output + loud.error)
        XCTAssertEqual(loud.error, "", "b4 reads anything on stderr as a failure of the tool")
        let lines = loud.output.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, loud.output)
        XCTAssertTrue(
            lines[0].hasPrefix("ERROR: arch/arm64/kernel/cpufeature.c:54:2: ID_AA64DFR0_EL1.TraceBuffer leaks"), String(lines[0]))
        XCTAssertTrue(lines[0].contains("[ftrlint-leak]"))

        // b4 pipes the message without the "From <commit>" line: the commit is found by its subject.
        let withoutFrom = leaking.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)[1]
        let b4Style = try CheckRun.ftrlint(["check", "--b4", "."], in: repo.path, input: String(withoutFrom))
        XCTAssertEqual(b4Style.output, loud.output)

        // The same patch on a tree that does not have it yet (a plain copy, no git): applied in memory.
        let plain = try CheckRun.copy()
        defer { try? FileManager.default.removeItem(atPath: plain) }
        let applied = try CheckRun.ftrlint(["check", "--b4", plain], input: String(withoutFrom))
        XCTAssertEqual(applied.status, 1)
        XCTAssertEqual(applied.output, loud.output)
        XCTAssertEqual(
            try String(contentsOfFile: plain + "/" + CheckRun.cpufeature, encoding: .utf8),
            try String(contentsOfFile: CheckRun.fixture + "/" + CheckRun.cpufeature, encoding: .utf8),
            "nothing is written to the tree")
    }

    func testPatchThatDoesNotApplyIsOneErrorLine() throws {
        let patch = """
            From: Test <test@example.org>
            Subject: [PATCH] arm64: nothing like this exists

            ---
            diff --git a/arch/arm64/kernel/cpufeature.c b/arch/arm64/kernel/cpufeature.c
            --- a/arch/arm64/kernel/cpufeature.c
            +++ b/arch/arm64/kernel/cpufeature.c
            @@ -1,3 +1,3 @@
             no such line
            -nor this one
            +but this
             end

            """
        let r = try CheckRun.ftrlint(["check", "--b4", CheckRun.fixture], input: patch)
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.error, "")
        XCTAssertEqual(r.output.split(separator: "\n").count, 1, r.output)
        XCTAssertTrue(r.output.hasPrefix("ERROR: ftrlint: the patch does not apply"), r.output)

        let empty = try CheckRun.ftrlint(["check", "--b4", CheckRun.fixture], input: "Subject: hello\n\nno diff\n")
        XCTAssertEqual(empty.status, 2)
        XCTAssertTrue(empty.output.hasPrefix("ERROR: ftrlint: no diff found"), empty.output)
    }

    func testPatchOutsideWhatFtrlintReadsIsNotAnalysed() throws {
        let patch = """
            Subject: [PATCH] docs: typo

            diff --git a/Documentation/x.rst b/Documentation/x.rst
            --- a/Documentation/x.rst
            +++ b/Documentation/x.rst
            @@ -1 +1 @@
            -teh
            +the

            """
        let r = try CheckRun.ftrlint(["check", "--b4", CheckRun.fixture], input: patch)
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertEqual(r.output + r.error, "")
    }

    /// Which paths make check --b4 analyse a patch at all.
    func testRelevantPaths() {
        XCTAssertTrue(B4Check.isRelevant("arch/arm64/kernel/cpufeature.c"))
        XCTAssertTrue(B4Check.isRelevant("include/linux/kvm_host.h"))
        XCTAssertTrue(B4Check.isRelevant("drivers/foo/Kconfig"))
        XCTAssertFalse(B4Check.isRelevant("Documentation/arch/arm64/booting.rst"))
        XCTAssertFalse(B4Check.isRelevant("drivers/net/foo.c"))
    }
}

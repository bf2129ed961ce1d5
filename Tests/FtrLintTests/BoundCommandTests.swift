import Foundation
import Patch
import XCTest

/// `ftrlint bound` on copies of the check fixture rewritten into each idiom KVM's read path has had, and
/// its contract for bad input. The real trees are in BoundRealTreeTests.
final class BoundCommandTests: XCTestCase {
    static let hiddenPMSVer = "\t\t/* Hide SPE from guests */\n\t\tval &= ~ID_AA64DFR0_EL1_PMSVer_MASK;\n\t\tbreak;\n"

    /// A copy of the fixture in which cpufeature describes TraceBuffer, which KVM passes through: a leak.
    func leakingTree(_ edits: [(path: String, old: String, new: String)] = []) throws -> String {
        try CheckRun.copy(edits: [CheckRun.describeTraceBuffer] + edits)
    }

    func bound(_ tree: String, _ arguments: [String] = []) throws -> CheckRun.Result {
        try CheckRun.ftrlint(["bound", tree] + arguments)
    }

    /// The lines the patch adds.
    func added(_ patch: String) -> [String] {
        patch.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { $0.hasPrefix("+") && !$0.hasPrefix("+++") }.map { String($0.dropFirst()) }
    }

    /// 6.1's idiom: the register's case in read_id_reg()'s switch, masks spelled `REG_Field_MASK`.
    func testCaseOfTheSwitch() throws {
        let tree = try leakingTree()
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let r = try bound(tree)
        XCTAssertEqual(r.status, 0, r.error)
        XCTAssertEqual(r.error, "")
        XCTAssertTrue(
            r.output.hasPrefix("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: "), r.output)
        XCTAssertTrue(
            r.output.contains("\nSubject: [PATCH] KVM: arm64: Limit ID register fields to what KVM handles\n"), r.output)
        XCTAssertTrue(r.output.contains("- ID_AA64DFR0_EL1.TraceBuffer: hidden, was passed through."), r.output)
        XCTAssertEqual(added(r.output), ["\t\tval &= ~ID_AA64DFR0_EL1_TraceBuffer_MASK;"])
        // Before the case's break, after the statement KVM already had there.
        XCTAssertTrue(
            r.output.contains(
                " \t\tval &= ~ID_AA64DFR0_EL1_PMSVer_MASK;\n+\t\tval &= ~ID_AA64DFR0_EL1_TraceBuffer_MASK;\n \t\tbreak;\n"),
            r.output)
        // The patch is what the proof applied: git's own applier takes it, and check is then clean.
        try git(["init", "-q"], in: tree)
        try write(r.output, to: tree + "/bound.patch")
        try git(["apply", "bound.patch"], in: tree)
        let check = try CheckRun.ftrlint(["check", tree])
        XCTAssertEqual(check.status, 0, check.output)
        XCTAssertEqual(check.output, "")
    }

    /// 5.10's idiom: an if / else-if chain on the register, masks spelled with the shift macro.
    func testBlockOfTheIfChain() throws {
        let tree = try leakingTree([
            (
                CheckRun.sysRegs, "#define ID_AA64DFR0_EL1_TraceBuffer_MASK",
                "#define ID_AA64DFR0_EL1_TraceBuffer_SHIFT\t44\n#define ID_AA64DFR0_EL1_PMSVer_SHIFT\t32\n"
                    + "#define ID_AA64DFR0_EL1_TraceBuffer_MASK"
            ),
            (
                CheckRun.sysRegs, "\tswitch (id) {\n\tcase SYS_ID_AA64DFR0_EL1:\n" + Self.hiddenPMSVer + "\t}\n",
                "\tif (id == SYS_ID_AA64DFR0_EL1) {\n\t\tval &= ~(0xfUL << ID_AA64DFR0_EL1_PMSVer_SHIFT);\n\t}\n"
            ),
        ])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let r = try bound(tree)
        XCTAssertEqual(r.status, 0, r.error)
        // cpufeature's own shift macro names the field.
        XCTAssertEqual(added(r.output), ["\t\tval &= ~(0xfUL << ID_AA64DFR0_EL1_TraceBuffer_SHIFT);"], r.output)
        XCTAssertTrue(r.output.contains("+\t\tval &= ~(0xfUL << ID_AA64DFR0_EL1_TraceBuffer_SHIFT);\n \t}\n"), r.output)
    }

    /// 6.12's and 7.2's idiom: the case hands the value to the register's sanitise helper, which gets the line.
    func testSanitiseHelper() throws {
        let helper = """
            static u64 sanitise_id_aa64dfr0_el1(const struct kvm_vcpu *vcpu, u64 val)
            {
            \t/* Hide SPE from guests */
            \tval &= ~ID_AA64DFR0_EL1_PMSVer_MASK;

            \treturn val;
            }

            /* Read a sanitised cpufeature ID register by sys_reg_desc */

            """
        let tree = try leakingTree([
            (CheckRun.sysRegs, "/* Read a sanitised cpufeature ID register by sys_reg_desc */\n", helper),
            (CheckRun.sysRegs, Self.hiddenPMSVer, "\t\tval = sanitise_id_aa64dfr0_el1(vcpu, val);\n\t\tbreak;\n"),
        ])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let r = try bound(tree)
        XCTAssertEqual(r.status, 0, r.error)
        XCTAssertTrue(
            r.output.contains(
                " \tval &= ~ID_AA64DFR0_EL1_PMSVer_MASK;\n+\tval &= ~ID_AA64DFR0_EL1_TraceBuffer_MASK;\n \n \treturn val;\n"),
            r.output)
    }

    /// A register with no branch of its own, read through the handler the others share: a new case.
    func testNewCaseAndOverBoundScope() throws {
        // The shift macro cpufeature.c spells the field with, as a shared header would give KVM.
        let tree = try CheckRun.copy(edits: [
            (
                CheckRun.sysRegs, "#define ID_AA64DFR0_EL1_TraceBuffer_MASK",
                "#define ID_AA64ISAR0_EL1_SHA1_SHIFT\t8\n#define ID_AA64DFR0_EL1_TraceBuffer_MASK"
            )
        ])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let additions = tree + "/additions.yaml"
        try write(
            """
            version: 1
            fields:
              ID_AA64ISAR0_EL1.SHA1: { class: kvm, bound: 0, reason: "test: a level that needs nothing, above the bound", levels: { 1: {} } }
            """, to: additions)
        let leaks = try bound(tree, ["--policy-additions", additions])
        XCTAssertEqual(leaks.status, 0, leaks.error)
        XCTAssertEqual(leaks.output, "", "nothing leaks: the default scope has nothing to do")
        XCTAssertTrue(leaks.error.hasPrefix("ftrlint: nothing to bound: no leaks finding"), leaks.error)
        let r = try bound(tree, ["--policy-additions", additions, "--scope", "over-bound"])
        XCTAssertEqual(r.status, 0, r.error)
        XCTAssertTrue(r.output.contains("Subject: [PATCH] KVM: arm64: Limit ID register fields to their bounds\n"), r.output)
        XCTAssertEqual(
            added(r.output),
            [
                "\tcase SYS_ID_AA64ISAR0_EL1:", "\t\tval &= ~(0xfUL << ID_AA64ISAR0_EL1_SHA1_SHIFT);",
                "\t\tbreak;",
            ], r.output)
        XCTAssertTrue(r.output.contains(" \t\tbreak;\n+\tcase SYS_ID_AA64ISAR0_EL1:\n"), r.output)
    }

    /// -o writes the patch only once it is proved; --register keeps some registers.
    func testOutputFileAndRegisters() throws {
        let tree = try leakingTree()
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let file = tree + "/out.patch"
        let r = try bound(tree, ["-o", file])
        XCTAssertEqual(r.status, 0, r.error)
        XCTAssertEqual(r.output, "")
        XCTAssertTrue(try String(contentsOfFile: file, encoding: .utf8).contains("ID_AA64DFR0_EL1_TraceBuffer_MASK"))
        let other = try bound(tree, ["--register", "ID_AA64ISAR0"])
        XCTAssertEqual(other.status, 0, other.error)
        XCTAssertEqual(other.output, "")
        XCTAssertTrue(other.error.contains("nothing to bound"), other.error)
    }

    /// Bad input: one line, exit 2, nothing on stdout and no file written.
    func testBadInputIsOneLineAndExitTwo() throws {
        let tree = try leakingTree()
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let file = tree + "/never.patch"
        let unknown = try bound(tree, ["--register", "ID_NOSUCH_EL1", "-o", file])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertEqual(unknown.output, "")
        XCTAssertEqual(unknown.error, "ftrlint: error: --register ID_NOSUCH_EL1: no such register in cpufeature's tables\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file))
        // A read path ftrlint does not recognise: access_id_reg() renamed away from the table's entries.
        try CheckRun.edit(tree, CheckRun.sysRegs, "\t.access\t= access_id_reg,", "\t.access\t= access_id_reg_renamed,")
        let unrecognised = try bound(tree, ["-o", file])
        XCTAssertEqual(unrecognised.status, 2)
        XCTAssertEqual(unrecognised.output, "")
        XCTAssertEqual(unrecognised.error.filter { $0 == "\n" }.count, 1, unrecognised.error)
        XCTAssertTrue(unrecognised.error.hasPrefix("ftrlint: error: "), unrecognised.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file))
        let scope = try bound(tree, ["--scope", "everything"])
        XCTAssertEqual(scope.status, 2)
        XCTAssertEqual(scope.error.filter { $0 == "\n" }.count, 1, scope.error)
    }

    func write(_ text: String, to path: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

    @discardableResult
    func git(_ arguments: [String], in directory: String) throws -> CheckRun.Result {
        let r = try CheckRun.run(["git", "-c", "user.name=t", "-c", "user.email=t@t"] + arguments, in: directory)
        XCTAssertEqual(r.status, 0, "git \(arguments): \(r.error)")
        return r
    }
}

import Foundation
import Patch
import XCTest

/// `ftrlint bound` on pKVM's allow-list idiom (testdata/rules/pkvm-allow-list, 6.1's shape): four fields
/// leak to protected guests through hyp/include/nvhe/fixed_config.h, each answered the way that header
/// and upstream's own fixes spell it. The patch applies with git, and check is then clean.
final class BoundAllowListTests: XCTestCase {
    static let fixture = CheckRun.repo + "/testdata/rules/pkvm-allow-list"
    static let header = "arch/arm64/kvm/hyp/include/nvhe/fixed_config.h"
    static let pkvm = "arch/arm64/kvm/hyp/nvhe/sys_regs.c"

    func testEachShapeOfTheAllowList() throws {
        let tree = FileManager.default.temporaryDirectory.appendingPathComponent("ftrlint-pkvm-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: tree)
        defer { try? FileManager.default.removeItem(atPath: tree) }

        let before = try CheckRun.ftrlint(["check", tree])
        XCTAssertEqual(before.status, 1)
        XCTAssertEqual(before.output.components(separatedBy: "[ftrlint-protected-leak]").count - 1, 4, before.output)
        // The note names pKVM's branch for the register, not KVM's table entry.
        XCTAssertTrue(
            before.output.contains(
                "\(Self.pkvm):98:3: note: pvm_access_id_aarch64() decides ID_AA64DFR0_EL1 for protected guests here"),
            before.output)

        let r = try CheckRun.ftrlint(["bound", tree])
        XCTAssertEqual(r.status, 0, r.error)
        let patch = try GitPatch(parsing: r.output)
        // Hidden: the field leaves the allow mask, and the entry before the last keeps its `|`.
        XCTAssertEqual(
            lines(patch, .removed, Self.header),
            [
                "\tARM64_FEATURE_MASK(ID_AA64PFR0_EL1_CSV2) | \\",
                "\tFIELD_PREP(ARM64_FEATURE_MASK(ID_AA64PFR0_EL1_EL1), ID_AA64PFR0_EL1_ELx_64BIT_ONLY) \\",
                "\tARM64_FEATURE_MASK(ID_AA64DFR0_EL1_PMSVer) | \\",
                "\tARM64_FEATURE_MASK(ID_AA64MMFR1_EL1_HAFDBS) | \\",
            ])
        XCTAssertEqual(
            lines(patch, .added, Self.header),
            [
                // Capped: the register's restriction gains the field.
                "\tFIELD_PREP(ARM64_FEATURE_MASK(ID_AA64PFR0_EL1_EL1), ID_AA64PFR0_EL1_ELx_64BIT_ONLY) | \\",
                "\tFIELD_PREP(ARM64_FEATURE_MASK(ID_AA64PFR0_EL1_CSV2), 1) \\",
                // A register with no restriction gets one, in the header's words.
                "/*", " * Restrict to the following *unsigned* features for protected VMs:",
                " * - HAFDBS up to 2 (FEAT_HAFDBS)", " */", "#define PVM_ID_AA64MMFR1_RESTRICT_UNSIGNED (\\",
                "\tFIELD_PREP(ARM64_FEATURE_MASK(ID_AA64MMFR1_EL1_HAFDBS), 2) \\", "\t)", "",
            ])
        XCTAssertEqual(lines(patch, .removed, Self.pkvm), ["\treturn id_aa64mmfr1_el1_sys_val & PVM_ID_AA64MMFR1_ALLOW;"])
        XCTAssertEqual(
            lines(patch, .added, Self.pkvm),
            [
                // A signed field: upstream's signed minimum, so that a host without 4K granules shows NI.
                "\tset_mask |= FIELD_PREP(ARM64_FEATURE_MASK(ID_AA64MMFR0_EL1_TGRAN4),",
                "\t\tmin_t(int, cpuid_feature_extract_signed_field(id_aa64mmfr0_el1_sys_val,",
                "\t\t\t\t\t\t\t      ID_AA64MMFR0_EL1_TGRAN4_SHIFT),",
                "\t\t      0));",
                // The bare `return … & ALLOW;` gets the set_mask its siblings have, and applies the restriction.
                "\tu64 set_mask = 0;", "",
                "\tset_mask |= get_restricted_features_unsigned(id_aa64mmfr1_el1_sys_val,",
                "\t\tPVM_ID_AA64MMFR1_RESTRICT_UNSIGNED);", "",
                "\treturn (id_aa64mmfr1_el1_sys_val & PVM_ID_AA64MMFR1_ALLOW) | set_mask;",
            ])
        XCTAssertTrue(r.output.contains(" 2 files changed, 20 insertions(+), 5 deletions(-)\n"), r.output)
        XCTAssertTrue(
            r.output.contains("- ID_AA64MMFR0_EL1.TGRAN4 (protected guests): at most 0 in signed order, so\n"), r.output)

        for args in [["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "base"]] {
            let g = try CheckRun.run(["git", "-c", "user.name=t", "-c", "user.email=t@t"] + args, in: tree)
            XCTAssertEqual(g.status, 0, g.error)
        }
        try r.output.write(toFile: tree + "/bound.patch", atomically: true, encoding: .utf8)
        let apply = try CheckRun.run(["git", "apply", "bound.patch"], in: tree)
        XCTAssertEqual(apply.status, 0, apply.error)
        try FileManager.default.removeItem(atPath: tree + "/bound.patch")
        let after = try CheckRun.ftrlint(["check", tree])
        XCTAssertEqual(after.status, 0, after.output)
        XCTAssertEqual(after.output, "")
    }

    /// A field the register's restriction already names gets its line replaced, not a second entry that
    /// would OR two values into one field.
    func testARestrictionInPlaceIsReplaced() throws {
        let tree = FileManager.default.temporaryDirectory.appendingPathComponent("ftrlint-pkvm-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: tree)
        defer { try? FileManager.default.removeItem(atPath: tree) }
        try CheckRun.edit(
            tree, CheckRun.cpufeature, "#define ID_AA64MMFR1_EL1_HAFDBS_SHIFT\t0\n",
            "#define ID_AA64MMFR1_EL1_HAFDBS_SHIFT\t0\n#define ID_AA64MMFR0_EL1_PARANGE_SHIFT\t0\n")
        try CheckRun.edit(
            tree, CheckRun.cpufeature, "\t\t\t ID_AA64MMFR0_EL1_TGRAN4_NI),\n",
            "\t\t\t ID_AA64MMFR0_EL1_TGRAN4_NI),\n"
                + "\tARM64_FTR_BITS(FTR_HIDDEN, FTR_STRICT, FTR_LOWER_SAFE, ID_AA64MMFR0_EL1_PARANGE_SHIFT, 4, 0),\n")
        // pKVM caps PARange at 40 bits (2); the test's policy says level 2 needs a register KVM lacks.
        let additions = tree + "/additions.yaml"
        try """
        version: 1
        fields:
          ID_AA64MMFR0_EL1.PARANGE: { class: kvm, bound: 6, reason: "test: level 2 needs a register KVM lacks", levels: { 2: { registers: [SCXTNUM_EL0] } } }
        """.write(toFile: additions, atomically: true, encoding: .utf8)
        let r = try CheckRun.ftrlint(["bound", tree, "--policy-additions", additions, "--register", "ID_AA64MMFR0_EL1"])
        XCTAssertEqual(r.status, 0, r.error)
        let patch = try GitPatch(parsing: r.output)
        XCTAssertEqual(
            lines(patch, .removed, Self.header),
            ["\tFIELD_PREP(ARM64_FEATURE_MASK(ID_AA64MMFR0_EL1_PARANGE), ID_AA64MMFR0_EL1_PARANGE_40) \\"], r.output)
        XCTAssertEqual(
            lines(patch, .added, Self.header), ["\tFIELD_PREP(ARM64_FEATURE_MASK(ID_AA64MMFR0_EL1_PARANGE), 1) \\"],
            r.output)
    }

    /// The lines of one kind the patch has in `path`, in order.
    func lines(_ patch: GitPatch, _ kind: GitPatch.Line.Kind, _ path: String) -> [String] {
        patch.files.filter { $0.newPath == path }.flatMap(\.hunks).flatMap(\.lines).filter { $0.kind == kind }.map(\.text)
    }
}

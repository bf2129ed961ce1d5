import Foundation
import KernelModel
import KernelTree
import LibClang
import XCTest

/// KVM's guest view: one fixture field per idiom the read path uses, and the real trees' known cases.
final class GuestViewTests: XCTestCase {
    private func model(_ root: String) throws -> TreeModel {
        let tree = try KernelTree(path: root)
        let env = try ParseEnvironment(tree: tree, cacheRoot: NSTemporaryDirectory() + "ftrlint-tests-env")
        return try TreeModel(tree: tree, arguments: env, policy: try Policy.shipped())
    }

    func testFixtureIdioms() throws {
        let m = try model(CpufeatureTablesTests.fixtures + "/kvm-idioms")
        func normal(_ key: String) throws -> KvmTreatment { try XCTUnwrap(m.guestView.fields[key], key).normal }
        XCTAssertEqual(try normal("ID_IDIOM0_EL1.bits3_0").kind, .passthrough)
        XCTAssertEqual(try normal("ID_IDIOM0_EL1.bits7_4").kind, .hidden, "val &= ~MASK")
        XCTAssertEqual(try normal("ID_IDIOM0_EL1.bits11_8").kind, .hidden, "val &= ~(0xfUL << SHIFT)")
        let forced = try normal("ID_IDIOM0_EL1.bits15_12")
        XCTAssertEqual(forced.kind, .forced)
        XCTAssertEqual(forced.value, 2)
        let capped = try normal("ID_IDIOM0_EL1.bits19_16")
        XCTAssertEqual(capped.kind, .capped)
        XCTAssertEqual(capped.cap, 3)
        let sve = try normal("ID_IDIOM0_EL1.bits23_20")
        XCTAssertEqual(sve.kind, .conditional)
        XCTAssertEqual(sve.condition, "vcpu_has_sve(vcpu)", "as the file spells it")
        XCTAssertEqual(Set(sve.paths.map(\.kind)), [.passthrough, .hidden])
        XCTAssertEqual(try normal("ID_IDIOM0_EL1.bits27_24").kind, .computed, "value from kvm->arch")
        let ternary = try normal("ID_IDIOM0_EL1.bits31_28")
        XCTAssertEqual(ternary.kind, .conditional, "a cap under a ternary stays a cap on its side, hidden on the other")
        XCTAssertEqual(
            Set(ternary.paths.map { "\($0.when) \($0.kind) \($0.value ?? -1)" }),
            ["vcpu_has_pmu(vcpu) capped 5", "!(vcpu_has_pmu(vcpu)) hidden 0"])
        XCTAssertEqual(ternary.bound, 5)
        XCTAssertEqual(ternary.condition, "vcpu_has_pmu(vcpu)")
        XCTAssertEqual(try normal("ID_IDIOM1_EL1.bits3_0").kind, .passthrough, "kept by the allowlist")
        XCTAssertEqual(try normal("ID_IDIOM1_EL1.bits7_4").kind, .hidden, "outside the allowlist")
        // min()'s '<' pasted from __cmp_op_##op: a cap where libclang names operators from the AST (17+);
        // libclang 14 sees no operator, and the field is unknown, saying why: never a run-time condition,
        // a cap or the host's value.
        let pasted = try normal("ID_IDIOM1_EL1.bits15_12")
        if Cursor.operatorsFromAST {
            XCTAssertEqual(pasted.kind, .capped)
            XCTAssertEqual(pasted.cap, 4)
        } else {
            XCTAssertEqual(pasted.kind, .unknown)
            XCTAssertTrue(pasted.note?.hasPrefix("libclang cannot name the operator inside the macro in ") ?? false, "\(pasted)")
        }
        // A switch on a helper's value: its case 0xf needs the host field at 15, which the helper's
        // `host == 0xf` and min()'s `host < 6` rule out, so no path shows 0xf.
        let converted = try normal("ID_IDIOM1_EL1.bits19_16")
        XCTAssertFalse(converted.paths.isEmpty)
        XCTAssertFalse(converted.paths.contains { $0.value == 0xf }, "\(converted.paths)")
        XCTAssertTrue(converted.paths.contains { $0.value == 3 }, "case 1 of a host value of 1: \(converted.paths)")
        XCTAssertEqual(try normal("ID_IDIOM2_EL1.bits3_0").kind, .hidden, "register read as zero")
        // Where a fix goes: the register's own case of the handler's switch on the encoding.
        let branch = try XCTUnwrap(m.guestView.fields["ID_IDIOM0_EL1.bits3_0"]?.branch)
        XCTAssertEqual([branch.path, "\(branch.line)"], ["arch/arm64/kvm/sys_regs.c", "126"])
        // Every statement that decides a field is listed.
        XCTAssertTrue(forced.locations.contains { $0.path == "arch/arm64/kvm/sys_regs.c" && $0.line == 81 })
        // The nested view: a field that only nested guests lose, and writability from ID_WRITABLE.
        let nv = try XCTUnwrap(m.guestView.fields["ID_IDIOM1_EL1.bits11_8"])
        XCTAssertEqual(nv.normal.kind, .passthrough)
        XCTAssertEqual(nv.nested?.kind, .hidden)
        XCTAssertEqual(m.guestView.fields["ID_IDIOM0_EL1.bits3_0"]?.writable, true)
        XCTAssertEqual(m.guestView.fields["ID_IDIOM0_EL1.bits7_4"]?.writable, false)
    }

    /// Fail closed: a descriptor whose handler cannot be followed gives unknown fields that say why, not hidden
    /// ones; the value of inline asm is not KVM's own state.
    func testUnfollowedHandlerAndInlineAsmAreUnknown() throws {
        let sysRegs = "arch/arm64/kvm/sys_regs.c"
        let root = try Robustness.copyTree(self)
        try Robustness.edit(
            root, sysRegs, "u64 read_sanitised_ftr_reg(u32 id);",
            """
            u64 read_sanitised_ftr_reg(u32 id);
            bool access_id_reg_elsewhere(struct kvm_vcpu *vcpu, struct sys_reg_params *p, const struct sys_reg_desc *r);
            """)
        try Robustness.edit(
            root, sysRegs, "\tID_SANITISED(ID_AA64PFR0_EL1),",
            "\t{ SYS_DESC(SYS_ID_AA64PFR0_EL1), .access = access_id_reg_elsewhere },")
        let m = try model(root)
        let amu = try XCTUnwrap(m.guestView.fields["ID_AA64PFR0_EL1.AMU"])
        XCTAssertEqual(amu.normal.kind, .unknown)
        XCTAssertEqual(
            amu.normal.note,
            "ID_AA64PFR0_EL1's .access = access_id_reg_elsewhere is not defined in the KVM files "
                + "ftrlint reads: the guest's value could not be followed")
        XCTAssertEqual(amu.function, "access_id_reg_elsewhere")
        XCTAssertEqual(amu.normal.locations.first?.path, sysRegs, "points at the descriptor's handler")
        XCTAssertEqual(m.guestView.fields["ID_AA64ISAR0_EL1.AES"]?.normal.kind, .passthrough)

        let asm = try Robustness.copyTree(self)
        try Robustness.edit(
            asm, sysRegs, "\treturn val;\n}",
            """
            \tu64 raw;
            \tasm volatile("mrs %0, id_aa64pfr0_el1" : "=r" (raw));
            \tval |= raw & ID_AA64PFR0_EL1_AMU_MASK;
            \treturn val;
            }
            """)
        let a = try model(asm)
        let raw = try XCTUnwrap(a.guestView.fields["ID_AA64PFR0_EL1.AMU"]).normal
        XCTAssertEqual(raw.kind, .unknown, "a raw mrs is the host's value, not KVM's own state")
        XCTAssertTrue(raw.note?.hasPrefix("inline asm asm volatile") ?? false, raw.note ?? "no note")
        XCTAssertEqual(a.guestView.fields["ID_AA64ISAR0_EL1.AES"]?.normal.kind, .passthrough, "the mask keeps the asm to AMU")
    }

    /// The cases maintainers know, on every cached Debian tree.
    func testRealTrees() throws {
        for version in RealTrees.versions {
            let m = try model(try RealTrees.root(version))
            func normal(_ key: String) throws -> KvmTreatment {
                try XCTUnwrap(m.guestView.fields[key], "\(key) in \(version)").normal
            }
            XCTAssertEqual(try normal("ID_AA64DFR0_EL1.PMSVer").kind, version == "5.10" ? .passthrough : .hidden, version)
            let pmu = try normal("ID_AA64DFR0_EL1.PMUVer")
            // Capped, or capped with a vPMU and hidden without one: never the host's value as it is. (Where the cap
            // is min() with a pasted operator, libclang 14 cannot read its comparison: unknown.)
            XCTAssertTrue(
                pmu.kind == .capped
                    || (pmu.kind == .conditional && pmu.paths.contains { $0.kind == .capped }
                        && !pmu.paths.contains { $0.kind == .passthrough })
                    || (!Cursor.operatorsFromAST && pmu.kind == .unknown), "PMUVer in \(version): \(pmu)")
            XCTAssertEqual(try normal("ID_AA64PFR0_EL1.SVE").kind, .conditional, "SVE in \(version)")
            if version == "6.1" {
                let debug = try normal("ID_AA64DFR0_EL1.DebugVer")
                XCTAssertEqual(debug.kind, .forced)
                XCTAssertEqual(debug.value, 6)
            }
            for f in m.tables.fields { XCTAssertNotNil(m.guestView.fields[f.key], "\(f.key) has a treatment in \(version)") }
            // SVE's condition is the macro as written, each way once (not its parts, which print alike).
            XCTAssertEqual(
                try normal("ID_AA64PFR0_EL1.SVE").paths.map(\.when).sorted(),
                ["!(vcpu_has_sve(vcpu))", "vcpu_has_sve(vcpu)"], "SVE in \(version)")
            // No path reads as testing one predicate both ways.
            for (key, field) in m.guestView.fields {
                for t in [field.normal] + [field.nested, field.protected].compactMap({ $0 }) {
                    for path in t.paths {
                        let terms = path.when.components(separatedBy: " && ")
                        let negated = Set(
                            terms.filter { $0.hasPrefix("!(") && $0.hasSuffix(")") }.map { String($0.dropFirst(2).dropLast()) })
                        XCTAssertTrue(negated.isDisjoint(with: terms), "\(key) in \(version): \(path.when)")
                    }
                }
            }
        }
    }
}

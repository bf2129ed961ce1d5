import Foundation
import KernelModel
import XCTest

@testable import Rules

/// Every rule of the registry, on its own examples: a rule cannot ship without examples that run.
final class RuleExamplesTests: XCTestCase {
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/rules").path

    /// A failure is reported at the example that fails (its #filePath and #line), not here.
    func testEveryRuleOnItsExamples() {
        XCTAssertFalse(RuleRegistry.all.isEmpty)
        for rule in RuleRegistry.all {
            let d = rule.description
            XCTAssertFalse(d.triggeringExamples.isEmpty, "\(d.identifier) has no triggering example")
            XCTAssertFalse(d.nonTriggeringExamples.isEmpty, "\(d.identifier) has no non-triggering example")
            for example in d.triggeringExamples {
                let (file, line) = (example.file, example.line)
                XCTAssertFalse(
                    example.expected.isEmpty, "\(d.identifier): a triggering example names what it reports",
                    file: file, line: line)
                let findings = rule.check(example.context)
                XCTAssertEqual(
                    findings.map(\.key).sorted(), example.expected.sorted(), "\(d.identifier): \(example.summary)",
                    file: file, line: line)
                for f in findings {
                    XCTAssertEqual(f.rule, d.identifier, example.summary, file: file, line: line)
                    XCTAssertEqual(f.severity, d.severity, example.summary, file: file, line: line)
                    XCTAssertFalse(f.message.contains("\n"), "\(d.identifier): one-line messages", file: file, line: line)
                    XCTAssertGreaterThanOrEqual(f.location.line, 1, file: file, line: line)
                }
            }
            for example in d.nonTriggeringExamples {
                let findings = rule.check(example.context)
                XCTAssertEqual(
                    findings.map(\.message), [], "\(d.identifier): \(example.summary)",
                    file: example.file, line: example.line)
            }
        }
    }

    /// An example records where it is written, its rule's own file, so that a failure points at it.
    func testExamplesRecordWhereTheyAreWritten() {
        for rule in RuleRegistry.all {
            let d = rule.description
            for example in d.triggeringExamples + d.nonTriggeringExamples {
                XCTAssertTrue("\(example.file)".hasSuffix("/Sources/Rules/\(rule).swift"), "\(d.identifier): \(example.summary)")
            }
        }
        let line: UInt = #line + 1
        let here = RuleExample("written here", Example.context([]))
        XCTAssertEqual("\(here.file)", #filePath)
        XCTAssertEqual(here.line, line)
    }

    func testIdentifiersAreStableKebabCaseAndDocumented() throws {
        var seen = Set<String>()
        for d in RuleRegistry.descriptions {
            XCTAssertTrue(seen.insert(d.identifier).inserted, "duplicate identifier \(d.identifier)")
            XCTAssertNotNil(d.identifier.range(of: #"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"#, options: .regularExpression), d.identifier)
            XCTAssertFalse(d.rationale.isEmpty)
            let page = Self.docs + "/\(d.identifier).md"
            XCTAssertTrue(FileManager.default.fileExists(atPath: page), "no docs page \(page)")
            if let text = try? String(contentsOfFile: page, encoding: .utf8) {
                XCTAssertTrue(text.contains("ftrlint-\(d.identifier)"), "\(page) names the rule as printed")
            }
        }
        XCTAssertEqual(
            RuleRegistry.all.map { $0.description.identifier },
            [
                "leak", "nv-leak", "protected-leak", "unknown-treatment", "mandatory-unhandled", "unverified", "over-bound",
                "unclassified", "latent", "stale-mask",
            ])
    }

    /// The leak message names the level, the registers and, as a note, the KVM function that decides.
    func testLeakMessageAndNote() throws {
        let example = try XCTUnwrap(LeakRule.description.triggeringExamples.first)
        let f = try XCTUnwrap(LeakRule.check(example.context).first)
        XCTAssertEqual(f.location.path, "arch/arm64/kernel/cpufeature.c")
        XCTAssertTrue(f.message.contains("value 1 (FEAT_1)"), f.message)
        XCTAssertTrue(f.message.contains("registers PMSCR_EL1 and PMSIDR_EL1"), f.message)
        XCTAssertTrue(f.message.contains("passes the host's value through"), f.message)
        XCTAssertEqual(f.related.count, 1)
        XCTAssertTrue(f.related[0].message.contains("read_sanitised_id_reg()"), f.related[0].message)
        XCTAssertEqual(f.related[0].location.path, "arch/arm64/kvm/sys_regs.c")
    }

    /// Policy register names reach KVM's entries through their family and AArch32 spellings.
    func testKvmSupportSpellings() {
        func reg(
            _ table: String, _ name: String, access: String?, undef: Bool = false, vcpuReg: String? = nil,
            encoding: Encoding? = nil, visibility: KvmRegister.VisibilityKind = .none
        ) -> KvmRegister {
            KvmRegister(
                table: table, name: name, nameIsDerived: false, encoding: encoding, access: access, reset: nil,
                visibility: nil, getUser: nil, setUser: nil, reg: vcpuReg, regIndex: nil, value: 0, valueIsExplicit: false,
                accessIsUndefined: undef, visibilityKind: visibility, location: Example.kvmLine(1), macro: nil)
        }
        let s = KvmSupport(
            KvmRegisterTables(registers: [
                reg("sys_reg_descs", "PMEVCNTRn_EL0(3)", access: "access_pmu_evcntr"),
                reg("sys_reg_descs", "DBGBCR0_EL1", access: "trap_bcr"),
                reg("sys_reg_descs", "CNTP_CTL_EL0", access: "access_arch_timer"),
                reg("cp15_regs", "cp15_0_14_2_1", access: "access_arch_timer"),
                reg("sys_reg_descs", "PMSCR_EL1", access: "undef_access", undef: true),
                reg("sys_reg_descs", "TRFCR_EL1", access: "access_trfcr"),
                // Context-switched, not trapped: no handler, or UNDEF only, but per-vCPU state.
                reg("sys_reg_descs", "APIAKEYLO_EL1", access: "undef_access", undef: true, vcpuReg: "APIAKEYLO_EL1"),
                reg("sys_reg_descs", "ZCR_EL1", access: nil, vcpuReg: "ZCR_EL1"),
                reg("sys_reg_descs", "SMPRI_EL1", access: nil, vcpuReg: "SMPRI_EL1", visibility: .alwaysHidden),
                // No name in the table: found by the architecture's encoding.
                reg(
                    "sys_reg_descs", "S2_0_0_0_2", access: "trap_raz_wi",
                    encoding: Encoding(op0: 2, op1: 0, crn: 0, crm: 0, op2: 2)),
                // An AArch32 entry aliasing an AArch64 register.
                reg("cp15_regs", "cp15_0_14_1_0", access: "access_vm_reg", vcpuReg: "CNTKCTL_EL1"),
            ]), encodings: ["OSDTRRX_EL1": Encoding(op0: 2, op1: 0, crn: 0, crm: 0, op2: 2)])
        XCTAssertTrue(s.handles("PMEVCNTRn_EL0"))
        XCTAssertTrue(s.handles("SYS_PMEVCNTRn_EL0"))
        XCTAssertTrue(s.handles("DBGBCRn_EL1"))
        XCTAssertTrue(s.handles("CNTP_CTL"), "AArch32 name through its AArch64 counterpart and a cp15 entry")
        XCTAssertFalse(s.handles("TRFCR"), "no AArch32 entry uses the counterpart's handler")
        XCTAssertFalse(s.handles("PMSCR_EL1"), "UNDEF only")
        XCTAssertFalse(s.handles("PMBIDR_EL1"))
        XCTAssertTrue(s.handles("APIAKEYLO_EL1"))
        XCTAssertTrue(s.handles("ZCR_EL1"))
        XCTAssertFalse(s.handles("SMPRI_EL1"), "always hidden")
        XCTAssertTrue(s.handles("OSDTRRX_EL1"))
        XCTAssertTrue(s.handles("CNTKCTL"))
    }

    func testSignedFieldsAndHandledLevel() {
        let shape = FieldShape(width: 4, signed: true)
        XCTAssertEqual(shape.value(0xF), -1)
        XCTAssertEqual(shape.value(1), 1)
        XCTAssertEqual(shape.maximum, 7)
        let entry = Example.kvm("ID_AA64PFR0_EL1.FP", bound: 1, levels: [0: ["FPCR"], 1: []])
        let support = KvmSupport(KvmRegisterTables(registers: []))
        XCTAssertNil(Shortfall.first(entry, support, bounded: false), "levels at or below 0 are not checked")
        XCTAssertNil(Shortfall.first(entry, support, bounded: true), "nor when KVM bounds the field")
        let spe = LeakRule.spe
        XCTAssertEqual(
            Shortfall.first(spe, KvmSupport(KvmRegisterTables(registers: [])), bounded: true)?.level.value, 1,
            "with no handler at all, SPE's first level is the shortfall")
    }

    func testRegistryRunSortsByPlace() {
        let ctx = Example.context([
            .init("ID_AA64ISAR0_EL1.AES", Example.isa("ID_AA64ISAR0_EL1.AES", bound: 2), normal: Example.forced(3)),
            .init("ID_AA64PFR0_EL1.AMU", UnknownTreatmentRule.amu, normal: Example.passthrough),
            .init("ID_AA64PFR0_EL1.Future", nil, normal: Example.passthrough),
        ])
        let findings = RuleRegistry.run(ctx)
        XCTAssertEqual(findings.map(\.rule), ["over-bound", "leak", "unclassified"])
        XCTAssertEqual(findings.map(\.location.line), [100, 101, 102])
    }
}

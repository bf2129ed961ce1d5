import Foundation
@testable import FtrLint
@testable import KernelModel
import XCTest

/// `explain` on hand-made model values, with source lines served from memory.
final class ExplainTests: XCTestCase {
    let lines: [String: [Int: String]] = [
        MatrixSamples.cpufeature: [290: "\tARM64_FTR_BITS(FTR_VISIBLE_IF_IS_ENABLED(CONFIG_ARM64_SVE), FTR_STRICT, FTR_LOWER_SAFE, ID_AA64PFR0_EL1_SVE_SHIFT, 4, 0),"],
        MatrixSamples.sysRegs: [1580: "\t\tval &= ~ID_AA64PFR0_EL1_SVE_MASK;", 1581: "\tif (vcpu_has_sve(vcpu))"],
    ]

    func story(_ key: String) throws -> String {
        let f = try FieldStory.resolve(key, in: MatrixSamples.tables)
        let row = try XCTUnwrap(MatrixSamples.matrix.rows.first { $0.key == f.key })
        return FieldStory(row: row, line: { self.lines[$0.path]?[$0.line] }).render()
    }

    func testTellsTheWholeStoryInOrder() throws {
        let text = try story("ID_AA64PFR0_EL1.SVE")
        let expected = [
            "ID_AA64PFR0_EL1.SVE — bits 35:32 of ID_AA64PFR0_EL1, sys_reg(3,0,0,4,0)",
            "cpufeature: arch/arm64/kernel/cpufeature.c:290:2 in ftr_id_aa64pfr0",
            "| ARM64_FTR_BITS(FTR_VISIBLE_IF_IS_ENABLED(CONFIG_ARM64_SVE)",
            "LOWER_SAFE, safe value 0, unsigned, FTR_VISIBLE_IF_IS_ENABLED(CONFIG_ARM64_SVE), FTR_STRICT",
            "KVM, normal guest: conditional  (decided in read_sanitised_id_aa64pfr0_el1())",
            "condition: vcpu_has_sve(vcpu) a | b",
            "when !vcpu_has_sve(vcpu): hidden = 0",
            "when vcpu_has_sve(vcpu): passthrough",
            "1. arch/arm64/kvm/sys_regs.c:1580:3",
            "| val &= ~ID_AA64PFR0_EL1_SVE_MASK;",
            "2. arch/arm64/kvm/sys_regs.c:1581:3",
            "| if (vcpu_has_sve(vcpu))",
            "writable by userspace: yes",
            "KVM, nested guest (NV): hidden (reads as 0)",
            "KVM, protected guest (pKVM): -",
            "policy: kvm, bound 1",
            "FEAT_SVE: ZCR_EL1",
            "1: FEAT_SVE registers ZCR_EL1",
        ]
        var rest = Substring(text)
        for e in expected {
            guard let r = rest.range(of: e) else { return XCTFail("missing, or out of order: \(e)\n\(text)") }
            rest = rest[r.upperBound...]
        }
    }

    func testNoStatementsNoNestedNoPolicy() throws {
        let text = try story("ctr_el0.dic")
        XCTAssertTrue(text.contains("KVM, normal guest: passthrough"), text)
        XCTAssertTrue(text.contains("no KVM statement touches the field"), text)
        XCTAssertTrue(text.contains("writable by userspace: - "), text)
        XCTAssertTrue(text.contains("policy: isa, bound 1"), text)
        let unknown = try story("CTR_EL0.IminLine")
        XCTAssertTrue(unknown.contains("KVM, normal guest: unknown"), unknown)
        XCTAssertTrue(unknown.contains(FieldMatrix.missingNote), unknown)
        XCTAssertTrue(unknown.contains("the shipped policy has no entry"), unknown)
    }

    func testResolvesSpellings() throws {
        XCTAssertEqual(try FieldStory.resolve("ID_AA64PFR0_EL1.SVE", in: MatrixSamples.tables).key, "ID_AA64PFR0_EL1.SVE")
        XCTAssertEqual(try FieldStory.resolve("id_aa64pfr0_el1.sve", in: MatrixSamples.tables).key, "ID_AA64PFR0_EL1.SVE")
        XCTAssertEqual(try FieldStory.resolve("ID_AA64PFR0.SVE", in: MatrixSamples.tables).key, "ID_AA64PFR0_EL1.SVE")
        XCTAssertEqual(try FieldStory.resolve("PMUVer", in: MatrixSamples.tables).key, "ID_AA64DFR0_EL1.PMUVer")
        XCTAssertThrowsError(try FieldStory.resolve("ID_AA64PFR0_EL1.SME", in: MatrixSamples.tables)) { e in
            XCTAssertTrue("\(e)".contains("has no field SME"), "\(e)")
            XCTAssertTrue("\(e)".contains("SVE, GIC, EL0"), "\(e)")
        }
        XCTAssertThrowsError(try FieldStory.resolve("ID_NOPE_EL1.SVE", in: MatrixSamples.tables)) { e in
            XCTAssertTrue("\(e)".contains("ID_AA64PFR0_EL1.SVE"), "points at the field of that name: \(e)")
        }
        XCTAssertThrowsError(try FieldStory.resolve("Nothing", in: MatrixSamples.tables))
    }

    func testSourceLines() {
        let lines = SourceLines { $0 == "a.c" ? "one\ntwo\n" : nil }
        XCTAssertEqual(lines.line(SourceRef(path: "a.c", line: 2, column: 1)), "two")
        XCTAssertNil(lines.line(SourceRef(path: "a.c", line: 9, column: 1)))
        XCTAssertNil(lines.line(SourceRef(path: "a.c", line: 0, column: 1)))
        XCTAssertNil(lines.line(SourceRef(path: "b.c", line: 1, column: 1)))
    }
}

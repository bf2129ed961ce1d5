import Foundation
import SysregSpec
import XCTest

/// The hand-written sysreg files under testdata/sysreg.
enum SysregFixture {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/sysreg")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static func spec(_ name: String) throws -> SysregSpec {
        try SysregSpec(text: text(name), path: name)
    }
}

final class SysregSpecParserTests: XCTestCase {
    func testRegistersAndFieldSetsInFileOrder() throws {
        let spec = try SysregFixture.spec("constructs.sysreg")
        XCTAssertEqual(spec.registers.map(\.name), ["TEST_ID_EL1", "TESTCTL_EL1", "TESTCTL_EL12", "TEST_VMCR_EL2"])
        XCTAssertEqual(spec.types.map(\.name), ["TESTCTL_ELx"])
        XCTAssertEqual(spec.types.first?.line, 4)
        XCTAssertEqual(spec.register(named: "TEST_ID_EL1")?.line, 15)
    }

    func testEncoding() throws {
        let spec = try SysregFixture.spec("constructs.sysreg")
        XCTAssertEqual(spec.register(named: "TEST_VMCR_EL2")?.encoding, SysregEncoding(op0: 3, op1: 4, crn: 12, crm: 11, op2: 7))
        XCTAssertNil(spec.register(named: "NOT_THERE"))
    }

    func testEveryFieldKind() throws {
        let spec = try SysregFixture.spec("constructs.sysreg")
        let fields = try XCTUnwrap(spec.register(named: "TEST_ID_EL1")).fields
        XCTAssertEqual(
            fields.map(\.kind), [.unsignedEnum, .signedEnum, .enumeration, .res0, .field, .res1, .unkn, .raz, .field, .res0])
        XCTAssertEqual(
            fields.map(\.name),
            [
                "Alpha", "Beta", "Gamma", "RES0_51_40", "Delta", "RES1_31_31", "UNKN_30_28",
                "RAZ_27_24", "Epsilon", "RES0_22_0",
            ])
        XCTAssertEqual(fields.map(\.line), [16, 21, 25, 29, 30, 31, 32, 33, 34, 35])
        XCTAssertTrue(fields.allSatisfy { $0.prefix == nil })
    }

    func testBitRanges() throws {
        let spec = try SysregFixture.spec("constructs.sysreg")
        let delta = try XCTUnwrap(spec.field(register: "TEST_ID_EL1", name: "Delta"))
        XCTAssertEqual([delta.msb, delta.lsb, delta.width], [39, 32, 8])
        XCTAssertEqual(delta.mask, 0x0000_00FF_0000_0000)
        let epsilon = try XCTUnwrap(spec.field(register: "TEST_ID_EL1", name: "Epsilon"))
        XCTAssertEqual([epsilon.msb, epsilon.lsb, epsilon.width], [23, 23, 1])
        XCTAssertEqual(spec.field(register: "TEST_VMCR_EL2", name: "RES0_63_8")?.mask, 0xFFFF_FFFF_FFFF_FF00)
    }

    func testEnumValues() throws {
        let spec = try SysregFixture.spec("constructs.sysreg")
        let alpha = try XCTUnwrap(spec.field(register: "TEST_ID_EL1", name: "Alpha"))
        XCTAssertEqual(alpha.values.map(\.name), ["NI", "IMP", "V2"])
        XCTAssertEqual(alpha.values.map(\.value), [0, 1, 3])
        XCTAssertEqual(alpha.values.map(\.literal), ["0b0000", "0b0001", "0b0011"])
        XCTAssertEqual(alpha.values.map(\.line), [17, 18, 19])
        XCTAssertEqual(spec.field(register: "TEST_ID_EL1", name: "Beta")?.value(named: "NI")?.value, 15)
        XCTAssertEqual(spec.field(register: "TEST_ID_EL1", name: "Delta")?.values, [])
    }

    func testFieldCoveringBit() throws {
        let spec = try SysregFixture.spec("constructs.sysreg")
        XCTAssertEqual(spec.field(register: "TEST_ID_EL1", lsb: 60)?.name, "Alpha")
        XCTAssertEqual(spec.field(register: "TEST_ID_EL1", lsb: 63)?.name, "Alpha")
        XCTAssertEqual(spec.field(register: "TEST_ID_EL1", lsb: 35)?.name, "Delta")
        XCTAssertEqual(spec.field(register: "TEST_ID_EL1", lsb: 0)?.kind, .res0)
        XCTAssertNil(spec.field(register: "TEST_ID_EL1", lsb: 64))
        XCTAssertNil(spec.field(register: "TEST_ID_EL1", lsb: -1))
    }

    func testFieldsDirectiveResolvesToFieldSet() throws {
        let spec = try SysregFixture.spec("constructs.sysreg")
        let reg = try XCTUnwrap(spec.register(named: "TESTCTL_EL1"))
        XCTAssertEqual(reg.reference, .fields("TESTCTL_ELx"))
        XCTAssertEqual(reg.fields, [])
        XCTAssertEqual(spec.field(register: "TESTCTL_EL1", lsb: 0)?.name, "Mode")
        XCTAssertEqual(spec.field(register: "TESTCTL_EL1", name: "Mode")?.values.map(\.name), ["OFF", "ON"])
        XCTAssertEqual(spec.fields(of: "TESTCTL_ELx").count, 5)
        XCTAssertEqual(spec.type(named: "TESTCTL_ELx")?.fields.map(\.kind), [.res0, .field, .res1, .unkn, .enumeration])
    }

    func testMappingResolvesThroughChain() throws {
        let spec = try SysregFixture.spec("constructs.sysreg")
        XCTAssertEqual(spec.register(named: "TESTCTL_EL12")?.reference, .mapping("TESTCTL_EL1"))
        // TESTCTL_EL12 maps to TESTCTL_EL1, whose layout is the field set TESTCTL_ELx.
        XCTAssertEqual(spec.field(register: "TESTCTL_EL12", name: "Enable")?.lsb, 7)
    }

    func testDanglingReferenceHasNoFields() throws {
        let spec = try SysregSpec(text: "Sysreg\tA_EL1\t3\t0\t0\t0\t0\nFields\tMISSING\nEndSysreg\n")
        XCTAssertEqual(spec.fields(of: "A_EL1"), [])
    }

    func testMappingCycleTerminates() throws {
        let text = """
            Sysreg\tA_EL1\t3\t0\t0\t0\t0
            Mapping\tB_EL1
            EndSysreg
            Sysreg\tB_EL1\t3\t0\t0\t0\t1
            Mapping\tA_EL1
            EndSysreg
            """
        XCTAssertEqual(try SysregSpec(text: text).fields(of: "A_EL1"), [])
    }

    func testPrefixedLayoutIsSeparate() throws {
        let spec = try SysregFixture.spec("constructs.sysreg")
        let reg = try XCTUnwrap(spec.register(named: "TEST_VMCR_EL2"))
        XCTAssertEqual(reg.fields.map(\.prefix), ["FEAT_NEW", "FEAT_NEW", "FEAT_NEW", nil, nil])
        XCTAssertEqual(spec.field(register: "TEST_VMCR_EL2", name: "Priority")?.lsb, 0)
        XCTAssertEqual(spec.field(register: "TEST_VMCR_EL2", name: "Priority", prefix: "FEAT_NEW")?.lsb, 8)
        XCTAssertEqual(spec.field(register: "TEST_VMCR_EL2", lsb: 0, prefix: "FEAT_NEW")?.name, "Level")
        XCTAssertEqual(spec.fields(of: "TEST_VMCR_EL2").map(\.name), ["RES0_63_8", "Priority"])
    }

    func testDuplicateEnumValuesAreAccepted() throws {
        // linux-6.12 ships one (the 7.x generator rejects it); the older generators print both names.
        let text = "Sysreg\tA_EL1\t3\t0\t0\t0\t0\nRes0\t63:2\nEnum\t1:0\tF\n\t0b01\tX\n\t0b01\tY\nEndEnum\nEndSysreg\n"
        XCTAssertEqual(try SysregSpec(text: text).field(register: "A_EL1", name: "F")?.values.map(\.name), ["X", "Y"])
    }

    func testBlankAndCommentLines() throws {
        let text = "  \t \n# comment\n   # indented comment\nSysreg A_EL1 3 0 0 0 0\n\n  Field 63:0 All\nEndSysreg"
        let spec = try SysregSpec(text: text)
        XCTAssertEqual(spec.field(register: "A_EL1", name: "All")?.line, 6)
    }

    func testCRLFLineEndings() throws {
        let text = "Sysreg\tA_EL1\t3\t0\t0\t0\t0\r\nField\t63:0\tAll\r\nEndSysreg\r\n"
        XCTAssertEqual(try SysregSpec(text: text).field(register: "A_EL1", lsb: 0)?.name, "All")
    }

    func testEmptyText() throws {
        let spec = try SysregSpec(text: "")
        XCTAssertEqual(spec.registers, [])
        XCTAssertEqual(spec.types, [])
        XCTAssertEqual(spec.path, "sysreg")
    }

    func testSixtyFourBitField() throws {
        let spec = try SysregSpec(text: "Sysreg A_EL1 3 0 0 0 0\nField 63:0 All\nEndSysreg\n")
        let all = try XCTUnwrap(spec.field(register: "A_EL1", name: "All"))
        XCTAssertEqual(all.width, 64)
        XCTAssertEqual(all.mask, .max)
    }

    /// 10 000 registers, 40 000 lines: linear work takes about a second in a debug build.
    func testScalesLinearly() throws {
        let text = (0..<10_000).map { "Sysreg R\($0) 3 0 0 0 0\nRes0 63:1\nField 0 F\nEndSysreg\n" }.joined()
        let start = Date()
        let spec = try SysregSpec(text: text)
        _ = SysregDefsHeader.render(spec)
        XCTAssertEqual(spec.registers.count, 10_000)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }
}

import Foundation
import LibClang
import XCTest

@testable import KernelModel

/// SysRegDescsExtractor over a small fixture written for the purpose (testdata/kvm-tables/sys_regs.c).
final class SysRegDescsTests: XCTestCase {
    static let fixtureDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("testdata/kvm-tables").path
    static let fixture = fixtureDir + "/sys_regs.c"
    static let arguments = ["-target", "aarch64-linux-gnu", "-std=gnu11"]

    private func extract(_ path: String = SysRegDescsTests.fixture, source: String? = nil) throws -> KvmRegisterTables {
        let unit = try TranslationUnit(
            path: path, arguments: Self.arguments,
            unsavedFiles: source.map { [path: $0] } ?? [:], options: [.keepGoing])
        return try SysRegDescsExtractor(unit: unit, relativize: { ($0 as NSString).lastPathComponent }).extract()
    }

    private func one(_ t: KvmRegisterTables, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws
        -> KvmRegister
    {
        let found = t.entries(named: name)
        XCTAssertEqual(found.count, 1, "entries named \(name)", file: file, line: line)
        return try XCTUnwrap(found.first, file: file, line: line)
    }

    func testTablesAndCounts() throws {
        let t = try extract()
        XCTAssertEqual(t.tables, ["sys_reg_descs", "cp15_regs", "cp15_64_regs"])
        XCTAssertEqual(t.entries(in: "sys_reg_descs").count, 15)
        XCTAssertEqual(t.entries(in: "cp15_regs").count, 4)
        XCTAssertEqual(t.entries(in: "cp15_64_regs").count, 2)
    }

    func testOneMacroManyEntries() throws {
        let t = try extract()
        let a0 = try one(t, "DBGAn_EL1(0)"), b0 = try one(t, "DBGBn_EL1(0)"), b1 = try one(t, "DBGBn_EL1(1)")
        XCTAssertEqual(a0.encoding, Encoding(op0: 2, op1: 0, crn: 0, crm: 0, op2: 4))
        XCTAssertEqual(b1.encoding, Encoding(op0: 2, op1: 0, crn: 0, crm: 1, op2: 5))
        // Both come from one invocation on one line: same location, same macro.
        XCTAssertEqual(a0.location, b0.location)
        XCTAssertEqual(a0.macro, "DBG_AB_EL1")
        XCTAssertEqual(a0.location.path, "sys_regs.c")
        XCTAssertNotEqual(a0.location.line, b1.location.line)
        // Positional: access, reset, reg, val.
        XCTAssertEqual(b1.access, "trap_debug")
        XCTAssertEqual(b1.reset, "reset_val")
        XCTAssertNil(b1.reg)
        XCTAssertEqual(b1.regIndex, 0)
        XCTAssertEqual(b1.value, 0x21)
        XCTAssertTrue(b1.valueIsExplicit)
    }

    func testDesignatedAfterMacroAndWritableMask() throws {
        let t = try extract()
        let toy0 = try one(t, "ID_TOY0_EL1")
        XCTAssertEqual(toy0.access, "access_id_reg")
        XCTAssertEqual(toy0.getUser, "get_widget")
        XCTAssertEqual(toy0.setUser, "set_widget")
        XCTAssertNil(toy0.reset)
        XCTAssertEqual(toy0.value, 0xf0 | 0x1000)
        XCTAssertEqual(toy0.visibilityKind, .none)
        XCTAssertFalse(toy0.accessIsUndefined)
        XCTAssertEqual(toy0.macro, "ID_WRITABLE")
        XCTAssertTrue(t.handles("ID_TOY0_EL1"))

        let toy1 = try one(t, "ID_TOY1_EL1")
        XCTAssertEqual(toy1.visibility, "raz_visibility")
        XCTAssertEqual(toy1.visibilityKind, .alwaysRaz)
        XCTAssertEqual(toy1.value, 0)
        XCTAssertFalse(toy1.valueIsExplicit)
        XCTAssertTrue(t.handles("ID_TOY1_EL1"), "RAZ still reaches the handler")
    }

    func testUnnamedEntryIsNamedFromItsEncoding() throws {
        let t = try extract()
        let unalloc = try one(t, "S3_0_0_4_3")
        XCTAssertTrue(unalloc.nameIsDerived)
        XCTAssertEqual(unalloc.encoding, Encoding(op0: 3, op1: 0, crn: 0, crm: 4, op2: 3))
        XCTAssertEqual(unalloc.visibilityKind, .alwaysRaz)
        XCTAssertFalse(try one(t, "WIDGET_EL1").nameIsDerived)
    }

    func testHandlersAndVisibility() throws {
        let t = try extract()
        let widget = try one(t, "WIDGET_EL1")
        XCTAssertEqual(widget.access, "access_widget")
        XCTAssertEqual(widget.reset, "reset_unknown")
        XCTAssertEqual(widget.reg, "WIDGET_EL1")
        XCTAssertEqual(widget.regIndex, 1)
        XCTAssertEqual(widget.visibility, "widget_visibility")
        XCTAssertEqual(widget.visibilityKind, .conditional)
        XCTAssertEqual(widget.encoding, Encoding(op0: 3, op1: 0, crn: 1, crm: 0, op2: 2))
        XCTAssertNil(widget.macro)

        // A handler defined elsewhere is taken as real; REG_USER_WI alone does not hide the register.
        let gadget = try one(t, "GADGET_EL1")
        XCTAssertEqual(gadget.access, "access_elsewhere")
        XCTAssertFalse(gadget.accessIsUndefined)
        XCTAssertEqual(gadget.visibilityKind, .none)
        XCTAssertEqual(gadget.value, 0x42)
        XCTAssertEqual(gadget.reg, "GADGET_EL1")

        let spy = try one(t, "SPY_EL1")
        XCTAssertTrue(spy.accessIsUndefined)
        XCTAssertFalse(t.handles("SPY_EL1"))

        // A handler that only returns an undefined-access handler's result is undefined-access.
        let ctl = try one(t, "SPY_CTL_EL1")
        XCTAssertEqual(ctl.access, "forward_undef")
        XCTAssertTrue(ctl.accessIsUndefined)
        XCTAssertEqual(ctl.visibilityKind, .alwaysHidden)

        // Another statement besides the injection: not classified as undefined-access. NULL callbacks are nil.
        let toy2 = try one(t, "ID_TOY2_EL1")
        XCTAssertEqual(toy2.access, "noisy_undef")
        XCTAssertFalse(toy2.accessIsUndefined)
        XCTAssertNil(toy2.reset)
        XCTAssertNil(toy2.visibility)
        XCTAssertNil(toy2.getUser)

        XCTAssertFalse(t.handles("NO_SUCH_REG"))
    }

    func testRangeMacroWithEnumArithmeticAndConditionalConstant() throws {
        let t = try extract()
        let counters = t.registers.filter { $0.name.hasPrefix("CNTn_EL0(") }
        XCTAssertEqual(counters.map(\.name), ["CNTn_EL0(0)", "CNTn_EL0(1)", "CNTn_EL0(2)"])
        // `CNT0_EL0 + (n)`: named by the enumerator written, not by whichever enumerator has the value.
        XCTAssertEqual(counters.map(\.reg), ["CNT0_EL0", "CNT0_EL0+1", "CNT0_EL0+2"])
        XCTAssertEqual(counters.map(\.regIndex), [3, 4, 5])
        XCTAssertEqual(counters.map { $0.encoding?.op2 }, [0, 1, 2])
        XCTAssertEqual(Set(counters.map(\.macro)), ["COUNTER_EL0"])
        // `has_pmu ? 0 : REG_HIDDEN | REG_RAZ` depends on the vcpu.
        XCTAssertEqual(Set(counters.map(\.visibilityKind)), [.conditional])
    }

    func testAArch32Tables() throws {
        let t = try extract()
        let cp15 = t.entries(in: "cp15_regs")
        XCTAssertEqual(cp15.map(\.name), ["cp15_0_1_0_2", "cp15_0_2_0_1", "cp15_0_2_0_3", "cp15_0_9_9_0"])
        XCTAssertTrue(cp15.allSatisfy(\.nameIsDerived))
        XCTAssertEqual(cp15[0].encoding, Encoding(op0: 0, op1: 0, crn: 1, crm: 0, op2: 2))
        XCTAssertEqual(cp15[0].reg, "c1_WIDGET")
        XCTAssertEqual(cp15[0].regIndex, 2)
        XCTAssertEqual(cp15[1].reg, "GADGET_EL1", "positional after AA32(LO) and the encoding")
        XCTAssertEqual(cp15[1].access, "access_widget")
        // (GADGET_EL1 * 2 + 1) is 5, CNT2_EL0's value, but it does not name CNT2_EL0.
        XCTAssertNil(cp15[2].reg)
        XCTAssertEqual(cp15[2].regIndex, 5)
        XCTAssertTrue(cp15[3].accessIsUndefined)
        let cp15_64 = t.entries(in: "cp15_64_regs")
        XCTAssertEqual(cp15_64.map(\.name), ["cp15_64_0_0_2_0", "cp15_64_1_0_14_0"])
        XCTAssertEqual(cp15_64[0].reg, "WIDGET_EL1")
        XCTAssertEqual(cp15_64[1].encoding, Encoding(op0: 0, op1: 1, crn: 0, crm: 14, op2: 0))
    }

    func testCodableRoundTrip() throws {
        let t = try extract()
        let data = try JSONEncoder().encode(t)
        XCTAssertEqual(try JSONDecoder().decode(KvmRegisterTables.self, from: data), t)
    }

    // MARK: - failing closed

    private func variant(_ transform: (String) -> String) throws -> String {
        transform(try String(contentsOfFile: Self.fixture, encoding: .utf8))
    }

    private func assertIncomplete(_ source: String, mentioning text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try extract(Self.fixtureDir + "/variant.c", source: source), file: file, line: line) { error in
            guard let e = error as? IncompleteAnalysis else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(e.file, SysRegDescsExtractor.path, file: file, line: line)
            XCTAssertTrue(e.problem.contains(text), e.problem, file: file, line: line)
        }
    }

    func testMissingMainTableFails() throws {
        assertIncomplete(
            try variant { $0.replacingOccurrences(of: "sys_reg_descs[]", with: "other_descs[]") },
            mentioning: "sys_reg_descs[] not found")
    }

    func testDeclaredLengthMismatchFails() throws {
        // A declared length larger than the initialisers: the rest would be zeroed entries nobody wrote.
        assertIncomplete(
            try variant { $0.replacingOccurrences(of: "sys_reg_descs[]", with: "sys_reg_descs[20]") },
            mentioning: "declares 20 entries, 15 were read")
    }

    func testEncodingThatDoesNotEvaluateFails() throws {
        let source = try variant {
            $0.replacingOccurrences(
                of: "{ Op1( 1), CRm(14), .access = access_counter },",
                with: "{ Op1( 1), CRm(some_crm), .access = access_counter },"
            )
            .replacingOccurrences(
                of: "static const struct sys_reg_desc cp15_64_regs[]",
                with: "extern const u8 some_crm;\nstatic const struct sys_reg_desc cp15_64_regs[]")
        }
        assertIncomplete(source, mentioning: "cp15_64_regs[]")
    }

    func testSkippedBodiesFail() throws {
        let unit = try TranslationUnit(path: Self.fixture, arguments: Self.arguments, options: [.skipFunctionBodies])
        XCTAssertThrowsError(try SysRegDescsExtractor(unit: unit, relativize: { $0 }).extract()) { error in
            XCTAssertTrue("\(error)".contains("parsed without function bodies"), "\(error)")
        }
    }
}

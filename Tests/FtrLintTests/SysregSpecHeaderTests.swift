import SysregSpec
import XCTest

final class SysregSpecHeaderTests: XCTestCase {
    /// constructs-defs.h is what the 7.x gen-sysreg.awk printed for constructs.sysreg.
    func testCurrentGeneratorOutput() throws {
        let spec = try SysregFixture.spec("constructs.sysreg")
        XCTAssertEqual(SysregDefsHeader.render(spec), try SysregFixture.text("constructs-defs.h"))
    }

    /// original-defs.h is what the 6.1 gen-sysreg.awk printed for original.sysreg.
    func testOriginalGeneratorOutput() throws {
        let spec = try SysregFixture.spec("original.sysreg")
        XCTAssertEqual(SysregDefsHeader.render(spec, generator: .original), try SysregFixture.text("original-defs.h"))
    }

    func testGeneratorsDifferOnlyInUnknMasksAndColumn() throws {
        let spec = try SysregFixture.spec("original.sysreg")
        let current = defines(SysregDefsHeader.render(spec, generator: .current))
        let original = defines(SysregDefsHeader.render(spec, generator: .original))
        XCTAssertEqual(current.filter { !$0.hasSuffix("_UNKN (UL(0))") }, original)
        XCTAssertEqual(current.count - original.count, 2)
    }

    func testGeneratorFromScriptText() {
        XCTAssertEqual(SysregDefsHeader.Generator(script: #"define(reg "_RES0", "(" res0 ")")"#), .original)
        XCTAssertEqual(SysregDefsHeader.Generator(script: #"define(prefix, reg "_UNKN", "(" unkn ")")"#), .current)
    }

    func testMacroPrefixesAndValues() throws {
        let header = SysregDefsHeader.render(try SysregFixture.spec("constructs.sysreg"))
        let pairs = Dictionary(
            defines(header).map { line -> (String, String) in
                let words = line.split(separator: " ", maxSplits: 1).map(String.init)
                return (words[0], words.count > 1 ? words[1] : "")
            }, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(pairs["SYS_TEST_ID_EL1"], "sys_reg(3, 0, 0, 15, 7)")
        XCTAssertEqual(pairs["REG_TEST_ID_EL1"], "S3_0_C0_C15_7")
        XCTAssertEqual(pairs["TEST_ID_EL1_Alpha_SHIFT"], "60")
        XCTAssertEqual(pairs["TEST_ID_EL1_Beta_SIGNED"], "true")
        XCTAssertNil(pairs["TEST_ID_EL1_Gamma_SIGNED"])
        XCTAssertEqual(pairs["TEST_ID_EL1_RES0"], "(UL(0) | GENMASK_ULL(51, 40) | GENMASK_ULL(22, 0))")
        XCTAssertEqual(pairs["FEAT_NEW_TEST_VMCR_EL2_Level_ONE"], "UL(0b00000001)")
        XCTAssertNil(pairs["TESTCTL_EL1_RES0"], "a Fields register has no masks of its own")
    }

    func testLongNamesStaySeparatedFromValues() throws {
        let name = String(repeating: "N", count: 60)
        let spec = try SysregSpec(text: "Sysreg \(name) 3 0 0 0 0\nField 63:0 F\nEndSysreg\n")
        XCTAssertTrue(SysregDefsHeader.render(spec).contains("#define SYS_\(name) sys_reg(3, 0, 0, 0, 0)\n"))
    }

    /// The `#define` lines with runs of blanks squeezed, as a C preprocessor sees them.
    private func defines(_ header: String) -> [String] {
        header.split(separator: "\n").filter { $0.hasPrefix("#define ") }
            .map { $0.dropFirst("#define ".count).split(separator: " ").joined(separator: " ") }
    }
}

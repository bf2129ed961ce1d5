import Foundation
import SysregSpec
import XCTest

/// Properties of the real trees' arch/arm64/tools/sysreg (5.10 has none).
final class SysregSpecRealTreeTests: XCTestCase {
    static let versions = ["6.1", "6.12", "7.2"]

    private func tree(_ version: String) throws -> (spec: SysregSpec, text: String, root: String) {
        let root = try RealTrees.root(version)
        let path = root + "/arch/arm64/tools/sysreg"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return (try SysregSpec(text: text, path: path), text, root)
    }

    /// Counts the lines whose first word is `word`, independently of the parser.
    private func count(_ word: String, in text: String) -> Int {
        text.split(separator: "\n").filter { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).first == Substring(word) }
            .count
    }

    func testBlockCountsMatchTheText() throws {
        for version in Self.versions {
            let (spec, text, _) = try tree(version)
            XCTAssertEqual(spec.registers.count, count("Sysreg", in: text), version)
            XCTAssertEqual(spec.types.count, count("SysregFields", in: text), version)
            XCTAssertGreaterThan(spec.registers.count, 40, version)
        }
    }

    func testPMSVer() throws {
        for version in Self.versions {
            let (spec, _, _) = try tree(version)
            let field = try XCTUnwrap(spec.field(register: "ID_AA64DFR0_EL1", name: "PMSVer"), version)
            XCTAssertEqual(field.lsb, 32, version)
            XCTAssertEqual(field.width, 4, version)
            // 6.1 predates UnsignedEnum: every enumerated field there is a plain Enum.
            XCTAssertEqual(field.kind, version == "6.1" ? .enumeration : .unsignedEnum, version)
            XCTAssertEqual(field.value(named: "IMP")?.value, 1, version)
            XCTAssertEqual(spec.field(register: "ID_AA64DFR0_EL1", lsb: 33)?.name, "PMSVer", version)
            XCTAssertEqual(
                spec.register(named: "ID_AA64DFR0_EL1")?.encoding, SysregEncoding(op0: 3, op1: 0, crn: 0, crm: 5, op2: 0))
        }
    }

    func testRenderedHeaderDefinesFieldMacros() throws {
        for version in Self.versions {
            let (spec, _, root) = try tree(version)
            let script = try String(contentsOfFile: root + "/arch/arm64/tools/gen-sysreg.awk", encoding: .utf8)
            let generator = SysregDefsHeader.Generator(script: script)
            XCTAssertEqual(generator, version == "6.1" ? .original : .current, version)
            let header = SysregDefsHeader.render(spec, generator: generator)
            let defines = Set(
                header.split(separator: "\n").filter { $0.hasPrefix("#define") }
                    .map { $0.split(separator: " ").joined(separator: " ") })
            XCTAssertTrue(defines.contains("#define ID_AA64DFR0_EL1_PMSVer_SHIFT 32"), version)
            XCTAssertTrue(defines.contains("#define SYS_ID_AA64DFR0_EL1 sys_reg(3, 0, 0, 5, 0)"), version)
            XCTAssertEqual(defines.contains { $0.hasSuffix("_UNKN (UL(0))") }, generator == .current, version)
        }
    }

    /// The #defines gen-sysreg.awk printed for each release (counted by running it outside the tests).
    private static let awkDefineCounts = [
        "6.1": ("SUBLEVEL = 192", 2008), "6.12": ("SUBLEVEL = 117", 6970), "7.2": ("SUBLEVEL = 13", 14832),
    ]

    func testDefineCountsMatchTheGenerator() throws {
        for version in Self.versions {
            let (spec, _, root) = try tree(version)
            // Another point release may add registers; the counts hold for the one they were taken from.
            guard let (sublevel, expected) = Self.awkDefineCounts[version],
                try String(contentsOfFile: root + "/Makefile", encoding: .utf8).contains(sublevel)
            else { continue }
            let script = try String(contentsOfFile: root + "/arch/arm64/tools/gen-sysreg.awk", encoding: .utf8)
            let header = SysregDefsHeader.render(spec, generator: .init(script: script))
            XCTAssertEqual(header.split(separator: "\n").filter { $0.hasPrefix("#define") }.count, expected, version)
        }
    }

    func test612DuplicateEnumValueIsKept() throws {
        let (spec, _, _) = try tree("6.12")
        let security = try XCTUnwrap(spec.field(register: "ID_PFR1_EL1", name: "Security"))
        XCTAssertEqual(security.values.filter { $0.value == 1 }.map(\.name), ["EL3", "NSACR_RFR"])
    }

    func test72PrefixMappingAndDanglingFields() throws {
        let (spec, _, _) = try tree("7.2")
        XCTAssertEqual(spec.field(register: "ICH_VMCR_EL2", name: "VPMR", prefix: "FEAT_GCIE")?.lsb, 27)
        XCTAssertEqual(spec.field(register: "ICH_VMCR_EL2", name: "VPMR")?.lsb, 24)
        XCTAssertEqual(spec.register(named: "SPMACCESSR_EL12")?.reference, .mapping("SPMACCESSR_EL1"))
        XCTAssertEqual(spec.field(register: "SPMACCESSR_EL12", name: "P31")?.kind, .unsignedEnum)
        // The 7.2 file references a SysregFields block it never defines; the generator does not check.
        XCTAssertEqual(spec.register(named: "MPAM1_EL12")?.reference, .fields("MPAM1_ELx"))
        XCTAssertEqual(spec.fields(of: "MPAM1_EL12"), [])
    }

    /// The largest file parses and renders in well under a second even in a debug build.
    func testSpeed() throws {
        let (_, text, _) = try tree("7.2")
        let start = Date()
        let spec = try SysregSpec(text: text)
        _ = SysregDefsHeader.render(spec)
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5)
    }
}

import Foundation
import KernelModel
import KernelTree
import LibClang
import SysregSpec
import XCTest

/// cpufeature.c extraction: a fixture tree written for the tests, and every real tree that is cached.
final class CpufeatureTablesTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("testdata/trees").path

    private func tables(_ root: String, overlay: [String: String] = [:]) throws -> CpufeatureTables {
        let tree = try KernelTree(path: root, overlay: overlay)
        let env = try ParseEnvironment(tree: tree, cacheRoot: NSTemporaryDirectory() + "ftrlint-tests-env")
        return try CpufeatureAnalysis(tree: tree, arguments: env, names: try FieldNames(tree: tree, policy: try Policy.shipped()))
            .tables
    }

    func testFixtureEntriesEvaluate() throws {
        let t = try tables(Self.fixtures + "/ftr-minimal")
        XCTAssertEqual(t.registers.map(\.name), ["ID_TEST0_EL1", "ID_TEST1_EL1"])
        XCTAssertEqual(t.registers[0].encoding, Encoding(op0: 3, op1: 0, crn: 0, crm: 4, op2: 0))
        XCTAssertEqual(t.registers[1].fields, [], "ftr_raz describes no field")
        let f = t.registers[0].fields
        XCTAssertEqual(f.map(\.name), ["WIDGET", "GADGET", "bits15_12"])
        XCTAssertEqual(f.map(\.lsb), [4, 8, 12])
        XCTAssertEqual(f.map(\.policy), [.lowerSafe, .exact, .higherSafe])
        XCTAssertEqual(f.map(\.safe), [0, -1, 1])
        XCTAssertEqual(f.map(\.signed), [false, true, false])
        XCTAssertEqual(f[0].visibleIf, "CONFIG_ARM64_WIDGET")
        XCTAssertEqual(f[0].visibility, "FTR_VISIBLE_IF_IS_ENABLED(CONFIG_ARM64_WIDGET)")
        XCTAssertEqual(f[1].visibility, "FTR_HIDDEN")
        XCTAssertEqual(f[2].visibility, "FTR_VISIBLE")
        XCTAssertEqual(f.map(\.strict), [true, false, true])
        XCTAssertEqual(f[1].location, SourceRef(path: "arch/arm64/kernel/cpufeature.c", line: 56, column: 2))
    }

    /// A table that no longer parses must stop the analysis, not shrink it.
    func testBrokenTableFailsClosed() throws {
        let path = Self.fixtures + "/ftr-minimal/arch/arm64/kernel/cpufeature.c"
        let source = try String(contentsOfFile: path, encoding: .utf8)
        let broken = source.replacingOccurrences(of: "ID_TEST0_GADGET_SHIFT, 4, -1)", with: "ID_TEST0_NO_SUCH_SHIFT, 4, -1)")
        XCTAssertThrowsError(try tables(Self.fixtures + "/ftr-minimal", overlay: ["arch/arm64/kernel/cpufeature.c": broken])) {
            XCTAssertTrue("\($0)".contains("incomplete analysis"), "\($0)")
        }
        let renamed = source.replacingOccurrences(of: "arm64_ftr_regs[]", with: "renamed_regs[]")
        XCTAssertThrowsError(try tables(Self.fixtures + "/ftr-minimal", overlay: ["arch/arm64/kernel/cpufeature.c": renamed])) {
            XCTAssertTrue("\($0)".contains("arm64_ftr_regs[] not found"), "\($0)")
        }
    }

    /// On each real tree: as many registers and entries as the source text holds, counted independently.
    func testRealTreesMatchTheSource() throws {
        for version in RealTrees.versions {
            let root = try RealTrees.root(version)
            let t = try tables(root)
            let source = try String(contentsOfFile: root + "/arch/arm64/kernel/cpufeature.c", encoding: .utf8)
            let expected = TextCount(source)
            XCTAssertEqual(t.registers.count, expected.registers.count, "registers in \(version)")
            XCTAssertEqual(t.registers.map(\.table), expected.registers, "tables bound in \(version)")
            XCTAssertEqual(t.fields.count, expected.fieldCount, "table entries in \(version)")

            // The shipped policy classifies every field cpufeature describes, each with a reason.
            let policy = try Policy.shipped()
            for f in t.fields {
                let entry = policy.entry(register: f.register, field: f.name)
                XCTAssertNotNil(entry, "\(f.key) in \(version) is not in the policy")
                XCTAssertFalse(entry?.reason.isEmpty ?? true)
            }

            let pmsver = try XCTUnwrap(t.field("ID_AA64DFR0_EL1.PMSVer"), "PMSVer in \(version)")
            XCTAssertEqual([pmsver.lsb, pmsver.width], [32, 4])
            XCTAssertEqual(pmsver.policy, .lowerSafe)
            XCTAssertEqual(pmsver.safe, 0)

            // Where the tree has the sysreg file, every field of a register it describes bears its name.
            if let text = try? String(contentsOfFile: root + "/arch/arm64/tools/sysreg", encoding: .utf8) {
                let spec = try SysregSpec(text: text)
                for f in t.fields {
                    guard let arch = spec.field(register: f.register, lsb: f.lsb), arch.lsb == f.lsb,
                        arch.kind.isEnum || arch.kind == .field
                    else { continue }
                    XCTAssertEqual(f.name, arch.name, "\(f.key) in \(version)")
                }
            }
        }
    }
}

/// An independent count over cpufeature.c's text: the entries of arm64_ftr_regs[] and the
/// ARM64_FTR_BITS lines of each table they name.
private struct TextCount {
    let registers: [String]
    let fieldCount: Int

    init(_ source: String) {
        let lines = source.components(separatedBy: "\n")
        func block(startingWith marker: String) -> [String] {
            guard let start = lines.firstIndex(where: { $0.contains(marker) && $0.contains("=") }) else { return [] }
            var body: [String] = []
            for line in lines[(start + 1)...] {
                if line.hasPrefix("};") { break }
                body.append(line)
            }
            return body
        }
        // Entries may span lines: read the block as one text, in order of appearance.
        let text = block(startingWith: "arm64_ftr_regs[]").joined(separator: " ") as NSString
        let entry = try! NSRegularExpression(
            pattern: #"ARM64_FTR_REG(?:_OVERRIDE)?\s*\(\s*\w+\s*,\s*(\w+)|\{\s*SYS_\w+\s*,\s*&(\w+)\s*\}"#)
        var regs: [String] = []
        for m in entry.matches(in: text as String, range: NSRange(location: 0, length: text.length)) {
            if m.range(at: 1).location != NSNotFound {
                regs.append(text.substring(with: m.range(at: 1)))
                continue
            }
            // { SYS_CTR_EL0, &arm64_ftr_reg_ctrel0 }: the table is named in that struct's .ftr_bits.
            let name = text.substring(with: m.range(at: 2))
            let def = lines.drop { !$0.contains("struct arm64_ftr_reg \(name) = {") }
            let bits = def.first { $0.contains(".ftr_bits") } ?? ""
            regs.append(
                bits.split(separator: "=").last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " ,\t")) } ?? "")
        }
        registers = regs
        fieldCount = regs.reduce(0) { sum, table in
            sum
                + block(startingWith: "arm64_ftr_bits \(table)[]").filter {
                    let t = $0.trimmingCharacters(in: .whitespaces)
                    return t.hasPrefix("ARM64_FTR_BITS(") || t.hasPrefix("S_ARM64_FTR_BITS(")
                }.count
        }
    }
}

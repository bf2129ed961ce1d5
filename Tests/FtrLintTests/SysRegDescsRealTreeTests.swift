import Foundation
import LibClang
import XCTest

@testable import KernelModel

/// SysRegDescsExtractor over the real kernel trees.
final class SysRegDescsRealTreeTests: XCTestCase {
    private static var cache: [String: KvmRegisterTables] = [:]
    private static let lock = NSLock()

    private func tables(_ version: String) throws -> KvmRegisterTables {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        if let t = Self.cache[version] { return t }
        let root = try RealTrees.root(version)
        let unit = try RealTrees.parse(SysRegDescsExtractor.path, of: version)
        let t = try SysRegDescsExtractor(
            unit: unit,
            relativize: { path in
                path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
            }
        ).extract()
        Self.cache[version] = t
        return t
    }

    // MARK: - independent count

    /// The number of initialisers of each `struct sys_reg_desc` array, counted without libclang.
    ///
    /// The arrays and the macros they use are cut out of sys_regs.c and sys_regs.h as text: every
    /// `#define` (with its continuation lines) of both files, then each array's text. That snippet goes
    /// through the system's C preprocessor (GNU cpp, not libclang), which expands table macros such as
    /// DBG_BCR_BVR_WCR_WVR_EL1 into their several `{ ... }`; macros of other headers stay unexpanded,
    /// which does not matter because no entry-producing macro lives there. The count is then the number
    /// of `{` at brace depth one inside each array's braces. No table contains #if (checked here too), so
    /// no configuration is involved.
    static func independentCounts(root: String) throws -> [String: Int]? {
        guard let cpp = ["/usr/bin/cpp", "/usr/local/bin/cpp"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { return nil }
        let source = try String(contentsOfFile: root + "/" + SysRegDescsExtractor.path, encoding: .utf8)
        let header = (try? String(contentsOfFile: root + "/arch/arm64/kvm/sys_regs.h", encoding: .utf8)) ?? ""
        let lines = source.components(separatedBy: "\n")
        // Header macros first, then the file's own #define/#undef lines and tables in file order.
        var snippet = defines(header)
        var names: [String] = []
        var i = 0
        var inDefine = false
        while i < lines.count {
            let line = lines[i]
            if inDefine || line.hasPrefix("#define") || line.hasPrefix("#undef") {
                snippet += line + "\n"
                inDefine = line.hasSuffix("\\")
            } else if line.range(of: #"^(static )?(const )?struct sys_reg_desc \w+\[\][^=;(]*= *\{"#, options: .regularExpression)
                != nil,
                let name = line.range(of: #"sys_reg_desc \w+\["#, options: .regularExpression).map({
                    line[$0].dropFirst(13).dropLast()
                })
            {
                names.append(String(name))
                snippet += "\n@@TABLE \(name)\n"
                while i < lines.count {
                    guard !lines[i].hasPrefix("#") else { throw XCTSkip("a preprocessor line inside \(name)[]: count by hand") }
                    snippet += lines[i] + "\n"
                    if lines[i].hasPrefix("};") { break }
                    i += 1
                }
            }
            i += 1
        }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("sysregdescs-\(UUID().uuidString).c")
        try snippet.write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cpp)
        process.arguments = ["-P", "-w", input.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var counts: [String: Int] = [:]
        for name in names {
            guard let mark = out.range(of: "@@TABLE \(name)"), let open = out[mark.upperBound...].firstIndex(of: "{") else {
                continue
            }
            var depth = 0, count = 0
            var inString = false
            var previous: Character = " "
            scan: for ch in out[open...] {
                if inString {
                    if ch == "\"" && previous != "\\" { inString = false }
                    previous = ch
                    continue
                }
                switch ch {
                case "\"": inString = true
                case "{":
                    depth += 1
                    if depth == 2 { count += 1 }
                case "}":
                    depth -= 1
                    if depth == 0 { break scan }
                default: break
                }
                previous = ch
            }
            counts[name] = count
        }
        return counts
    }

    /// Every #define of a file with its continuation lines.
    private static func defines(_ text: String) -> String {
        var result = ""
        var inDefine = false
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("#define") || line.hasPrefix("#undef") { inDefine = true }
            if inDefine {
                result += line + "\n"
                if !line.hasSuffix("\\") { inDefine = false }
            }
        }
        return result
    }

    private func checkCounts(_ version: String) throws {
        let t = try tables(version)
        guard let counts = try Self.independentCounts(root: try RealTrees.root(version)) else {
            throw XCTSkip("no C preprocessor for the independent count")
        }
        XCTAssertEqual(Set(counts.keys), Set(t.tables), "tables of \(version)")
        for (table, n) in counts {
            XCTAssertEqual(t.entries(in: table).count, n, "\(version) \(table)[]")
        }
    }

    func testCounts_5_10() throws { try checkCounts("5.10") }
    func testCounts_6_1() throws { try checkCounts("6.1") }
    func testCounts_6_12() throws { try checkCounts("6.12") }
    func testCounts_7_2() throws { try checkCounts("7.2") }

    // MARK: - facts of the trees

    func testEveryTreeHasTheAArch32Tables() throws {
        for version in RealTrees.versions {
            let t = try tables(version)
            for table in ["sys_reg_descs", "cp14_regs", "cp14_64_regs", "cp15_regs", "cp15_64_regs"] {
                XCTAssertFalse(t.entries(in: table).isEmpty, "\(version) \(table)")
            }
            XCTAssertTrue(t.registers.allSatisfy { $0.encoding != nil }, version)
        }
    }

    /// Every tree gives an ID register its sys_reg_descs[] entry, with KVM's ID register handler, at its encoding.
    func testIdRegisterEntries() throws {
        for version in RealTrees.versions {
            let t = try tables(version)
            let dfr0 = try XCTUnwrap(t.entries(named: "ID_AA64DFR0_EL1").first, version)
            XCTAssertEqual(dfr0.table, "sys_reg_descs", version)
            XCTAssertEqual(dfr0.access, "access_id_reg", version)
            XCTAssertEqual(dfr0.encoding, Encoding(op0: 3, op1: 0, crn: 0, crm: 5, op2: 0), version)
            XCTAssertEqual(dfr0.location.path, "arch/arm64/kvm/sys_regs.c", version)
            XCTAssertTrue(t.handles("ID_AA64DFR0_EL1"), version)
        }
    }

    /// 7.2 states ID_AA64DFR0_EL1's writable mask, and names its unallocated ID registers itself.
    func testWritableMaskAndUnallocatedIdRegistersIn7_2() throws {
        let t = try tables("7.2")
        let dfr0 = try XCTUnwrap(t.entries(named: "ID_AA64DFR0_EL1").first)
        XCTAssertNotNil(dfr0.value, "the writable mask evaluates")
        // Unallocated ID registers are named by the kernel itself and read as zero.
        let unallocated = t.registers.filter { $0.macro == "ID_UNALLOCATED" }
        XCTAssertFalse(unallocated.isEmpty)
        XCTAssertTrue(unallocated.allSatisfy { $0.visibilityKind == .alwaysRaz && !$0.nameIsDerived })
    }

    func testSpeIn5_10And7_2() throws {
        // 5.10 has no entry for SPE's registers at all: a trapped access finds no descriptor and KVM
        // injects UNDEF from its fallback path. 7.2 lists them with undef_access.
        let old = try tables("5.10")
        XCTAssertTrue(old.entries(named: "PMSCR_EL1").isEmpty)
        XCTAssertFalse(old.handles("PMSCR_EL1"))
        let new = try tables("7.2")
        let pmscr = try XCTUnwrap(new.entries(named: "PMSCR_EL1").first)
        XCTAssertEqual(pmscr.access, "undef_access")
        XCTAssertTrue(pmscr.accessIsUndefined)
        XCTAssertFalse(new.handles("PMSCR_EL1"))
    }

    func testUnallocatedIdRegistersIn5_10AreNamedFromTheirEncoding() throws {
        let t = try tables("5.10")
        let derived = t.entries(in: "sys_reg_descs").filter(\.nameIsDerived)
        XCTAssertFalse(derived.isEmpty)
        XCTAssertTrue(derived.allSatisfy { $0.name.hasPrefix("S3_0_0_") })
    }
}

import Foundation
import XCTest

@testable import KernelModel

/// The shipped policy, its strict loader, merging and lookup, and (when the kernel trees are in the
/// cache) its coverage of every ID-register field of the newest sysreg file and of older kernels'
/// cpufeature.c field names.
final class PolicyTests: XCTestCase {

    // MARK: The shipped policy

    func testShippedPolicyLoads() throws {
        let policy = try Policy.shipped()
        XCTAssertEqual(policy.version, 1)
        XCTAssertGreaterThan(policy.entries.count, 300)
        for (key, entry) in policy.entries {
            XCTAssertEqual(entry.key, key)
            XCTAssertEqual("\(entry.register).\(entry.field)", key)
        }
    }

    func testEveryEntryHasAReason() throws {
        for (key, entry) in try Policy.shipped().entries {
            XCTAssertFalse(entry.reason.trimmingCharacters(in: .whitespaces).isEmpty, "\(key) has no reason")
            XCTAssertFalse(entry.reason.contains("\n"), "\(key): reason should be one line")
        }
    }

    func testKvmEntriesHaveBoundAndLevelsAndEl2EntriesABound() throws {
        for (key, entry) in try Policy.shipped().entries {
            switch entry.fieldClass {
            case .kvm:
                XCTAssertNotNil(entry.bound, "\(key): kvm entry without bound")
                XCTAssertFalse(entry.levels.isEmpty, "\(key): kvm entry without levels")
                for level in entry.levels {
                    XCTAssertTrue(
                        level.feature != nil || level.needs != nil || !level.registers.isEmpty,
                        "\(key): level \(level.value) says nothing")
                }
            case .el2:
                XCTAssertNotNil(entry.bound, "\(key): el2 entry without bound")
                XCTAssertTrue(entry.levels.isEmpty, "\(key): el2 entry with levels")
            case .isa:
                XCTAssertTrue(entry.levels.isEmpty, "\(key): isa entry with levels")
            }
        }
    }

    func testKnownLeakIsDescribed() throws {
        let policy = try Policy.shipped()
        let spe = try XCTUnwrap(policy.entry(register: "ID_AA64DFR0_EL1", field: "PMSVer"))
        XCTAssertEqual(spe.fieldClass, .kvm)
        XCTAssertEqual(spe.bound, 0)
        XCTAssertEqual(spe.level(1)?.feature, "FEAT_SPE")
        XCTAssertTrue(spe.level(1)?.registers.contains("PMBLIMITR_EL1") ?? false)
        XCTAssertEqual(spe.level(3)?.registers, ["PMSNEVFR_EL1"])
        XCTAssertEqual(spe.levels.map(\.value), spe.levels.map(\.value).sorted())

        XCTAssertEqual(policy.entry(register: "ID_AA64ISAR0_EL1", field: "AES")?.fieldClass, .isa)
        XCTAssertEqual(policy.entry(register: "ID_AA64PFR0_EL1", field: "EL2")?.fieldClass, .el2)
        // A SignedEnum bound is a signed value.
        XCTAssertEqual(policy.entry(register: "ID_AA64PFR0_EL1", field: "FP")?.bound, 1)
        XCTAssertEqual(policy.entry(register: "ID_AA64MMFR0_EL1", field: "TGRAN64")?.bound, nil)
    }

    // MARK: Lookup

    func testLookupFallsBackToAliasesThenCaseInsensitive() throws {
        let policy = try Policy.shipped()
        // Exact.
        XCTAssertEqual(policy.entry(register: "ID_AA64MMFR1_EL1", field: "HAFDBS")?.key, "ID_AA64MMFR1_EL1.HAFDBS")
        // Aliases: older kernels' names that differ by more than case.
        XCTAssertEqual(policy.entry(register: "ID_AA64MMFR1_EL1", field: "HADBS")?.key, "ID_AA64MMFR1_EL1.HAFDBS")
        XCTAssertEqual(policy.entry(register: "ID_AA64MMFR1", field: "VHE")?.key, "ID_AA64MMFR1_EL1.VH")
        XCTAssertEqual(policy.entry(register: "ID_AA64PFR0", field: "ASIMD")?.key, "ID_AA64PFR0_EL1.AdvSIMD")
        XCTAssertEqual(policy.entry(register: "ID_ISAR4", field: "SYNCH_PRIM_FRAC")?.key, "ID_ISAR4_EL1.SynchPrim_frac")
        XCTAssertEqual(policy.entry(register: "MVFR0", field: "SIMD")?.key, "MVFR0_EL1.SIMDReg")
        // Case-insensitive, with or without _EL1.
        XCTAssertEqual(policy.entry(register: "ID_AA64DFR0", field: "PMSVER")?.key, "ID_AA64DFR0_EL1.PMSVer")
        XCTAssertEqual(policy.entry(register: "id_aa64isar1_el1", field: "apa")?.key, "ID_AA64ISAR1_EL1.APA")
        XCTAssertEqual(policy.entry(key: "ID_AA64PFR1.RASFRAC")?.key, "ID_AA64PFR1_EL1.RAS_frac")
        // Nothing.
        XCTAssertNil(policy.entry(register: "ID_AA64PFR0_EL1", field: "NoSuchField"))
        XCTAssertNil(policy.entry(register: "NOT_A_REG", field: "FP"))
    }

    func testAliasSpellings() throws {
        let yaml = """
            version: 1
            fields:
              ID_X_EL1.Foo:
                class: isa
                reason: "r"
                aliases: [BAR, ID_X_EL1_BAZ, ID_X_QUX_SHIFT]
            """
        let policy = try Policy(yaml: yaml, path: "aliases.yaml")
        for field in ["BAR", "bar", "BAZ", "QUX"] {
            XCTAssertEqual(policy.entry(register: "ID_X_EL1", field: field)?.key, "ID_X_EL1.Foo", field)
            XCTAssertEqual(policy.entry(register: "ID_X", field: field)?.key, "ID_X_EL1.Foo", field)
        }
        XCTAssertNil(policy.entry(register: "ID_Y_EL1", field: "BAR"))
    }

    // MARK: Merging

    func testMergingOverridesAndExtends() throws {
        let base = try Policy.shipped()
        let additions = try Policy(
            yaml: """
                version: 1
                fields:
                  ID_AA64DFR0_EL1.PMSVer:
                    class: kvm
                    bound: 3
                    reason: "local KVM virtualizes SPE up to v1p2"
                    levels:
                      1: { feature: FEAT_SPE, registers: [PMSCR_EL1] }
                  ID_AA64ZZZ0_EL1.New:
                    class: isa
                    reason: "a field from a newer architecture"
                    aliases: [ID_AA64ZZZ0_OLDNAME]
                """, path: "local.yaml")
        let merged = base.merging(additions: additions)
        XCTAssertEqual(merged.entries.count, base.entries.count + 1)
        XCTAssertEqual(merged.entry(register: "ID_AA64DFR0_EL1", field: "PMSVer")?.bound, 3)
        XCTAssertEqual(merged.entry(register: "ID_AA64DFR0_EL1", field: "PMSVer")?.levels.count, 1)
        XCTAssertEqual(merged.entry(register: "ID_AA64ZZZ0_EL1", field: "New")?.fieldClass, .isa)
        XCTAssertEqual(merged.entry(register: "ID_AA64ZZZ0", field: "OLDNAME")?.key, "ID_AA64ZZZ0_EL1.New")
        // Untouched entries and the base itself stay as they were.
        XCTAssertEqual(
            merged.entry(register: "ID_AA64ISAR0_EL1", field: "AES"), base.entry(register: "ID_AA64ISAR0_EL1", field: "AES"))
        XCTAssertEqual(base.entry(register: "ID_AA64DFR0_EL1", field: "PMSVer")?.bound, 0)
        XCTAssertEqual(merged.entry(register: "ID_AA64MMFR1_EL1", field: "HADBS")?.key, "ID_AA64MMFR1_EL1.HAFDBS")
    }

    func testEmptyAdditions() throws {
        let empty = try Policy(yaml: "version: 1\nfields:\n", path: "empty.yaml")
        XCTAssertTrue(empty.entries.isEmpty)
        let base = try Policy.shipped()
        XCTAssertEqual(base.merging(additions: empty).entries.count, base.entries.count)
    }

    // MARK: Strictness

    private func loadError(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> PolicyError? {
        do {
            _ = try Policy(yaml: yaml, path: "bad.yaml")
            XCTFail("expected a PolicyError", file: file, line: line)
            return nil
        } catch let error as PolicyError {
            XCTAssertTrue(error.description.hasPrefix("bad.yaml"), error.description, file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), "not one line: \(error.description)", file: file, line: line)
            return error
        } catch {
            XCTFail("expected a PolicyError, got \(error)", file: file, line: line)
            return nil
        }
    }

    private func entryYAML(_ body: String) -> String {
        "version: 1\nfields:\n  ID_AA64PFR0_EL1.SVE:\n" + body.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
            + "\n"
    }

    func testUnknownEntryKeyIsAnErrorNamingTheEntry() throws {
        let error = try XCTUnwrap(loadError(entryYAML("class: isa\nreason: \"r\"\nbounds: 3")))
        XCTAssertEqual(error.key, "ID_AA64PFR0_EL1.SVE")
        XCTAssertTrue(error.description.contains("ID_AA64PFR0_EL1.SVE"), error.description)
        XCTAssertTrue(error.description.contains("bounds"), error.description)
        XCTAssertEqual(error.line, 6)
    }

    func testMalformedEntryIsAnError() throws {
        let notAMapping = try XCTUnwrap(loadError("version: 1\nfields:\n  ID_AA64PFR0_EL1.SVE: kvm\n"))
        XCTAssertEqual(notAMapping.key, "ID_AA64PFR0_EL1.SVE")
        let list = try XCTUnwrap(loadError("version: 1\nfields:\n  ID_AA64PFR0_EL1.SVE: [kvm, 1]\n"))
        XCTAssertEqual(list.key, "ID_AA64PFR0_EL1.SVE")
        let badKey = try XCTUnwrap(loadError("version: 1\nfields:\n  SVE:\n    class: isa\n    reason: r\n"))
        XCTAssertEqual(badKey.key, "SVE")
    }

    func testWrongClassIsAnError() throws {
        let error = try XCTUnwrap(loadError(entryYAML("class: hypervisor\nbound: 0\nreason: r")))
        XCTAssertEqual(error.key, "ID_AA64PFR0_EL1.SVE")
        XCTAssertTrue(error.problem.contains("hypervisor"), error.problem)
    }

    func testWrongTypesAreErrors() throws {
        XCTAssertEqual(loadError(entryYAML("class: el2\nbound: \"0\"\nreason: r"))?.key, "ID_AA64PFR0_EL1.SVE")
        XCTAssertEqual(loadError(entryYAML("class: el2\nbound: 1.5\nreason: r"))?.key, "ID_AA64PFR0_EL1.SVE")
        XCTAssertEqual(loadError(entryYAML("class: isa\nreason: 12"))?.key, "ID_AA64PFR0_EL1.SVE")
        XCTAssertEqual(loadError(entryYAML("class: isa\nreason: [a, b]"))?.key, "ID_AA64PFR0_EL1.SVE")
        XCTAssertEqual(loadError(entryYAML("class: isa\nreason: r\naliases: FOO"))?.key, "ID_AA64PFR0_EL1.SVE")
        XCTAssertEqual(
            loadError(entryYAML("class: kvm\nbound: 1\nreason: r\nlevels:\n  1: { registers: ZCR_EL1 }"))?.key,
            "ID_AA64PFR0_EL1.SVE")
        XCTAssertEqual(loadError(entryYAML("class: kvm\nbound: 1\nreason: r\nlevels: [1, 2]"))?.key, "ID_AA64PFR0_EL1.SVE")
    }

    func testLevelKeysMustBeIntegers() throws {
        let error = try XCTUnwrap(loadError(entryYAML("class: kvm\nbound: 1\nreason: r\nlevels:\n  one: { feature: FEAT_SVE }")))
        XCTAssertEqual(error.key, "ID_AA64PFR0_EL1.SVE")
        XCTAssertTrue(error.problem.contains("one"), error.problem)
        XCTAssertNotNil(loadError(entryYAML("class: kvm\nbound: 1\nreason: r\nlevels:\n  \"1\": { feature: FEAT_SVE }")))
        XCTAssertNotNil(loadError(entryYAML("class: kvm\nbound: 1\nreason: r\nlevels:\n  1: { feature: FEAT_SVE, regs: [] }")))
    }

    func testRequiredValues() throws {
        XCTAssertTrue(loadError(entryYAML("class: isa"))?.problem.contains("reason") ?? false)
        XCTAssertTrue(loadError(entryYAML("class: isa\nreason: \"  \""))?.problem.contains("reason") ?? false)
        XCTAssertTrue(loadError(entryYAML("reason: r"))?.problem.contains("class") ?? false)
        XCTAssertTrue(
            loadError(entryYAML("class: kvm\nreason: r\nlevels:\n  1: { feature: FEAT_SVE }"))?.problem.contains("bound") ?? false
        )
        XCTAssertTrue(loadError(entryYAML("class: kvm\nbound: 1\nreason: r"))?.problem.contains("levels") ?? false)
        XCTAssertTrue(loadError(entryYAML("class: el2\nreason: r"))?.problem.contains("bound") ?? false)
        XCTAssertTrue(
            loadError(entryYAML("class: isa\nreason: r\nlevels:\n  1: { feature: X }"))?.problem.contains("kvm") ?? false)
    }

    func testDocumentLevelErrors() throws {
        XCTAssertNotNil(loadError(""))
        XCTAssertNotNil(loadError("- a\n- b\n"))
        XCTAssertNotNil(loadError("fields: {}\n"))
        XCTAssertTrue(loadError("version: 2\nfields: {}\n")?.problem.contains("version") ?? false)
        XCTAssertTrue(loadError("version: 1\nfields: {}\nextra: 1\n")?.problem.contains("extra") ?? false)
        XCTAssertNotNil(loadError("version: 1\n"))
        XCTAssertNotNil(loadError("version: 1\nfields: [a]\n"))
        // Not YAML at all, and a duplicated key: errors, not crashes.
        XCTAssertNotNil(loadError("version: 1\nfields: {\n  a: [\n"))
        XCTAssertNotNil(loadError("version: 1\nfields:\n  ID_X_EL1.A:\n    class: isa\n    class: kvm\n    reason: r\n"))
        XCTAssertNotNil(loadError("\tversion: 1\n"))
    }

    func testValidMinimalEntries() throws {
        let policy = try Policy(
            yaml: """
                version: 1
                fields:
                  ID_AA64PFR0_EL1.AdvSIMD:
                    class: kvm
                    bound: -1
                    reason: "signed field"
                    levels:
                      0: { feature: FEAT_AdvSIMD, registers: [FPCR] }
                      -1: { needs: "not implemented" }
                      1: { feature: FEAT_FP16 }
                  ID_AA64PFR0_EL1.EL3: { class: el2, bound: 0, reason: "EL3" }
                """, path: "ok.yaml")
        let simd = try XCTUnwrap(policy.entries["ID_AA64PFR0_EL1.AdvSIMD"])
        XCTAssertEqual(simd.bound, -1)
        XCTAssertEqual(simd.levels.map(\.value), [-1, 0, 1])
        XCTAssertEqual(simd.level(1)?.registers, [])
        XCTAssertEqual(simd.level(-1)?.needs, "not implemented")
        XCTAssertEqual(policy.entries["ID_AA64PFR0_EL1.EL3"]?.fieldClass, .el2)
    }

    func testMissingFileIsAPolicyError() {
        XCTAssertThrowsError(try Policy.load(file: "/nonexistent/ftrlint-policy.yaml")) { error in
            XCTAssertTrue(error is PolicyError)
            XCTAssertTrue("\(error)".contains("/nonexistent/ftrlint-policy.yaml"))
        }
    }

    // MARK: Coverage of the real trees

    func testEveryIDRegisterFieldOfTheNewestSysregFileHasAnEntry() throws {
        let tree = try RealTrees.root(RealTrees.newest)
        let spec = try SysregReader(path: tree + "/arch/arm64/tools/sysreg")
        let policy = try Policy.shipped()
        let fields = spec.idRegisterFields()
        XCTAssertGreaterThan(fields.count, 300)
        let missing = fields.filter { policy.entries[$0] == nil }
        XCTAssertEqual(missing, [], "ID-register fields without a policy entry")
        // Entries for registers outside the ID space (CTR_EL0, DCZID_EL0, ... which cpufeature also
        // sanitises) are checked against cpufeature's tables instead (CpufeatureTablesTests).
        let idRegisters = Set(fields.map { String($0.split(separator: ".")[0]) })
        let stale = policy.entries.keys.filter {
            idRegisters.contains(String($0.split(separator: ".")[0])) && !fields.contains($0)
        }.sorted()
        XCTAssertEqual(stale, [], "policy entries for fields the newest sysreg file does not have")
    }

    func testRegistersNamedInLevelsExist() throws {
        let tree = try RealTrees.root(RealTrees.newest)
        let spec = try SysregReader(path: tree + "/arch/arm64/tools/sysreg")
        var known = spec.registerNames
        if let header = try? String(contentsOfFile: tree + "/arch/arm64/include/asm/sysreg.h", encoding: .utf8) {
            known.formUnion(Self.sysMacroNames(header))
        }
        for name in Self.aarch32Allowlist { XCTAssertFalse(known.contains(name), "\(name) needs no allowlist entry") }
        var unknown: [String] = []
        var used: Set<String> = []
        for (key, entry) in try Policy.shipped().entries {
            for level in entry.levels {
                used.formUnion(level.registers)
                for register in level.registers where !Self.exists(register, known: known) {
                    unknown.append("\(key) level \(level.value): \(register)")
                }
            }
        }
        XCTAssertEqual(unknown.sorted(), [])
        XCTAssertEqual(Self.aarch32Allowlist.subtracting(used).sorted(), [], "allowlist entries no level uses")
    }

    func testOlderKernelsFieldNamesResolve() throws {
        let newest = try RealTrees.root(RealTrees.newest)
        let spec = try SysregReader(path: newest + "/arch/arm64/tools/sysreg")
        let policy = try Policy.shipped()
        let bases = spec.idRegisterNames.map { String($0.dropLast("_EL1".count)) }.sorted { $0.count > $1.count }
        for version in RealTrees.versions {
            let tree = try RealTrees.root(version)
            let source = try String(contentsOfFile: tree + "/arch/arm64/kernel/cpufeature.c", encoding: .utf8)
            let fields = Self.cpufeatureFields(source, bases: bases)
            XCTAssertFalse(fields.isEmpty, "linux-\(version) cpufeature.c names no ID register field")
            for (register, field) in fields {
                XCTAssertNotNil(
                    policy.entry(register: register, field: field),
                    "linux-\(version) cpufeature.c names \(register) \(field), which the policy cannot resolve")
            }
        }
    }

    // MARK: Helpers

    /// AArch32 registers named in levels that neither the sysreg file nor sysreg.h defines and
    /// whose AArch64 counterpart does not share their name plus _EL0/_EL1.
    static let aarch32Allowlist: Set<String> = [
        "ACTLR2", "ADFSR", "AIFSR", "FCSEIDR", "PMCEID2", "PMCEID3", "PMOVSR", "TCMTR", "TEECR", "TEEHBR",
    ]

    static func exists(_ register: String, known: Set<String>) -> Bool {
        known.contains(register) || aarch32Allowlist.contains(register)
            // An AArch32 register architecturally mapped to the AArch64 one of the same name.
            || known.contains(register + "_EL0") || known.contains(register + "_EL1")
    }

    /// `#define SYS_NAME` (object-like or function-like) in asm/sysreg.h, minus SYS_.
    static func sysMacroNames(_ header: String) -> Set<String> {
        var names: Set<String> = []
        for line in header.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2, words[0] == "#define", words[1].hasPrefix("SYS_") else { continue }
            let name = words[1].dropFirst(4).prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !name.isEmpty { names.insert(String(name)) }
        }
        return names
    }

    /// (register, field) for every ID-register field shift macro in a cpufeature.c:
    /// `ID_AA64DFR0_PMSVER_SHIFT` (old style) or `ID_AA64DFR0_EL1_PMSVer_SHIFT` (generated).
    static func cpufeatureFields(_ source: String, bases: [String]) -> [(String, String)] {
        // Page-size helper macros, not fields: ID_AA64MMFR0_EL1_TGRAN_SHIFT, ..._TGRAN_2_SHIFT.
        let notFields: Set<String> = ["TGRAN", "TGRAN_2"]
        var result: [(String, String)] = []
        var seen: Set<String> = []
        var index = source.startIndex
        while let range = source.range(of: "_SHIFT", range: index..<source.endIndex) {
            index = range.upperBound
            var start = range.lowerBound
            while start > source.startIndex {
                let before = source.index(before: start)
                let c = source[before]
                guard c.isLetter || c.isNumber || c == "_" else { break }
                start = before
            }
            if index < source.endIndex, let c = source[index...].first, c.isLetter || c.isNumber || c == "_" { continue }
            let token = String(source[start..<range.lowerBound])
            guard token.hasPrefix("ID_") || token.hasPrefix("MVFR"), seen.insert(token).inserted else { continue }
            for base in bases {
                var field: Substring?
                if token.hasPrefix(base + "_EL1_") {
                    field = token.dropFirst(base.count + 5)
                } else if token.hasPrefix(base + "_") {
                    field = token.dropFirst(base.count + 1)
                }
                guard let field, !field.isEmpty else { continue }
                if !notFields.contains(String(field)) { result.append((base + "_EL1", String(field))) }
                break
            }
        }
        return result
    }
}

/// A deliberately simple reader of arch/arm64/tools/sysreg, independent of the SysregSpec target:
/// `Sysreg NAME op0 op1 CRn CRm op2` ... `EndSysreg`, field lines `UnsignedEnum|SignedEnum|Enum|Field HI[:LO] NAME`,
/// and `Fields NAME` referring to a `SysregFields NAME` ... `EndSysregFields` block.
private struct SysregReader {
    struct Register {
        let name: String
        let encoding: [Int]
        var lines: [[String]]
    }
    var registers: [Register] = []
    var blocks: [String: [[String]]] = [:]

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var current: Register?
        var block: String?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = words.first, !first.hasPrefix("#") else { continue }
            switch first {
            case "Sysreg" where words.count >= 7:
                current = Register(name: words[1], encoding: words[2...6].compactMap { Int($0) }, lines: [])
            case "EndSysreg":
                if let reg = current { registers.append(reg) }
                current = nil
            case "SysregFields" where words.count >= 2:
                block = words[1]
                blocks[words[1]] = []
            case "EndSysregFields":
                block = nil
            default:
                if current != nil {
                    current?.lines.append(words)
                } else if let name = block {
                    blocks[name, default: []].append(words)
                }
            }
        }
    }

    var registerNames: Set<String> { Set(registers.map(\.name)) }

    /// Feature ID registers: op0=3, op1=0, CRn=0, CRm=1..7.
    var idRegisterNames: [String] {
        registers.filter {
            $0.encoding.count == 5 && $0.encoding[0] == 3 && $0.encoding[1] == 0
                && $0.encoding[2] == 0 && (1...7).contains($0.encoding[3])
        }.map(\.name)
    }

    /// REGISTER.Field for every named (non-reserved) field of every ID register.
    func idRegisterFields() -> Set<String> {
        let kinds: Set<String> = ["UnsignedEnum", "SignedEnum", "Enum", "Field"]
        let ids = Set(idRegisterNames)
        var result: Set<String> = []
        for reg in registers where ids.contains(reg.name) {
            var lines = reg.lines
            for words in reg.lines where words.first == "Fields" && words.count >= 2 {
                lines += blocks[words[1]] ?? []
            }
            for words in lines where words.count >= 3 && kinds.contains(words[0]) {
                result.insert("\(reg.name).\(words[2])")
            }
        }
        return result
    }
}

import Foundation
import Rules
import XCTest

@testable import FtrLint
@testable import KernelModel

/// `explain` on hand-made model values, with source lines served from memory: the verdict first, then
/// why, the fix, and only the KVM statements that touch the field, in the order they run.
final class ExplainTests: XCTestCase {
    static let lines: [String: [Int: String]] = [
        MatrixSamples.cpufeature: [
            290:
                "\tARM64_FTR_BITS(FTR_VISIBLE_IF_IS_ENABLED(CONFIG_ARM64_SVE), FTR_STRICT, FTR_LOWER_SAFE, ID_AA64PFR0_EL1_SVE_SHIFT, 4, 0),",
            421: "\tARM64_FTR_BITS(FTR_HIDDEN, FTR_STRICT, FTR_EXACT, ID_AA64DFR0_DEBUGVER_SHIFT, 4, 0x6),",
        ],
        MatrixSamples.sysRegs: [
            1570: "static u64 read_sanitised_id_aa64pfr0_el1(struct kvm_vcpu *vcpu,",
            1580: "\t\tval &= ~ID_AA64PFR0_EL1_SVE_MASK;", 1581: "\tif (vcpu_has_sve(vcpu))",
        ],
    ]

    static let source = SourceLines { path in
        guard let numbered = lines[path], let last = numbered.keys.max() else { return nil }
        return (1...last).map { numbered[$0] ?? "" }.joined(separator: "\n")
    }

    static func story(_ key: String, matrix: FieldMatrix = MatrixSamples.matrix) throws -> String {
        let f = try FieldStory.resolve(key, in: MatrixSamples.tables)
        let row = try XCTUnwrap(matrix.rows.first { $0.key == f.key })
        return FieldStory(row: row, source: Self.source).render()
    }

    func testTellsTheWholeStoryInOrder() throws {
        let text = try Self.story("ID_AA64PFR0_EL1.SVE")
        XCTAssertEqual(
            text.split(separator: "\n").first,
            "ID_AA64PFR0_EL1.SVE: conditional: what guests see depends on vcpu_has_sve(vcpu) a | b",
            "the verdict comes first")
        let expected = [
            "why:",
            "KVM, normal guest: conditional  (decided in read_sanitised_id_aa64pfr0_el1())",
            "condition: vcpu_has_sve(vcpu) a | b",
            "when !vcpu_has_sve(vcpu): hidden = 0",
            "when vcpu_has_sve(vcpu): passthrough",
            "policy: kvm, bound 1",
            "FEAT_SVE: ZCR_EL1",
            "1: FEAT_SVE registers ZCR_EL1",
            "fix:",
            "nothing to change",
            "1. arch/arm64/kvm/sys_regs.c:1580:3",
            "| val &= ~ID_AA64PFR0_EL1_SVE_MASK;",
            "2. arch/arm64/kvm/sys_regs.c:1581:3",
            "| if (vcpu_has_sve(vcpu))",
            "writable by userspace: yes",
            "KVM, nested guest (NV): hidden (reads as 0)",
            "KVM, protected guest (pKVM): -",
            "cpufeature: arch/arm64/kernel/cpufeature.c:290:2 in ftr_id_aa64pfr0, bits 35:32 of ID_AA64PFR0_EL1, sys_reg(3,0,0,4,0)",
            "| ARM64_FTR_BITS(FTR_VISIBLE_IF_IS_ENABLED(CONFIG_ARM64_SVE)",
            "LOWER_SAFE, safe value 0, unsigned, FTR_VISIBLE_IF_IS_ENABLED(CONFIG_ARM64_SVE), FTR_STRICT",
        ]
        var rest = Substring(text)
        for e in expected {
            guard let r = rest.range(of: e) else { return XCTFail("missing, or out of order: \(e)\n\(text)") }
            rest = rest[r.upperBound...]
        }
    }

    func testNoStatementsNoNestedNoPolicy() throws {
        let text = try Self.story("ctr_el0.dic")
        XCTAssertTrue(text.contains("KVM, normal guest: passthrough"), text)
        XCTAssertTrue(text.contains("no KVM statement touches the field"), text)
        XCTAssertTrue(text.contains("writable by userspace: - "), text)
        XCTAssertTrue(text.contains("policy: isa, bound 1"), text)
        XCTAssertTrue(text.hasPrefix("CTR_EL0.DIC: passthrough of an isa field"), text)
        let unknown = try Self.story("CTR_EL0.IminLine")
        XCTAssertTrue(unknown.contains("KVM, normal guest: unknown"), unknown)
        XCTAssertTrue(unknown.contains(FieldMatrix.missingNote), unknown)
        XCTAssertTrue(unknown.contains("the policy has no entry"), unknown)
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

/// The verdict, the statements that touch a field and the fix, each on its own.
final class ExplainVerdictTests: XCTestCase {
    static func finding(
        _ rule: String, _ severity: Severity, _ key: String = "ID_AA64DFR0_EL1.DebugVer",
        note: SourceRef? = nil
    ) -> Finding {
        let parts = key.split(separator: ".").map(String.init)
        return Finding(
            rule: rule, severity: severity, register: parts[0], field: parts[1], message: "\(key) \(rule) message",
            location: SourceRef(path: MatrixSamples.cpufeature, line: 421, column: 2),
            related: note.map { [Finding.Related(location: $0, message: "read_id_reg() decides it here")] } ?? [])
    }

    /// Findings make the verdict, most severe first; a field no rule reports takes KVM's treatment.
    func testVerdictComesFromTheRulesFindings() throws {
        let findings = [Self.finding("over-bound", .warning), Self.finding("leak", .error), Self.finding("nv-leak", .error)]
        let matrix = FieldMatrix(
            tables: MatrixSamples.tables,
            guestView: GuestView(fields: Dictionary(uniqueKeysWithValues: MatrixSamples.guestFields)),
            policy: MatrixSamples.policy, kernel: "x", findings: findings)
        let debug = try XCTUnwrap(matrix.rows.first { $0.key == "ID_AA64DFR0_EL1.DebugVer" })
        XCTAssertEqual(debug.verdict.name, "leak")
        XCTAssertEqual(debug.verdict.findings.map(\.rule), ["leak", "nv-leak", "over-bound"])
        XCTAssertEqual(debug.verdict.headline, "leak (error), and nv-leak, over-bound")
        let byKey = Dictionary(uniqueKeysWithValues: MatrixSamples.matrix.rows.map { ($0.key, $0.verdict) })
        XCTAssertEqual(byKey["ID_AA64PFR0_EL1.GIC"]?.short, "capped<=1")
        XCTAssertEqual(byKey["ID_AA64PFR0_EL1.GIC"]?.headline, "capped at 1: guests see at most that")
        XCTAssertEqual(byKey["ID_AA64DFR0_EL1.DebugVer"]?.headline, "forced to 6: guests see that value")
        XCTAssertEqual(byKey["ID_AA64PFR0_EL1.EL0"]?.name, "hidden")
        XCTAssertEqual(byKey["CTR_EL0.DIC"]?.headline.hasPrefix("passthrough of an isa field"), true)
        XCTAssertEqual(Set(FieldVerdict.names).count, FieldVerdict.names.count)
    }

    /// A statement about a neighbour (pmu-emul.c's PMUVer limit) is not in DebugVer's story; one that
    /// carries the whole register is, and a call is followed by the statements of the function it calls.
    func testStatementsThatTouchTheFieldInTheOrderTheyRun() {
        let file = "arch/arm64/kvm/sys_regs.c", pmu = "arch/arm64/kvm/pmu-emul.c"
        let text: [String: String] = [
            file: """
            static u64 sanitise_id_aa64dfr0_el1(const struct kvm_vcpu *vcpu, u64 val)
            {
            \tval = ID_REG_LIMIT_FIELD_ENUM(val, ID_AA64DFR0_EL1, DebugVer, V8P8);
            \treturn val;
            }
            static u64 __kvm_read_sanitised_id_reg(const struct kvm_vcpu *vcpu,
            \t\t\t\t       const struct sys_reg_desc *r)
            {
            \tval = read_sanitised_ftr_reg(id);
            \tval = sanitise_id_aa64dfr0_el1(vcpu, val);
            }
            """,
            pmu: """
            u8 kvm_arm_pmu_get_pmuver_limit(void)
            {
            \tpmuver = SYS_FIELD_GET(ID_AA64DFR0_EL1, PMUVer,
            \t\t\t       read_sanitised_ftr_reg(SYS_ID_AA64DFR0_EL1));
            }
            """,
        ]
        let source = SourceLines { text[$0] }
        let register = MatrixSamples.tables.registers[1]
        let debug = register.fields[1]
        let refs = [
            SourceRef(path: pmu, line: 3, column: 2), SourceRef(path: file, line: 3, column: 2),
            SourceRef(path: file, line: 9, column: 2), SourceRef(path: file, line: 10, column: 2),
        ]
        let story = FieldStatements(source: source).story(
            refs, field: debug, register: register, function: "kvm_read_sanitised_id_reg")
        XCTAssertEqual(story.map(\.line), [9, 10, 3], "pmu-emul.c's PMUVer line left out; the call followed by its callee")
        XCTAssertEqual(story.map(\.path), [file, file, file])
        let pmuStory = FieldStatements(source: source).story(refs, field: register.fields[0], register: register, function: nil)
        XCTAssertTrue(pmuStory.contains(refs[0]), "PMUVer's own story keeps it")
        XCTAssertFalse(pmuStory.contains(refs[1]), "and leaves out DebugVer's limit")
        XCTAssertEqual(
            FieldStatements.macroPrefix(in: "ARM64_FTR_BITS(FTR_HIDDEN, ID_AA64DFR0_PMSVER_SHIFT, 4, 0),", field: "PMSVer"),
            "ID_AA64DFR0_")
    }

    /// A leak's fix: where the note points, and the line to write in the tree's own macro spelling.
    func testFixSaysWhereAndWhatToWrite() throws {
        let note = SourceRef(path: MatrixSamples.sysRegs, line: 1820, column: 2)
        let matrix = FieldMatrix(
            tables: MatrixSamples.tables,
            guestView: GuestView(fields: Dictionary(uniqueKeysWithValues: MatrixSamples.guestFields)),
            policy: MatrixSamples.policy, kernel: "x",
            findings: [Self.finding("leak", .error, note: note)])
        let text = try ExplainTests.story("ID_AA64DFR0_EL1.DebugVer", matrix: matrix)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "ID_AA64DFR0_EL1.DebugVer: leak (error)")
        XCTAssertEqual(lines[1], "  ID_AA64DFR0_EL1.DebugVer leak message [ftrlint-leak]")
        let fix = try XCTUnwrap(lines.firstIndex(of: "fix:"))
        XCTAssertEqual(lines[fix + 1], "  where: arch/arm64/kvm/sys_regs.c:1820:2: read_id_reg() decides it here")
        XCTAssertEqual(
            lines[fix + 2], "  write: val &= ~(0xfUL << ID_AA64DFR0_DEBUGVER_SHIFT); (hide it: the policy's bound is 0)",
            "5.10's spelling, from the cpufeature entry's own macro")
        XCTAssertLessThan(fix, try XCTUnwrap(lines.firstIndex(of: "KVM, normal guest:")), "the fix before the statements")
    }
}

import ArgumentParser
import Foundation
import Rules
import XCTest

@testable import FtrLint
@testable import KernelModel

/// The matrix formats on hand-made model values: every field in every format, valid JSON against the
/// documented schema, the fail-closed rule for unknown treatments.
final class MatrixTests: XCTestCase {
    let matrix = MatrixSamples.matrix

    func testEveryFieldIsARow() {
        XCTAssertEqual(matrix.rows.map(\.key), MatrixSamples.tables.fields.map(\.key))
        XCTAssertEqual(matrix.registers.map(\.name), ["ID_AA64PFR0_EL1", "ID_AA64DFR0_EL1", "CTR_EL0"])
    }

    /// A field the guest view lacks is unknown (fail closed), not left out.
    func testMissingTreatmentIsUnknown() throws {
        XCTAssertEqual(matrix.unknown.map(\.key), ["CTR_EL0.IminLine"])
        XCTAssertEqual(matrix.unknown.first?.normal.note, FieldMatrix.missingNote)
        XCTAssertThrowsError(try failIfUnknown(matrix)) { error in
            XCTAssertEqual(error as? ExitCode, ExitStatus.incomplete)
        }
        XCTAssertNoThrow(try failIfUnknown(MatrixSamples.complete))
    }

    /// A block per register: a heading, a title line, one line per field (and one more for a condition or
    /// note), each at most 100 columns; the verdict column comes from the findings.
    func testText() {
        let text = MatrixFormat.text.render(matrix)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for line in lines { XCTAssertLessThanOrEqual(line.count, MatrixText.width, line) }
        for reg in matrix.registers { XCTAssertTrue(lines.contains { $0.hasPrefix(reg.name + "  sys_reg(") }, reg.name) }
        XCTAssertEqual(lines.filter { $0.hasPrefix("  BITS ") }.count, matrix.registers.count)
        for row in matrix.rows {
            XCTAssertEqual(
                lines.filter { $0.hasPrefix("  \(row.bits) ") && $0.contains(" \(row.field.name) ") }.count, 1, row.key)
        }
        let sve = lines.first { $0.contains(" SVE ") }!
        XCTAssertTrue(sve.contains("35:32"))
        XCTAssertTrue(sve.contains("conditional"))
        XCTAssertTrue(sve.contains("kvm<=1"))
        let under = lines[lines.firstIndex(of: sve)! + 1]
        XCTAssertTrue(under.hasPrefix("         vcpu_has_sve(vcpu) a | b · sys_regs.c:1580,1581"), under)
        XCTAssertTrue(lines.first { $0.contains(" GIC ") }!.contains("capped<=1"))
        XCTAssertTrue(lines.first { $0.contains(" DebugVer ") }!.contains("forced=6"))
        XCTAssertTrue(
            text.replacingOccurrences(of: "\n    ", with: " ").contains(
                "\n7 fields in 3 registers: 1 hidden, 1 capped, 1 forced, 1 computed, 1 passthrough, 1 conditional, 1 unknown\n"),
            "the summary, wrapped at 100 columns")
        XCTAssertTrue(lines.contains("verdicts: no findings; 7 fields without a finding"))
        XCTAssertFalse(text.contains("\u{1B}"), "no colour unless asked for")
        // Columns line up within a register: every field line's KVM cell starts where the title's does.
        let title = lines.first { $0.hasPrefix("  BITS") }!
        let kvm = title.range(of: "KVM")!.lowerBound.utf16Offset(in: title)
        let pfr0 = lines.drop { !$0.hasPrefix("  BITS") }.dropFirst().prefix { !$0.isEmpty }.filter { !$0.hasPrefix("         ") }
        for line in pfr0 {
            let idx = line.index(line.startIndex, offsetBy: kvm)
            XCTAssertEqual(line[line.index(before: idx)], " ", line)
            XCTAssertNotEqual(line[idx], " ", line)
        }
        XCTAssertEqual(MatrixText.clip("abcdef", 4), "abc…")
    }

    /// The verdict column and the summary say what the rules found; --register and --verdict keep rows.
    func testVerdictsAndFilters() throws {
        let leak = ExplainVerdictTests.finding("leak", .error, "ID_AA64PFR0_EL1.SVE")
        let m = FieldMatrix(
            tables: MatrixSamples.tables,
            guestView: GuestView(fields: Dictionary(uniqueKeysWithValues: MatrixSamples.guestFields)),
            policy: MatrixSamples.policy, kernel: "x", findings: [leak])
        let text = MatrixFormat.text.render(m)
        XCTAssertTrue(text.contains("verdicts: 1 leak; 6 fields without a finding"), text)
        let sve = try XCTUnwrap(text.split(separator: "\n").first { $0.contains(" SVE ") })
        XCTAssertTrue(sve.contains(" leak "), String(sve))

        XCTAssertEqual(
            try m.filtered(registers: ["id_aa64dfr0"], verdicts: []).rows.map(\.key),
            ["ID_AA64DFR0_EL1.PMUVer", "ID_AA64DFR0_EL1.DebugVer"])
        XCTAssertEqual(try m.filtered(registers: [], verdicts: ["leak"]).rows.map(\.key), ["ID_AA64PFR0_EL1.SVE"])
        XCTAssertEqual(
            try m.filtered(registers: [], verdicts: ["hidden", "forced"]).rows.map(\.key),
            ["ID_AA64PFR0_EL1.EL0", "ID_AA64DFR0_EL1.DebugVer"])
        XCTAssertEqual(try m.filtered(registers: ["CTR_EL0"], verdicts: ["leak"]).rows.count, 0)
        XCTAssertThrowsError(try m.filtered(registers: ["ID_NOPE"], verdicts: [])) {
            XCTAssertTrue("\($0)".contains("--register ID_NOPE"), "\($0)")
        }
        XCTAssertThrowsError(try m.filtered(registers: [], verdicts: ["leek"])) {
            XCTAssertTrue("\($0)".contains("--verdict leek: not a verdict"), "\($0)")
        }
        XCTAssertEqual(OptionValues.list(["a,b", " c "]), ["a", "b", "c"])

        let csv = Self.parseCSV(MatrixFormat.csv.render(m))
        XCTAssertEqual(csv[0].last, "verdict", "a new CSV column goes at the end")
        XCTAssertEqual(csv.first { $0[1] == "SVE" }?.last, "leak")
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(MatrixFormat.json.render(m).utf8)) as? [String: Any])
        let sveJSON = try XCTUnwrap((doc["fields"] as? [[String: Any]])?.first { $0["key"] as? String == "ID_AA64PFR0_EL1.SVE" })
        XCTAssertEqual((sveJSON["verdict"] as? [String: Any])?["name"] as? String, "leak")
        XCTAssertEqual((sveJSON["verdict"] as? [String: Any])?["severity"] as? String, "error")
        try SchemaValidation.validate(MatrixFormat.json.render(m), schema: SchemaValidation.docs + "/matrix.schema.json")

        let html = MatrixFormat.html.render(m)
        XCTAssertTrue(html.contains("--leak:#"), "leaks have a colour of their own")
        let cell = try XCTUnwrap(
            html.range(of: #"<button[^>]*data-key="ID_AA64PFR0_EL1.SVE"[^>]*>"#, options: .regularExpression).map {
                String(html[$0])
            })
        XCTAssertTrue(cell.contains("class=\"cell t-conditional") && cell.contains(" leak"), cell)
        XCTAssertTrue(cell.contains("data-verdict=\"leak\""), cell)
        XCTAssertTrue(html.contains("<th>Verdict</th>"))
    }

    /// Narrow cells clip their text; the title (shown on hover) starts with the full name.
    func testHtmlTitlesKeepTheFullName() throws {
        let html = MatrixFormat.html.render(matrix)
        for r in matrix.rows {
            let pattern = #"data-key=""# + NSRegularExpression.escapedPattern(for: r.key) + #""[^>]* title="([^"]*)""#
            let m = try XCTUnwrap(html.range(of: pattern, options: .regularExpression), r.key)
            XCTAssertTrue(html[m].contains("title=\"\(r.key) "), "the title starts with \(r.key)")
        }
        for reg in matrix.registers { XCTAssertTrue(html.contains("class=\"regname\" title=\"\(reg.name) · "), reg.name) }
    }

    func testColourOnlyInTheVerdictAndKvmColumnsAndStillAligned() {
        let plain = MatrixFormat.text.render(matrix).split(separator: "\n")
        let coloured = MatrixFormat.text.render(matrix, color: true).split(separator: "\n")
        XCTAssertTrue(coloured.joined().contains("\u{1B}["))
        let strip = try! NSRegularExpression(pattern: "\u{1B}\\[[0-9;]*m")
        for (a, b) in zip(plain, coloured) {
            let s = String(b)
            XCTAssertEqual(
                strip.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: ""), String(a))
        }
    }

    /// Per register a heading and a table whose raw text lines up, as a mail shows it.
    func testMarkdown() {
        let text = MatrixFormat.markdown.render(matrix)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("|") }
        XCTAssertEqual(rows.count, 2 * matrix.registers.count + matrix.rows.count)
        XCTAssertEqual(rows.filter { $0.hasPrefix("| `") }.count, matrix.rows.count)
        for reg in matrix.registers { XCTAssertTrue(text.contains("\n## \(reg.name)\n"), reg.name) }
        XCTAssertTrue(text.contains("- `SVE`: vcpu_has_sve(vcpu) a | b"), "conditions below the table, as prose")
        for block in text.components(separatedBy: "\n## ").dropFirst() {
            let table = block.split(separator: "\n").filter { $0.hasPrefix("|") }
            XCTAssertEqual(Set(table.map(\.count)).count, 1, "the raw table lines up: \(table)")
            for r in table {
                let unescaped = r.filter { $0 == "|" }.count - (r.components(separatedBy: "\\|").count - 1)
                XCTAssertEqual(unescaped, MatrixMarkdown.header.count + 1, String(r))
            }
        }
    }

    func testCsvRoundTrips() throws {
        let text = MatrixFormat.csv.render(matrix)
        let records = Self.parseCSV(text)
        XCTAssertEqual(records.count, 1 + matrix.rows.count)
        XCTAssertEqual(records[0], MatrixCsv.header)
        for r in records { XCTAssertEqual(r.count, MatrixCsv.header.count) }
        let pmu = try XCTUnwrap(records.first { $0[1] == "PMUVer" })
        let note = MatrixCsv.header.firstIndex(of: "kvm_note")!
        XCTAssertEqual(pmu[note], MatrixSamples.pmuNote, "commas, quotes and line breaks survive")
        XCTAssertEqual(records.first { $0[1] == "GIC" }?[MatrixCsv.header.firstIndex(of: "kvm_cap")!], "1")
    }

    func testJsonHasEveryFieldAndMatchesItsSchema() throws {
        let text = MatrixFormat.json.render(matrix)
        try SchemaValidation.validate(text, schema: SchemaValidation.docs + "/matrix.schema.json")
        try SchemaValidation.validate(
            MatrixFormat.json.render(MatrixSamples.complete), schema: SchemaValidation.docs + "/matrix.schema.json")
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(doc["version"] as? Int, 1)
        let fields = try XCTUnwrap(doc["fields"] as? [[String: Any]])
        XCTAssertEqual(fields.compactMap { $0["key"] as? String }, matrix.rows.map(\.key))
        for f in fields {
            for key in ["register", "field", "lsb", "width", "cpufeature", "kvm", "writable", "nested", "protected", "policy"] {
                XCTAssertTrue(f.keys.contains(key), "\(key) in \(f["key"]!)")
            }
            let kvm = try XCTUnwrap(f["kvm"] as? [String: Any])
            for key in ["treatment", "cap", "value", "condition", "paths", "locations", "note"] {
                XCTAssertTrue(kvm.keys.contains(key), "kvm.\(key) in \(f["key"]!) (null, not left out)")
            }
        }
        let gic = try XCTUnwrap(fields.first { $0["key"] as? String == "ID_AA64PFR0_EL1.GIC" })
        XCTAssertEqual((gic["kvm"] as? [String: Any])?["cap"] as? Int, 1)
        XCTAssertTrue((gic["kvm"] as? [String: Any])?["value"] is NSNull)
        let summary = try XCTUnwrap(doc["summary"] as? [String: Any])
        XCTAssertEqual(summary["unknown"] as? [String], ["CTR_EL0.IminLine"])
    }

    func testHtmlIsSelfContainedAndNamesEveryField() {
        let html = MatrixFormat.html.render(matrix)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        for r in matrix.rows {
            XCTAssertTrue(html.contains("data-key=\"\(r.key)\""), r.key)
            XCTAssertTrue(html.contains("data-row=\"\(r.key)\""), r.key)
        }
        for external in ["http://", "https://", "src=", "<link", "@import", "url("] {
            XCTAssertFalse(html.contains(external), "nothing fetched: \(external)")
        }
        XCTAssertFalse(html.contains("<script>alert"), "the hostile note is escaped")
        XCTAssertEqual(html.components(separatedBy: "</script>").count - 1, 2, "only the page's own two scripts close")
        XCTAssertTrue(html.contains("id=\"incomplete\""), "an incomplete matrix says so on the page")
    }

    func testEveryFormatHasARenderer() {
        XCTAssertEqual(MatrixFormat.allCases.map(\.rawValue), ["text", "markdown", "csv", "json", "html"])
        for f in MatrixFormat.allCases { XCTAssertEqual(f.render(matrix).utf8.last, UInt8(ascii: "\n"), "\(f)") }
    }

    static func parseCSV(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = ""
        var quoted = false, i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if quoted {
                if c == "\"" {
                    let n = text.index(after: i)
                    if n < text.endIndex && text[n] == "\"" {
                        field.append("\"")
                        i = n
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                record.append(field)
                field = ""
            } else if c == "\r\n" || c == "\n" {
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.append(c)
            }
            i = text.index(after: i)
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}

/// Model values the matrix, HTML and explain tests share: three registers, one field per treatment, and
/// one field (CTR_EL0.IminLine) the guest view lacks.
enum MatrixSamples {
    static let cpufeature = "arch/arm64/kernel/cpufeature.c"
    static let sysRegs = "arch/arm64/kvm/sys_regs.c"
    static let pmuNote = "min(pmuver, cap), \"IMP_DEF\" & <script>alert(1)</script>\nsecond line"

    static func field(
        _ reg: String, _ name: String, lsb: Int, width: Int = 4, policy: FtrField.Policy = .lowerSafe,
        safe: Int64 = 0, visibleIf: String? = nil, line: Int
    ) -> FtrField {
        FtrField(
            register: reg, name: name, lsb: lsb, width: width, policy: policy, safe: safe, signed: false,
            visible: visibleIf == nil, visibleIf: visibleIf, strict: true,
            table: "ftr_" + reg.lowercased().replacingOccurrences(of: "_el1", with: ""),
            location: SourceRef(path: cpufeature, line: line, column: 2))
    }

    static let tables = CpufeatureTables(registers: [
        FtrRegister(
            name: "ID_AA64PFR0_EL1", encoding: Encoding(op0: 3, op1: 0, crn: 0, crm: 4, op2: 0), table: "ftr_id_aa64pfr0",
            location: SourceRef(path: cpufeature, line: 700, column: 2),
            fields: [
                field("ID_AA64PFR0_EL1", "SVE", lsb: 32, visibleIf: "CONFIG_ARM64_SVE", line: 290),
                field("ID_AA64PFR0_EL1", "GIC", lsb: 24, policy: .exact, line: 291),
                field("ID_AA64PFR0_EL1", "EL0", lsb: 0, safe: 1, line: 295),
            ]),
        FtrRegister(
            name: "ID_AA64DFR0_EL1", encoding: Encoding(op0: 3, op1: 0, crn: 0, crm: 5, op2: 0), table: "ftr_id_aa64dfr0",
            location: SourceRef(path: cpufeature, line: 710, column: 2),
            fields: [
                field("ID_AA64DFR0_EL1", "PMUVer", lsb: 8, policy: .exact, line: 420),
                field("ID_AA64DFR0_EL1", "DebugVer", lsb: 0, policy: .exact, safe: 6, line: 421),
            ]),
        FtrRegister(
            name: "CTR_EL0", encoding: Encoding(op0: 3, op1: 3, crn: 0, crm: 0, op2: 1), table: "ftr_ctr",
            location: SourceRef(path: cpufeature, line: 690, column: 2),
            fields: [
                field("CTR_EL0", "DIC", lsb: 29, width: 1, line: 230),
                field("CTR_EL0", "IminLine", lsb: 0, policy: .lowerSafe, line: 236),
            ]),
    ])

    static func at(_ line: Int, _ column: Int = 2) -> SourceRef { SourceRef(path: sysRegs, line: line, column: column) }

    static func guest(
        _ key: String, _ normal: KvmTreatment, nested: KvmTreatment? = nil, protected: KvmTreatment? = nil,
        writable: Bool? = true,
        function: String? = "read_sanitised_id_aa64pfr0_el1"
    ) -> (String, GuestView.Field) {
        let parts = key.split(separator: ".").map(String.init)
        return (
            key,
            GuestView.Field(
                register: parts[0], field: parts[1], normal: normal, nested: nested, protected: protected,
                writable: writable,
                function: function)
        )
    }

    static let guestFields: [(String, GuestView.Field)] = [
        guest(
            "ID_AA64PFR0_EL1.SVE",
            KvmTreatment(
                kind: .conditional, condition: "vcpu_has_sve(vcpu) a | b",
                paths: [
                    KvmTreatment.Path(when: "!vcpu_has_sve(vcpu)", kind: .hidden, value: 0),
                    KvmTreatment.Path(when: "vcpu_has_sve(vcpu)", kind: .passthrough, value: nil),
                ],
                locations: [at(1580, 3), at(1581, 3)]),
            nested: KvmTreatment(kind: .hidden, locations: [at(1580, 3)])),
        guest(
            "ID_AA64PFR0_EL1.GIC", KvmTreatment(kind: .capped, cap: 1, locations: [at(1590)]),
            nested: KvmTreatment(kind: .capped, cap: 1, locations: [at(1590)]),
            protected: KvmTreatment(
                kind: .hidden, locations: [SourceRef(path: "arch/arm64/kvm/hyp/nvhe/sys_regs.c", line: 90, column: 2)])),
        guest("ID_AA64PFR0_EL1.EL0", KvmTreatment(kind: .hidden, locations: [at(1575)]), writable: false),
        guest(
            "ID_AA64DFR0_EL1.PMUVer", KvmTreatment(kind: .computed, locations: [at(1812), at(1813)], note: pmuNote),
            function: "read_sanitised_id_aa64dfr0_el1"),
        guest(
            "ID_AA64DFR0_EL1.DebugVer", KvmTreatment(kind: .forced, value: 6, locations: [at(1820)]),
            function: "read_sanitised_id_aa64dfr0_el1"),
        guest("CTR_EL0.DIC", KvmTreatment(kind: .passthrough), writable: nil, function: nil),
    ]

    static let policy = Policy(entries: [
        "ID_AA64PFR0_EL1.SVE": Policy.Entry(
            key: "ID_AA64PFR0_EL1.SVE", fieldClass: .kvm, bound: 1,
            reason: "FEAT_SVE: ZCR_EL1 and the Z/P registers KVM must switch.",
            levels: [Policy.Level(value: 1, feature: "FEAT_SVE", registers: ["ZCR_EL1"])]),
        "ID_AA64PFR0_EL1.GIC": Policy.Entry(
            key: "ID_AA64PFR0_EL1.GIC", fieldClass: .kvm, bound: 1, reason: "The GIC system registers."),
        "ID_AA64DFR0_EL1.PMUVer": Policy.Entry(key: "ID_AA64DFR0_EL1.PMUVer", fieldClass: .kvm, bound: 8, reason: "The PMU."),
        "CTR_EL0.DIC": Policy.Entry(key: "CTR_EL0.DIC", fieldClass: .isa, bound: 1, reason: "Cache maintenance."),
    ])

    static let matrix = FieldMatrix(
        tables: tables, guestView: GuestView(fields: Dictionary(uniqueKeysWithValues: guestFields)),
        policy: policy, kernel: "6.12.117")

    /// The same without the field the guest view lacks.
    static let complete = FieldMatrix(
        tables: CpufeatureTables(
            registers: tables.registers.map { r in
                FtrRegister(
                    name: r.name, encoding: r.encoding, table: r.table, location: r.location,
                    fields: r.fields.filter { $0.key != "CTR_EL0.IminLine" })
            }),
        guestView: GuestView(fields: Dictionary(uniqueKeysWithValues: guestFields)), policy: policy, kernel: "6.12.117")
}

import ArgumentParser
import Foundation
@testable import FtrLint
@testable import KernelModel
import XCTest

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

    func testText() {
        let text = MatrixFormat.text.render(matrix)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 1 + matrix.rows.count + 1, "header, one line per field, summary")
        XCTAssertTrue(lines[0].hasPrefix("REGISTER"))
        for (line, row) in zip(lines.dropFirst(), matrix.rows) {
            XCTAssertTrue(line.hasPrefix(row.register.name), line)
            XCTAssertTrue(line.contains(" \(row.field.name) "), line)
        }
        let sve = lines.first { $0.contains(" SVE ") }!
        XCTAssertTrue(sve.contains("35:32"))
        XCTAssertTrue(sve.contains("LOWER_SAFE 0 if:CONFIG_ARM64_SVE"))
        XCTAssertTrue(sve.contains("conditional"))
        XCTAssertTrue(sve.contains("vcpu_has_sve(vcpu)"))
        XCTAssertTrue(sve.contains("kvm<=1"))
        XCTAssertTrue(lines.first { $0.contains(" GIC ") }!.contains("capped<=1"))
        XCTAssertTrue(lines.first { $0.contains(" DebugVer ") }!.contains("forced=6"))
        XCTAssertEqual(lines.last, "7 fields in 3 registers: 1 hidden, 1 capped, 1 forced, 1 computed, 1 passthrough, 1 conditional, 1 unknown")
        XCTAssertFalse(text.contains("\u{1B}"), "no colour unless asked for")
        // Columns line up: every row's KVM column starts where the header's does.
        let kvm = lines[0].range(of: "KVM")!.lowerBound.utf16Offset(in: lines[0])
        for line in lines.dropFirst().dropLast() {
            guard line.count > kvm else { XCTFail(line); continue }
            let idx = line.index(line.startIndex, offsetBy: kvm)
            XCTAssertEqual(line[line.index(before: idx)], " ", line)
        }
    }

    func testColourOnlyInTheKvmColumnAndStillAligned() {
        let plain = MatrixFormat.text.render(matrix).split(separator: "\n")
        let coloured = MatrixFormat.text.render(matrix, color: true).split(separator: "\n")
        XCTAssertTrue(coloured.joined().contains("\u{1B}["))
        let strip = try! NSRegularExpression(pattern: "\u{1B}\\[[0-9;]*m")
        for (a, b) in zip(plain, coloured) {
            let s = String(b)
            XCTAssertEqual(strip.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: ""), String(a))
        }
    }

    func testMarkdown() {
        let text = MatrixFormat.markdown.render(matrix)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("|") }
        XCTAssertEqual(rows.count, 2 + matrix.rows.count)
        XCTAssertTrue(text.contains("a \\| b"), "pipes in a condition are escaped")
        for r in rows {
            let unescaped = r.filter { $0 == "|" }.count - (r.components(separatedBy: "\\|").count - 1)
            XCTAssertEqual(unescaped, MatrixText.header.count + 1, String(r))
        }
    }

    func testCsvRoundTrips() throws {
        let text = MatrixFormat.csv.render(matrix)
        let records = Self.parseCSV(text)
        XCTAssertEqual(records.count, 1 + matrix.rows.count)
        XCTAssertEqual(records[0], MatrixText.csvHeader)
        for r in records { XCTAssertEqual(r.count, MatrixText.csvHeader.count) }
        let pmu = try XCTUnwrap(records.first { $0[1] == "PMUVer" })
        let note = MatrixText.csvHeader.firstIndex(of: "kvm_note")!
        XCTAssertEqual(pmu[note], MatrixSamples.pmuNote, "commas, quotes and line breaks survive")
        XCTAssertEqual(records.first { $0[1] == "GIC" }?[MatrixText.csvHeader.firstIndex(of: "kvm_cap")!], "1")
    }

    func testJsonHasEveryFieldAndMatchesItsSchema() throws {
        let text = MatrixFormat.json.render(matrix)
        try SchemaValidation.validate(text, schema: SchemaValidation.docs + "/matrix.schema.json")
        try SchemaValidation.validate(MatrixFormat.json.render(MatrixSamples.complete), schema: SchemaValidation.docs + "/matrix.schema.json")
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
                    if n < text.endIndex && text[n] == "\"" { field.append("\""); i = n } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { record.append(field); field = ""
            } else if c == "\r\n" || c == "\n" { record.append(field); records.append(record); record = []; field = ""
            } else { field.append(c) }
            i = text.index(after: i)
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}

/// Model values the matrix, HTML and explain tests share: three registers, one field per treatment, and
/// one field (CTR_EL0.IminLine) the guest view lacks.
enum MatrixSamples {
    static let cpufeature = "arch/arm64/kernel/cpufeature.c"
    static let sysRegs = "arch/arm64/kvm/sys_regs.c"
    static let pmuNote = "min(pmuver, cap), \"IMP_DEF\" & <script>alert(1)</script>\nsecond line"

    static func field(_ reg: String, _ name: String, lsb: Int, width: Int = 4, policy: FtrField.Policy = .lowerSafe,
                      safe: Int64 = 0, visibleIf: String? = nil, line: Int) -> FtrField {
        FtrField(register: reg, name: name, lsb: lsb, width: width, policy: policy, safe: safe, signed: false,
                 visible: visibleIf == nil, visibleIf: visibleIf, strict: true,
                 table: "ftr_" + reg.lowercased().replacingOccurrences(of: "_el1", with: ""),
                 location: SourceRef(path: cpufeature, line: line, column: 2))
    }

    static let tables = CpufeatureTables(registers: [
        FtrRegister(name: "ID_AA64PFR0_EL1", encoding: Encoding(op0: 3, op1: 0, crn: 0, crm: 4, op2: 0), table: "ftr_id_aa64pfr0",
                    location: SourceRef(path: cpufeature, line: 700, column: 2), fields: [
                        field("ID_AA64PFR0_EL1", "SVE", lsb: 32, visibleIf: "CONFIG_ARM64_SVE", line: 290),
                        field("ID_AA64PFR0_EL1", "GIC", lsb: 24, policy: .exact, line: 291),
                        field("ID_AA64PFR0_EL1", "EL0", lsb: 0, safe: 1, line: 295),
                    ]),
        FtrRegister(name: "ID_AA64DFR0_EL1", encoding: Encoding(op0: 3, op1: 0, crn: 0, crm: 5, op2: 0), table: "ftr_id_aa64dfr0",
                    location: SourceRef(path: cpufeature, line: 710, column: 2), fields: [
                        field("ID_AA64DFR0_EL1", "PMUVer", lsb: 8, policy: .exact, line: 420),
                        field("ID_AA64DFR0_EL1", "DebugVer", lsb: 0, policy: .exact, safe: 6, line: 421),
                    ]),
        FtrRegister(name: "CTR_EL0", encoding: Encoding(op0: 3, op1: 3, crn: 0, crm: 0, op2: 1), table: "ftr_ctr",
                    location: SourceRef(path: cpufeature, line: 690, column: 2), fields: [
                        field("CTR_EL0", "DIC", lsb: 29, width: 1, line: 230),
                        field("CTR_EL0", "IminLine", lsb: 0, policy: .lowerSafe, line: 236),
                    ]),
    ])

    static func at(_ line: Int, _ column: Int = 2) -> SourceRef { SourceRef(path: sysRegs, line: line, column: column) }

    static func guest(_ key: String, _ normal: KvmTreatment, nested: KvmTreatment? = nil, protected: KvmTreatment? = nil,
                      writable: Bool? = true,
                      function: String? = "read_sanitised_id_aa64pfr0_el1") -> (String, GuestView.Field) {
        let parts = key.split(separator: ".").map(String.init)
        return (key, GuestView.Field(register: parts[0], field: parts[1], normal: normal, nested: nested, protected: protected,
                                     writable: writable,
                                     function: function))
    }

    static let guestFields: [(String, GuestView.Field)] = [
        guest("ID_AA64PFR0_EL1.SVE",
              KvmTreatment(kind: .conditional, condition: "vcpu_has_sve(vcpu) a | b",
                           paths: [KvmTreatment.Path(when: "!vcpu_has_sve(vcpu)", kind: .hidden, value: 0),
                                   KvmTreatment.Path(when: "vcpu_has_sve(vcpu)", kind: .passthrough, value: nil)],
                           locations: [at(1580, 3), at(1581, 3)]),
              nested: KvmTreatment(kind: .hidden, locations: [at(1580, 3)])),
        guest("ID_AA64PFR0_EL1.GIC", KvmTreatment(kind: .capped, cap: 1, locations: [at(1590)]),
              nested: KvmTreatment(kind: .capped, cap: 1, locations: [at(1590)]),
              protected: KvmTreatment(kind: .hidden, locations: [SourceRef(path: "arch/arm64/kvm/hyp/nvhe/sys_regs.c", line: 90, column: 2)])),
        guest("ID_AA64PFR0_EL1.EL0", KvmTreatment(kind: .hidden, locations: [at(1575)]), writable: false),
        guest("ID_AA64DFR0_EL1.PMUVer", KvmTreatment(kind: .computed, locations: [at(1812), at(1813)], note: pmuNote),
              function: "read_sanitised_id_aa64dfr0_el1"),
        guest("ID_AA64DFR0_EL1.DebugVer", KvmTreatment(kind: .forced, value: 6, locations: [at(1820)]),
              function: "read_sanitised_id_aa64dfr0_el1"),
        guest("CTR_EL0.DIC", KvmTreatment(kind: .passthrough), writable: nil, function: nil),
    ]

    static let policy = Policy(entries: [
        "ID_AA64PFR0_EL1.SVE": Policy.Entry(key: "ID_AA64PFR0_EL1.SVE", fieldClass: .kvm, bound: 1,
                                            reason: "FEAT_SVE: ZCR_EL1 and the Z/P registers KVM must switch.",
                                            levels: [Policy.Level(value: 1, feature: "FEAT_SVE", registers: ["ZCR_EL1"])]),
        "ID_AA64PFR0_EL1.GIC": Policy.Entry(key: "ID_AA64PFR0_EL1.GIC", fieldClass: .kvm, bound: 1, reason: "The GIC system registers."),
        "ID_AA64DFR0_EL1.PMUVer": Policy.Entry(key: "ID_AA64DFR0_EL1.PMUVer", fieldClass: .kvm, bound: 8, reason: "The PMU."),
        "CTR_EL0.DIC": Policy.Entry(key: "CTR_EL0.DIC", fieldClass: .isa, bound: 1, reason: "Cache maintenance."),
    ])

    static let matrix = FieldMatrix(tables: tables, guestView: GuestView(fields: Dictionary(uniqueKeysWithValues: guestFields)),
                                    policy: policy, kernel: "6.12.117")

    /// The same without the field the guest view lacks.
    static let complete = FieldMatrix(
        tables: CpufeatureTables(registers: tables.registers.map { r in
            FtrRegister(name: r.name, encoding: r.encoding, table: r.table, location: r.location,
                        fields: r.fields.filter { $0.key != "CTR_EL0.IminLine" })
        }),
        guestView: GuestView(fields: Dictionary(uniqueKeysWithValues: guestFields)), policy: policy, kernel: "6.12.117")
}

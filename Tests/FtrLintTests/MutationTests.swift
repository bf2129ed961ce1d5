import Foundation
import KernelModel
import KernelTree
import XCTest

/// Issue 6: ftrlint never reports "complete" when it saw less than the whole picture. Automatic mutations of a
/// real tree's cpufeature.c and sys_regs.c — delete a line, an ARM64_FTR_BITS entry, a statement that decides a
/// field, a sys_reg_descs[] entry; rename a function or a table; truncate the file — are laid over the tree in
/// memory (KernelTree(path:overlay:), never written), and the whole model (TreeModel: tables, KVM's tables,
/// guest view) is built for each. Every run must either fail (IncompleteAnalysis or another error: exit 2) or
/// report what the mutated source says:
///
/// - the tables hold exactly the original's fields minus the entries the mutation deleted, each with its
///   original attributes, and the guest view has a treatment for every one of them;
/// - a field whose only deciding statements in sys_regs.c were deleted no longer has its original treatment;
/// - the fields of a register whose sys_reg_descs[] entry was deleted are hidden (the guest's read UNDEFs);
/// - a function renamed everywhere changes nothing; a cpufeature.c mutation changes no surviving field's
///   KVM treatment.
///
/// A run that completes against these is a *silent pass*; there must be none. The in-suite pass makes
/// FTRLINT_MUTATIONS (default 10) mutations of each tree (FTRLINT_MUTATION_TREES, default all four: forty in all,
/// two to four minutes, since the property holds of every tree); scripts/mutate runs the few-hundred version.
final class MutationTests: XCTestCase {
    static let cpufeature = "arch/arm64/kernel/cpufeature.c"
    static let sysRegs = "arch/arm64/kvm/sys_regs.c"

    enum Operator: String, CaseIterable {
        case deleteEntry, deleteTableLine, deleteLine, truncateCpufeature, renameTable
        case deleteDecidingLine, deleteDescriptor, deleteReadPathLine, renameFunction, renameDefinition, truncateSysRegs
    }

    struct Mutation: CustomStringConvertible {
        let op: Operator
        let file: String
        let text: String
        /// 1-based lines removed (a deletion, or everything after a truncation point).
        var deleted: ClosedRange<Int>? = nil
        /// Old and new name of a function renamed everywhere.
        var renamed: (old: String, new: String)? = nil
        /// The register whose sys_reg_descs[] entry was deleted.
        var descriptorOf: String? = nil
        let what: String

        var description: String { "\(op.rawValue) \(file): \(what)" }

        /// Where an original line is after the mutation (nil: deleted).
        func map(_ line: Int) -> Int? {
            guard let d = deleted else { return line }
            if line < d.lowerBound { return line }
            if line <= d.upperBound { return nil }
            return line - d.count
        }
    }

    enum Outcome: String { case correct, failedClosed, silent, wrong }

    // MARK: - The model, made comparable

    /// JSON of a Codable value with SourceRefs in `file` remapped through `map` (columns dropped), other
    /// SourceRefs kept without column, and `renames` undone in every string.
    static func normalized<T: Encodable>(
        _ value: T, file: String, map: (Int) -> Int?, renames: [(String, String)] = [],
        dropping: Set<String> = []
    ) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value),
            let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else {
            return "?"
        }
        func walk(_ o: Any) -> Any? {
            if let d = o as? [String: Any] {
                if Set(d.keys) == ["path", "line", "column"], let path = d["path"] as? String, let line = d["line"] as? Int {
                    if path == file { return map(line).map { "\(path):\($0)" } ?? "\(path):deleted" }
                    return "\(path):\(line)"
                }
                var out: [String: Any] = [:]
                for (k, v) in d where !dropping.contains(k) { if let w = walk(v) { out[k] = w } }
                return out
            }
            if let a = o as? [Any] { return a.compactMap(walk) }
            if var s = o as? String {
                for (new, old) in renames { s = s.replacingOccurrences(of: new, with: old) }
                return s
            }
            return o
        }
        guard let w = walk(object),
            let out = try? JSONSerialization.data(withJSONObject: w, options: [.sortedKeys, .fragmentsAllowed])
        else {
            return "?"
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The members two JSON objects disagree on, as "key: a → b".
    static func difference(_ a: String, _ b: String) -> String {
        let x = (try? JSONSerialization.jsonObject(with: Data(a.utf8))) as? [String: Any] ?? [:]
        let y = (try? JSONSerialization.jsonObject(with: Data(b.utf8))) as? [String: Any] ?? [:]
        return Set(x.keys).union(y.keys).sorted().compactMap { k in
            let p = x[k].map { "\($0)" } ?? "-", q = y[k].map { "\($0)" } ?? "-"
            return p == q ? nil : "\(k): \(p) → \(q)"
        }.joined(separator: "; ")
    }

    /// The part of a treatment that is the verdict: kind, cap, value, condition, paths (no locations, no note).
    static func verdict(_ t: KvmTreatment?) -> String {
        guard let t else { return "none" }
        return normalized(t, file: "", map: { $0 }, dropping: ["locations", "note"])
    }

    /// The treatments of a field per view, as JSON objects.
    static func views(_ f: GuestView.Field) -> [String: KvmTreatment] {
        var v = ["normal": f.normal]
        if let n = f.nested { v["nested"] = n }
        if let p = f.protected { v["protected"] = p }
        return v
    }

    // MARK: - Mutations

    /// SplitMix64, for the same mutations on every run.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
        mutating func pick<T>(_ a: [T]) -> T? { a.isEmpty ? nil : a[below(a.count)] }
    }

    static func lines(_ text: String) -> [String] { text.components(separatedBy: "\n") }

    /// The text with 1-based `range` removed.
    static func deleting(_ range: ClosedRange<Int>, from lines: [String]) -> String {
        (Array(lines[..<(range.lowerBound - 1)]) + Array(lines[range.upperBound...])).joined(separator: "\n")
    }

    /// The line range of the parenthesised entry that starts on 1-based line `start` (parens balanced).
    static func entryRange(_ lines: [String], start: Int) -> ClosedRange<Int> {
        var depth = 0
        var end = start
        for i in (start - 1)..<lines.count {
            for ch in lines[i] { if ch == "(" { depth += 1 } else if ch == ")" { depth -= 1 } }
            end = i + 1
            if depth <= 0 { break }
        }
        return start...end
    }

    /// Function definitions of a C file: name → 1-based line range of the definition (text-based: a line at
    /// column 0 naming `name(` without a `;`, up to the next line that is `}`).
    static func functions(_ lines: [String]) -> [String: ClosedRange<Int>] {
        var result: [String: ClosedRange<Int>] = [:]
        let pattern = try! NSRegularExpression(pattern: #"^[A-Za-z_][A-Za-z0-9_ \*]*?\b([A-Za-z_][A-Za-z0-9_]*)\("#)
        var i = 0
        while i < lines.count {
            let line = lines[i]
            if let m = pattern.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
                !line.hasPrefix("static const"), !line.hasPrefix("#"), !line.trimmingCharacters(in: .whitespaces).hasSuffix(";"),
                let r = Range(m.range(at: 1), in: line)
            {
                var j = i
                var body = false
                while j < lines.count {
                    if lines[j].contains("{") { body = true }
                    if !body && lines[j].hasSuffix(";") { break }  // a prototype
                    if body && lines[j] == "}" { break }
                    j += 1
                }
                if body, j < lines.count, lines[j] == "}" {
                    result[String(line[r])] = result[String(line[r])] ?? ((i + 1)...(j + 1))
                    i = j
                }
            }
            i += 1
        }
        return result
    }

    /// `count` mutations of the tree's two files, spread over the operators, chosen by `seed`.
    static func mutations(count: Int, seed: UInt64, cpufeature: String, sysRegs: String, model: TreeModel) -> [Mutation] {
        var rng = Random(state: seed)
        let c = lines(cpufeature), s = lines(sysRegs)
        // cpufeature.c: the entries of the tables, every line of the tables.
        let entryStarts = c.indices.filter { i in
            let t = c[i].trimmingCharacters(in: .whitespaces)
            return t.hasPrefix("ARM64_FTR_BITS(") || t.hasPrefix("S_ARM64_FTR_BITS(") || t.hasPrefix("__ARM64_FTR_BITS(")
                || t.hasPrefix("ARM64_FTR_END")
        }.map { $0 + 1 }
        let tableLines = Array(Set(model.tables.registers.flatMap { r in r.fields.map(\.location.line) + [r.location.line] }))
            .sorted()
        let tableNames = Array(Set(model.tables.registers.map(\.table))).sorted()
        // sys_regs.c: the statements that decide fields, the ID registers' descriptors, the read path's functions.
        var deciding = Set<Int>()
        for f in model.guestView.fields.values {
            for t in views(f).values { for l in t.locations where l.path == sysRegsPath { deciding.insert(l.line) } }
        }
        let encodings = Dictionary(model.tables.registers.map { ($0.encoding, $0.name) }, uniquingKeysWith: { a, _ in a })
        var descriptors: [(line: Int, register: String)] = []
        for r in model.kvmRegisters.registers where r.table == "sys_reg_descs" {
            if let e = r.encoding, let name = encodings[e], r.location.path == sysRegsPath {
                descriptors.append((r.location.line, name))
            }
        }
        let functions = functions(s)
        let readPath = Set(model.guestView.fields.values.compactMap(\.function)).sorted()
        let readPathLines = readPath.compactMap { functions[$0] }.flatMap { Array($0) }
        let renameable = readPath.filter { functions[$0] != nil }

        var plan: [Operator] = []
        let weights: [(Operator, Int)] = [
            (.deleteEntry, 10), (.deleteTableLine, 5), (.deleteLine, 4), (.truncateCpufeature, 3), (.renameTable, 2),
            (.deleteDecidingLine, 12), (.deleteDescriptor, 5), (.deleteReadPathLine, 8), (.renameFunction, 4),
            (.renameDefinition, 3), (.truncateSysRegs, 4),
        ]
        let total = weights.map(\.1).reduce(0, +)
        for (op, w) in weights { plan += Array(repeating: op, count: max(1, count * w / total)) }
        while plan.count < count { plan.append(weights[rng.below(weights.count)].0) }
        plan = Array(plan.prefix(count))

        var result: [Mutation] = []
        var seen = Set<String>()
        for op in plan {
            // An operator whose candidates run out (few read-path functions to rename) lends its turn to the others.
            var tries = 0
            while tries < 200 {
                let chosen = tries < 20 ? op : Operator.allCases[rng.below(Operator.allCases.count)]
                tries += 1
                guard let m = make(chosen, &rng), seen.insert(m.description).inserted else { continue }
                result.append(m)
                break
            }
        }
        return result

        func make(_ op: Operator, _ rng: inout Random) -> Mutation? {
            switch op {
            case .deleteEntry:
                guard let start = rng.pick(entryStarts) else { return nil }
                let r = entryRange(c, start: start)
                return Mutation(
                    op: op, file: cpufeaturePath, text: deleting(r, from: c), deleted: r,
                    what: "lines \(r): \(c[start - 1].trimmingCharacters(in: .whitespaces).prefix(90))")
            case .deleteTableLine:
                guard let line = rng.pick(tableLines + entryStarts.map { $0 + 1 }), line <= c.count else { return nil }
                return Mutation(
                    op: op, file: cpufeaturePath, text: deleting(line...line, from: c), deleted: line...line,
                    what: "line \(line): \(c[line - 1].trimmingCharacters(in: .whitespaces).prefix(90))")
            case .deleteLine:
                let line = 1 + rng.below(c.count)
                return Mutation(
                    op: op, file: cpufeaturePath, text: deleting(line...line, from: c), deleted: line...line,
                    what: "line \(line): \(c[line - 1].trimmingCharacters(in: .whitespaces).prefix(90))")
            case .truncateCpufeature:
                let line = 1 + rng.below(c.count)
                return Mutation(
                    op: op, file: cpufeaturePath, text: c[..<line].joined(separator: "\n"),
                    deleted: line < c.count ? (line + 1)...c.count : nil, what: "after line \(line)")
            case .renameTable:
                guard let name = rng.pick(tableNames + ["arm64_ftr_regs"]) else { return nil }
                // The definition only: its users now name nothing.
                let text = c.map {
                    $0.contains(name + "[]") && $0.contains("=")
                        ? $0.replacingOccurrences(of: name + "[]", with: name + "_mutated[]") : $0
                }
                return Mutation(op: op, file: cpufeaturePath, text: text.joined(separator: "\n"), what: name)
            case .deleteDecidingLine:
                guard let line = rng.pick(deciding.sorted()), line <= s.count else { return nil }
                return Mutation(
                    op: op, file: sysRegsPath, text: deleting(line...line, from: s), deleted: line...line,
                    what: "line \(line): \(s[line - 1].trimmingCharacters(in: .whitespaces).prefix(90))")
            case .deleteDescriptor:
                guard let d = rng.pick(descriptors), d.line <= s.count else { return nil }
                let r = entryRange(s, start: d.line)
                // Only whole entries (a macro invocation, a braced entry on one line): part of one is a syntax error.
                guard r.count == 1, !s[d.line - 1].contains("{") || s[d.line - 1].contains("}") else { return nil }
                return Mutation(
                    op: op, file: sysRegsPath, text: deleting(r, from: s), deleted: r, descriptorOf: d.register,
                    what: "lines \(r): \(s[d.line - 1].trimmingCharacters(in: .whitespaces).prefix(90))")
            case .deleteReadPathLine:
                guard let line = rng.pick(readPathLines), line <= s.count else { return nil }
                return Mutation(
                    op: op, file: sysRegsPath, text: deleting(line...line, from: s), deleted: line...line,
                    what: "line \(line): \(s[line - 1].trimmingCharacters(in: .whitespaces).prefix(90))")
            case .renameFunction:
                guard let name = rng.pick(renameable) else { return nil }
                let new = name + "_mutated"
                let re = try! NSRegularExpression(pattern: "\\b" + NSRegularExpression.escapedPattern(for: name) + "\\b")
                let text = re.stringByReplacingMatches(
                    in: sysRegs, range: NSRange(sysRegs.startIndex..., in: sysRegs), withTemplate: new)
                return Mutation(op: op, file: sysRegsPath, text: text, renamed: (name, new), what: "\(name) everywhere")
            case .renameDefinition:
                guard let name = rng.pick(renameable), let r = functions[name] else { return nil }
                var t = s
                t[r.lowerBound - 1] = t[r.lowerBound - 1].replacingOccurrences(of: name + "(", with: name + "_mutated(")
                return Mutation(
                    op: op, file: sysRegsPath, text: t.joined(separator: "\n"), what: "\(name) at its definition only")
            case .truncateSysRegs:
                let line = 1 + rng.below(s.count)
                return Mutation(
                    op: op, file: sysRegsPath, text: s[..<line].joined(separator: "\n"),
                    deleted: line < s.count ? (line + 1)...s.count : nil, what: "after line \(line)")
            }
        }
    }

    static let cpufeaturePath = cpufeature
    static let sysRegsPath = sysRegs

    // MARK: - The oracle

    /// Judges one mutated run against the original model.
    static func judge(_ m: Mutation, original o: TreeModel, mutated result: Result<TreeModel, Error>) -> (Outcome, String) {
        guard case .success(let n) = result else {
            if case .failure(let e) = result { return (.failedClosed, "\(e)") }
            return (.failedClosed, "")
        }
        let map = { (line: Int) in m.map(line) }
        let renames = m.renamed.map { [($0.new, $0.old)] } ?? []
        // 1. The tables: the original's fields minus the deleted entries (a field's ARM64_FTR_BITS, or its register's
        //    ARM64_FTR_REG: read_sanitised_ftr_reg() then reads 0 for the whole register), attributes unchanged.
        var expected: [String: String] = [:]
        for r in o.tables.registers where !(m.file == cpufeaturePath && m.map(r.location.line) == nil) {
            for f in r.fields where !(m.file == cpufeaturePath && m.map(f.location.line) == nil) {
                expected[r.name + "." + f.name + "@" + String(f.lsb)] = normalized(f, file: m.file, map: map)
            }
        }
        var got: [String: String] = [:]
        // The mutated model's lines are already the mutated file's: only the original's are mapped.
        for r in n.tables.registers {
            for f in r.fields { got[r.name + "." + f.name + "@" + String(f.lsb)] = normalized(f, file: m.file, map: { $0 }) }
        }
        let missing = Set(expected.keys).subtracting(got.keys).sorted()
        if !missing.isEmpty { return (.silent, "complete, but the tables lost \(missing.prefix(5).joined(separator: ", "))") }
        let extra = Set(got.keys).subtracting(expected.keys).sorted()
        if !extra.isEmpty { return (.wrong, "the tables gained \(extra.prefix(5).joined(separator: ", "))") }
        for (k, v) in expected where got[k] != v { return (.wrong, "\(k) changed: \(difference(v, got[k] ?? "{}"))") }
        // 2. A treatment for every field.
        let keys = Set(n.tables.registers.flatMap { r in r.fields.map(\.key) })
        let viewless = keys.subtracting(n.guestView.fields.keys).sorted()
        if !viewless.isEmpty { return (.silent, "complete, but no guest view of \(viewless.prefix(5).joined(separator: ", "))") }
        // 3. What the KVM side must show.
        for (key, of) in o.guestView.fields {
            guard let nf = n.guestView.fields[key] else { continue }
            let ov = views(of), nv = views(nf)
            switch m.op {
            case .renameFunction:
                let a = normalized(of, file: m.file, map: map), b = normalized(nf, file: m.file, map: { $0 }, renames: renames)
                if a != b { return (.wrong, "renaming \(m.renamed!.old) everywhere changed \(key): \(a) → \(b)") }
            case _ where m.file == cpufeaturePath:
                for (view, t) in ov where verdict(t) != verdict(nv[view]) {
                    return (
                        .wrong,
                        "a cpufeature.c mutation changed KVM's \(view) treatment of \(key): \(verdict(t)) → \(verdict(nv[view]))"
                    )
                }
            case .deleteDescriptor where m.descriptorOf == of.register:
                if nf.normal.kind != .hidden && nf.normal.kind != .unknown {
                    return (.silent, "\(of.register)'s sys_reg_descs[] entry is gone, yet \(key) is \(nf.normal.kind.rawValue)")
                }
            default:
                guard let deleted = m.deleted else { continue }
                for (view, t) in ov {
                    let lines = Set(t.locations.filter { $0.path == m.file }.map(\.line))
                    guard !lines.isEmpty, lines.allSatisfy({ deleted.contains($0) }) else { continue }
                    let after = nv[view]
                    if verdict(t) == verdict(after) && after?.kind != .unknown {
                        return (
                            .silent, "every statement that decided \(key) (\(view)) was deleted, yet it is still \(verdict(t))"
                        )
                    }
                }
            }
        }
        return (.correct, "")
    }

    // MARK: - The run

    struct Tally {
        var counts: [Outcome: Int] = [:]
        var byOperator: [Operator: [Outcome: Int]] = [:]
        var problems: [String] = []
    }

    func run(version: String, count: Int, seed: UInt64) throws -> Tally {
        let base = try KernelTree(path: try RealTrees.root(version))
        let env = try ParseEnvironment(tree: base, cacheRoot: NSTemporaryDirectory() + "ftrlint-tests-env")
        let policy = try Policy.shipped()
        let original = try TreeModel(tree: base, arguments: env, policy: policy, cache: nil)
        let cpufeature = try base.read(Self.cpufeature), sysRegs = try base.read(Self.sysRegs)
        let mutations = Self.mutations(count: count, seed: seed, cpufeature: cpufeature, sysRegs: sysRegs, model: original)
        XCTAssertGreaterThanOrEqual(mutations.count, count * 19 / 20, "enough distinct mutations")
        var tally = Tally()
        let start = Date()
        let verbose = ProcessInfo.processInfo.environment["FTRLINT_MUTATION_VERBOSE"] != nil
        for m in mutations {
            let result = Result {
                try TreeModel(tree: try base.overlaid(with: [m.file: m.text]), arguments: env, policy: policy, cache: nil)
            }
            let (outcome, why) = Self.judge(m, original: original, mutated: result)
            tally.counts[outcome, default: 0] += 1
            tally.byOperator[m.op, default: [:]][outcome, default: 0] += 1
            if outcome == .silent || outcome == .wrong { tally.problems.append("\(outcome.rawValue): \(m): \(why)") }
            if verbose { print("mutation \(version) \(outcome.rawValue): \(m)\(why.isEmpty ? "" : " — " + why.prefix(200))") }
        }
        let seconds = Date().timeIntervalSince(start)
        print(
            "mutation linux-\(version): \(mutations.count) mutations in \(Int(seconds)) s: "
                + "\(tally.counts[.correct, default: 0]) reported correctly, \(tally.counts[.failedClosed, default: 0]) failed closed (exit 2), "
                + "\(tally.counts[.silent, default: 0]) silent passes, \(tally.counts[.wrong, default: 0]) wrong")
        for op in Operator.allCases {
            guard let c = tally.byOperator[op] else { continue }
            print(
                "  \(version) \(op.rawValue): "
                    + [Outcome.correct, .failedClosed, .silent, .wrong].map { "\($0.rawValue) \(c[$0, default: 0])" }.joined(
                        separator: ", "))
        }
        for p in tally.problems { print("  " + p) }
        return tally
    }

    func testMutatedTreesNeverPassSilently() throws {
        let env = ProcessInfo.processInfo.environment
        let count = Int(env["FTRLINT_MUTATIONS"] ?? "") ?? 10
        let versions = env["FTRLINT_MUTATION_TREES"].map { $0.split(separator: " ").map(String.init) } ?? RealTrees.versions
        let seed = UInt64(env["FTRLINT_MUTATION_SEED"] ?? "") ?? 6
        for version in versions {
            let tally = try run(version: version, count: count, seed: seed)
            XCTAssertEqual(
                tally.counts[.silent, default: 0], 0, "linux-\(version): silent passes\n" + tally.problems.joined(separator: "\n")
            )
            XCTAssertEqual(
                tally.counts[.wrong, default: 0], 0, "linux-\(version): wrong results\n" + tally.problems.joined(separator: "\n"))
            XCTAssertGreaterThan(tally.counts[.correct, default: 0], 0, "some mutations are reported, not all refused")
        }
    }

    /// The oracle on hand-made cases, without a real tree.
    func testOracleOnTheFixtureTree() throws {
        let root = Robustness.kvmMini
        let base = try KernelTree(path: root)
        let env = try ParseEnvironment(tree: base, cacheRoot: NSTemporaryDirectory() + "ftrlint-tests-env")
        let policy = try Policy.shipped()
        let original = try TreeModel(tree: base, arguments: env, policy: policy, cache: nil)
        let s = Self.lines(try base.read(Self.sysRegs))
        let c = Self.lines(try base.read(Self.cpufeature))
        func model(_ file: String, _ text: String) -> Result<TreeModel, Error> {
            Result { try TreeModel(tree: try base.overlaid(with: [file: text]), arguments: env, policy: policy, cache: nil) }
        }
        // Deleting the mask that hides AMU: AMU passes through now, which is reported (not the old "hidden").
        let mask = try XCTUnwrap(s.firstIndex { $0.contains("val &= ~ID_AA64PFR0_EL1_AMU_MASK;") }) + 1
        let m1 = Mutation(
            op: .deleteDecidingLine, file: Self.sysRegs, text: Self.deleting(mask...mask, from: s), deleted: mask...mask,
            what: "mask")
        XCTAssertEqual(Self.judge(m1, original: original, mutated: model(m1.file, m1.text)).0, .correct)
        // A run that kept the old treatment would be a silent pass.
        XCTAssertEqual(Self.judge(m1, original: original, mutated: .success(original)).0, .silent)
        // Deleting the AES entry: one field fewer; a model that still had it is wrong, one that lost AMU too is silent.
        let aes = try XCTUnwrap(c.firstIndex { $0.contains("ID_AA64ISAR0_EL1_AES_SHIFT, 4, 0)") }) + 1
        let m2 = Mutation(
            op: .deleteEntry, file: Self.cpufeature, text: Self.deleting(aes...aes, from: c), deleted: aes...aes, what: "AES")
        let r2 = model(m2.file, m2.text)
        XCTAssertEqual(Self.judge(m2, original: original, mutated: r2).0, .correct)
        XCTAssertEqual(Self.judge(m2, original: original, mutated: .success(original)).0, .wrong)
        let amu = try XCTUnwrap(c.firstIndex { $0.contains("ID_AA64PFR0_EL1_AMU_SHIFT, 4, 0)") }) + 1
        let m3 = Mutation(
            op: .deleteEntry, file: Self.cpufeature, text: Self.deleting(amu...amu, from: c), deleted: amu...amu, what: "AMU")
        if case .success(let lostAMU) = model(m3.file, m3.text) {
            XCTAssertEqual(
                Self.judge(m2, original: original, mutated: .success(lostAMU)).0, .silent, "AMU lost where only AES was deleted")
        } else {
            XCTFail("deleting the AMU entry leaves a complete model")
        }
        // Renaming the read path's function everywhere changes nothing.
        let m4 = Mutation(
            op: .renameFunction, file: Self.sysRegs,
            text: s.joined(separator: "\n").replacingOccurrences(
                of: "kvm_read_sanitised_id_reg", with: "kvm_read_sanitised_id_reg_mutated"),
            renamed: ("kvm_read_sanitised_id_reg", "kvm_read_sanitised_id_reg_mutated"), what: "rename")
        XCTAssertEqual(Self.judge(m4, original: original, mutated: model(m4.file, m4.text)).0, .correct)
        // Truncation inside the read path fails closed.
        let m5 = Mutation(
            op: .truncateSysRegs, file: Self.sysRegs, text: s[..<mask].joined(separator: "\n"), deleted: (mask + 1)...s.count,
            what: "cut")
        XCTAssertEqual(Self.judge(m5, original: original, mutated: model(m5.file, m5.text)).0, .failedClosed)
        // The text-based function finder sees the fixture's functions.
        let fns = Self.functions(s)
        XCTAssertNotNil(fns["kvm_read_sanitised_id_reg"])
        XCTAssertNotNil(fns["reset_id_reg"])
    }
}

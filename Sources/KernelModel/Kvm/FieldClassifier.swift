/// Reads a field's treatment back from the abstract bits the read path produced.
///
/// Every combination of the predicates the field's bits depend on is tried. Predicates that compare
/// the field's own host value with a constant (`if (val > cap)`, `min()`) are folded into a cap;
/// the others are run-time conditions, recorded as written.
struct FieldClassifier {
    let register: UInt32
    let trace: Trace
    static let maxConditions = 10

    private enum Outcome: Hashable { case host, constant(UInt64), capped(UInt64), computed(Int), unknown(Int) }

    func classify(_ value: Bits, lsb: Int, width: Int) -> KvmTreatment {
        let bits = Array(value.bits[lsb..<min(64, lsb + width)])
        var atoms: [Int] = []
        for b in bits { collect(b, &atoms) }
        let locations = self.locations(bits: lsb..<(lsb + width), atoms: atoms, value: bits)
        guard atoms.count <= Self.maxConditions else {
            return KvmTreatment(kind: .unknown, locations: locations, note: "depends on \(atoms.count) conditions")
        }
        // A branch on a comparison ftrlint could not read is not KVM's run-time condition: no verdict.
        if let unreadable = atoms.lazy.compactMap({ self.trace.atoms[$0].unreadable }).first {
            return KvmTreatment(kind: .unknown, locations: locations, note: trace.notes[unreadable].text)
        }
        let field = HostField(register: register, lsb: lsb, width: width)
        let capAtoms = atoms.filter { trace.atoms[$0].hostField == field }
        let conditions = atoms.filter { !capAtoms.contains($0) }

        // One outcome per assignment of the run-time conditions; cap predicates folded inside. Assignments
        // no host value can satisfy (`pmuver < 6` and `pmuver == 15`) are paths the code never takes (should
        // every one be such, the constraints are not trusted and all are kept).
        var groups: [(assignment: [Int: Bool], outcome: Outcome)] = []
        for prune in [true, false] where groups.isEmpty {
            for g in assignments(conditions) {
                let taken = assignments(capAtoms).map { g.merging($0) { a, _ in a } }
                    .filter { !prune || Constraint.feasible($0, atoms: trace.atoms) }
                guard !taken.isEmpty else { continue }
                groups.append((g, fold(Set(taken.map { outcome(bits, $0, lsb: lsb) }))))
            }
        }
        let outcomes = groups.map(\.outcome)
        var seen = Set<String>()
        let texts = conditions.map { trace.atoms[$0].text }.filter { seen.insert($0).inserted }
        let condition = texts.isEmpty ? nil : texts.joined(separator: "; ")
        let note = outcomes.lazy.compactMap { o -> String? in
            switch o {
            case .computed(let n), .unknown(let n): return self.trace.notes[n].text
            default: return nil
            }
        }.first

        if outcomes.allSatisfy({ $0 == .host }) { return KvmTreatment(kind: .passthrough, locations: locations) }
        if case .unknown? = outcomes.first(where: {
            if case .unknown = $0 { return true }
            return false
        }) {
            return KvmTreatment(kind: .unknown, condition: condition, locations: locations, note: note)
        }
        // The host's value on some path, or outcomes that differ with a run-time condition (a cap with a vPMU,
        // hidden without one): each path as KVM decides it, so no path is folded into another's value.
        if outcomes.contains(.host) || Set(outcomes).count > 1 {
            let paths = groups.map { g in
                KvmTreatment.Path(when: describe(g.assignment), kind: kind(of: g.outcome), value: number(g.outcome))
            }
            return KvmTreatment(kind: .conditional, condition: condition, paths: paths, locations: locations, note: note)
        }
        let limits = outcomes.compactMap(number)
        if outcomes.contains(where: {
            if case .capped = $0 { return true }
            return false
        }) {
            return KvmTreatment(kind: .capped, cap: limits.max(), condition: condition, locations: locations)
        }
        if outcomes.contains(where: {
            if case .computed = $0 { return true }
            return false
        }) {
            return KvmTreatment(kind: .computed, condition: condition, locations: locations, note: note)
        }
        let top = limits.max() ?? 0
        return top == 0
            ? KvmTreatment(kind: .hidden, condition: condition, locations: locations)
            : KvmTreatment(kind: .forced, value: top, condition: condition, locations: locations)
    }

    /// Outcomes across the cap predicates: host plus constants is a cap at the largest constant.
    private func fold(_ outcomes: Set<Outcome>) -> Outcome {
        if outcomes.count == 1, let only = outcomes.first { return only }
        if let u = outcomes.first(where: {
            if case .unknown = $0 { return true }
            return false
        }) {
            return u
        }
        if outcomes.contains(.host) {
            let consts = outcomes.compactMap { o -> UInt64? in
                if case .constant(let v) = o { return v }
                return nil
            }
            if consts.count == outcomes.count - 1 { return .capped(consts.max() ?? 0) }
        }
        return outcomes.first {
            if case .computed = $0 { return true }
            return false
        } ?? .computed(0)
    }

    private func outcome(_ bits: [Bit], _ assignment: [Int: Bool], lsb: Int) -> Outcome {
        let resolved = bits.map { resolve($0, assignment) }
        var value: UInt64 = 0
        var allConst = true, allHost = true
        for (i, b) in resolved.enumerated() {
            switch b {
            case .one:
                value |= 1 << UInt64(i)
                allHost = false
            case .zero: allHost = false
            case .host(let r, let bit):
                allConst = false
                if r != register || bit != lsb + i { allHost = false }
            case .unknown(let n): return .unknown(n)
            case .computed, .choice:
                allConst = false
                allHost = false
            }
        }
        if allHost { return .host }
        if allConst { return .constant(value) }
        for b in resolved { if case .computed(let n) = b { return .computed(n) } }
        return .computed(0)
    }

    private func resolve(_ b: Bit, _ assignment: [Int: Bool]) -> Bit {
        guard case .choice(let c, let p, let q) = b else { return b }
        guard let v = assignment[c] else { return b }
        return resolve(v ? p : q, assignment)
    }

    private func collect(_ b: Bit, _ atoms: inout [Int]) {
        guard case .choice(let c, let p, let q) = b else { return }
        if !atoms.contains(c) { atoms.append(c) }
        collect(p, &atoms)
        collect(q, &atoms)
    }

    private func assignments(_ atoms: [Int]) -> [[Int: Bool]] {
        atoms.reduce([[:]]) { partial, atom in partial.flatMap { a in [true, false].map { a.merging([atom: $0]) { x, _ in x } } }
        }
    }

    private func describe(_ assignment: [Int: Bool]) -> String {
        assignment.sorted { $0.key < $1.key }
            .map { $0.value ? trace.atoms[$0.key].text : "!(\(trace.atoms[$0.key].text))" }
            .joined(separator: " && ")
    }

    private func kind(of o: Outcome) -> KvmTreatment.Kind {
        switch o {
        case .host: return .passthrough
        case .constant(let v): return v == 0 ? .hidden : .forced
        case .capped(let v): return v == 0 ? .hidden : .capped  // min(host, 0) is 0
        case .computed: return .computed
        case .unknown: return .unknown
        }
    }

    private func number(_ o: Outcome) -> Int64? {
        switch o {
        case .constant(let v), .capped(let v): return Int64(bitPattern: v)
        default: return nil
        }
    }

    private func locations(bits: Range<Int>, atoms: [Int], value: [Bit]) -> [SourceRef] {
        var refs = Set<SourceRef>()
        for i in bits where i < 64 { refs.formUnion(trace.touched[i] ?? []) }
        for a in atoms { refs.insert(trace.atoms[a].location) }
        return refs.sorted()
    }
}

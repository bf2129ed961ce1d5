import Foundation
import KernelTree
import LibClang
import TranslationUnits

/// One build of a model from source: the units parsed side by side, each read as soon as what it needs
/// is parsed and released once read, so that few are alive at once. Units are named by their files.
///
/// Tasks and what they need (cpufeature.c is parsed without function bodies):
///
///     parse cpufeature.c ─→ cpufeature tables ─┬─→ protected view ←─ parse pKVM's sys_regs.c
///     KVM's unit, bodies blanked ──────────────┴─→ KVM's unit: sys_reg_descs, normal view
///
/// KVM's files are one unit (KvmUnit), read twice: with every body blanked, then with the bodies the
/// read path of cpufeature's registers needs. Where they cannot be combined, each is parsed on its own:
///
///     parse sys_regs.c ──→ sys_reg_descs ──→ normal view ←── parse nested.c, pmu-emul.c
///
/// The normal view takes the protected one (if any) only at its end. Errors are kept and thrown
/// afterwards in the order a sequential run meets them, so the outcome is the same whatever ran first.
final class ModelBuild: @unchecked Sendable {
    /// What the parsed units read, for the result cache (nil: not recorded, or an input changed meanwhile).
    private(set) var inputs: ResultCache.Inputs?

    private let files: [String]
    private let combine: Bool
    private let units: ParsedUnits
    private let lock = NSLock()
    private var tables: Result<CpufeatureTables, Error>?
    /// The fields of cpufeature's registers it does not describe, laid out by the tree's sysreg file: made
    /// with the tables, read by every view.
    private var undescribed: [String: [UndescribedField]] = [:]
    private var kvmRegisters: Result<KvmRegisterTables, Error>?
    private var protectedViews: Result<GuestViewAnalyzer.ProtectedViews, Error>?
    private var guestView: Result<GuestView, Error>?
    private var names: Result<FieldNames, Error>?
    private var encodings: Result<[String: Encoding], Error>?

    /// A build reading `files` (TreeModel.files: cpufeature.c first, pKVM's last where present).
    init(files: [String], preambles: PreambleCache?, combine: Bool) {
        self.files = files
        self.combine = combine
        units = ParsedUnits(preambles: preambles)
    }

    func run(
        tree: KernelTree, arguments: [[String]], policy: Policy,
        record: (cache: ResultCache, key: ResultCache.Key)?, clock: Stopwatch
    ) throws -> ResultCache.Entry {
        let files = self.files
        let argumentsOf = Dictionary(uniqueKeysWithValues: zip(files, arguments))
        let relativize = { (p: String) in tree.relativePath(p) ?? p }
        let cpufeatureFile = CpufeatureExtractor.path
        let kvm = files.filter { TreeModel.kvmFiles.contains($0) }
        let pkvm = files.last.flatMap { $0 == GuestViewAnalyzer.protectedPath ? $0 : nil }
        let unity = combine ? KvmUnit(tree: tree, files: kvm, arguments: kvm.map { argumentsOf[$0]! }) : nil
        clock.note(unity == nil ? "KVM's files parsed one by one" : "KVM's files parsed as one unit")

        let graph = TaskGraph(clock: clock)
        let fieldNames = graph.add("field names") {
            let names = Result { try FieldNames(tree: tree, policy: policy) }
            self.locked { self.names = names }
        }
        graph.add("register encodings") {
            let names = Set(policy.entries.values.flatMap { $0.levels.flatMap(\.registers) })
            let encodings = Result {
                try RegisterEncodings.resolve(names, tree: tree, arguments: argumentsOf[cpufeatureFile]!)
            }
            self.locked { self.encodings = encodings }
        }
        let own = files.filter { unity == nil || !kvm.contains($0) }
        var parses: [String: TaskGraph.ID] = [:]
        for file in own {
            parses[file] = graph.add("parse \(file)", order: 1 + Self.parseOrder(file, unity: unity != nil)) {
                self.parse(file, tree: tree, arguments: argumentsOf[file]!, record: record != nil)
            }
        }
        let cpufeature = graph.add("cpufeature tables", after: [parses[cpufeatureFile]!, fieldNames]) {
            let tables = Result {
                let unit = try self.unit(cpufeatureFile)
                let namer = try self.locked({ self.names! }).get().namer
                return try CpufeatureExtractor(unit: unit, relativize: relativize, namer: namer).extract()
            }
            self.units.release(cpufeatureFile)
            let spec = (try? self.locked({ self.names })?.get())?.spec
            let undescribed = (try? tables.get()).map { UndescribedField.of($0, spec: spec, policy: policy) } ?? [:]
            self.locked {
                self.tables = tables
                self.undescribed = undescribed
            }
        }
        let protectedTask = pkvm.map { pkvm in
            graph.add("protected view", after: [parses[pkvm]!, cpufeature]) {
                defer { self.units.release(pkvm) }
                guard self.units.clean([pkvm]), case .success(let tables)? = self.locked({ self.tables }),
                    let unit = self.units.unit(pkvm)
                else { return }
                // pKVM's table only exists where the hypervisor emulates ID registers itself (6.x and later).
                guard Self.declares(unit, GuestViewAnalyzer.protectedTable) else { return }
                let path = GuestViewAnalyzer.ReadPath(
                    unit: unit, table: GuestViewAnalyzer.protectedTable,
                    functions: FunctionIndex(units: [unit]))
                let undescribed = self.locked { self.undescribed }
                let views = Result {
                    try GuestViewAnalyzer.protectedViews(of: tables, path: path, relativize: relativize, undescribed: undescribed)
                }
                self.locked { self.protectedViews = views }
            }
        }
        // The protected view runs beside the normal one; the normal view waits for it at its end.
        let protected: () throws -> GuestViewAnalyzer.ProtectedViews? = {
            guard let protectedTask else { return nil }
            clock.note("normal and nested views done")
            graph.wait(for: protectedTask)
            return try self.locked({ self.protectedViews })?.get()
        }
        var kvmTasks: [TaskGraph.ID] = []
        let sysRegs = kvm[0]
        if let unity {
            let blanked = graph.add("parse KVM's unit, bodies blanked", order: 1 + Self.parseOrder(sysRegs, unity: true)) {
                self.parseUnit(unity, plan: .all(unity), tree: tree, arguments: argumentsOf[sysRegs]!, record: false)
            }
            kvmTasks.append(
                graph.add("KVM's unit", after: [blanked, cpufeature]) {
                    // The unit with its bodies is the largest: parse it once pKVM's unit is read and released.
                    self.analyzeUnit(
                        unity, tree: tree, arguments: argumentsOf, policy: policy, relativize: relativize,
                        record: record != nil, clock: clock, alone: { protectedTask.map(graph.wait) },
                        protected: protected)
                })
        } else {
            let registers = graph.add("sys_reg_descs", after: [parses[sysRegs]!]) {
                self.extractRegisters(sysRegs, relativize: relativize)
            }
            kvmTasks.append(
                graph.add("normal view", after: kvm.map { parses[$0]! } + [cpufeature, registers]) {
                    defer { kvm.forEach { self.units.release($0, trim: false) } }
                    self.normalView(kvm, functions: nil, relativize: relativize, policy: policy, protected: protected)
                })
        }
        if let record {
            graph.add("result cache inputs", after: Array(parses.values) + kvmTasks, order: Int.max) {
                let inputs = record.cache.inputs(
                    for: record.key, inclusions: self.units.inclusions(of: files),
                    arguments: arguments, startedAt: clock.start)
                self.locked { self.inputs = inputs }
            }
        }
        graph.run()

        // As a sequential run would: parse failures, then errors in any unit (what was lost to one cannot
        // be told from what the tree lacks), then the readers.
        for file in files { _ = try units.outcome(file)!.get() }
        for file in files {
            if let error = units.firstError(file) {
                throw IncompleteAnalysis.didNotParse(file, error, relativize: relativize)
            }
        }
        _ = try names!.get()
        let tables = try tables!.get()
        let kvmRegisters = try kvmRegisters!.get()
        let guestView = try guestView!.get()
        return ResultCache.Entry(
            tables: tables, kvmRegisters: kvmRegisters, guestView: guestView,
            registerEncodings: try encodings!.get(), undescribed: undescribed)
    }

    // MARK: - KVM

    private func extractRegisters(_ sysRegs: String, relativize: @escaping (String) -> String) {
        guard units.clean([sysRegs]) else { return }
        let registers = Result { try SysRegDescsExtractor(unit: try unit(sysRegs), relativize: relativize).extract() }
        locked { kvmRegisters = registers }
    }

    /// The normal (and nested) views from the KVM units `files` (sys_regs.c's first); `functions`: the
    /// index to follow calls with, else one over those units. Returns the functions it asked for that were blanked.
    @discardableResult
    private func normalView(
        _ files: [String], functions: FunctionIndex?, relativize: @escaping (String) -> String,
        policy: Policy, protected: () throws -> GuestViewAnalyzer.ProtectedViews?
    ) -> Set<String> {
        guard units.clean(files), case .success(let tables)? = locked({ self.tables }),
            let units = try? files.map({ try unit($0) })
        else { return [] }
        let functions = functions ?? FunctionIndex(units: units)
        let normal = GuestViewAnalyzer.ReadPath(unit: units[0], table: SysRegDescsExtractor.mainTable, functions: functions)
        let undescribed = locked { self.undescribed }
        let view = Result {
            try GuestViewAnalyzer(normal: normal, protected: nil, relativize: relativize, undescribed: undescribed)
                .analyze(tables, protected: protected)
        }
        locked { guestView = view }
        return functions.requested
    }

    /// Parses KVM's unit with `plan`'s bodies blanked, under sys_regs.c's name, through the precompiled
    /// headers of all its files.
    private func parseUnit(_ unity: KvmUnit, plan: KvmUnit.Plan, tree: KernelTree, arguments: [String], record: Bool) {
        let sysRegs = unity.files[0]
        do {
            let overlaid = try unity.tree(over: tree, plan: plan)
            units.parse(
                sysRegs, tree: overlaid, arguments: arguments, options: [.keepGoing], recordInclusions: record,
                extraPreamble: unity.extraPreamble)
        } catch {
            units.failed(sysRegs, error)
        }
    }

    /// KVM's unit, from its parse with every body blanked: the bodies the read path needs are planned from
    /// it, then the unit is parsed with them and read; when the views ask for a body left out (through a
    /// header's macro), again with it, and after three such rounds with every body. Where the unit has an
    /// error with its bodies blanked (a name both files define), its files are parsed one by one.
    private func analyzeUnit(
        _ unity: KvmUnit, tree: KernelTree, arguments: [String: [String]], policy: Policy,
        relativize: @escaping (String) -> String, record: Bool, clock: Stopwatch,
        alone: () -> Void, protected: () throws -> GuestViewAnalyzer.ProtectedViews?
    ) {
        let files = unity.files
        let sysRegs = files[0]
        let paths = Set(files.map(tree.absolutePath))
        guard units.clean([sysRegs]) else {
            units.forget(sysRegs)
            for file in files { parse(file, tree: tree, arguments: arguments[file]!, record: record) }
            extractRegisters(sysRegs, relativize: relativize)
            normalView(files, functions: nil, relativize: relativize, policy: policy, protected: protected)
            files.forEach { units.release($0, trim: false) }
            return
        }
        for file in files.dropFirst() { units.included(file) }
        // What the plan needs from the blanked unit, read in a scope of its own so the unit goes with it.
        let (names, planned): ([[String?]], Set<String>?) = {
            guard let blanked = units.unit(sysRegs) else { return ([], nil) }
            let encodings = Set((try? locked({ self.tables })?.get())?.registers.map(\.encoding.sysReg) ?? [])
            // A table that cannot be read is reported by the reader of the whole unit.
            return (
                unity.functionNames(in: blanked, tree: tree),
                try? GuestViewAnalyzer.readPathRoots(unit: blanked, encodings: encodings, relativize: relativize)
            )
        }()
        units.release(sysRegs)
        alone()
        var roots = planned
        let keep = SysRegDescsExtractor.spelledMacros
        var plan = roots.map { unity.plan(names: names, roots: $0, keepingBodiesSpelling: keep) } ?? .none(unity)
        for round in 1... {
            parseUnit(unity, plan: plan, tree: tree, arguments: arguments[sysRegs]!, record: record)
            clock.note("KVM's unit, round \(round): parsed with \(plan.blank.joined().filter { $0 }.count) bodies blanked")
            extractRegisters(sysRegs, relativize: relativize)
            let functions = units.unit(sysRegs).map { FunctionIndex(units: [$0], files: paths, blanked: plan.blanked) }
            let requested = normalView(
                [sysRegs], functions: functions, relativize: relativize, policy: policy,
                protected: protected)
            clock.note("KVM's unit, round \(round): views asked for \(requested.sorted())")
            if requested.isEmpty || plan == .none(unity) { break }
            units.release(sysRegs)
            roots = (roots ?? []).union(requested)
            let next = unity.plan(names: names, roots: roots!, keepingBodiesSpelling: keep)
            plan = round < 3 && next != plan ? next : .none(unity)
        }
        units.release(sysRegs, trim: false)
    }

    // MARK: - Units

    /// Parse order. One by one: pKVM's unit and sys_regs.c first, then cpufeature.c (every view needs its
    /// tables), so that the protected view is done and its unit released before the KVM units the normal
    /// view reads together are all parsed. As one unit: KVM's blanked unit and cpufeature.c first (the plan
    /// needs both), then pKVM's, read and released before KVM's unit is parsed with its bodies. Fewer units
    /// alive at once, at little cost in time.
    private static func parseOrder(_ file: String, unity: Bool) -> Int {
        let order =
            unity
            ? [SysRegDescsExtractor.path, CpufeatureExtractor.path, GuestViewAnalyzer.protectedPath]
            : [GuestViewAnalyzer.protectedPath, SysRegDescsExtractor.path, CpufeatureExtractor.path]
                + TreeModel.kvmFiles.filter { $0 != SysRegDescsExtractor.path }
        return order.firstIndex(of: file) ?? order.count
    }

    /// Parses the unit of `file`: cpufeature.c without function bodies (only its file-scope tables are read).
    private func parse(_ file: String, tree: KernelTree, arguments: [String], record: Bool) {
        let options: ParseOptions = file == CpufeatureExtractor.path ? [.keepGoing, .skipFunctionBodies] : [.keepGoing]
        units.parse(file, tree: tree, arguments: arguments, options: options, recordInclusions: record)
    }

    private func unit(_ file: String) throws -> TranslationUnit {
        guard let unit = units.unit(file) else { throw IncompleteAnalysis(file: file, "was not parsed") }
        return unit
    }

    /// Whether the unit's main file declares a variable `name` (pKVM's table).
    private static func declares(_ unit: TranslationUnit, _ name: String) -> Bool {
        var found = false
        unit.cursor.visit { c in
            if c.kind == .varDecl, c.isInMainFile, c.spelling == name {
                found = true
                return .break
            }
            return .continue
        }
        return found
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

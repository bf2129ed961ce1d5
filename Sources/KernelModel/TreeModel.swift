import Dispatch
import Foundation
import KernelTree
import LibClang

/// Everything ftrlint knows about one tree: the pipeline tree → parse environment → translation units →
/// kernel model, run once per command.
public struct TreeModel {
    public let tree: KernelTree
    public let tables: CpufeatureTables
    public let kvmRegisters: KvmRegisterTables
    public let guestView: GuestView
    /// Encodings of the system registers the policy names, from the tree's SYS_<NAME> macros.
    public let registerEncodings: [String: Encoding]
    /// Where KVM's code uses the names the policy gives as evidence of what levels need.
    public let kvmEvidence: KvmEvidence
    public let seconds: Double
    /// Whether the model was taken from the result cache (an earlier run on exactly these inputs).
    public let fromCache: Bool

    /// KVM files whose functions the read path may call; absent ones (nested.c before 6.x) are skipped.
    static let kvmFiles = ["arch/arm64/kvm/sys_regs.c", "arch/arm64/kvm/nested.c", "arch/arm64/kvm/pmu-emul.c"]

    /// The translation units the model of `tree` reads: cpufeature.c, KVM's files, pKVM's where present.
    public static func files(of tree: KernelTree) -> [String] {
        let kvm = kvmFiles.filter { tree.exists($0) }
        let protected = tree.exists(GuestViewAnalyzer.protectedPath) ? [GuestViewAnalyzer.protectedPath] : []
        return [CpufeatureExtractor.path] + kvm + protected
    }

    /// Builds the model of `tree`, or takes it from `cache` when a run had exactly the same inputs before;
    /// units are parsed through `preambles` where their headers were precompiled (or can be). KVM's files
    /// are read as one unit where they can be (KvmUnit); `combineKvmFiles: false` parses each on its own
    /// and in full, the reference the tests hold the combined reading to.
    public init(tree: KernelTree, arguments: CompileArguments, policy: Policy,
                cache: ResultCache? = ResultCache.default, preambles: PreambleCache? = PreambleCache.default,
                combineKvmFiles: Bool = true) throws {
        let clock = Stopwatch()
        let files = Self.files(of: tree)
        guard tree.exists(GuestViewAnalyzer.path) else {
            throw IncompleteAnalysis(file: GuestViewAnalyzer.path, "file not found")
        }
        let args = try files.map { try arguments.arguments(for: $0) }
        // What ftrlint reads itself is size-checked; libclang reads these directly, so check them the same way.
        for file in files { _ = try tree.read(file) }
        let key = cache?.key(tree: tree, files: files, arguments: args, policy: policy)
        let evidence = try KvmEvidence(tree: tree, names: policy.evidenceNames)
        clock.note("KVM's code read for evidence")
        if let cache, let key, let hit = cache.lookup(key) {
            clock.note("result cache: hit")
            self.init(tree: tree, entry: hit, evidence: evidence, seconds: clock.seconds, fromCache: true)
            return
        }
        let build = Build(files: files, preambles: preambles, combine: combineKvmFiles)
        let entry = try build.run(tree: tree, arguments: args, policy: policy,
                                  record: cache.flatMap { cache in key.map { (cache, $0) } }, clock: clock)
        self.init(tree: tree, entry: entry, evidence: evidence, seconds: clock.seconds, fromCache: false)
        if let cache, let key, let inputs = build.inputs {
            cache.store(entry, key: key, inputs: inputs)
            clock.note("result cache: stored")
        }
    }

    private init(tree: KernelTree, entry: ResultCache.Entry, evidence: KvmEvidence, seconds: Double, fromCache: Bool) {
        self.tree = tree
        tables = entry.tables; kvmRegisters = entry.kvmRegisters; guestView = entry.guestView
        registerEncodings = entry.registerEncodings; kvmEvidence = evidence
        self.seconds = seconds; self.fromCache = fromCache
    }

    static func declares(_ unit: TranslationUnit, _ name: String) -> Bool {
        var found = false
        unit.cursor.visit { c in
            if c.kind == .varDecl, c.isInMainFile, c.spelling == name { found = true; return .break }
            return .continue
        }
        return found
    }
}

/// One build of a model from source: the units parsed side by side, each read as soon as what it needs
/// is parsed and released once read, so that few are alive at once.
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
private final class Build: @unchecked Sendable {
    /// What the parsed units read, for the result cache (nil: not recorded, or an input changed meanwhile).
    private(set) var inputs: ResultCache.Inputs?

    private let files: [String]
    private let preambles: PreambleCache?
    private let combine: Bool
    private let lock = NSLock()
    private var units: [TranslationUnit?]
    private var parsed: [Result<Void, Error>?]
    private var firstError: [Diagnostic?]
    private var inclusions: [[String]]
    private var tables: Result<CpufeatureTables, Error>?
    private var kvmRegisters: Result<KvmRegisterTables, Error>?
    private var protectedViews: Result<GuestViewAnalyzer.ProtectedViews, Error>?
    private var guestView: Result<GuestView, Error>?
    private var names: Result<FieldNames, Error>?
    private var encodings: Result<[String: Encoding], Error>?

    init(files: [String], preambles: PreambleCache?, combine: Bool) {
        self.files = files
        self.preambles = preambles
        self.combine = combine
        units = Array(repeating: nil, count: files.count)
        parsed = Array(repeating: nil, count: files.count)
        firstError = Array(repeating: nil, count: files.count)
        inclusions = Array(repeating: [], count: files.count)
    }

    func run(tree: KernelTree, arguments: [[String]], policy: Policy,
             record: (cache: ResultCache, key: ResultCache.Key)?, clock: Stopwatch) throws -> ResultCache.Entry {
        let files = self.files
        let relativize = { (p: String) in tree.relativePath(p) ?? p }
        let kvm = Array(files.indices.filter { TreeModel.kvmFiles.contains(files[$0]) })
        let pkvm = files.indices.last.flatMap { files[$0] == GuestViewAnalyzer.protectedPath ? $0 : nil }
        let unity = combine ? KvmUnit(tree: tree, files: kvm.map { files[$0] }, arguments: kvm.map { arguments[$0] }) : nil
        clock.note(unity == nil ? "KVM's files parsed one by one" : "KVM's files parsed as one unit")

        let graph = TaskGraph(clock: clock)
        let fieldNames = graph.add("field names") {
            let names = Result { try FieldNames(tree: tree, policy: policy) }
            self.set { self.names = names }
        }
        graph.add("register encodings") {
            let names = Set(policy.entries.values.flatMap { $0.levels.flatMap(\.registers) })
            let encodings = Result { try RegisterEncodings.resolve(names, tree: tree, arguments: arguments[0]) }
            self.set { self.encodings = encodings }
        }
        let own = files.indices.filter { unity == nil || !kvm.contains($0) }
        var parses: [Int: Int] = [:]
        for i in own {
            parses[i] = graph.add("parse \(files[i])", order: 1 + Self.parseOrder(files[i], unity: unity != nil)) {
                self.parse(i, path: tree.absolutePath(files[i]), tree: tree, arguments: arguments[i], record: record != nil)
            }
        }
        let cpufeature = graph.add("cpufeature tables", after: [parses[0]!, fieldNames]) {
            let tables = Result {
                let unit = try self.unit(0)
                let namer = try self.get({ self.names! }).get().namer
                return try CpufeatureExtractor(unit: unit, relativize: relativize, namer: namer).extract()
            }
            self.release(0)
            self.set { self.tables = tables }
        }
        let protectedTask = pkvm.map { pkvm in
            graph.add("protected view", after: [parses[pkvm]!, cpufeature]) {
                defer { self.release(pkvm) }
                guard self.clean([pkvm]), case .success(let tables)? = self.get({ self.tables }),
                      let unit = try? self.unit(pkvm) else { return }
                // pKVM's table only exists where the hypervisor emulates ID registers itself (6.x and later).
                guard TreeModel.declares(unit, GuestViewAnalyzer.protectedTable) else { return }
                let path = GuestViewAnalyzer.ReadPath(unit: unit, table: GuestViewAnalyzer.protectedTable,
                                                      functions: FunctionIndex(units: [unit]))
                let undescribed = self.undescribed(tables, policy: policy)
                let views = Result {
                    try GuestViewAnalyzer.protectedViews(of: tables, path: path, relativize: relativize, undescribed: undescribed)
                }
                self.set { self.protectedViews = views }
            }
        }
        // The protected view runs beside the normal one; the normal view waits for it at its end.
        let protected: () throws -> GuestViewAnalyzer.ProtectedViews? = {
            guard let protectedTask else { return nil }
            clock.note("normal and nested views done")
            graph.wait(for: protectedTask)
            return try self.get({ self.protectedViews })?.get()
        }
        var kvmTasks: [Int] = []
        if let unity {
            let sysRegs = kvm[0]
            let blanked = graph.add("parse KVM's unit, bodies blanked", order: 1 + Self.parseOrder(files[sysRegs], unity: true)) {
                self.parseUnit(unity, plan: .all(unity), index: sysRegs, tree: tree, arguments: arguments[sysRegs], record: false)
            }
            kvmTasks.append(graph.add("KVM's unit", after: [blanked, cpufeature]) {
                // The unit with its bodies is the largest: parse it once pKVM's unit is read and released.
                self.analyzeUnit(unity, indices: kvm, tree: tree, arguments: arguments, policy: policy, relativize: relativize,
                                 record: record != nil, clock: clock, alone: { protectedTask.map(graph.wait) },
                                 protected: protected)
            })
        } else {
            let sysRegs = kvm[0]
            let registers = graph.add("sys_reg_descs", after: [parses[sysRegs]!]) {
                self.extractRegisters(sysRegs, relativize: relativize)
            }
            kvmTasks.append(graph.add("normal view", after: kvm.map { parses[$0]! } + [cpufeature, registers]) {
                defer { kvm.forEach { self.release($0, trim: false) } }
                self.normalView(kvm, functions: nil, relativize: relativize, policy: policy, protected: protected)
            })
        }
        if let record {
            graph.add("result cache inputs", after: Array(parses.values) + kvmTasks, order: Int.max) {
                let inclusions = self.get { self.inclusions }
                let inputs = record.cache.inputs(for: record.key, inclusions: inclusions, arguments: arguments,
                                                 startedAt: clock.start)
                self.set { self.inputs = inputs }
            }
        }
        graph.run()

        // As a sequential run would: parse failures, then errors in any unit (what was lost to one cannot
        // be told from what the tree lacks), then the readers.
        for i in files.indices { _ = try parsed[i]!.get() }
        for i in files.indices {
            if let e = firstError[i] {
                throw IncompleteAnalysis.didNotParse(files[i], e, relativize: relativize)
            }
        }
        _ = try names!.get()
        let tables = try tables!.get()
        let kvmRegisters = try kvmRegisters!.get()
        let guestView = try guestView!.get()
        return ResultCache.Entry(tables: tables, kvmRegisters: kvmRegisters, guestView: guestView,
                                 registerEncodings: try encodings!.get())
    }

    // MARK: - KVM

    /// The fields of cpufeature's registers it does not describe, laid out by the tree's sysreg file.
    private func undescribed(_ tables: CpufeatureTables, policy: Policy) -> [String: [UndescribedField]] {
        let spec = (try? get({ self.names })?.get())?.spec
        return UndescribedField.of(tables, spec: spec, policy: policy)
    }

    private func extractRegisters(_ sysRegs: Int, relativize: @escaping (String) -> String) {
        guard clean([sysRegs]) else { return }
        let registers = Result { try SysRegDescsExtractor(unit: try unit(sysRegs), relativize: relativize).extract() }
        set { kvmRegisters = registers }
    }

    /// The normal (and nested) views from the KVM units at `indices` (sys_regs.c's first); `functions`: the
    /// index to follow calls with, else one over those units. Returns the functions it asked for that were blanked.
    @discardableResult
    private func normalView(_ indices: [Int], functions: FunctionIndex?, relativize: @escaping (String) -> String,
                            policy: Policy, protected: () throws -> GuestViewAnalyzer.ProtectedViews?) -> Set<String> {
        guard clean(indices), case .success(let tables)? = get({ self.tables }),
              let units = try? indices.map({ try unit($0) }) else { return [] }
        let functions = functions ?? FunctionIndex(units: units)
        let normal = GuestViewAnalyzer.ReadPath(unit: units[0], table: SysRegDescsExtractor.mainTable, functions: functions)
        let undescribed = undescribed(tables, policy: policy)
        let view = Result {
            try GuestViewAnalyzer(normal: normal, protected: nil, relativize: relativize, undescribed: undescribed)
                .analyze(tables, protected: protected)
        }
        set { guestView = view }
        return functions.requested
    }

    /// Parses KVM's unit with `plan`'s bodies blanked, as unit `index` (sys_regs.c's), through the precompiled
    /// headers of all its files.
    private func parseUnit(_ unity: KvmUnit, plan: KvmUnit.Plan, index: Int, tree: KernelTree, arguments: [String],
                           record: Bool) {
        do {
            let overlaid = try unity.tree(over: tree, plan: plan)
            parse(index, path: tree.absolutePath(files[index]), tree: overlaid, arguments: arguments, record: record,
                  extraPreamble: unity.extraPreamble)
        } catch {
            set { parsed[index] = .failure(error) }
        }
    }

    /// KVM's unit, from its parse with every body blanked: the bodies the read path needs are planned from
    /// it, then the unit is parsed with them and read; when the views ask for a body left out (through a
    /// header's macro), again with it, and after three such rounds with every body. Where the unit has an
    /// error with its bodies blanked (a name both files define), its files are parsed one by one.
    private func analyzeUnit(_ unity: KvmUnit, indices: [Int], tree: KernelTree, arguments: [[String]], policy: Policy,
                             relativize: @escaping (String) -> String, record: Bool, clock: Stopwatch,
                             alone: () -> Void, protected: () throws -> GuestViewAnalyzer.ProtectedViews?) {
        let sysRegs = indices[0]
        let paths = Set(unity.files.map(tree.absolutePath))
        guard clean([sysRegs]) else {
            set { parsed[sysRegs] = nil; firstError[sysRegs] = nil }
            for i in indices { parse(i, path: tree.absolutePath(files[i]), tree: tree, arguments: arguments[i], record: record) }
            extractRegisters(sysRegs, relativize: relativize)
            normalView(indices, functions: nil, relativize: relativize, policy: policy, protected: protected)
            indices.forEach { release($0, trim: false) }
            return
        }
        for i in indices.dropFirst() { set { parsed[i] = .success(()) } }
        // What the plan needs from the blanked unit, read in a scope of its own so the unit goes with it.
        let (names, planned): ([[String?]], Set<String>?) = {
            guard let blanked = try? unit(sysRegs) else { return ([], nil) }
            let encodings = Set((try? get({ self.tables })?.get())?.registers.map(\.encoding.sysReg) ?? [])
            // A table that cannot be read is reported by the reader of the whole unit.
            return (unity.functionNames(in: blanked, tree: tree),
                    try? GuestViewAnalyzer.readPathRoots(unit: blanked, encodings: encodings, relativize: relativize))
        }()
        release(sysRegs)
        alone()
        var roots = planned
        var plan = roots.map { unity.plan(names: names, roots: $0) } ?? .none(unity)
        for round in 1... {
            parseUnit(unity, plan: plan, index: sysRegs, tree: tree, arguments: arguments[sysRegs], record: record)
            clock.note("KVM's unit, round \(round): parsed with \(plan.blank.joined().filter { $0 }.count) bodies blanked")
            extractRegisters(sysRegs, relativize: relativize)
            let functions = get { units[sysRegs] }.map { FunctionIndex(units: [$0], files: paths, blanked: plan.blanked) }
            let requested = normalView([sysRegs], functions: functions, relativize: relativize, policy: policy,
                                       protected: protected)
            clock.note("KVM's unit, round \(round): views asked for \(requested.sorted())")
            if requested.isEmpty || plan == .none(unity) { break }
            release(sysRegs)
            roots = (roots ?? []).union(requested)
            let next = unity.plan(names: names, roots: roots!)
            plan = round < 3 && next != plan ? next : .none(unity)
        }
        release(sysRegs, trim: false)
    }

    /// Parse order. One by one: pKVM's unit and sys_regs.c first, then cpufeature.c (every view needs its
    /// tables), so that the protected view is done and its unit released before the KVM units the normal
    /// view reads together are all parsed. As one unit: KVM's blanked unit and cpufeature.c first (the plan
    /// needs both), then pKVM's, read and released before KVM's unit is parsed with its bodies. Fewer units
    /// alive at once, at little cost in time.
    private static func parseOrder(_ file: String, unity: Bool) -> Int {
        let order = unity ? ["arch/arm64/kvm/sys_regs.c", CpufeatureExtractor.path, GuestViewAnalyzer.protectedPath]
            : [GuestViewAnalyzer.protectedPath, "arch/arm64/kvm/sys_regs.c", CpufeatureExtractor.path,
               "arch/arm64/kvm/nested.c", "arch/arm64/kvm/pmu-emul.c"]
        return order.firstIndex(of: file) ?? order.count
    }

    /// Parses unit i (cpufeature.c, the first, without function bodies), through its precompiled
    /// preamble where it has one, and notes its errors.
    private func parse(_ i: Int, path: String, tree: KernelTree, arguments: [String], record: Bool,
                       extraPreamble: String = "") {
        let options: ParseOptions = i == 0 ? [.keepGoing, .skipFunctionBodies] : [.keepGoing]
        do {
            let precompiled = preambles?.parse(path: path, tree: tree, arguments: arguments, options: options,
                                               extra: extraPreamble)
            let unit = try precompiled?.unit
                ?? TranslationUnit(path: path, arguments: arguments, unsavedFiles: tree.unsavedFiles, options: options)
            let error = unit.diagnostics.first { $0.severity >= .error }
            let included = record ? (precompiled?.preambleFiles ?? []) + unit.includedFiles : []
            set {
                units[i] = unit; parsed[i] = .success(()); firstError[i] = error; inclusions[i] = included
            }
        } catch {
            set { parsed[i] = .failure(error) }
        }
    }

    private func unit(_ i: Int) throws -> TranslationUnit {
        try get {
            guard let unit = units[i] else { throw IncompleteAnalysis(file: files[i], "was not parsed") }
            return unit
        }
    }

    /// Drops the build's reference to unit i: libclang frees it once the last cursor into it is gone. The
    /// memory then goes back to the system rather than stay with the allocator arena of the thread that
    /// parsed the unit, where a parse on the other thread could not reuse it.
    /// `trim: false` for the last units: nothing is parsed after them, so handing their memory back would
    /// only cost time at the end of the run.
    private func release(_ i: Int, trim: Bool = true) {
        let unit: TranslationUnit? = get { units[i] }
        set { units[i] = nil }
        guard unit != nil else { return }
        _ = consume unit
        if trim { Self.mallocTrim?(0) }
    }

    /// glibc's malloc_trim, where the C library has it.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()

    /// Whether the units parsed with no error (the read path runs through them: it fails closed otherwise).
    private func clean(_ indices: [Int]) -> Bool {
        get { indices.allSatisfy { units[$0] != nil && firstError[$0] == nil } }
    }

    private func get<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    private func set(_ body: () -> Void) {
        lock.lock(); defer { lock.unlock() }
        body()
    }
}

/// Tasks with dependencies, run on as many threads as the machine has cores. A ready task is taken by
/// `order` (lowest first, then as added); a task may wait for another, helping with ready work meanwhile.
private final class TaskGraph: @unchecked Sendable {
    private struct Task {
        let name: String
        let after: [Int]
        let order: Int
        let body: () -> Void
        var started = false
        var done = false
    }

    private let condition = NSCondition()
    private var tasks: [Task] = []
    private let clock: Stopwatch

    init(clock: Stopwatch) { self.clock = clock }

    /// Adds a task that runs once every task in `after` is done.
    @discardableResult
    func add(_ name: String, after: [Int] = [], order: Int = 0, _ body: @escaping () -> Void) -> Int {
        tasks.append(Task(name: name, after: after, order: order, body: body))
        return tasks.count - 1
    }

    /// Runs every task, on up to one thread per core.
    func run() {
        let threads = max(1, min(ProcessInfo.processInfo.activeProcessorCount, tasks.count))
        DispatchQueue.concurrentPerform(iterations: threads) { _ in work(until: nil) }
        tasks.removeAll()
    }

    /// Blocks until task `target` is done, running ready tasks in the meantime (from inside a task).
    func wait(for target: Int) { work(until: target) }

    private func work(until target: Int?) {
        condition.lock()
        while true {
            if let target, tasks[target].done { break }
            if target == nil, tasks.allSatisfy(\.done) { break }
            guard let next = ready() else {
                // Nothing to take: a running task will finish (tasks form no cycle) and signal.
                condition.wait()
                continue
            }
            tasks[next].started = true
            let task = tasks[next]
            condition.unlock()
            let start = clock.seconds, cpu = Stopwatch.threadCPU()
            task.body()
            clock.note(task.name + String(format: " %.3f s (cpu %.3f s), from %.3f", clock.seconds - start,
                                          Stopwatch.threadCPU() - cpu, start))
            condition.lock()
            tasks[next].done = true
            condition.broadcast()
        }
        condition.unlock()
    }

    private func ready() -> Int? {
        var best: Int?
        for i in tasks.indices where !tasks[i].started && tasks[i].after.allSatisfy({ tasks[$0].done }) {
            if best == nil || tasks[i].order < tasks[best!].order { best = i }
        }
        return best
    }
}

/// Wall-clock time since the model was asked for. With FTRLINT_TIMINGS set, notes of what took how long
/// go to stderr when the model is done (scripts/bench): stderr is silenced while libclang parses.
final class Stopwatch: @unchecked Sendable {
    let start = Date()
    private let enabled = ProcessInfo.processInfo.environment["FTRLINT_TIMINGS"].map { !$0.isEmpty && $0 != "0" } ?? false
    private let lock = NSLock()
    private var notes: [String] = []

    var seconds: Double { Date().timeIntervalSince(start) }

    func note(_ text: @autoclosure () -> String) {
        guard enabled else { return }
        let line = String(format: "ftrlint: timing: %7.3f s %5d MiB  ", seconds, Self.residentMiB()) + text() + "\n"
        lock.lock(); notes.append(line); lock.unlock()
    }

    /// CPU time of the calling thread, in seconds.
    static func threadCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Resident memory now (/proc/self/statm), 0 where there is no such file.
    private static func residentMiB() -> Int {
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        let text = String(decoding: buffer.prefix(max(0, n)), as: UTF8.self)
        let pages = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return (pages * Int(sysconf(Int32(_SC_PAGESIZE)))) >> 20
    }

    deinit {
        if !notes.isEmpty { FileHandle.standardError.write(Data(notes.joined().utf8)) }
    }
}

import Foundation
import KernelTree
import TranslationUnits

/// Everything ftrlint knows about one tree: the pipeline tree → parse environment → translation units →
/// kernel model, run once per command.
public struct TreeModel {
    public let tree: KernelTree
    public let tables: CpufeatureTables
    public let kvmRegisters: KvmRegisterTables
    public let guestView: GuestView
    /// The fields of cpufeature's registers it does not describe, by register: their bits and signedness in
    /// this tree (their views are in `guestView`).
    public let undescribed: [String: [UndescribedField]]
    /// Encodings of the system registers the policy names, from the tree's SYS_<NAME> macros.
    public let registerEncodings: [String: Encoding]
    /// Where KVM's code uses the names the policy gives as evidence of what levels need.
    public let kvmEvidence: KvmEvidence
    public let seconds: Double
    /// Whether the model was taken from the result cache (an earlier run on exactly these inputs).
    public let fromCache: Bool

    /// KVM files whose functions the read path may call; absent ones (nested.c before 6.x) are skipped.
    static let kvmFiles = [SysRegDescsExtractor.path, "arch/arm64/kvm/nested.c", "arch/arm64/kvm/pmu-emul.c"]

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
    public init(
        tree: KernelTree, arguments: CompileArguments, policy: Policy,
        cache: ResultCache? = ResultCache.default, preambles: PreambleCache? = PreambleCache.default,
        combineKvmFiles: Bool = true
    ) throws {
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
        let build = ModelBuild(files: files, preambles: preambles, combine: combineKvmFiles)
        let entry = try build.run(
            tree: tree, arguments: args, policy: policy,
            record: cache.flatMap { cache in key.map { (cache, $0) } }, clock: clock)
        self.init(tree: tree, entry: entry, evidence: evidence, seconds: clock.seconds, fromCache: false)
        if let cache, let key, let inputs = build.inputs {
            cache.store(entry, key: key, inputs: inputs)
            clock.note("result cache: stored")
        }
    }

    private init(tree: KernelTree, entry: ResultCache.Entry, evidence: KvmEvidence, seconds: Double, fromCache: Bool) {
        self.tree = tree
        tables = entry.tables
        kvmRegisters = entry.kvmRegisters
        guestView = entry.guestView
        undescribed = entry.undescribed
        registerEncodings = entry.registerEncodings
        kvmEvidence = evidence
        self.seconds = seconds
        self.fromCache = fromCache
    }
}

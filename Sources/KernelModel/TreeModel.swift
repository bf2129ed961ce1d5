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
    /// libclang errors per parsed file (tree-relative path → count); errors inside what is read fail closed.
    public let diagnostics: [String: Int]
    public let seconds: Double

    /// KVM files whose functions the read path may call; absent ones (nested.c before 6.x) are skipped.
    static let kvmFiles = ["arch/arm64/kvm/sys_regs.c", "arch/arm64/kvm/nested.c", "arch/arm64/kvm/pmu-emul.c"]

    public init(tree: KernelTree, arguments: CompileArguments, policy: Policy) throws {
        let start = Date()
        let kvm = Self.kvmFiles.filter { tree.exists($0) }
        let protected = tree.exists(GuestViewAnalyzer.protectedPath) ? [GuestViewAnalyzer.protectedPath] : []
        let files = [CpufeatureExtractor.path] + kvm + protected
        guard tree.exists(GuestViewAnalyzer.path) else {
            throw IncompleteAnalysis(file: GuestViewAnalyzer.path, "file not found")
        }
        let units = try Self.parse(files, tree: tree, arguments: arguments)
        let relativize = { (p: String) in tree.relativePath(p) ?? p }
        // The read path runs through KVM's function bodies and the headers they use, which parse without
        // errors on every real tree: an error there may have dropped a statement, so fail closed.
        for (file, unit) in zip(files, units).dropFirst() {
            if let e = unit.diagnostics.first(where: { $0.severity >= .error }) {
                throw IncompleteAnalysis(file: file, "did not parse: \(relativize(e.location.file)):\(e.location.line): \(e.message)")
            }
        }
        let names = try FieldNames(tree: tree, policy: policy)
        tables = try CpufeatureExtractor(unit: units[0], relativize: relativize, namer: names.namer).extract()
        kvmRegisters = try SysRegDescsExtractor(unit: units[1], relativize: relativize).extract()
        let kvmUnits = Array(units[1...kvm.count])
        let normal = GuestViewAnalyzer.ReadPath(unit: units[1], table: "sys_reg_descs", functions: FunctionIndex(units: kvmUnits))
        // pKVM's table only exists where the hypervisor emulates ID registers itself (6.x and later).
        let pkvm = protected.isEmpty ? nil : units.last.flatMap { unit in
            Self.declares(unit, GuestViewAnalyzer.protectedTable)
                ? GuestViewAnalyzer.ReadPath(unit: unit, table: GuestViewAnalyzer.protectedTable, functions: FunctionIndex(units: [unit]))
                : nil
        }
        guestView = try GuestViewAnalyzer(normal: normal, protected: pkvm, relativize: relativize).analyze(tables)
        var counts: [String: Int] = [:]
        for (file, unit) in zip(files, units) { counts[file] = unit.diagnostics.filter { $0.severity >= .error }.count }
        diagnostics = counts
        self.tree = tree
        seconds = Date().timeIntervalSince(start)
    }

    static func declares(_ unit: TranslationUnit, _ name: String) -> Bool {
        var found = false
        unit.cursor.visit { c in
            if c.kind == .varDecl, c.isInMainFile, c.spelling == name { found = true; return .break }
            return .continue
        }
        return found
    }

    /// Parses the files side by side, one libclang index per thread. cpufeature.c needs no function bodies.
    static func parse(_ files: [String], tree: KernelTree, arguments: CompileArguments) throws -> [TranslationUnit] {
        let args = try files.map { try arguments.arguments(for: $0) }
        // What ftrlint reads itself is size-checked; libclang reads these directly, so check them the same way.
        for file in files { _ = try tree.read(file) }
        let unsaved = tree.unsavedFiles
        var results = [Result<TranslationUnit, Error>?](repeating: nil, count: files.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            let options: ParseOptions = i == 0 ? [.keepGoing, .skipFunctionBodies] : [.keepGoing]
            let r = Result { try TranslationUnit(path: tree.absolutePath(files[i]), arguments: args[i],
                                                 unsavedFiles: unsaved, options: options) }
            lock.lock(); results[i] = r; lock.unlock()
        }
        return try results.map { try $0!.get() }
    }
}

import Foundation
import KernelTree
import LibClang

/// KVM's C files read as one translation unit, a unity build: sys_regs.c with the files whose functions its
/// read path may call (nested.c, pmu-emul.c) included at its end, their headers precompiled together.
/// One unit holds the headers once, where three separate units held them three times.
///
/// Most of a unit's cost is its function bodies, and the analysis reads few of them, so a unit is read twice:
/// first with every body blanked (FunctionBodies), which costs little more than the headers and gives the
/// tables, the handlers of the registers cpufeature describes, and which body is which function; then with
/// only the bodies the analysis can need: those handlers and every function their bodies name, through
/// the files' own macros too; bodies with no branch at their top level (the shapes the table reader
/// classifies); bodies that spell a macro a reader looks for. A body the analysis asks for that was
/// blanked anyway (reached through a header's macro) is a request: the unit is read again with it.
///
/// The files are combined only when nothing tells one file's text apart from what it is alone: the same
/// compile arguments but for the per-object names and warnings, preambles of #include lines only (the
/// first's comes before the others' headers, which come before the first's code, as guarded kernel headers
/// allow), no macro one file defines or undefines spelled in a file after it, and text FunctionBodies can
/// read. Otherwise, and where the combined unit has an error once its bodies are blanked (a name two files
/// define), each file is parsed on its own and in full.
public struct KvmUnit {
    /// Tree-relative paths, sys_regs.c first.
    public let files: [String]
    private let sources: [[UInt8]]
    /// Each file's bodies.
    private let scans: [FunctionBodies]
    /// The #include lines the files after the first start with, precompiled with the first's preamble.
    public let extraPreamble: String

    /// The unit of `files` (sys_regs.c first), nil when they cannot be read as one.
    public init?(tree: KernelTree, files: [String], arguments: [[String]]) {
        guard files.count == arguments.count, !files.isEmpty else { return nil }
        let shared = arguments.map(Self.semanticArguments)
        guard shared.allSatisfy({ $0 == shared[0] }) else { return nil }
        var sources: [[UInt8]] = []
        var extra = ""
        for (i, file) in files.enumerated() {
            guard let text = try? tree.read(file) else { return nil }
            let bytes = Array(text.utf8)
            sources.append(bytes)
            guard let directives = Preamble(of: bytes)?.directives else { continue }
            // The first file's preamble comes before the others' headers: it may not define a macro. The others
            // lend their #include lines, which come before any other directive of theirs.
            if i == 0 {
                guard !directives.contains(where: { $0.name == "define" || $0.name == "undef" }) else { return nil }
            } else {
                let last = directives.lastIndex { $0.name == "include" } ?? -1
                guard directives.prefix(last + 1).allSatisfy({ $0.name == "include" }) else { return nil }
                extra += directives.prefix(last + 1).map(\.text).joined()
            }
        }
        let scans = sources.compactMap { FunctionBodies(source: $0) }
        guard scans.count == sources.count else { return nil }
        // One file's macros must not reach the text of a file after it.
        for (i, scan) in scans.enumerated() {
            let names = Set(scan.macros.keys).union(scan.undefined)
            for later in scans[(i + 1)...] where !names.isDisjoint(with: later.identifiers) { return nil }
        }
        self.files = files
        self.sources = sources
        self.scans = scans
        self.extraPreamble = extra
    }

    /// What makes two compile commands parse a text differently: all but the per-object names
    /// (KBUILD_BASENAME ...) and the warning flags.
    private static func semanticArguments(_ args: [String]) -> [String] {
        args.filter { a in
            if a.hasPrefix("-DKBUILD_") || a.hasPrefix("-D__KBUILD_") { return false }
            if a.hasPrefix("-W"), !a.hasPrefix("-Wp,"), !a.hasPrefix("-Wa,"), !a.hasPrefix("-Wl,") { return false }
            return true
        }
    }

    /// Which bodies to blank: per file, per body of its scan.
    public struct Plan: Equatable {
        public let blank: [[Bool]]
        /// Functions whose only bodies were blanked: a request for one of them reads the unit again.
        public let blanked: Set<String>

        /// Every body kept.
        public static func none(_ unit: KvmUnit) -> Plan {
            Plan(blank: unit.scans.map { Array(repeating: false, count: $0.bodies.count) }, blanked: [])
        }

        /// Every body that can be blanked.
        public static func all(_ unit: KvmUnit) -> Plan {
            Plan(blank: unit.scans.map { $0.bodies.map(\.blankable) }, blanked: [])
        }
    }

    /// `tree` with the unit laid over it: sys_regs.c ending in #includes of the other files, bodies blanked by `plan`.
    public func tree(over tree: KernelTree, plan: Plan) throws -> KernelTree {
        var overlay: [String: String] = [:]
        for (i, file) in files.enumerated() {
            var bytes = FunctionBodies.blanking(sources[i], scans[i].bodies) { plan.blank[i][$0] }
            if i == 0 {
                bytes += Array(
                    ("\n"
                        + files.dropFirst().map { "#include \"\(($0 as NSString).lastPathComponent)\"\n" }
                        .joined()).utf8)
            }
            overlay[file] = String(decoding: bytes, as: UTF8.self)
        }
        return try tree.overlaid(with: overlay)
    }

    /// The function each body defines, read from the unit parsed with every body blanked (`Plan.all`): the
    /// declaration that ends last before the body's place. Nil where none does (a body in an inactive branch).
    public func functionNames(in unit: TranslationUnit, tree: KernelTree) -> [[String?]] {
        let paths = files.map(tree.absolutePath)
        var decls: [[(start: Int, end: Int, name: String?)]] = Array(repeating: [], count: files.count)
        unit.cursor.visit { c in
            let range = c.extent
            if let i = paths.firstIndex(of: range.start.file), range.end.file == range.start.file {
                let function = c.kind == .functionDecl && !c.hasBody
                decls[i].append((range.start.offset, range.end.offset, function ? c.spelling : nil))
            }
            return .continue
        }
        return files.indices.map { i in
            let sorted = decls[i].sorted { $0.start < $1.start }
            return scans[i].bodies.map { body in
                guard let d = sorted.last(where: { $0.start < body.open }), d.end <= body.open + 1 else { return nil }
                return d.name
            }
        }
    }

    /// Keeps the bodies of `roots` and of every function a kept body names, directly or through the files'
    /// macros; bodies without a branch at their top level; bodies spelling one of `keptMacros` (those whose
    /// values the table reader reads from bodies); bodies that define no known function. Blanks the rest.
    public func plan(names: [[String?]], roots: Set<String>, keepingBodiesSpelling keptMacros: Set<String>) -> Plan {
        var bodiesOf: [String: [(Int, Int)]] = [:]
        for (i, fileNames) in names.enumerated() {
            for (j, name) in fileNames.enumerated() { if let name { bodiesOf[name, default: []].append((i, j)) } }
        }
        var macros: [String: Set<String>] = [:]
        for scan in scans { scan.macros.forEach { macros[$0.key, default: []].formUnion($0.value) } }

        var keep = names.enumerated().map { i, fileNames in
            fileNames.enumerated().map { j, name in
                let body = scans[i].bodies[j]
                return name == nil || !body.branches
                    || !body.identifiers.isDisjoint(with: keptMacros)
            }
        }
        // From the roots through every name a kept body spells: a body kept for its shape alone names nothing
        // the analysis follows unless a root's body does.
        var seen = Set<String>()
        var work = Array(roots)
        while let name = work.popLast() {
            guard seen.insert(name).inserted else { continue }
            if let replacement = macros[name] { work.append(contentsOf: replacement) }
            for (i, j) in bodiesOf[name] ?? [] {
                keep[i][j] = true
                work.append(contentsOf: scans[i].bodies[j].identifiers)
            }
        }
        let blank = keep.enumerated().map { i, fileKeep in
            fileKeep.enumerated().map { j, kept in !kept && scans[i].bodies[j].blankable }
        }
        var blanked = Set<String>(), kept = Set<String>()
        for (name, places) in bodiesOf {
            for (i, j) in places { if blank[i][j] { blanked.insert(name) } else { kept.insert(name) } }
        }
        return Plan(blank: blank, blanked: blanked.subtracting(kept))
    }
}

import ArgumentParser
import Bound
import Foundation
import KernelModel
import Patch
import Policy
import Rules
import ToolError

extension BoundScope: ExpressibleByArgument {}

/// `ftrlint bound`: the KVM patch that bounds the fields in scope, proved before it is printed.
struct BoundCommand: TreeCommand {
    static let configuration = CommandConfiguration(
        commandName: "bound", abstract: "Write, and prove, the KVM patch that bounds ID register fields.",
        discussion: """
            Prints one patch in git format-patch form against KVM's read path (arch/arm64/kvm/sys_regs.c) and, \
            for protected guests, pKVM's (hyp/nvhe/sys_regs.c and the allow-lists of \
            hyp/include/nvhe/fixed_config.h), in the idiom of the tree's version, that limits each field in scope \
            to the policy's bound and below the first level KVM lacks. --scope leaks (the default): the fields \
            leak, nv-leak and protected-leak report; over-bound: \
            the fields over-bound reports; all: both, and every field that reads as zero today whose bound KVM \
            would not hold (latent). Before printing, ftrlint applies the patch in memory, parses and analyses \
            the patched tree, and requires that no finding in scope is left and that every other field's guest \
            view is unchanged; when it cannot, it prints nothing and exits 2. With nothing in scope it prints \
            nothing and exits 0. Nothing is written into the tree.
            """)

    @OptionGroup var options: TreeOptions
    @OptionGroup var policy: PolicyOptions

    @Option(help: "Which findings to answer: leaks, over-bound or all.")
    var scope: BoundScope = .leaks

    @Option(
        name: .customLong("register"), parsing: .upToNextOption,
        help: ArgumentHelp("Only these registers (_EL1 may be left out).", valueName: "name"))
    var registers: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the patch (default: standard output).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("The patch's author, for its From: line.", valueName: "name <email>"))
    var author: String = "ftrlint <ftrlint@localhost>"

    @Flag(help: "Add a Signed-off-by: line for the author.")
    var signoff = false

    func run() throws {
        try reportingErrors {
            let policy = try self.policy.load(tree: options.tree)
            let enabling: Set<String> = scope == .all ? ["latent"] : []
            let before = try Analysis(options: options, policy: policy, enabling: enabling)
            let wanted = try Self.registers(OptionValues.list(registers), in: before.model.tables)
            let inScope = { (f: Finding) in
                scope.rules.contains(f.rule) && (wanted.isEmpty || wanted.contains(f.register))
            }
            let findings = before.findings.filter(inScope)
            guard !findings.isEmpty else {
                printError(
                    "ftrlint: nothing to bound: no \(scope.rawValue) finding"
                        + (wanted.isEmpty ? "" : " on \(wanted.sorted().joined(separator: ", "))")
                        + " in \(options.tree)")
                return
            }
            let context = RuleContext(model: before.model, policy: policy)
            let (limits, unbounded) = context.limits(answering: findings)
            if let first = unbounded.first {
                throw CheckProblem("cannot bound \(first.key): \(first.why)")
            }
            let tree = before.model.tree
            let writer = BoundWriter(
                guestView: before.model.guestView, tables: before.model.tables,
                aliases: { policy.entry(key: $0)?.aliases ?? [] },
                read: { try? tree.readIfPresent($0) ?? nil })
            let (edits, written) = try writer.write(limits)
            let message = BoundMessage(scope: scope, written: written, views: before.model.guestView.fields)
            let patch = FormatPatch(author: author, signoff: signoff, subject: message.subject, body: message.body, edits: edits)
            let text = patch.text
            try BoundProof(
                options: options, policy: policy, before: before, edits: edits, limits: limits,
                inScope: inScope, enabling: enabling
            ).check(text)
            if let output, output != "-" {
                do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                    throw CheckProblem("cannot write \(output): \(error.localizedDescription)")
                }
                printError("ftrlint: wrote a patch bounding \(limits.count) field\(limits.count == 1 ? "" : "s") to \(output)")
            } else {
                print(text, terminator: "")
            }
        }
    }

    /// The registers `names` stand for (case-insensitive, `_EL1` optional); one cpufeature does not describe
    /// is an error.
    static func registers(_ names: [String], in tables: CpufeatureTables) throws -> Set<String> {
        var result = Set<String>()
        for name in names {
            let spellings = RegisterNames.spellings(name.uppercased())
            guard let reg = tables.registers.first(where: { spellings.contains($0.name.uppercased()) }) else {
                throw CheckProblem("--register \(name): no such register in cpufeature's tables")
            }
            result.insert(reg.name)
        }
        return result
    }
}

/// The proof a bound patch must pass before it is printed: it applies to the tree as it is, the patched
/// files parse with no libclang error (the model fails closed on any), and the patched tree's analysis
/// leaves no finding in scope and changes the guest view (as `matrix --format json` shows it, and the
/// views of undescribed fields likewise) of exactly the fields the patch names.
struct BoundProof {
    let options: TreeOptions
    let policy: Policy
    let before: Analysis
    let edits: [FileEdit]
    let limits: [FieldLimit]
    let inScope: (Finding) -> Bool
    let enabling: Set<String>

    struct Unproved: ToolError {
        let description: String
        init(_ why: String) { description = "the bound patch could not be proved: " + why }
    }

    func check(_ text: String) throws {
        let tree = before.model.tree
        let overlay: [String: String]
        do {
            overlay = try GitPatch(parsing: text).apply { try tree.readIfPresent($0) }
        } catch {
            throw Unproved("it does not apply to the tree: \(error)")
        }
        for e in edits where overlay[e.path] != e.patched {
            throw Unproved("applied, it does not give the intended \(e.path)")
        }
        let after: Analysis
        do {
            after = try Analysis(options: options, policy: policy, overlay: overlay, enabling: enabling)
        } catch {
            throw Unproved("the patched tree does not analyse: \(error)")
        }
        if let left = after.findings.first(where: inScope) {
            throw Unproved("\(left.key) is still reported (\(left.rule)): \(left.message)")
        }
        let map = LineMap(edits)
        let changed = Self.views(before, map: nil).changed(against: Self.views(after, map: map))
        let named = Set(limits.map(\.key))
        if let extra = changed.subtracting(named).sorted().first {
            throw Unproved("it also changes the guest view of \(extra)")
        }
        if let same = named.subtracting(changed).sorted().first {
            throw Unproved("it does not change the guest view of \(same)")
        }
    }

    /// Each field's view as the matrix prints it (JSON), places read through `map`, and the undescribed
    /// fields' views alike.
    struct Views {
        let byKey: [String: Data]
        func changed(against other: Views) -> Set<String> {
            Set(Set(byKey.keys).union(other.byKey.keys).filter { byKey[$0] != other.byKey[$0] })
        }
    }

    static func views(_ a: Analysis, map: LineMap?) -> Views {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var fields = a.model.guestView.fields
        var findings = a.findings
        if let map {
            fields = fields.mapValues(map.mapped)
            findings = findings.map(map.mapped)
        }
        // The opt-in rules that ran for the scope report undescribed fields, which the matrix has no row for.
        let matrix = FieldMatrix(
            tables: a.model.tables, guestView: GuestView(fields: fields), policy: a.policy,
            kernel: a.kernel, findings: findings)
        var byKey: [String: Data] = [:]
        for field in MatrixDocument(matrix).fields { byKey[field.key] = try? encoder.encode(field) }
        let described = Set(a.model.tables.fields.map(\.key))
        for (key, v) in fields where !described.contains(key) {
            let row = UndescribedRow(
                kvm: .init(v.normal, function: v.function), nested: v.nested.map { .init($0, function: nil) },
                protected: v.protected.map { .init($0, function: nil) }, writable: v.writable)
            byKey[key] = try? encoder.encode(row)
        }
        return Views(byKey: byKey)
    }

    /// What the matrix would show of an undescribed field: its views, as `MatrixDocument.Kvm`.
    struct UndescribedRow: Encodable {
        let kvm: MatrixDocument.Kvm
        let nested: MatrixDocument.Kvm?
        let protected: MatrixDocument.Kvm?
        let writable: Bool?
    }
}

import ArgumentParser
import Foundation
import KernelModel
import KernelTree
import Patch
import Rules

/// `ftrlint check --b4 [TREE]`: the per-patch check of `b4 prep --check`.
///
/// b4 runs the command with one patch (git format-patch) on stdin and reads its stdout line by line: any
/// line is a warning, a line containing `ERROR:` a failure; anything on stderr is a failure; no output and
/// exit 0 is a pass. So this mode prints one line per finding the patch introduces (`ERROR:` before errors,
/// `WARNING:` and `NOTE:` before the rest), nothing when the patch is clean, and never writes to stderr
/// unless ftrlint itself fails.
///
/// The patch's base: when the tree is a git checkout that has the commit the patch was made from (named by a
/// "From <id>" line, or found among HEAD's last 1000 commits by its subject, since b4 pipes the message
/// without that line), that commit's parent, read with git cat-file; otherwise the tree as it is, or —
/// when the patch is already applied there — the tree with the patch reversed. The patched tree is the
/// base with the patch applied in memory, so the patch must apply to the base. Nothing is written,
/// checked out or stashed.
struct B4Check {
    let options: TreeOptions
    let policy: PolicyOptions
    let report: ReportOptions

    /// Paths whose change can alter what ftrlint reads: arm64 sources, headers, KVM, and the Kconfig and
    /// Makefiles the parse environment is made from. A patch touching none of them is not analysed.
    static func isRelevant(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        return path.hasPrefix("arch/arm64/") || path.hasPrefix("include/") || path.hasPrefix("virt/")
            || name.hasPrefix("Kconfig") || name == "Makefile" || name == "Kbuild"
    }

    func run() throws {
        do {
            let input = Watchdog.during("reading the patch on stdin") { FileHandle.standardInput.readDataToEndOfFile() }
            let patch = try GitPatch(parsing: String(decoding: input, as: UTF8.self))
            let lines = try findings(for: patch)
            for line in lines.map(\.text) { print(line) }
            let failOn = try report.settings(try policy.configuration(tree: options.tree)).failOn
            throw lines.contains { $0.severity >= failOn } ? ExitStatus.findings : ExitStatus.clean
        } catch let exit as ExitCode {
            throw exit
        } catch {
            // On stdout, where b4 shows it as this patch's failure.
            print("ERROR: ftrlint: " + oneLine("\(error)"))
            throw ExitStatus.incomplete
        }
    }

    /// The patch's introduced findings as b4 lines.
    func findings(for patch: GitPatch) throws -> [(severity: Severity, text: String)] {
        _ = try KernelTree(path: options.tree)
        guard patch.paths.contains(where: Self.isRelevant) else { return [] }
        let (policy, settings) = try report.resolve(self.policy, tree: options.tree)
        let (base, patched) = try trees(for: patch)
        let old = try Analysis(options: options, policy: policy, overlay: base, enabling: settings.only)
        let new = try Analysis(options: options, policy: policy, overlay: patched, enabling: settings.only)
        let introduced = FindingDiff(old: old.findings, new: new.findings).introduced
            .filter { f in settings.selects(f) && !(settings.baseline?.accepts(rule: f.rule, key: f.key) ?? false) }
        return introduced.map { ($0.severity, Self.line($0)) }
    }

    /// "ERROR: arch/arm64/kernel/cpufeature.c:301:2: message [ftrlint-leak] (arch/arm64/kvm/sys_regs.c:1602:2: note)"
    static func line(_ f: Finding) -> String {
        let prefix = f.severity == .error ? "ERROR" : f.severity == .warning ? "WARNING" : "NOTE"
        var text =
            "\(prefix): \(f.location.path):\(max(1, f.location.line)):\(max(1, f.location.column)): \(f.message) [ftrlint-\(f.rule)]"
        if let r = f.related.first { text += " (\(r.location.path):\(max(1, r.location.line)): \(r.message))" }
        return oneLine(text)
    }

    /// The overlays of the base and the patched tree.
    func trees(for patch: GitPatch) throws -> (base: [String: String], patched: [String: String]) {
        var problems: [String] = []
        let git = try? GitRepository(directory: options.tree)
        // 1. The commit the patch came from, in the tree's own history: named by its "From <id>" line
        //    (git format-patch), or found by its subject (b4 pipes the message without that line).
        var candidates: [(commit: String, parent: String)] = []
        if let git, let id = patch.commit, let commit = git.commit(id), let parent = git.commit(commit + "^") {
            candidates.append((commit, parent))
        }
        if let git, let summary = patch.summary { candidates += git.commits(withSubject: summary).prefix(5) }
        for (_, parent) in candidates {
            guard let git else { break }
            let base = try git.overlay(at: parent)
            let tree = try KernelTree(path: options.tree, overlay: base)
            do {
                let changed = try patch.apply { try tree.readIfPresent($0) }
                return (base, base.merging(changed) { _, new in new })
            } catch let e as PatchError { problems.append("on commit \(parent.prefix(12)): \(e)") }
        }
        let tree = try KernelTree(path: options.tree)
        // 2. The tree as it is.
        do {
            return ([:], try patch.apply { try tree.readIfPresent($0) })
        } catch let e as PatchError { problems.append(e.description) }
        // 3. The tree already has the patch: reverse it for the base.
        if let base = try? patch.reversed().apply(reading: { try tree.readIfPresent($0) }) {
            return (base, [:])
        }
        throw PatchError("the patch does not apply to \(options.tree): " + problems.joined(separator: "; "))
    }
}

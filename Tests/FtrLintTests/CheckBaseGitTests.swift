import Foundation
import XCTest

/// A git checkout of the fixture tree, made in a temporary folder.
struct FixtureRepo {
    /// A git command that failed, with what git said.
    struct GitFailed: Error, CustomStringConvertible {
        let description: String
    }

    let path: String

    init() throws {
        guard (try? CheckRun.run(["git", "--version"]))?.status == 0 else { throw XCTSkip("git is not installed") }
        path = try CheckRun.copy()
        try git("init", "-q")
        try git("add", "-A")
        try commit("Initial fixture")
    }

    @discardableResult
    func git(_ args: String...) throws -> String {
        try gitArgs(args)
    }

    @discardableResult
    func gitArgs(_ args: [String], input: String? = nil) throws -> String {
        let env = [
            "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "Test",
            "GIT_COMMITTER_EMAIL": "test@example.org", "GIT_CONFIG_NOSYSTEM": "1", "HOME": path + "/.git",
        ]
        let r = try CheckRun.run(
            ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"] + args,
            in: path, input: input, environment: env)
        guard r.status == 0 else { throw GitFailed(description: "git \(args.joined(separator: " ")): \(r.error)") }
        return r.output
    }

    func commit(_ message: String) throws {
        try git("add", "-A")
        try git("commit", "-q", "-m", message)
    }

    func edit(_ e: (path: String, old: String, new: String)) throws { try CheckRun.edit(path, e.path, e.old, e.new) }

    /// What a check must leave alone: HEAD, the index file and the work tree's status.
    func state() throws -> String {
        let index = try FileManager.default.attributesOfItem(atPath: path + "/.git/index")
        return try git("rev-parse", "HEAD") + git("--no-optional-locks", "status", "--porcelain")
            + "\(index[.modificationDate] ?? "")"
            + "\(index[.size] ?? "")"
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// `check --base REV`: only what the work tree adds to REV, read with git, the checkout untouched.
final class CheckBaseGitTests: XCTestCase {
    func testBaseReportsOnlyNewFindingsAndLeavesTheCheckoutAlone() throws {
        let repo = try FixtureRepo()
        defer { repo.remove() }
        // Committed: KVM stops hiding PMSVer (an old, known leak). Uncommitted: TraceBuffer described.
        try repo.edit(CheckRun.unhidePMSVer)
        try repo.commit("KVM: arm64: stop hiding SPE")
        try repo.edit(CheckRun.describeTraceBuffer)
        let before = try repo.state()

        let all = try CheckRun.ftrlint(["check", repo.path])
        XCTAssertEqual(all.output.components(separatedBy: "[ftrlint-leak]").count - 1, 2, all.output)

        let r = try CheckRun.ftrlint(["check", repo.path, "--base", "HEAD"])
        XCTAssertEqual(r.status, 1, r.error)
        XCTAssertTrue(r.output.contains("ID_AA64DFR0_EL1.TraceBuffer leaks"), r.output)
        XCTAssertFalse(r.output.contains("PMSVer"), "known at HEAD: \(r.output)")
        XCTAssertTrue(r.error.contains("new against HEAD"), r.error)

        // Against the first commit the PMSVer leak is new too.
        let older = try CheckRun.ftrlint(["check", repo.path, "--base", "HEAD~1"])
        XCTAssertEqual(older.output.components(separatedBy: "[ftrlint-leak]").count - 1, 2, older.output)
        XCTAssertEqual(try repo.state(), before, "HEAD, index and work tree status are as they were")

        // Undoing the uncommitted change and hiding PMSVer again: nothing new, PMSVer listed as fixed.
        try CheckRun.edit(
            repo.path, CheckRun.describeTraceBuffer.path, CheckRun.describeTraceBuffer.new, CheckRun.describeTraceBuffer.old)
        try repo.edit(
            (
                CheckRun.sysRegs, "\t\t/* Hide SPE from guests */\n",
                "\t\t/* Hide SPE from guests */\n\t\tval &= ~ID_AA64DFR0_EL1_PMSVer_MASK;\n"
            ))
        let fixed = try CheckRun.ftrlint(["check", repo.path, "--base", "HEAD"])
        XCTAssertEqual(fixed.status, 0, fixed.output)
        XCTAssertEqual(fixed.output, "")
        XCTAssertTrue(fixed.error.contains("ftrlint: fixed: ID_AA64DFR0_EL1.PMSVer [ftrlint-leak]"), fixed.error)
    }

    func testBadRevisionAndNonGitTreeAreExitTwo() throws {
        let repo = try FixtureRepo()
        defer { repo.remove() }
        for rev in ["no-such-revision", "HEAD~5", "-p"] {
            let r = try CheckRun.ftrlint(["check", repo.path, "--base=\(rev)"])
            XCTAssertEqual(r.status, 2, "\(rev): \(r.output) \(r.error)")
            XCTAssertEqual(r.error.split(separator: "\n").count, 1, r.error)
            XCTAssertTrue(r.error.contains("not a commit"), r.error)
        }
        let plain = try CheckRun.copy()
        defer { try? FileManager.default.removeItem(atPath: plain) }
        let r = try CheckRun.ftrlint(["check", plain, "--base", "HEAD"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.error.contains("not in a git work tree"), r.error)
    }
}

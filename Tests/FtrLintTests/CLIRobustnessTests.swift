import Foundation
import KernelModel
import XCTest

/// Issue 6 at the command line: a usage error is one `ftrlint: error:` line and exit status 2 like any other
/// unusable input (help and --version still print and exit 0); `--cache-dir` keeps every cache, the result
/// cache included, out of the user's home; `--timeout` bounds the whole command, git and stdin included.
final class CLIRobustnessTests: XCTestCase {
    // MARK: - Usage errors

    func testUsageErrorsAreOneLineAndStatus2() throws {
        let tree = Robustness.kvmMini
        let cases: [(arguments: [String], mentioning: String?)] = [
            (["--bogus"], "--bogus"),
            (["nosuch"], "unknown subcommand 'nosuch'"),
            (["chekc", tree], "unknown subcommand 'chekc'"),
            ([], "no subcommand"),
            (["check", "--bogus", tree], "--bogus"),
            (["check", tree, "--format", "xml"], "xml"),
            (["check", tree, "--fail-on", "fatal"], "fatal"),
            (["check", tree, "--timeout=-1"], "--timeout"),
            (["check", tree, "--timeout", "nan"], "--timeout"),
            (["check", tree, "--timeout"], "--timeout"),
            (["tables", tree, "--memory-limit", "0"], "--memory-limit"),
            (["check", "--b4", "--base", "HEAD", tree], "--b4"),
            (["diff", tree], "<new-tree>"),
            (["diff", tree, tree, "--timeout", "0"], "--timeout"),
            (["explain"], "<field>"),
            (["matrix", tree, "--format", "pdf"], "pdf"),
        ]
        for c in cases {
            let r = try Robustness.ftrlint(c.arguments, timeout: 60)
            Robustness.assertFailsCleanly(
                r, mentioning: c.mentioning, "usage error: ftrlint \(c.arguments.joined(separator: " "))")
            XCTAssertFalse(r.stderr.contains("Usage:") || r.stderr.contains("USAGE:"), "no usage screen on a usage error\n\(r)")
        }
    }

    func testHelpAndVersionStillExitZero() throws {
        for arguments in [["--help"], ["-h"], ["help"], ["help", "check"], ["check", "--help"], ["diff", "-h"]] {
            let r = try Robustness.ftrlint(arguments, timeout: 60)
            XCTAssertEqual(r.status, 0, "\(r)")
            XCTAssertFalse(r.signaled || r.timedOut, "\(r)")
            XCTAssertTrue(r.stderr.isEmpty, "help goes to stdout only\n\(r)")
            XCTAssertTrue(r.stdout.contains("USAGE: ftrlint"), "\(r)")
        }
        let help = try Robustness.ftrlint(["--help"]).stdout
        XCTAssertTrue(help.contains("SUBCOMMANDS:"))
        for command in Robustness.analysisCommands {
            XCTAssertTrue(help.contains("\n  \(command) "), "--help lists \(command)")
        }
        XCTAssertTrue(try Robustness.ftrlint(["check", "--help"]).stdout.contains("--timeout <seconds>"))
        XCTAssertTrue(try Robustness.ftrlint(["diff", "--help"]).stdout.contains("--memory-limit <MiB>"))
        let version = try Robustness.ftrlint(["--version"], timeout: 60)
        XCTAssertEqual(version.status, 0, "\(version)")
        XCTAssertTrue(version.stderr.isEmpty, "\(version)")
        XCTAssertEqual(version.stdout.split(separator: "\n").count, 1, "\(version)")
        XCTAssertTrue(version.stdout.hasPrefix("ftrlint "), "\(version)")
    }

    // MARK: - --cache-dir and the result cache

    func testResultCacheFollowsCacheDir() {
        XCTAssertEqual(ResultCache.resolve(cacheDir: "/x/c", environment: [:])?.directory, "/x/c/results")
        XCTAssertEqual(ResultCache.resolve(cacheDir: "/x/c/", environment: [:])?.directory, "/x/c/results")
        XCTAssertEqual(ResultCache.resolve(cacheDir: "rel", environment: [:])?.directory, "rel/results")
        XCTAssertEqual(
            ResultCache.resolve(cacheDir: nil, environment: ["XDG_CACHE_HOME": "/xdg"])?.directory, "/xdg/ftrlint/results")
        XCTAssertEqual(ResultCache.resolve(cacheDir: nil, environment: ["HOME": "/h"])?.directory, "/h/.cache/ftrlint/results")
        XCTAssertNil(ResultCache.resolve(cacheDir: "/x/c", environment: ["FTRLINT_NO_RESULT_CACHE": "1"]))
        XCTAssertNil(ResultCache.resolve(cacheDir: nil, environment: ["FTRLINT_NO_RESULT_CACHE": "1"]))
        XCTAssertNotNil(ResultCache.resolve(cacheDir: "/x/c", environment: ["FTRLINT_NO_RESULT_CACHE": "0"]))
    }

    /// Every file under `folder` (relative paths), following nothing.
    private func files(under folder: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        return walker.compactMap { $0 as? String }
    }

    /// The environment of a child whose home is `home` and that has no XDG_CACHE_HOME: where the caches would
    /// go if --cache-dir were ignored.
    private func environment(home: String, _ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["XDG_CACHE_HOME"] = nil
        env["FTRLINT_NO_RESULT_CACHE"] = nil
        env["HOME"] = home
        return env.merging(extra) { _, new in new }
    }

    func testCacheDirKeepsEveryCacheOutOfHome() throws {
        let binary = try Robustness.requireBinary()
        let home = try Robustness.temporaryFolder(self, "home")
        let cache = try Robustness.temporaryFolder(self, "cache") + "/given"
        let env = environment(home: home, ["FTRLINT_TIMINGS": "1"])
        let commands = Robustness.analysisCommands
        // The first run makes the parse environment; a run whose inputs are that fresh is not stored, so
        // the runs that store come after the settling time (ResultCache.settleNanoseconds).
        let first = try Robustness.run(
            binary, ["tables", Robustness.kvmMini, "--cache-dir", cache], timeout: 120, environment: env)
        XCTAssertEqual(first.status, 0, "\(first)")
        Thread.sleep(forTimeInterval: 3)
        for command in commands {
            let r = try Robustness.run(
                binary, [command, Robustness.kvmMini, "--cache-dir", cache], timeout: 120, environment: env)
            XCTAssertEqual(r.status, 0, "\(command) on kvm-mini is clean\n\(r)")
        }
        XCTAssertEqual(files(under: home), [], "nothing is written into $HOME (~/.cache) when --cache-dir is given")
        let results = files(under: cache + "/results").filter { $0.hasSuffix(".json") }
        XCTAssertFalse(results.isEmpty, "the result cache is kept under --cache-dir/results: \(files(under: cache))")
        if commands.contains("check") {
            let again = try Robustness.run(
                binary, ["check", Robustness.kvmMini, "--cache-dir", cache], timeout: 120, environment: env)
            XCTAssertEqual(again.status, 0, "\(again)")
            XCTAssertTrue(
                again.stderr.contains("result cache: hit"), "the second check reads the entry under --cache-dir\n\(again)")
        }
        XCTAssertEqual(files(under: home), [], "nothing is written into $HOME (~/.cache) when --cache-dir is given")
    }

    func testNoResultCacheStillBypassesTheCacheDir() throws {
        let binary = try Robustness.requireBinary()
        let home = try Robustness.temporaryFolder(self, "home")
        let cache = try Robustness.temporaryFolder(self, "cache") + "/given"
        let env = environment(home: home, ["FTRLINT_NO_RESULT_CACHE": "1", "FTRLINT_TIMINGS": "1"])
        for _ in 0..<2 {
            let r = try Robustness.run(
                binary, ["check", Robustness.kvmMini, "--cache-dir", cache], timeout: 120, environment: env)
            XCTAssertEqual(r.status, 0, "\(r)")
            XCTAssertFalse(r.stderr.contains("result cache:"), "no result cache with FTRLINT_NO_RESULT_CACHE=1\n\(r)")
            Thread.sleep(forTimeInterval: 2.5)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache + "/results"), "\(files(under: cache))")
        XCTAssertEqual(files(under: home), [])
    }

    // MARK: - --timeout covers git and stdin

    /// A folder holding a `git` that writes its pid to `pidFile` and then never ends.
    private func hangingGit(pidFile: String) throws -> String {
        let bin = try Robustness.temporaryFolder(self, "bin")
        try Robustness.write(bin, "git", "#!/bin/sh\necho $$ > '\(pidFile)'\nexec sleep 600\n")
        XCTAssertEqual(chmod(bin + "/git", 0o755), 0)
        return bin
    }

    /// Whether process `pid` still runs (a zombie waiting to be reaped does not).
    private func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        guard let close = stat.lastIndex(of: ")") else { return true }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    func testTimeoutEndsAHungGitForBase() throws {
        let binary = try Robustness.requireBinary()
        let pidFile = try Robustness.temporaryFolder(self, "pid") + "/git.pid"
        let bin = try hangingGit(pidFile: pidFile)
        let cache = try Robustness.temporaryFolder(self, "cache")
        var env = ProcessInfo.processInfo.environment.merging(["XDG_CACHE_HOME": Robustness.xdgCache]) { _, new in new }
        env["PATH"] = bin + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        addTeardownBlock {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                kill(pid, SIGKILL)
            }
        }
        let r = try Robustness.run(
            binary, ["check", Robustness.kvmMini, "--cache-dir", cache, "--base", "HEAD", "--timeout", "2"],
            timeout: 60, environment: env)
        Robustness.assertFailsCleanly(r, mentioning: "git", "check --base with a git that never answers, --timeout 2")
        XCTAssertTrue(r.stderr.contains("analysis exceeded 2 s"), "\(r)")
        XCTAssertLessThan(r.seconds, 15, "the limit holds while git runs\n\(r)")
        // The hung git does not outlive the run.
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        let pid = try XCTUnwrap(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), "the fake git ran")
        let deadline = Date().addingTimeInterval(10)
        while isRunning(pid), Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertFalse(isRunning(pid), "the hung git was killed with the run")
    }

    func testTimeoutEndsAB4StdinThatNeverEnds() throws {
        let cache = try Robustness.temporaryFolder(self, "cache")
        // The start of a patch, and then nothing: the write end stays open until the run is over.
        let r = try Robustness.ftrlint(
            ["check", "--b4", Robustness.kvmMini, "--cache-dir", cache, "--timeout", "2"], timeout: 60,
            stdin: Data("From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n".utf8),
            holdingStdinOpen: true)
        Robustness.assertFailsCleanly(r, mentioning: "stdin", "check --b4 with a stdin that never ends, --timeout 2")
        XCTAssertTrue(r.stderr.contains("analysis exceeded 2 s"), "\(r)")
        XCTAssertLessThan(r.seconds, 15, "the limit holds while stdin is read\n\(r)")
    }
}

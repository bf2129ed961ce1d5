import Foundation
import XCTest

/// Issue 6: ftrlint never executes or modifies what it reads. Each test runs the built binary under
/// `strace -f` with the tree as its working directory and checks the system calls of every thread and child:
/// no program is executed but ftrlint itself (and git, for --base); no file is opened for writing, created,
/// renamed, removed, linked or chmod'ed anywhere but in the cache folder given with --cache-dir; no shared
/// object is loaded from outside the system's library folders. Then the tree's checksums, modes, sizes, mtimes
/// and ctimes are compared with a snapshot taken before the run, and the files a hostile tree's contents
/// asked for (`$(touch ...)`, `-o`, `-MJ`, `-fplugin`...) must not exist.
final class SafetyTests: XCTestCase {
    static let strace = ["/usr/bin/strace", "/bin/strace"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The system calls that execute, load or change something on disk.
    static let traced =
        "execve,execveat,open,openat,openat2,creat,rename,renameat,renameat2,unlink,unlinkat,rmdir,"
        + "mkdir,mkdirat,link,linkat,symlink,symlinkat,chmod,fchmodat,chown,lchown,fchownat,truncate,utime,utimes,"
        + "utimensat,mknod,mknodat"

    // MARK: - The tree's state

    /// Every entry under a folder: type, mode, owner, size, mtime, ctime and (for files) SHA-256.
    static func snapshot(_ root: String) throws -> [String: String] {
        var result: [String: String] = [:]
        let sums = try Robustness.run(
            "/bin/sh", ["-c", "find . -type f -print0 | xargs -0 -r sha256sum"], in: root, timeout: 300)
        XCTAssertEqual(sums.status, 0, "\(sums)")
        var digest: [String: String] = [:]
        for line in sums.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            digest[String(parts[1].drop { $0 == " " || $0 == "*" })] = String(parts[0])
        }
        let listing = try Robustness.run(
            "/usr/bin/find", [".", "-printf", "%p\\t%y\\t%m\\t%U:%G\\t%s\\t%T@\\t%C@\\t%l\\n"], in: root, timeout: 300)
        XCTAssertEqual(listing.status, 0, "\(listing)")
        for line in listing.stdout.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard let path = fields.first.map(String.init) else { continue }
            result[path] = fields.dropFirst().joined(separator: " ") + " " + (digest[path] ?? "-")
        }
        return result
    }

    static func assertUnchanged(
        _ before: [String: String], _ after: [String: String], _ context: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertFalse(before.isEmpty, "\(context): empty snapshot", file: file, line: line)
        for (path, state) in before where after[path] != state {
            XCTFail("\(context): \(path) changed: \(state) → \(after[path] ?? "removed")", file: file, line: line)
        }
        for path in after.keys where before[path] == nil {
            XCTFail("\(context): \(path) appeared", file: file, line: line)
        }
    }

    // MARK: - The trace

    struct Event {
        let syscall: String
        let paths: [String]
        let write: Bool
        let failed: Bool
        let text: String
    }

    /// The trace's events, with paths made absolute (`cwd` for AT_FDCWD, the descriptor's path that -y prints).
    static func events(_ log: String, cwd: String) -> [Event] {
        var events: [Event] = []
        for raw in log.split(separator: "\n") {
            var line = Substring(raw)
            // "1234 openat(...)": drop the pid.
            if let space = line.firstIndex(of: " "), line[..<space].allSatisfy(\.isNumber) {
                line = line[line.index(after: space)...]
            }
            line = line.drop { $0 == " " }
            guard !line.hasPrefix("<..."), !line.hasPrefix("+++"), !line.hasPrefix("---"),
                let open = line.firstIndex(of: "(")
            else { continue }
            let name = String(line[..<open])
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
            let args = splitArguments(line[line.index(after: open)...])
            var paths: [String] = []
            var dirfd: String? = nil
            for a in args {
                if a.hasPrefix("\"") {
                    paths.append(resolve(unquote(a), dirfd: dirfd, cwd: cwd))
                    dirfd = nil
                } else if a == "AT_FDCWD" {
                    dirfd = cwd
                } else if let lt = a.firstIndex(of: "<"), a.hasSuffix(">"), a[..<lt].allSatisfy(\.isNumber) {
                    dirfd = String(a[a.index(after: lt)..<a.index(before: a.endIndex)])
                }
            }
            let flags = args.first { $0.contains("O_RDONLY") || $0.contains("O_WRONLY") || $0.contains("O_RDWR") } ?? ""
            let write: Bool
            switch name {
            case "open", "openat", "openat2":
                write = ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"].contains { flags.contains($0) }
            case "execve", "execveat":
                write = false
            default:
                write = true
            }
            let failed = line.range(of: #"\) += -1 "#, options: .regularExpression) != nil
            // execve's argv is a list of strings too: only the first is the program.
            if name.hasPrefix("execve") { paths = Array(paths.prefix(1)) }
            events.append(Event(syscall: name, paths: paths, write: write, failed: failed, text: String(raw)))
        }
        return events
    }

    private static func splitArguments(_ text: Substring) -> [String] {
        var args: [String] = []
        var current = ""
        var inString = false, escaped = false, depth = 0
        for ch in text {
            if inString {
                current.append(ch)
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
                continue
            }
            switch ch {
            case "\"":
                inString = true
                current.append(ch)
            case "[", "{":
                depth += 1
                current.append(ch)
            case "]", "}":
                depth -= 1
                current.append(ch)
            case "<" where current.allSatisfy(\.isNumber) && !current.isEmpty:
                depth += 1
                current.append(ch)
            case ">" where depth > 0 && current.contains("<"):
                depth -= 1
                current.append(ch)
            case "," where depth == 0:
                args.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            case ")" where depth == 0:
                args.append(current.trimmingCharacters(in: .whitespaces))
                return args
            default: current.append(ch)
            }
        }
        args.append(current.trimmingCharacters(in: .whitespaces))
        return args
    }

    private static func unquote(_ s: String) -> String {
        var body = s
        if body.hasPrefix("\"") { body.removeFirst() }
        if body.hasSuffix("\"...") { body.removeLast(4) } else if body.hasSuffix("\"") { body.removeLast() }
        return body.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
    }

    private static func resolve(_ path: String, dirfd: String?, cwd: String) -> String {
        let absolute = path.hasPrefix("/") ? path : (dirfd ?? cwd) + "/" + path
        return (absolute as NSString).standardizingPath
    }

    static func inside(_ path: String, _ folder: String) -> Bool {
        let f = (folder as NSString).standardizingPath
        return path == f || path.hasPrefix(f + "/")
    }

    /// Runs ftrlint under strace in `cwd`, with $XDG_CACHE_HOME (where the result cache goes) in `cache`;
    /// returns the run and the events.
    func traced(_ arguments: [String], in cwd: String, cache: String, timeout: Double = 300) throws -> (Robustness.Run, [Event]) {
        guard let strace = Self.strace else { throw XCTSkip("strace is not installed (scripts/install-deps installs it)") }
        let binary = try Robustness.requireBinary()
        let log = try Robustness.temporaryFolder(self, "strace") + "/trace"
        let env = ProcessInfo.processInfo.environment.merging(["XDG_CACHE_HOME": cache + "/xdg"]) { _, new in new }
        let run = try Robustness.run(
            strace,
            [
                "-f", "-qq", "-y", "-s", "4096", "-o", log, "-e", "trace=" + Self.traced, "-e", "signal=none",
                binary,
            ] + arguments, in: cwd, timeout: timeout, environment: env)
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        XCTAssertFalse(text.isEmpty, "strace wrote no trace\n\(run)")
        return (run, Self.events(text, cwd: (cwd as NSString).resolvingSymlinksInPath))
    }

    /// The checks on a trace: what ran, what was loaded, what was written.
    func assertContained(
        _ events: [Event], tree: String, cache: String, allowGit: Bool = false, _ context: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let binary = URL(fileURLWithPath: try Robustness.requireBinary()).resolvingSymlinksInPath().path
        let build = (binary as NSString).deletingLastPathComponent
        let cache = (cache as NSString).resolvingSymlinksInPath
        let libraries = ["/usr/lib", "/lib", "/usr/lib64", "/lib64", "/usr/local/lib", "/opt/swift", build]
        var executed: [String] = []
        for e in events {
            if e.syscall.hasPrefix("execve") {
                guard let program = e.paths.first else { continue }
                let name = (program as NSString).lastPathComponent
                let resolved = URL(fileURLWithPath: program).resolvingSymlinksInPath().path
                let allowed = resolved == binary || (allowGit && (program == "/usr/bin/env" || name == "git"))
                if !e.failed { executed.append(resolved) }
                XCTAssertTrue(allowed, "\(context): executed \(program)\n\(e.text)", file: file, line: line)
                continue
            }
            for path in e.paths {
                if e.write {
                    let ok = Self.inside(path, cache) || path == "/dev/null" || path == "/dev/tty"
                    XCTAssertTrue(ok, "\(context): \(e.syscall) outside the cache: \(path)\n\(e.text)", file: file, line: line)
                    XCTAssertFalse(
                        Self.inside(path, tree), "\(context): \(e.syscall) inside the tree: \(path)\n\(e.text)",
                        file: file, line: line)
                } else if !e.failed,
                    (path as NSString).lastPathComponent.range(of: #"\.so(\.[0-9]+)*$"#, options: .regularExpression) != nil
                {
                    XCTAssertTrue(
                        libraries.contains { Self.inside(path, $0) } && !Self.inside(path, tree),
                        "\(context): loaded a shared object from \(path)\n\(e.text)", file: file, line: line)
                }
            }
        }
        XCTAssertEqual(executed.first, binary, "\(context): the traced program is ftrlint", file: file, line: line)
    }

    // MARK: - Tests

    /// The fixture tree, checked with `check` (or `matrix` until it exists), from inside the tree.
    func testCheckExecutesNothingAndWritesOnlyItsCache() throws {
        let tree = try Robustness.copyTree(self)
        let cacheRoot = try Robustness.temporaryFolder(self, "cache")
        let cache = cacheRoot + "/env"
        let before = try Self.snapshot(tree)
        var sawCacheWrite = false
        for command in Robustness.analysisCommands {
            let (run, events) = try traced([command, ".", "--cache-dir", cache], in: tree, cache: cacheRoot)
            XCTAssertEqual(run.status, 0, "\(command) on kvm-mini is clean\n\(run)")
            try assertContained(events, tree: tree, cache: cacheRoot, command)
            sawCacheWrite =
                sawCacheWrite || events.contains { $0.write && !$0.failed && Self.inside($0.paths.first ?? "", cache) }
        }
        // The first run generates the parse environment: the trace sees those writes, so it would see others.
        XCTAssertTrue(sawCacheWrite, "the trace shows the parse environment being written")
        Self.assertUnchanged(before, try Self.snapshot(tree), "kvm-mini")
    }

    /// A tree whose contents ask to run things and to write outside the cache, in every input ftrlint reads.
    func testHostileTreeChangesNothingOutsideTheCache() throws {
        let tree = try Robustness.copyTree(self)
        let marker = NSTemporaryDirectory() + "ftrlint-pwned-\(UUID().uuidString)"
        let outside = try Robustness.temporaryFolder(self, "outside")
        let shell = "$(touch \(marker)) `touch \(marker)` ; touch \(marker)"
        // The sysreg file: shell in comments (the file still parses).
        let sysreg = try Robustness.read(tree, RobustnessTests.sysreg)
        try Robustness.write(
            tree, RobustnessTests.sysreg,
            "# \(shell)\n" + sysreg.replacingOccurrences(of: "EndSysreg\n", with: "EndSysreg\n# \(shell)\n"))
        // Make and Kconfig macros that would run a shell if evaluated.
        try Robustness.write(
            tree, "Makefile", try Robustness.read(tree, "Makefile") + "X := $(shell touch \(marker))\ninclude /etc/passwd\n")
        try Robustness.write(
            tree, "arch/arm64/Kconfig",
            """
            config ARM64
            \tdef_bool y
            \tselect HAVE_X if $(success,touch \(marker))
            config PWN
            \tstring
            \tdefault "$(shell,touch \(marker))"
            source "$(shell,touch \(marker))/Kconfig"

            """)
        // A compilation database naming another compiler, plugins, outputs and response files outside the tree.
        try Robustness.write(outside, "evil.so", "not a shared object")
        try Robustness.write(outside, "cfg", "-fplugin=\(outside)/evil.so\n")
        let hostileArgs = [
            "\(outside)/evil-cc", "-fplugin=\(outside)/evil.so", "-fpass-plugin=\(outside)/evil.so", "-Xclang", "-load",
            "-Xclang",
            "\(outside)/evil.so", "-o", "\(outside)/x.o", "-MD", "-MF", "\(outside)/deps", "-MJ", "\(outside)/mj.json",
            "-MJ\(outside)/mj2.json",
            "-gen-cdb-fragment-path", "\(outside)/cdb", "-emit-interface-stubs", "--config", "\(outside)/cfg", "@\(outside)/cfg",
            "-save-temps=obj", "-ftime-trace", "-fcrash-diagnostics-dir=\(outside)/crash", "--serialize-diagnostics",
            "\(outside)/dia",
            "-dependency-dot", "\(outside)/dot", "-fmodules", "-fmodules-cache-path=\(outside)/modules", "-B\(outside)", "-I/etc",
            "-Wl,-rpath,\(outside)", "-save-stats", "-H", "-c",
        ]
        func entry(_ file: String) throws -> [String: Any] {
            ["directory": outside, "file": tree + "/" + file, "arguments": hostileArgs + [tree + "/" + file]]
        }
        var entries = [try entry(RobustnessTests.cpufeature), try entry(RobustnessTests.sysRegs)]
        entries.append([
            "directory": tree, "file": "arch/arm64/kvm/nested.c",
            "command": "sh -c 'touch \(marker)'; cc -o \(outside)/y nested.c",
        ])
        try Robustness.write(
            tree, "compile_commands.json", try JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted]))

        let cacheRoot = try Robustness.temporaryFolder(self, "cache")
        let cache = cacheRoot + "/env"
        let before = try Self.snapshot(tree)
        let outsideBefore = try Self.snapshot(outside)
        for command in Robustness.analysisCommands {
            for compileCommands in [true, false] {
                // With the database (at the tree's root, found by default), and without it (the parse environment).
                let args =
                    [command, ".", "--cache-dir", cache]
                    + (compileCommands ? [] : ["--compile-commands", outside + "/none.json"])
                let (run, events) = try traced(args, in: tree, cache: cacheRoot)
                XCTAssertFalse(run.signaled || run.timedOut, "\(command)\n\(run)")
                try assertContained(events, tree: tree, cache: cacheRoot, "\(command) (database: \(compileCommands))")
            }
        }
        Self.assertUnchanged(before, try Self.snapshot(tree), "hostile tree")
        Self.assertUnchanged(outsideBefore, try Self.snapshot(outside), "folder the database points at")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "nothing in the tree was executed")
        for leftover in ["-save-stats", "-Wno-unknown-warning-option", "cdb"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: tree + "/" + leftover), "\(leftover) written into the tree")
        }
    }

    /// `check --base` reads the other revision through git plumbing: git is the only other program, and the
    /// checkout (its files and its .git) is left as it was.
    func testBaseRunsOnlyGitAndTouchesNothing() throws {
        let git = "/usr/bin/git"
        guard FileManager.default.isExecutableFile(atPath: git) else { throw XCTSkip("no git") }
        let tree = try Robustness.copyTree(self)
        let env = [
            "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "HOME": tree, "PATH": "/usr/bin:/bin",
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
        ]
        for args in [["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "fixture"]] {
            XCTAssertEqual(try Robustness.run(git, args, in: tree, timeout: 60, environment: env).status, 0)
        }
        // A work-tree change for --base to compare against.
        try Robustness.edit(tree, RobustnessTests.sysRegs, "val &= ~ID_AA64PFR0_EL1_AMU_MASK;", "val &= ~0ULL;")
        let cacheRoot = try Robustness.temporaryFolder(self, "cache")
        let cache = cacheRoot + "/env"
        let before = try Self.snapshot(tree)
        let (run, events) = try traced(["check", ".", "--cache-dir", cache, "--base", "HEAD"], in: tree, cache: cacheRoot)
        XCTAssertFalse(run.signaled || run.timedOut, "\(run)")
        XCTAssertNotEqual(run.status, 2, "\(run)")
        try assertContained(events, tree: tree, cache: cacheRoot, allowGit: true, "check --base HEAD")
        XCTAssertTrue(
            events.contains { $0.syscall == "execve" && !$0.failed && ($0.paths.first ?? "").hasSuffix("/git") }, "git ran")
        Self.assertUnchanged(before, try Self.snapshot(tree), "git checkout")
    }

    /// The same on each real tree: the whole of check's reading, under strace.
    func testRealTreesAreLeftAsTheyWere() throws {
        for version in RealTrees.versions {
            let root = try RealTrees.root(version)
            let cacheRoot = try Robustness.temporaryFolder(self, "cache-\(version)")
            let cache = cacheRoot + "/env"
            let before = try Self.snapshot(root)
            let (run, events) = try traced(["check", ".", "--cache-dir", cache], in: root, cache: cacheRoot, timeout: 600)
            XCTAssertFalse(run.signaled || run.timedOut || run.status == 2, "\(run)")
            try assertContained(events, tree: root, cache: cacheRoot, "check on \(root)")
            Self.assertUnchanged(before, try Self.snapshot(root), root)
        }
    }

    /// The trace parser itself, on lines as strace -f -y prints them.
    func testTraceParser() {
        let log = """
            100 execve("/b/ftrlint", ["/b/ftrlint", "check"], 0x7ffd /* 30 vars */) = 0
            101 openat(AT_FDCWD, "/t/arch/x.c", O_RDONLY|O_CLOEXEC) = 3</t/arch/x.c>
            101 openat(AT_FDCWD, "-save-stats", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666 <unfinished ...>
            101 <... openat resumed>) = 4</t/-save-stats>
            102 openat(5</c/env>, "inc/a.h", O_WRONLY|O_CREAT, 0644) = 6
            102 renameat2(AT_FDCWD, "/c/env.tmp", AT_FDCWD, "/c/env", RENAME_NOREPLACE) = 0
            103 execve("/usr/local/bin/git", ["git"], 0x1 /* 3 vars */) = -1 ENOENT (No such file or directory)
            """
        let events = Self.events(log, cwd: "/t")
        XCTAssertEqual(events.map(\.syscall), ["execve", "openat", "openat", "openat", "renameat2", "execve"])
        XCTAssertEqual(events[0].paths, ["/b/ftrlint"])
        XCTAssertFalse(events[1].write)
        XCTAssertEqual(events[2].paths, ["/t/-save-stats"])
        XCTAssertTrue(events[2].write)
        XCTAssertEqual(events[3].paths, ["/c/env/inc/a.h"])
        XCTAssertEqual(events[4].paths, ["/c/env.tmp", "/c/env"])
        XCTAssertTrue(events[5].failed)
    }
}

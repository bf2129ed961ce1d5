import Foundation
import XCTest

/// Running the built `ftrlint` binary as CI does, and the fixture trees the robustness, safety and mutation
/// tests copy and damage.
enum Robustness {
    /// The repository's root (this file is Tests/FtrLintTests/RobustnessSupport.swift).
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// testdata/hostile.
    static let hostile = repo + "/testdata/hostile"

    /// The smallest tree that `tables`, `matrix` and `check` all read completely: one ID register, two fields,
    /// KVM hiding one of them.
    static let kvmMini = hostile + "/trees/kvm-mini"

    /// The `ftrlint` executable of the build that runs these tests: $FTRLINT_BIN, else the product beside the
    /// test bundle (SwiftPM puts both in the same build folder).
    static var binary: String? {
        let env = ProcessInfo.processInfo.environment
        if let path = env["FTRLINT_BIN"], !path.isEmpty { return path }
        var candidates: [String] = []
        let arg0 = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        candidates.append(arg0.deletingLastPathComponent().appendingPathComponent("ftrlint").path)
        for bundle in [Bundle.main] + Bundle.allBundles {
            let url = bundle.bundleURL.resolvingSymlinksInPath()
            candidates.append(url.deletingLastPathComponent().appendingPathComponent("ftrlint").path)
            candidates.append(url.appendingPathComponent("ftrlint").path)
        }
        return candidates.first { path in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
                && FileManager.default.isExecutableFile(atPath: path)
        }
    }

    /// The binary, or a skip when this build has none.
    static func requireBinary() throws -> String {
        guard let binary else { throw XCTSkip("no ftrlint executable next to the test bundle (set FTRLINT_BIN)") }
        return binary
    }

    struct Run: CustomStringConvertible {
        let arguments: [String]
        /// The exit status, or the signal number when `signaled`.
        let status: Int32
        let signaled: Bool
        let timedOut: Bool
        let stdout: String
        let stderr: String
        let seconds: Double

        var stderrLines: [String] {
            stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
        }

        var description: String {
            "ftrlint \(arguments.joined(separator: " ")) → \(signaled ? "signal" : "status") \(status)\(timedOut ? " (timed out)" : "")"
                + " in \(String(format: "%.1f", seconds)) s\n--- stderr:\n\(stderr.prefix(2000))\n--- stdout:\n\(stdout.prefix(1000))"
        }
    }

    /// Runs `executable arguments` in `directory`, killing it after `timeout` seconds; output goes through files
    /// so that a chatty child never blocks on a full pipe. With `holdingStdinOpen`, `stdin` comes through a pipe
    /// whose write end stays open until the run is over: an input that never ends.
    static func run(
        _ executable: String, _ arguments: [String], in directory: String? = nil, timeout: Double = 120,
        environment: [String: String]? = nil, stdin: Data? = nil, holdingStdinOpen: Bool = false
    ) throws -> Run {
        let scratch = NSTemporaryDirectory() + "ftrlint-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for (name, data) in [("out", Data()), ("err", Data()), ("in", stdin ?? Data())] {
            try data.write(to: URL(fileURLWithPath: scratch + "/" + name))
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + "/out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + "/err"))
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: scratch + "/in"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        // By default ftrlint's caches (the result cache under $XDG_CACHE_HOME) go to a scratch folder, not the user's.
        process.environment =
            environment ?? ProcessInfo.processInfo.environment.merging(["XDG_CACHE_HOME": xdgCache]) { _, new in new }
        process.standardOutput = out
        process.standardError = err
        let pipe = holdingStdinOpen ? Pipe() : nil
        process.standardInput = pipe ?? input
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        let start = Date()
        try process.run()
        if let pipe, let stdin { pipe.fileHandleForWriting.write(stdin) }
        defer { try? pipe?.fileHandleForWriting.close() }
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            done.wait()
        }
        try? out.close()
        try? err.close()
        try? input.close()
        let read = { (name: String) in
            String(decoding: FileManager.default.contents(atPath: scratch + "/" + name) ?? Data(), as: UTF8.self)
        }
        return Run(
            arguments: arguments, status: process.terminationStatus,
            signaled: process.terminationReason == .uncaughtSignal, timedOut: timedOut,
            stdout: read("out"), stderr: read("err"), seconds: Date().timeIntervalSince(start))
    }

    /// $XDG_CACHE_HOME for the runs of these tests.
    static let xdgCache = NSTemporaryDirectory() + "ftrlint-robust-xdg"

    /// Runs the ftrlint binary.
    static func ftrlint(
        _ arguments: [String], in directory: String? = nil, timeout: Double = 120, stdin: Data? = nil,
        holdingStdinOpen: Bool = false
    ) throws -> Run {
        try run(try requireBinary(), arguments, in: directory, timeout: timeout, stdin: stdin, holdingStdinOpen: holdingStdinOpen)
    }

    /// The subcommands that analyse a tree, which the robustness cases run: a known list, not one read from
    /// `--help`, so that a case cannot pass by running nothing (CLIRobustnessTests checks --help lists them).
    static let analysisCommands = ["tables", "matrix", "check"]

    /// Text a crash, a trap or an LLVM/libclang failure leaves on stderr.
    static let crashMarkers = [
        "Stack dump", "Fatal error", "Backtrace", "Program crashed", "💣", "LLVM ERROR",
        "libclang: crash", "Segmentation fault", "Illegal instruction", "Assertion `", "Thread 0",
        "Current stack trace", "terminate called", "PLEASE submit a bug report",
    ]

    /// Whether `text` has a line that looks like a stack frame ("#3 0x00005555..." or "3  0x00005555...").
    static func hasStackFrame(_ text: String) -> Bool {
        text.split(separator: "\n").contains { line in
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 2 else { return false }
            let first = words[0].hasPrefix("#") ? words[0].dropFirst() : words[0]
            return !first.isEmpty && first.allSatisfy(\.isNumber) && words[1].hasPrefix("0x")
        }
    }

    /// Asserts the contract for unusable input: exit status 2, nothing on stdout, exactly one stderr line,
    /// starting "ftrlint: error:", no trace of a crash.
    static func assertFailsCleanly(
        _ run: Run, mentioning expected: String? = nil, _ context: String, emptyStdout: Bool = true,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertFalse(run.timedOut, "\(context): timed out\n\(run)", file: file, line: line)
        XCTAssertFalse(run.signaled, "\(context): killed by a signal\n\(run)", file: file, line: line)
        XCTAssertEqual(run.status, 2, "\(context): exit status\n\(run)", file: file, line: line)
        XCTAssertEqual(run.stderrLines.count, 1, "\(context): exactly one line on stderr\n\(run)", file: file, line: line)
        XCTAssertTrue(
            run.stderr.hasPrefix("ftrlint: error:"), "\(context): stderr starts with ftrlint: error:\n\(run)",
            file: file, line: line)
        for marker in crashMarkers where run.stderr.contains(marker) || run.stdout.contains(marker) {
            XCTFail("\(context): output shows a crash (\(marker))\n\(run)", file: file, line: line)
        }
        XCTAssertFalse(
            hasStackFrame(run.stderr) || hasStackFrame(run.stdout), "\(context): output shows a stack trace\n\(run)",
            file: file, line: line)
        if emptyStdout {
            XCTAssertTrue(
                run.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                "\(context): nothing on stdout (no partial report)\n\(run)", file: file, line: line)
        }
        if let expected {
            XCTAssertTrue(
                run.stderr.contains(expected), "\(context): error should mention \"\(expected)\"\n\(run)", file: file, line: line)
        }
    }

    // MARK: - Scratch trees

    /// A fresh folder under the temporary directory, removed when the test ends (made writable first, so
    /// that chmod'ed fixtures go too).
    static func temporaryFolder(_ test: XCTestCase, _ label: String = "tree") throws -> String {
        let path = NSTemporaryDirectory() + "ftrlint-robust-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock {
            _ = try? Robustness.run("/bin/chmod", ["-R", "u+rwX", path], timeout: 30)
            try? FileManager.default.removeItem(atPath: path)
        }
        return path
    }

    /// A copy of `source` (default: kvm-mini) in a scratch folder; returns the copy's root.
    static func copyTree(_ test: XCTestCase, _ source: String = kvmMini) throws -> String {
        let root = try temporaryFolder(test) + "/linux"
        let r = try run("/bin/cp", ["-R", source, root], timeout: 60)
        guard r.status == 0 else {
            throw NSError(domain: "cp", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: r.stderr])
        }
        return root
    }

    static func read(_ root: String, _ rel: String) throws -> String {
        try String(contentsOfFile: root + "/" + rel, encoding: .utf8)
    }

    static func write(_ root: String, _ rel: String, _ text: String) throws {
        try write(root, rel, Data(text.utf8))
    }

    static func write(_ root: String, _ rel: String, _ data: Data) throws {
        let path = root + "/" + rel
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: path)
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw NSError(domain: "write", code: 1, userInfo: [NSLocalizedDescriptionKey: "cannot write \(path)"])
        }
    }

    /// Replaces `old` (which must occur) by `new` in a tree file.
    static func edit(_ root: String, _ rel: String, _ old: String, _ new: String) throws {
        let text = try read(root, rel)
        guard text.contains(old) else {
            throw NSError(domain: "edit", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(rel) has no \"\(old)\""])
        }
        try write(root, rel, text.replacingOccurrences(of: old, with: new))
    }

    static func symlink(_ root: String, _ rel: String, to target: String) throws {
        let path = root + "/" + rel
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }
}

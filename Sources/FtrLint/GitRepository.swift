import Foundation
import ToolError

/// Reads another revision of the git checkout a tree lives in, without touching it: plumbing commands only
/// (rev-parse, diff-index, cat-file), no checkout, no stash, no index or ref writes, no optional locks, and
/// nothing the repository's configuration could make git run (fsmonitor is switched off; no filters,
/// textconv or hooks are involved in these commands).
struct GitRepository {
    /// The tree's folder, as given.
    let directory: String
    /// The tree's path inside the repository ("" at the top), with a trailing "/" when not empty.
    let prefix: String

    /// Opens the checkout `directory` is in; fails when git is missing or the folder is not in a work tree.
    init(directory: String) throws {
        self.directory = directory
        let inside = try? Self.run(["rev-parse", "--is-inside-work-tree"], in: directory)
        guard let inside, String(decoding: inside, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "true" else {
            throw GitError("\(directory) is not in a git work tree")
        }
        prefix = String(decoding: try Self.run(["rev-parse", "--show-prefix"], in: directory), as: UTF8.self)
            .trimmingCharacters(in: .newlines)
    }

    /// The full commit id a revision names; nil when it names no commit.
    func commit(_ revision: String) -> String? {
        // "--end-of-options" keeps a revision that starts with "-" from being read as an option.
        guard !revision.isEmpty,
            let out = try? Self.run(
                ["rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}"], in: directory)
        else { return nil }
        let id = String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : id
    }

    /// Commits among the newest `limit` of HEAD's history whose subject is `subject`, newest first, with
    /// their first parent.
    func commits(withSubject subject: String, limit: Int = 1000) -> [(commit: String, parent: String)] {
        guard
            let out = try? Self.run(
                ["log", "--no-show-signature", "-n", String(limit), "--format=%H%x09%P%x09%s", "HEAD", "--"],
                in: directory)
        else { return [] }
        return String(decoding: out, as: UTF8.self).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[2] == subject, let parent = parts[1].split(separator: " ").first else { return nil }
            return (String(parts[0]), String(parent))
        }
    }

    /// The files of the tree as they are at `commit`, for every tracked file whose content may differ from the
    /// work tree's (tree-relative path → text). Files the commit does not have are left out: an overlay
    /// cannot remove a file the work tree has.
    func overlay(at commit: String) throws -> [String: String] {
        let listed = try Self.run(["diff-index", "--name-only", "-z", "--no-renames", "--relative", commit, "--"], in: directory)
        let paths = listed.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.filter { !$0.isEmpty }
        return try files(paths, at: commit)
    }

    /// The contents of tree-relative `paths` at `commit` (paths the commit lacks are left out), read with
    /// one `git cat-file --batch`.
    func files(_ paths: [String], at commit: String) throws -> [String: String] {
        guard !paths.isEmpty else { return [:] }
        let request = paths.filter { !$0.contains("\n") }.map { "\(commit):\(prefix)\($0)\n" }.joined()
        let out = try Self.run(["cat-file", "--batch"], in: directory, input: Data(request.utf8))
        var result: [String: String] = [:]
        var cursor = out.startIndex
        for path in paths where !path.contains("\n") {
            guard let eol = out[cursor...].firstIndex(of: 10) else { throw GitError("git cat-file ended early") }
            let header = String(decoding: out[cursor..<eol], as: UTF8.self)
            cursor = out.index(after: eol)
            if header.hasSuffix(" missing") || header.hasSuffix(" ambiguous") { continue }
            let parts = header.split(separator: " ")
            guard parts.count == 3, let size = Int(parts[2]), out.distance(from: cursor, to: out.endIndex) >= size + 1 else {
                throw GitError("unexpected git cat-file output: \(header)")
            }
            let end = out.index(cursor, offsetBy: size)
            if parts[1] == "blob" { result[path] = String(decoding: out[cursor..<end], as: UTF8.self) }
            cursor = out.index(after: end)  // the newline after the contents
        }
        return result
    }

    // MARK: - Running git

    /// Runs git in `directory`; a non-zero exit is an error carrying git's first line of stderr. The watchdog
    /// (--timeout) covers the wait: a git that hangs (a lock, a network filesystem, a hook-like wrapper) is
    /// killed and the run ends with one error line.
    @discardableResult
    static func run(_ arguments: [String], in directory: String, input: Data? = nil) throws -> Data {
        try Watchdog.during("waiting for git \(arguments.first ?? "")") {
            try runWaiting(arguments, in: directory, input: input)
        }
    }

    private static func runWaiting(_ arguments: [String], in directory: String, input: Data?) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "git", "--no-pager", "-C", directory, "-c", "core.fsmonitor=false",
                "-c", "core.untrackedCache=false", "-c", "log.showSignature=false", "--no-optional-locks",
            ] + arguments
        var env = ProcessInfo.processInfo.environment
        env["GIT_OPTIONAL_LOCKS"] = "0"
        env["GIT_TERMINAL_PROMPT"] = "0"
        env["LC_ALL"] = "C"
        process.environment = env
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        do { try process.run() } catch { throw GitError("cannot run git: \(error.localizedDescription)") }
        Watchdog.adopt(process.processIdentifier)
        defer { Watchdog.release(process.processIdentifier) }
        // Feed stdin and drain stderr on their own threads: a large request or answer must not deadlock.
        let group = DispatchGroup()
        if let input {
            DispatchQueue.global().async(group: group) {
                try? stdin.fileHandleForWriting.write(contentsOf: input)
                try? stdin.fileHandleForWriting.close()
            }
        }
        nonisolated(unsafe) var errorData = Data()
        DispatchQueue.global().async(group: group) { errorData = stderr.fileHandleForReading.readDataToEndOfFile() }
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let first = String(decoding: errorData, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            throw GitError("git \(arguments.first ?? "") failed" + (first.isEmpty ? "" : ": \(first)"))
        }
        return data
    }
}

struct GitError: ToolError {
    let description: String
    init(_ text: String) { description = text }
}

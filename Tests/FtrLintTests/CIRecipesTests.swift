import ArgumentParser
import Foundation
import XCTest
import Yams

@testable import FtrLint

/// docs/ci/: the GitHub Actions workflow and the GitLab CI job parse as YAML, have what a fleet audit
/// needs (a matrix of trees, a cache of --cache-dir, SARIF uploaded), and run only ftrlint commands
/// that ftrlint itself accepts and the README documents.
final class CIRecipesTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func load(_ name: String) throws -> [String: Any] {
        let text = try String(contentsOfFile: Self.repo + "/docs/ci/" + name, encoding: .utf8)
        return try XCTUnwrap(try Yams.load(yaml: text) as? [String: Any], name)
    }

    /// Every `ftrlint …` command in the shell lines, as arguments (quotes dropped, up to a redirection or `||`).
    static func commands(in scripts: [String]) -> [[String]] {
        scripts.flatMap { $0.split(separator: "\n") }.compactMap { line in
            let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ").map {
                $0.replacingOccurrences(of: "\"", with: "")
            }
            guard words.first == "ftrlint" else { return nil }
            return Array(words.prefix { !$0.hasPrefix(">") && $0 != "||" && $0 != "&&" })
        }
    }

    /// Each command parses as ftrlint parses it, and its subcommand and options are in the README.
    func assertDocumented(_ commands: [[String]], _ name: String) throws {
        XCTAssertFalse(commands.isEmpty, "\(name) runs ftrlint")
        let readme = try String(contentsOfFile: Self.repo + "/README.md", encoding: .utf8)
        for command in commands {
            XCTAssertNoThrow(try FtrLint.parseAsRoot(Array(command.dropFirst())), "\(name): \(command.joined(separator: " "))")
            XCTAssertTrue(readme.contains("ftrlint \(command[1])"), "\(name): the README documents `ftrlint \(command[1])`")
            for option in command where option.hasPrefix("--") {
                XCTAssertTrue(readme.contains(option), "\(name): the README documents \(option)")
            }
        }
    }

    func testGithubActionsWorkflow() throws {
        let workflow = try load("github-actions.yml")
        let jobs = try XCTUnwrap(workflow["jobs"] as? [String: [String: Any]])
        let steps = jobs.values.flatMap { ($0["steps"] as? [[String: Any]]) ?? [] }
        try assertDocumented(Self.commands(in: steps.compactMap { $0["run"] as? String }), "github-actions.yml")
        XCTAssertTrue(
            steps.contains { ($0["uses"] as? String)?.hasPrefix("github/codeql-action/upload-sarif") == true },
            "SARIF goes to code scanning")
        let caches = steps.filter { ($0["uses"] as? String)?.hasPrefix("actions/cache") == true }
            .compactMap { ($0["with"] as? [String: Any])?["path"] as? String }
        XCTAssertFalse(caches.isEmpty)
        for paths in caches {
            XCTAssertTrue(paths.contains("${{ runner.temp }}/ftrlint"), "the cache holds --cache-dir: \(paths)")
        }
        XCTAssertTrue(
            steps.compactMap { $0["run"] as? String }.filter { $0.contains("ftrlint check") }
                .allSatisfy { $0.contains("--cache-dir \"$RUNNER_TEMP/ftrlint\"") }, "every check uses the cached folder")
        let fleet = try XCTUnwrap(jobs["fleet"])
        let trees = try XCTUnwrap(((fleet["strategy"] as? [String: Any])?["matrix"] as? [String: Any])?["tree"] as? [Any])
        XCTAssertGreaterThanOrEqual(trees.count, 3, "a fleet of trees, one runner each")
        let permissions = try XCTUnwrap(workflow["permissions"] as? [String: String])
        XCTAssertEqual(permissions["security-events"], "write", "upload-sarif needs it")
    }

    func testGitlabJob() throws {
        let pipeline = try load("gitlab-ci.yml")
        var scripts: [String] = []
        for case let job as [String: Any] in pipeline.values {
            for key in ["script", "before_script"] { scripts += (job[key] as? [String]) ?? [] }
        }
        try assertDocumented(Self.commands(in: scripts), "gitlab-ci.yml")
        let template = try XCTUnwrap(pipeline[".ftrlint"] as? [String: Any])
        let cache = try XCTUnwrap((template["cache"] as? [String: Any])?["paths"] as? [String])
        XCTAssertTrue(cache.contains(".ftrlint-cache"), "the cache holds --cache-dir")
        XCTAssertTrue(Self.commands(in: scripts).filter { $0[1] == "check" }.allSatisfy { $0.contains("$FTRLINT_CACHE") })
        let fleet = try XCTUnwrap(pipeline["ftrlint-fleet"] as? [String: Any])
        let matrix = try XCTUnwrap((fleet["parallel"] as? [String: Any])?["matrix"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(
            (matrix.first?["KERNEL_BRANCH"] as? [String])?.count ?? 0, 3, "a fleet of trees, one job each")
        let reports = ((pipeline["ftrlint"] as? [String: Any])?["artifacts"] as? [String: Any])?["reports"] as? [String: Any]
        XCTAssertEqual(reports?["junit"] as? String, "ftrlint-junit.xml")
    }
}

import ArgumentParser
import Foundation
import XCTest

@testable import FtrLint

/// What a terminal user expects: running from inside the tree, gcc's colours, help that lists every
/// command once, and the policy options on every command that reads a tree.
final class TerminalHabitsTests: XCTestCase {
    func testRunsFromAnywhereInsideTheTree() throws {
        let tree = try CheckRun.copy(edits: [CheckRun.describeTraceBuffer])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let inside = tree + "/arch/arm64/kvm"
        XCTAssertEqual(TreeOptions.root(containing: inside), URL(fileURLWithPath: tree).standardizedFileURL.path)
        XCTAssertEqual(TreeOptions.root(containing: tree), tree, "a root stays as given")
        XCTAssertEqual(TreeOptions.root(containing: "/nonexistent/x"), "/nonexistent/x", "inside no tree: as given")
        XCTAssertEqual(TreeOptions.root(containing: inside + "/absent"), inside + "/absent", "an absent folder: as given")
        XCTAssertEqual(TreeOptions.root(containing: inside + "/sys_regs.c"), inside + "/sys_regs.c", "a file: as given")
        let fromTop = try CheckRun.ftrlint(["check"], in: tree)
        let fromInside = try CheckRun.ftrlint(["check"], in: inside)
        XCTAssertEqual(fromInside.status, 1, fromInside.error)
        XCTAssertEqual(fromInside.output, fromTop.output, "the same findings, paths relative to the root")
        XCTAssertTrue(fromInside.output.hasPrefix("arch/arm64/kernel/cpufeature.c:"), fromInside.output)
    }

    func testGccColoursOnRequestAndNoColorByDefault() throws {
        let tree = try CheckRun.copy(edits: [CheckRun.describeTraceBuffer])
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let always = try CheckRun.ftrlint(["check", tree, "--color", "always"])
        XCTAssertTrue(always.output.contains("\u{1B}[1;31merror:\u{1B}[0m "), always.output)
        XCTAssertTrue(always.output.contains("\u{1B}[1;36mnote:\u{1B}[0m "), always.output)
        let plain = try CheckRun.ftrlint(["check", tree])
        XCTAssertFalse(plain.output.contains("\u{1B}"), "a pipe gets no colour")
        let never = try CheckRun.ftrlint(["check", tree, "--color", "never"])
        XCTAssertEqual(never.output, plain.output)
        let strip = try NSRegularExpression(pattern: "\u{1B}\\[[0-9;]*m")
        let text = always.output
        XCTAssertEqual(
            strip.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: ""),
            plain.output, "colour changes nothing else")
        let matrix = try CheckRun.ftrlint(["matrix", tree, "--color", "always"])
        XCTAssertTrue(matrix.output.contains("\u{1B}["), "matrix takes --color too")
        let wrong = try CheckRun.ftrlint(["check", tree, "--color", "sometimes"])
        XCTAssertEqual(wrong.status, 2)
        XCTAssertEqual(wrong.error.split(separator: "\n").count, 1)
    }

    /// `--help` lists every subcommand, env-args included; no option says its default twice.
    func testHelpListsEveryCommandAndEachDefaultOnce() throws {
        let top = try CheckRun.ftrlint(["--help"])
        XCTAssertEqual(top.status, 0)
        for command in FtrLint.configuration.subcommands {
            let name = try XCTUnwrap(command.configuration.commandName)
            XCTAssertTrue(top.output.contains("\n  \(name) "), "\(name) in --help")
            let help = try CheckRun.ftrlint([name, "--help"])
            XCTAssertEqual(help.status, 0, name)
            // One entry per option: its first line starts with two spaces and "-" or "<"; the rest is indented further.
            var entries: [String] = []
            for line in help.output.split(separator: "\n") {
                if line.hasPrefix("  -") || line.hasPrefix("  <") {
                    entries.append(String(line))
                } else if line.hasPrefix("      "), !entries.isEmpty {
                    entries[entries.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)
                }
            }
            for e in entries {
                XCTAssertLessThanOrEqual(e.components(separatedBy: "default:").count - 1, 1, "\(name): \(e)")
                XCTAssertLessThanOrEqual(e.components(separatedBy: "values:").count - 1, 1, "\(name): \(e)")
            }
        }
    }

    /// matrix, explain and tables take the policy options check takes (they used the shipped policy).
    func testEveryTreeCommandTakesThePolicyOptions() throws {
        let options = ["--policy", "p.yaml", "--policy-additions", "a.yaml", "--config", "c.yaml"]
        for command in [TablesCommand.self, MatrixCommand.self, CheckCommand.self, BaselineCommand.self] as [ParsableCommand.Type]
        {
            XCTAssertNoThrow(try command.parseAsRoot(options), "\(command)")
        }
        XCTAssertNoThrow(try ExplainCommand.parseAsRoot(["ID_AA64PFR0_EL1.SVE"] + options))
        let tree = try CheckRun.copy()
        defer { try? FileManager.default.removeItem(atPath: tree) }
        for command in [["tables", tree], ["matrix", tree], ["explain", "ID_AA64DFR0_EL1.PMSVer", tree]] {
            let r = try CheckRun.ftrlint(command + ["--policy-additions", "/nonexistent/additions.yaml"])
            XCTAssertEqual(r.status, 2, "\(command[0]) reads the additions rather than ignore them")
            XCTAssertTrue(r.error.contains("/nonexistent/additions.yaml"), r.error)
        }
    }
}

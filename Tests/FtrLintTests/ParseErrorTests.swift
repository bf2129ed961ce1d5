import Foundation
import XCTest

/// A libclang error anywhere in what ftrlint parses fails the run closed (one line, exit 2) — also outside
/// the tables and the read path, where what the error cost cannot be told from what the tree lacks. What it
/// does not parse cannot stop it: cpufeature.c's function bodies, and KVM's functions the read path does
/// not reach (KvmUnit blanks them).
final class ParseErrorTests: XCTestCase {
    private var cacheDir: String { NSTemporaryDirectory() + "ftrlint-parse-error-env" }

    private func assertEveryCommandFails(_ root: String, _ context: String) throws {
        for command in Robustness.analysisCommands {
            let r = try Robustness.ftrlint([command, root, "--cache-dir", cacheDir])
            Robustness.assertFailsCleanly(r, mentioning: "did not parse", "\(command): \(context)")
        }
    }

    func testSyntaxErrorOutsideTheTablesFailsClosed() throws {
        let root = try Robustness.copyTree(self)
        try Robustness.edit(
            root, "arch/arm64/kernel/cpufeature.c", "#include <stdbool.h>",
            "#include <stdbool.h>\nstatic int ftrlint_broken = ;")
        try assertEveryCommandFails(root, "a syntax error outside cpufeature.c's tables")
    }

    func testSyntaxErrorsInFunctionsOfSysRegs() throws {
        func run(appending function: String) throws -> [(command: String, result: Robustness.Run)] {
            let root = try Robustness.copyTree(self)
            let path = root + "/arch/arm64/kvm/sys_regs.c"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try (text + "\n" + function + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return try Robustness.analysisCommands.filter { $0 != "tables" }.map { command in
                (command, try Robustness.ftrlint([command, root, "--cache-dir", cacheDir]))
            }
        }
        // A short body (no branch among its statements) is parsed for the table reader: its error counts.
        for (command, r) in try run(appending: "static void ftrlint_unused(void) { int x = ; }") {
            Robustness.assertFailsCleanly(r, mentioning: "did not parse", "\(command): a syntax error in a parsed function")
        }
        // One the read path does not reach, with a branch, is not parsed.
        for (command, r) in try run(appending: "static int ftrlint_unused(int a) { if (a) return 1; int x = ; return x; }") {
            XCTAssertTrue(r.status == 0 || r.status == 1, "\(command): exit \(r.status): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("did not parse"), "\(command): \(r.stderr)")
        }
    }
}

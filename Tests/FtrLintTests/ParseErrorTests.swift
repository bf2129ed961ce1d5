import Foundation
import XCTest

/// A libclang error anywhere in a unit ftrlint reads fails the run closed (one line, exit 2) — also outside
/// the tables and the read path, where what the error cost cannot be told from what the tree lacks.
final class ParseErrorTests: XCTestCase {
    private var cacheDir: String { NSTemporaryDirectory() + "ftrlint-parse-error-env" }

    private func assertEveryCommandFails(_ root: String, _ context: String) throws {
        for command in try Robustness.analysisCommands() {
            let r = try Robustness.ftrlint([command, root, "--cache-dir", cacheDir])
            Robustness.assertFailsCleanly(r, mentioning: "did not parse", "\(command): \(context)")
        }
    }

    func testSyntaxErrorOutsideTheTablesFailsClosed() throws {
        let root = try Robustness.copyTree(self)
        try Robustness.edit(root, "arch/arm64/kernel/cpufeature.c", "#include <stdbool.h>",
                            "#include <stdbool.h>\nstatic int ftrlint_broken = ;")
        try assertEveryCommandFails(root, "a syntax error outside cpufeature.c's tables")
    }

    func testSyntaxErrorInAFunctionOfSysRegsFailsClosed() throws {
        let root = try Robustness.copyTree(self)
        let path = root + "/arch/arm64/kvm/sys_regs.c"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try (text + "\nstatic void ftrlint_unused(void) { int x = ; }\n").write(toFile: path, atomically: true, encoding: .utf8)
        for command in try Robustness.analysisCommands() where command != "tables" {
            let r = try Robustness.ftrlint([command, root, "--cache-dir", cacheDir])
            Robustness.assertFailsCleanly(r, mentioning: "did not parse", "\(command): a syntax error in an unused function")
        }
    }
}

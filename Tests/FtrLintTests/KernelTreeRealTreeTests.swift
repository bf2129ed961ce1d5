import Foundation
import KernelTree
import LibClang
import XCTest

/// The parse environment on the real trees: cpufeature.c and KVM's files parse without errors.
final class KernelTreeRealTreeTests: XCTestCase {
    private func environments() throws -> [(String, ParseEnvironment)] {
        let cache = try KernelTreeFixtures.temporaryFolder(self)
        return try RealTrees.versions.map { version in
            (version, try ParseEnvironment(tree: KernelTree(path: try RealTrees.root(version)), cacheRoot: cache))
        }
    }

    func testWorstCaseConfigurationOfRealTrees() throws {
        for (version, env) in try environments() {
            let config = env.configuration.values
            for symbol in ["ARM64", "KVM", "ARM64_SVE", "ARM64_PTR_AUTH", "ARM64_4K_PAGES", "COMPAT", "PERF_EVENTS"] {
                XCTAssertEqual(config[symbol], "y", "\(version): CONFIG_\(symbol)")
            }
            XCTAssertNil(config["CPU_BIG_ENDIAN"], version)
            XCTAssertNotNil(config["ARM64_VA_BITS"].flatMap { Int($0) }, version)
            XCTAssertNotNil(config["PGTABLE_LEVELS"].flatMap { Int($0) }, version)
            let hasTools = FileManager.default.fileExists(atPath: env.tree.root + "/arch/arm64/tools/sysreg")
            XCTAssertEqual(
                FileManager.default.fileExists(atPath: env.directory + "/arch/arm64/include/generated/asm/sysreg-defs.h"),
                hasTools, version)
        }
    }

    /// The files ftrlint reads must parse cleanly, or its tables would be incomplete.
    func testCpufeatureAndKvmFilesParseWithoutErrors() throws {
        for (version, env) in try environments() {
            let root = env.tree.root
            var files = ["arch/arm64/kernel/cpufeature.c", "arch/arm64/kvm/sys_regs.c", "arch/arm64/kvm/nested.c"]
            files += env.tree.files(in: "arch/arm64/kvm/hyp/nvhe", endingWith: ".c").filter {
                // gen-hyprel.c is a host program; trace.c includes kernel/trace/, which the test trees do not unpack.
                !$0.hasSuffix("/gen-hyprel.c")
                    && !($0.hasSuffix("/trace.c") && !FileManager.default.fileExists(atPath: root + "/kernel/trace"))
            }
            // Function bodies matter where KVM's handlers live; elsewhere skipping them keeps the test quick.
            let withBodies: Set<String> = [
                "arch/arm64/kvm/sys_regs.c", "arch/arm64/kvm/nested.c", "arch/arm64/kvm/hyp/nvhe/sys_regs.c",
                "arch/arm64/kvm/hyp/nvhe/pkvm.c",
            ]
            for file in files where env.tree.exists(file) {
                let unit = try TranslationUnit(
                    path: root + "/" + file, arguments: env.arguments(for: file),
                    options: withBodies.contains(file) ? [.keepGoing] : [.keepGoing, .skipFunctionBodies])
                XCTAssertEqual(
                    unit.diagnostics.filter { $0.severity >= .error }.prefix(5).map(\.description), [], "\(version) \(file)")
            }
        }
    }
}

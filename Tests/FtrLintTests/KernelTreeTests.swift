import Foundation
import XCTest

@testable import KernelTree

/// Opening, validating and reading a tree: error lines for bad trees, symlinks, limits, the overlay.
final class KernelTreeTests: XCTestCase {
    func testOpensTheFixtureAndReadsItsVersion() throws {
        let tree = try KernelTree(path: KernelTreeFixtures.unbuilt)
        XCTAssertEqual(tree.version, KernelVersion(major: 6, minor: 12, sublevel: 300, extraversion: "-rc2"))
        XCTAssertEqual(tree.version.description, "6.12.300-rc2")
        XCTAssertTrue(tree.version.isAtLeast(6, 12))
        XCTAssertFalse(tree.version.isAtLeast(6, 13))
        XCTAssertTrue(tree.root.hasPrefix("/"))
    }

    func testBadTreesFailWithOneClearLine() throws {
        let trees = KernelTreeFixtures.trees
        KernelTreeFixtures.assertThrows(.pathNotFound(trees + "/absent")) { try KernelTree(path: trees + "/absent") }
        KernelTreeFixtures.assertThrows(.notADirectory(trees + "/kt-not-kernel/Makefile")) {
            try KernelTree(path: trees + "/kt-not-kernel/Makefile")
        }
        KernelTreeFixtures.assertThrows(
            .notAKernelTree(trees + "/kt-not-kernel", reason: "Makefile sets no VERSION and PATCHLEVEL")
        ) {
            try KernelTree(path: trees + "/kt-not-kernel")
        }
        KernelTreeFixtures.assertThrows(.notAKernelTree(trees + "/kt-unbuilt/arch", reason: "no top-level Makefile")) {
            try KernelTree(path: trees + "/kt-unbuilt/arch")
        }
        KernelTreeFixtures.assertThrows(.noArm64(trees + "/kt-no-arm64")) { try KernelTree(path: trees + "/kt-no-arm64") }
        XCTAssertEqual(
            "\(KernelTreeError.noArm64("/k"))", "/k: kernel tree has no arm64 support (no arch/arm64/kernel/cpufeature.c)")
        XCTAssertEqual(
            "\(KernelTreeError.notAKernelTree("/k", reason: "no top-level Makefile"))",
            "/k: not a Linux kernel source tree (no top-level Makefile)")
    }

    func testVersionNeedsVersionAndPatchlevel() {
        XCTAssertEqual(KernelVersion(makefile: "VERSION = 5\nPATCHLEVEL = 10\nSUBLEVEL =\n"), KernelVersion(major: 5, minor: 10))
        XCTAssertNil(KernelVersion(makefile: "VERSION = 5\n"))
        XCTAssertNil(KernelVersion(makefile: "PATCHLEVEL = 10\n"))
        XCTAssertLessThan(KernelVersion(major: 5, minor: 10, sublevel: 262), KernelVersion(major: 6, minor: 1))
    }

    func testReadsFilesAndRefusesPathsOutsideTheTree() throws {
        let tree = try KernelTree(path: KernelTreeFixtures.unbuilt)
        XCTAssertTrue(try tree.read("arch/arm64/tools/cpucaps").contains("HAS_FIXTURE_FEATURE"))
        XCTAssertEqual(try tree.read("./arch//arm64/tools/../tools/cpucaps"), try tree.read("arch/arm64/tools/cpucaps"))
        XCTAssertEqual(try tree.read(tree.root + "/Makefile"), try tree.read("Makefile"))
        KernelTreeFixtures.assertThrows(.fileNotFound("arch/arm64/absent.c")) { try tree.read("arch/arm64/absent.c") }
        KernelTreeFixtures.assertThrows(.escapesTree("../kt-no-arm64/Makefile")) { try tree.read("../kt-no-arm64/Makefile") }
        KernelTreeFixtures.assertThrows(.escapesTree("/etc/passwd")) { try tree.read("/etc/passwd") }
        KernelTreeFixtures.assertThrows(.unreadable("arch/arm64", reason: "not a regular file")) { try tree.read("arch/arm64") }
        XCTAssertNil(try tree.readIfPresent("arch/arm64/absent.c"))
        XCTAssertTrue(tree.exists("arch/arm64/kvm/sys_regs.c"))
        XCTAssertFalse(tree.exists("arch/arm64/kvm"))
        XCTAssertFalse(tree.exists("../kt-no-arm64/Makefile"))
    }

    func testSymlinksResolveInsideButNotOutsideTheTree() throws {
        let root = try KernelTreeFixtures.scratchTree(self, files: ["include/real.h": "#define REAL 1\n"])
        let outside = (root as NSString).deletingLastPathComponent + "/secret.txt"
        try "secret".write(toFile: outside, atomically: true, encoding: .utf8)
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: root + "/include/link.h", withDestinationPath: "real.h")
        try fm.createSymbolicLink(atPath: root + "/include/escape.h", withDestinationPath: outside)
        try fm.createSymbolicLink(atPath: root + "/include/loop-a.h", withDestinationPath: "loop-b.h")
        try fm.createSymbolicLink(atPath: root + "/include/loop-b.h", withDestinationPath: "loop-a.h")
        try fm.createSymbolicLink(atPath: root + "/include/dangling.h", withDestinationPath: "../scripts/absent.tbl")
        let tree = try KernelTree(path: root)
        XCTAssertEqual(try tree.read("include/link.h"), "#define REAL 1\n")
        KernelTreeFixtures.assertThrows(.escapesTree("include/escape.h")) { try tree.read("include/escape.h") }
        KernelTreeFixtures.assertThrows(.symlinkLoop("include/loop-a.h")) { try tree.read("include/loop-a.h") }
        KernelTreeFixtures.assertThrows(.fileNotFound("include/dangling.h")) { try tree.read("include/dangling.h") }
        XCTAssertFalse(tree.exists("include/escape.h"))
        XCTAssertEqual(tree.files(in: "include", endingWith: ".h"), ["include/link.h", "include/real.h"])
    }

    func testRefusesFilesOverTheLimitAndDecodesLossily() throws {
        let root = try KernelTreeFixtures.scratchTree(self, files: ["big.txt": String(repeating: "x", count: 2048)])
        try Data([0x61, 0xff, 0x62]).write(to: URL(fileURLWithPath: root + "/latin1.txt"))
        let tree = try KernelTree(path: root, readLimit: 1024)
        KernelTreeFixtures.assertThrows(.fileTooLarge("big.txt", size: 2048, limit: 1024)) { try tree.read("big.txt") }
        XCTAssertEqual(try tree.read("latin1.txt"), "a\u{FFFD}b")
    }

    func testOverlayReplacesAndAddsFiles() throws {
        let base = try KernelTree(path: KernelTreeFixtures.unbuilt)
        let tree = try base.overlaid(with: ["arch/arm64/tools/cpucaps": "ONLY_ONE\n", "./arch/arm64/kvm/new.c": "int x;\n"])
        XCTAssertEqual(try tree.read("arch/arm64/tools/cpucaps"), "ONLY_ONE\n")
        XCTAssertEqual(try tree.read("arch/arm64/kvm/new.c"), "int x;\n")
        XCTAssertTrue(tree.files(in: "arch/arm64/kvm", endingWith: ".c").contains("arch/arm64/kvm/new.c"))
        XCTAssertEqual(tree.unsavedFiles[tree.root + "/arch/arm64/kvm/new.c"], "int x;\n")
        XCTAssertNotEqual(try base.read("arch/arm64/tools/cpucaps"), "ONLY_ONE\n")
        // The overlay may supply the files that make a tree valid.
        let makefile = try KernelTree(path: KernelTreeFixtures.unbuilt, overlay: ["Makefile": "VERSION = 7\nPATCHLEVEL = 0\n"])
        XCTAssertEqual(makefile.version, KernelVersion(major: 7, minor: 0))
        KernelTreeFixtures.assertThrows(.escapesTree("../x.c")) {
            try KernelTree(path: KernelTreeFixtures.unbuilt, overlay: ["../x.c": ""])
        }
    }

    func testRealTreesOpen() throws {
        for version in RealTrees.versions {
            let tree = try KernelTree(path: try RealTrees.root(version))
            XCTAssertEqual("\(tree.version.major).\(tree.version.minor)", version)
            XCTAssertTrue(try tree.read("arch/arm64/kernel/cpufeature.c").contains("arm64_ftr_bits"))
        }
    }
}

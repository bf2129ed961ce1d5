import Foundation
import XCTest

@testable import KernelTree

/// The fixture trees under testdata/trees written for the KernelTree tests, and scratch trees made on the fly.
enum KernelTreeFixtures {
    static let trees = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/trees").path

    /// An unbuilt tree shaped like a kernel: Kconfig, Kbuild lists, tools inputs, Makefiles with flags.
    static var unbuilt: String { trees + "/kt-unbuilt" }

    /// A fresh empty folder, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> String {
        let path = NSTemporaryDirectory() + "ftrlint-kt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// A minimal valid tree in a scratch folder, with `files` (relative path → contents) added.
    static func scratchTree(_ test: XCTestCase, files: [String: String] = [:]) throws -> String {
        let root = try temporaryFolder(test) + "/linux"
        let base = [
            "Makefile": "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 7\nEXTRAVERSION =\n",
            "arch/arm64/kernel/cpufeature.c": "// SPDX-License-Identifier: GPL-2.0-only\n",
        ]
        for (rel, text) in base.merging(files, uniquingKeysWith: { _, new in new }) {
            let path = root + "/" + rel
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return root
    }

    /// The toolchain the environment tests use: Debian's when installed, else a stand-in folder (only named in arguments).
    static var toolchain: ClangToolchain {
        (try? ClangToolchain.locate())
            ?? ClangToolchain(builtinIncludeDirectory: "/usr/lib/llvm-14/lib/clang/14.0.6/include", version: 140006)
    }

    /// Asserts that `body` throws exactly `expected`, and that its description is one line.
    static func assertThrows<T>(
        _ expected: KernelTreeError, _ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? KernelTreeError, expected, file: file, line: line)
            XCTAssertFalse("\(error)".contains("\n"), "error text must be one line", file: file, line: line)
        }
    }
}

import Foundation
import KernelTree
import XCTest

@testable import KernelModel
@testable import TranslationUnits

/// Precompiled preambles: where a file's preamble ends, and that a model built through them is the model
/// built without them — also after a header they were made from changes.
final class PreambleTests: XCTestCase {
    private var scratch: String!

    override func setUpWithError() throws {
        scratch = NSTemporaryDirectory() + "ftrlint-preamble-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    private func preamble(_ text: String) -> String? {
        Preamble(of: Array(text.utf8)).map { String(decoding: $0.text, as: UTF8.self) }
    }

    func testPreambleIsTheLeadingDirectiveBlock() {
        let head = """
            // SPDX-License-Identifier: GPL-2.0-only
            /*
             * A block comment, with // inside it that is no line comment
             */
            #define pr_fmt(fmt) "kvm: " \\
            \tfmt

            #include <linux/bitfield.h>
            #ifdef CONFIG_X /* a comment that
                               spans lines */
            #include <linux/x.h>
            #endif
            #include "sys_regs.h"

            """
        let text = head + "static int x;\n#include <late.h>\n"
        XCTAssertEqual(preamble(text), head)
        let p = Preamble(of: Array(text.utf8))!
        XCTAssertEqual(p.rest.count, text.utf8.count, "offsets are kept")
        XCTAssertEqual(p.rest.filter { $0 == UInt8(ascii: "\n") }.count, text.filter { $0 == "\n" }.count, "lines are kept")
        XCTAssertTrue(String(decoding: p.rest, as: UTF8.self).hasSuffix("static int x;\n#include <late.h>\n"))
        XCTAssertTrue(p.rest.prefix(head.utf8.count).allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") })
    }

    func testPreambleStopsBeforeAConditionalThatCodeCloses() {
        let text = "#include <a.h>\n#ifdef CONFIG_X\n#include <b.h>\nstatic int x;\n#endif\n"
        XCTAssertEqual(preamble(text), "#include <a.h>\n")
        XCTAssertNil(preamble("#ifdef CONFIG_X\n#include <b.h>\nint x;\n#endif\n"), "no #include outside the open #if")
        XCTAssertNil(preamble("int x;\n#include <a.h>\n"), "code first: no preamble")
        XCTAssertNil(preamble("#define A 1\n"), "no #include: nothing worth precompiling")
        XCTAssertEqual(preamble("#include <a.h>\n#endif\n#include <b.h>\n"), "#include <a.h>\n", "a stray #endif ends it")
        XCTAssertEqual(
            preamble("#include <a.h> // x /* y\nint z;\n"), "#include <a.h> // x /* y\n",
            "a /* inside a line comment opens nothing")
    }

    // MARK: - Models

    /// A copy of the kvm-idioms fixture whose units include a header of the tree, dated a minute ago.
    private func fixtureTree() throws -> String {
        let root = scratch + "/tree"
        try FileManager.default.copyItem(atPath: CpufeatureTablesTests.fixtures + "/kvm-idioms", toPath: root)
        try FileManager.default.createDirectory(atPath: root + "/include/linux", withIntermediateDirectories: true)
        try "#define IDIOM_SAFE 0\n".write(toFile: root + "/include/linux/idiom.h", atomically: true, encoding: .utf8)
        for file in ["arch/arm64/kvm/sys_regs.c", "arch/arm64/kernel/cpufeature.c"] {
            let path = root + "/" + file
            var text = try String(contentsOfFile: path, encoding: .utf8)
            // The fields' safe value comes from the header.
            text = text.replacingOccurrences(of: "FTR_LOWER_SAFE, shift, 4, 0)", with: "FTR_LOWER_SAFE, shift, 4, IDIOM_SAFE)")
            try ("#include <linux/idiom.h>\n" + text).write(toFile: path, atomically: true, encoding: .utf8)
        }
        try backdate(root)
        return root
    }

    private func backdate(_ path: String) throws {
        let date = Date(timeIntervalSinceNow: -60)
        let fm = FileManager.default
        var paths = [path]
        if let sub = fm.enumerator(atPath: path) { paths += sub.compactMap { $0 as? String }.map { path + "/" + $0 } }
        for p in paths.sorted(by: { $0.count > $1.count }) { try fm.setAttributes([.modificationDate: date], ofItemAtPath: p) }
    }

    private func model(_ root: String, preambles: PreambleCache?) throws -> TreeModel {
        let tree = try KernelTree(path: root)
        return try TreeModel(
            tree: tree, arguments: try environment(tree), policy: try Policy.shipped(), cache: nil,
            preambles: preambles)
    }

    /// The fixture's parse environment, dated a minute ago like the tree (preambles made from files this
    /// recent are not kept).
    private func environment(_ tree: KernelTree) throws -> ParseEnvironment {
        let env = try ParseEnvironment(tree: tree, cacheRoot: scratch + "/env")
        try backdate(scratch + "/env")
        return env
    }

    private func assertSameModel(_ a: TreeModel, _ b: TreeModel, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.tables, b.tables, file: file, line: line)
        XCTAssertEqual(a.kvmRegisters, b.kvmRegisters, file: file, line: line)
        XCTAssertEqual(a.guestView, b.guestView, file: file, line: line)
    }

    /// The stored preambles, each as "name inode": a preamble made again is a new file.
    private func storedPreambles() -> [String] {
        let folder = scratch + "/preambles"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".pch") }
        return names.sorted().map { name in
            var st = stat()
            return stat(folder + "/" + name, &st) == 0 ? "\(name) \(st.st_ino)" : name
        }
    }

    func testModelThroughPreamblesIsTheModelWithout() throws {
        let root = try fixtureTree()
        let cache = PreambleCache(directory: scratch + "/preambles")
        let plain = try model(root, preambles: nil)
        let making = try model(root, preambles: cache)
        let made = storedPreambles()
        XCTAssertFalse(made.isEmpty, "preambles are stored")
        assertSameModel(plain, making)
        let reusing = try model(root, preambles: cache)
        XCTAssertEqual(storedPreambles(), made, "an unchanged tree reuses them")
        assertSameModel(plain, reusing)
    }

    func testChangedHeaderIsNotReadFromAnOldPreamble() throws {
        let root = try fixtureTree()
        let cache = PreambleCache(directory: scratch + "/preambles")
        let before = try model(root, preambles: cache)
        // The same size: only the content tells.
        try "#define IDIOM_SAFE 1\n".write(toFile: root + "/include/linux/idiom.h", atomically: true, encoding: .utf8)
        try backdate(root + "/include/linux/idiom.h")
        let after = try model(root, preambles: cache)
        assertSameModel(after, try model(root, preambles: nil))
        XCTAssertNotEqual(before.tables, after.tables, "the new safe value is seen")
    }

    /// A unit laid over the tree in memory (check --base, --b4, the mutation test) keeps the tree's preamble.
    func testOverlaidUnitReusesThePreamble() throws {
        let root = try fixtureTree()
        let cache = PreambleCache(directory: scratch + "/preambles")
        _ = try model(root, preambles: cache)
        let made = storedPreambles()
        let file = "arch/arm64/kvm/sys_regs.c"
        let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8) + "\nstatic int ftrlint_overlaid;\n"
        func overlaid(_ preambles: PreambleCache?) throws -> TreeModel {
            let tree = try KernelTree(path: root, overlay: [file: text])
            let env = try environment(tree)
            return try TreeModel(tree: tree, arguments: env, policy: try Policy.shipped(), cache: nil, preambles: preambles)
        }
        assertSameModel(try overlaid(nil), try overlaid(cache))
        XCTAssertEqual(storedPreambles(), made, "no new preamble for a new text of the unit")
    }

    /// A header the preamble includes, laid over the tree in memory, is read from there, and the preamble
    /// made from it is not taken for the tree on disk afterwards.
    func testOverlaidHeaderIsReadFromTheOverlay() throws {
        let root = try fixtureTree()
        let cache = PreambleCache(directory: scratch + "/preambles")
        let header = "include/linux/idiom.h"
        func run(_ overlay: [String: String], _ preambles: PreambleCache?) throws -> TreeModel {
            let tree = try KernelTree(path: root, overlay: overlay)
            let env = try environment(tree)
            return try TreeModel(tree: tree, arguments: env, policy: try Policy.shipped(), cache: nil, preambles: preambles)
        }
        let disk = try run([:], cache)
        let patched = try run([header: "#define IDIOM_SAFE 1\n"], cache)
        assertSameModel(patched, try run([header: "#define IDIOM_SAFE 1\n"], nil))
        XCTAssertNotEqual(disk.tables, patched.tables, "the overlaid header is seen")
        assertSameModel(disk, try run([:], cache))
    }

    func testUnreadablePreambleIsMadeAgain() throws {
        let root = try fixtureTree()
        let cache = PreambleCache(directory: scratch + "/preambles")
        let plain = try model(root, preambles: nil)
        _ = try model(root, preambles: cache)
        // Every stored preamble cut short, as by a full disk or a killed run.
        for entry in storedPreambles() {
            let path = scratch + "/preambles/" + entry.split(separator: " ")[0]
            let size = try XCTUnwrap(FileStat(path)).size
            XCTAssertEqual(truncate(path, off_t(size / 3)), 0)
        }
        let cut = Set(storedPreambles())
        assertSameModel(plain, try model(root, preambles: cache))
        assertSameModel(plain, try model(root, preambles: cache))
        let now = Set(storedPreambles())
        XCTAssertTrue(cut.isDisjoint(with: now), "the cut preambles were made again: \(cut) \(now)")
    }

    /// On every real tree: every unit through its preamble gives exactly the model of plain parses.
    func testRealTreeModelThroughPreamblesIsTheModelWithout() throws {
        for version in RealTrees.versions {
            let tree = try KernelTree(path: try RealTrees.root(version))
            let env = try ParseEnvironment(tree: tree)
            try? FileManager.default.removeItem(atPath: scratch + "/preambles")
            let cache = PreambleCache(directory: scratch + "/preambles")
            let plain = try TreeModel(tree: tree, arguments: env, policy: try Policy.shipped(), cache: nil, preambles: nil)
            let through = try TreeModel(tree: tree, arguments: env, policy: try Policy.shipped(), cache: nil, preambles: cache)
            // cpufeature.c, KVM's files read as one unit, and pKVM's sys_regs.c where the tree has it (5.10 has not).
            let pkvm = FileManager.default.fileExists(atPath: tree.root + "/arch/arm64/kvm/hyp/nvhe/sys_regs.c")
            XCTAssertEqual(storedPreambles().count, pkvm ? 3 : 2, "\(version): one preamble per unit")
            assertSameModel(plain, through)
        }
    }
}

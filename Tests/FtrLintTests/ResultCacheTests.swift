import Foundation
import KernelTree
import XCTest

@testable import KernelModel

/// The result cache: a second run on unchanged inputs returns the same model without parsing, and any
/// change to what the translation units read — a header's content, a header added where the
/// preprocessor would now find it first, the overlay — makes it parse again.
final class ResultCacheTests: XCTestCase {
    private var scratch: String!

    override func setUpWithError() throws {
        scratch = NSTemporaryDirectory() + "ftrlint-result-cache-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// A copy of the kvm-idioms fixture whose sys_regs.c includes a header from the tree's include path,
    /// with every file dated a minute ago (the cache refuses inputs modified while or just before a run).
    private func fixtureTree() throws -> String {
        let root = scratch + "/tree"
        try FileManager.default.copyItem(atPath: CpufeatureTablesTests.fixtures + "/kvm-idioms", toPath: root)
        try FileManager.default.createDirectory(atPath: root + "/include/linux", withIntermediateDirectories: true)
        try "#define IDIOM_EXTRA 1\n".write(toFile: root + "/include/linux/idiom.h", atomically: true, encoding: .utf8)
        let sysRegs = root + "/arch/arm64/kvm/sys_regs.c"
        let text = try String(contentsOfFile: sysRegs, encoding: .utf8)
        try ("#include <linux/idiom.h>\n" + text).write(toFile: sysRegs, atomically: true, encoding: .utf8)
        return root
    }

    private func backdate(_ path: String, by seconds: Double = 60) throws {
        let date = Date(timeIntervalSinceNow: -seconds)
        let fm = FileManager.default
        var paths = [path]
        if let sub = fm.enumerator(atPath: path) { paths += sub.compactMap { $0 as? String }.map { path + "/" + $0 } }
        // Deepest first: dating a file does not touch its folder, but creating one did.
        for p in paths.sorted(by: { $0.count > $1.count }) {
            try fm.setAttributes([.modificationDate: date], ofItemAtPath: p)
        }
    }

    private func model(_ root: String, cache: ResultCache, overlay: [String: String] = [:]) throws -> TreeModel {
        let tree = try KernelTree(path: root, overlay: overlay)
        let env = try ParseEnvironment(tree: tree, cacheRoot: scratch + "/env")
        try backdate(scratch + "/env")
        return try TreeModel(tree: tree, arguments: env, policy: try Policy.shipped(), cache: cache)
    }

    private func assertSameModel(_ a: TreeModel, _ b: TreeModel, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.tables, b.tables, file: file, line: line)
        XCTAssertEqual(a.kvmRegisters, b.kvmRegisters, file: file, line: line)
        XCTAssertEqual(a.guestView, b.guestView, file: file, line: line)
    }

    func testWarmRunReturnsTheSameModel() throws {
        let root = try fixtureTree()
        try backdate(root)
        let cache = ResultCache(directory: scratch + "/results")
        let cold = try model(root, cache: cache)
        XCTAssertFalse(cold.fromCache)
        let warm = try model(root, cache: cache)
        XCTAssertTrue(warm.fromCache, "an unchanged tree is answered from the cache")
        assertSameModel(cold, warm)
        // The same as a run without any cache.
        let tree = try KernelTree(path: root)
        let env = try ParseEnvironment(tree: tree, cacheRoot: scratch + "/env")
        assertSameModel(warm, try TreeModel(tree: tree, arguments: env, policy: try Policy.shipped(), cache: nil))
        // A touched file with the same content is still the same input.
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: -30)],
            ofItemAtPath: root + "/include/linux/idiom.h")
        XCTAssertTrue(try model(root, cache: cache).fromCache, "same content, new time: still a hit")
    }

    func testChangingAnIncludedHeaderInvalidates() throws {
        let root = try fixtureTree()
        try backdate(root)
        let cache = ResultCache(directory: scratch + "/results")
        XCTAssertFalse(try model(root, cache: cache).fromCache)
        XCTAssertTrue(try model(root, cache: cache).fromCache)
        try "#define IDIOM_EXTRA 2\n".write(toFile: root + "/include/linux/idiom.h", atomically: false, encoding: .utf8)
        let after = try model(root, cache: cache)
        XCTAssertFalse(after.fromCache, "a changed header is a changed input")
        // Changed just now: not stored yet (it might still be changing). Once it is older, it is.
        try backdate(root)
        XCTAssertFalse(try model(root, cache: cache).fromCache)
        XCTAssertTrue(try model(root, cache: cache).fromCache)
    }

    func testAHeaderThatWouldNowBeFoundFirstInvalidates() throws {
        let root = try fixtureTree()
        try backdate(root)
        let cache = ResultCache(directory: scratch + "/results")
        XCTAssertFalse(try model(root, cache: cache).fromCache)
        XCTAssertTrue(try model(root, cache: cache).fromCache)
        // arch/arm64/include comes before include/ in the include path: <linux/idiom.h> is now this file.
        try FileManager.default.createDirectory(atPath: root + "/arch/arm64/include/linux", withIntermediateDirectories: true)
        try "#define IDIOM_EXTRA 3\n".write(toFile: root + "/arch/arm64/include/linux/idiom.h", atomically: true, encoding: .utf8)
        try backdate(root)
        XCTAssertFalse(try model(root, cache: cache).fromCache, "a shadowing header is a changed input")
    }

    func testOverlayIsPartOfTheKey() throws {
        let root = try fixtureTree()
        try backdate(root)
        let cache = ResultCache(directory: scratch + "/results")
        XCTAssertFalse(try model(root, cache: cache).fromCache)
        let overlay = ["include/linux/idiom.h": "#define IDIOM_EXTRA 4\n"]
        XCTAssertFalse(try model(root, cache: cache, overlay: overlay).fromCache, "an overlay is a different input")
        XCTAssertTrue(try model(root, cache: cache, overlay: overlay).fromCache)
        XCTAssertFalse(try model(root, cache: cache, overlay: ["include/linux/idiom.h": "#define IDIOM_EXTRA 5\n"]).fromCache)
        XCTAssertTrue(try model(root, cache: cache).fromCache, "the tree without overlay keeps its entry")
    }

    func testNothingIsWrittenInsideTheTree() throws {
        let root = try fixtureTree()
        try backdate(root)
        let inside = ResultCache(directory: root + "/.cache")
        XCTAssertFalse(try model(root, cache: inside).fromCache)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/.cache"))
        XCTAssertFalse(try model(root, cache: inside).fromCache)
    }

    func testCorruptEntryIsAMiss() throws {
        let root = try fixtureTree()
        try backdate(root)
        let cache = ResultCache(directory: scratch + "/results")
        let cold = try model(root, cache: cache)
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.directory)
        XCTAssertEqual(entries.count, 1)
        let path = cache.directory + "/" + entries[0]
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        let again = try model(root, cache: cache)
        XCTAssertFalse(again.fromCache)
        assertSameModel(cold, again)
    }

    func testSHA256OfLargeInputs() {
        // Whole blocks straight from the buffer and byte-wise updates give the same digest.
        let bytes = (0..<100_003).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var whole = SHA256()
        whole.update(bytes)
        var pieces = SHA256()
        var i = 0
        for n in [1, 63, 64, 65, 127, 1000, 5] + Array(repeating: 4096, count: 30) where i < bytes.count {
            pieces.update(bytes[i..<min(bytes.count, i + n)])
            i += n
        }
        if i < bytes.count { pieces.update(bytes[i...]) }
        XCTAssertEqual(whole.hexDigest(), pieces.hexDigest())
        var million = SHA256()
        million.update([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        XCTAssertEqual(million.hexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

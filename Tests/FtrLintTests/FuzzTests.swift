import Foundation
import KernelTree
import SysregSpec
import XCTest

/// A short, deterministic fuzz pass over every parser ftrlint writes itself, so CI exercises what scripts/fuzz
/// runs for millions of inputs with libFuzzer: seeded mutations of the corpus in testdata/fuzz/<parser>/
/// (bit flips, byte and token insertions, deletions, duplications, splices, truncations), each input run
/// through FuzzHarness, whose properties trap on violation. FTRLINT_FUZZ_ITERATIONS sets the count per parser.
final class FuzzTests: XCTestCase {
    static let root = Robustness.repo + "/testdata/fuzz"

    static var iterations: Int {
        Int(ProcessInfo.processInfo.environment["FTRLINT_FUZZ_ITERATIONS"] ?? "") ?? 5000
    }

    /// SplitMix64: the same inputs on every machine and every run.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    }

    static func corpus(_ parser: FuzzHarness.Parser) throws -> [Data] {
        let folder = root + "/" + parser.rawValue
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        return names.compactMap { FileManager.default.contents(atPath: folder + "/" + $0) }
    }

    /// The tokens of testdata/fuzz/<parser>.dict (libFuzzer's dictionary format).
    static func dictionary(_ parser: FuzzHarness.Parser) -> [Data] {
        guard let text = try? String(contentsOfFile: root + "/" + parser.rawValue + ".dict", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line -> Data? in
            guard let open = line.firstIndex(of: "\""), line.last == "\"", line.index(after: open) < line.endIndex else {
                return nil
            }
            let body = line[line.index(after: open)..<line.index(before: line.endIndex)]
            var out = [UInt8]()
            var i = body.startIndex
            while i < body.endIndex {
                let c = body[i]
                if c == "\\", body.index(after: i) < body.endIndex {
                    let n = body[body.index(after: i)]
                    if n == "x", let end = body.index(i, offsetBy: 4, limitedBy: body.endIndex),
                        let byte = UInt8(body[body.index(i, offsetBy: 2)..<end], radix: 16)
                    {
                        out.append(byte)
                        i = end
                        continue
                    }
                    out.append(contentsOf: Array(String(n).utf8))
                    i = body.index(i, offsetBy: 2)
                    continue
                }
                out.append(contentsOf: Array(String(c).utf8))
                i = body.index(after: i)
            }
            return Data(out)
        }
    }

    /// One to four stacked mutations of a corpus entry.
    static func mutate(_ seed: Data, corpus: [Data], dictionary: [Data], _ rng: inout Random) -> Data {
        var bytes = [UInt8](seed)
        let interesting: [UInt8] = [
            0, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x27, 0x2c, 0x2d, 0x30, 0x3a, 0x5b, 0x5c, 0x7b, 0x7f, 0x80, 0xc0, 0xff,
        ]
        for _ in 0..<(rng.below(2) == 0 ? 1 : 1 + rng.below(4)) {
            let at = rng.below(bytes.count + 1)
            switch rng.below(10) {
            case 0 where !bytes.isEmpty:  // flip a bit
                let i = rng.below(bytes.count)
                bytes[i] ^= UInt8(1 << rng.below(8))
            case 1 where !bytes.isEmpty:  // an interesting byte
                bytes[rng.below(bytes.count)] = interesting[rng.below(interesting.count)]
            case 2:  // insert a byte
                bytes.insert(interesting[rng.below(interesting.count)], at: at)
            case 3 where !bytes.isEmpty:  // delete a range
                let n = 1 + rng.below(min(64, bytes.count - min(at, bytes.count - 1)))
                let start = min(at, bytes.count - 1)
                bytes.removeSubrange(start..<min(bytes.count, start + n))
            case 4 where !dictionary.isEmpty:  // insert a token
                bytes.insert(contentsOf: dictionary[rng.below(dictionary.count)], at: at)
            case 5 where !bytes.isEmpty:  // duplicate a range
                let start = rng.below(bytes.count), n = 1 + rng.below(min(256, bytes.count - start))
                bytes.insert(contentsOf: bytes[start..<start + n], at: at)
            case 6 where !corpus.isEmpty:  // splice another entry
                let other = [UInt8](corpus[rng.below(corpus.count)])
                let from = rng.below(other.count + 1)
                bytes = Array(bytes[..<at]) + Array(other[from...])
            case 7:  // truncate
                bytes = Array(bytes[..<at])
            case 8 where !bytes.isEmpty:  // replace a decimal digit run with a huge or negative number
                let numbers = [
                    "99999999999999999999999", "-1", "0x", "18446744073709551616", "9223372036854775807", "63:64", "0:63",
                ]
                bytes.insert(contentsOf: Array(numbers[rng.below(numbers.count)].utf8), at: at)
            default:  // swap two lines
                var lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false).map(Array.init)
                if lines.count > 1 {
                    lines.swapAt(rng.below(lines.count), rng.below(lines.count))
                    bytes = Array(lines.joined(separator: [0x0a]))
                }
            }
        }
        return Data(bytes)
    }

    /// Runs the corpus as it is, then `iterations` mutants, through `body`.
    private func fuzz(_ parser: FuzzHarness.Parser, seed: UInt64, _ body: (Data) -> Bool) throws {
        let corpus = try Self.corpus(parser)
        XCTAssertFalse(corpus.isEmpty, "testdata/fuzz/\(parser.rawValue) has seeds")
        let dictionary = Self.dictionary(parser)
        XCTAssertFalse(dictionary.isEmpty, "testdata/fuzz/\(parser.rawValue).dict has tokens")
        var parsed = 0
        for input in corpus where body(input) { parsed += 1 }
        var rng = Random(state: seed)
        var current = corpus
        let start = Date()
        for i in 0..<Self.iterations {
            let input = Self.mutate(current[rng.below(current.count)], corpus: corpus, dictionary: dictionary, &rng)
            let ok = body(input)
            if ok { parsed += 1 }
            // Keep the mutants that still parse and a few that do not as seeds, so that mutations stack over
            // the run and reach past the syntax into what the parser does with a document.
            if ok || i % 16 == 0, input.count < 1 << 16 { current.append(input) }
            if current.count > 256 { current.removeFirst(current.count - 256) }
        }
        print(
            "fuzz \(parser.rawValue): \(corpus.count + Self.iterations) inputs (\(parsed) parsed) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s"
        )
    }

    func testSysregParser() throws {
        try fuzz(.sysreg, seed: 1) { FuzzHarness.sysreg($0) }
    }

    func testPolicyParser() throws {
        try fuzz(.policy, seed: 2) { FuzzHarness.policy($0) }
    }

    func testCompilationDatabaseParser() throws {
        let tree = try KernelTree(path: Robustness.kvmMini)
        let scratch = try Robustness.temporaryFolder(self, "fuzz") + "/compile_commands.json"
        try fuzz(.compiledb, seed: 3) { FuzzHarness.compiledb($0, tree: tree, scratch: scratch) }
    }

    func testBaselineParser() throws {
        try fuzz(.baseline, seed: 4) { FuzzHarness.baseline($0) }
    }

    func testPatchParser() throws {
        try fuzz(.patch, seed: 5) { FuzzHarness.patch($0) }
    }

    func testFunctionBodiesScanner() throws {
        try fuzz(.bodies, seed: 6) { FuzzHarness.bodies($0) }
    }

    /// Inputs libFuzzer found that broke a property, kept as regressions (and as seeds in testdata/fuzz).
    func testRegressionsFoundByFuzzing() throws {
        // A register name that starts with a digit made `#define 8EST_EL1_RES0 ...`: refused now.
        let digit = try XCTUnwrap(FileManager.default.contents(atPath: Self.root + "/sysreg/regression-digit-name.sysreg"))
        XCTAssertFalse(FuzzHarness.sysreg(digit))
        XCTAssertThrowsError(try SysregSpec(data: digit, path: "sysreg")) {
            XCTAssertTrue("\($0)".contains("starts a C macro name"), "\($0)")
        }
        // Enum value names may still start with a digit, as the kernel's own do (PARange's 32, 36...).
        let value =
            "Sysreg\tX_EL1\t3\t0\t0\t4\t0\nRes0\t63:4\nUnsignedEnum\t3:0\tPARange\n\t0b0000\t32\n\t0b0001\t36\nEndEnum\nEndSysreg\n"
        XCTAssertTrue(FuzzHarness.sysreg(Data(value.utf8)))
        // compile_commands.json arguments that made libclang write files (-MJ, -gen-cdb-fragment-path,
        // -emit-interface-stubs) or swallowed the next argument as the file to write.
        let tree = try KernelTree(path: Robustness.kvmMini)
        let scratch = try Robustness.temporaryFolder(self, "fuzz") + "/compile_commands.json"
        let db =
            #"[{"directory": "@TREE@", "file": "arch/arm64/kernel/cpufeature.c", "arguments": ["cc", "-MJ", "/tmp/x", "-MJ/tmp/y", "-gen-cdb-fragment-path", "/tmp/z", "-emit-interface-stubs", "--config", "/tmp/c", "-meabi", "gnu", "-DKEEP"]}]"#
        XCTAssertTrue(FuzzHarness.compiledb(Data(db.utf8), tree: tree, scratch: scratch))
        // A hunk header whose line number does not fit in an Int trapped (index out of range): an error now.
        let hunk = try XCTUnwrap(FileManager.default.contents(atPath: Self.root + "/patch/regression-huge-line-number.diff"))
        XCTAssertFalse(FuzzHarness.patch(hunk))
    }

    /// The mutator makes what it should: deterministic, varied, and inputs that parse as well as ones that fail.
    func testMutatorIsDeterministic() throws {
        let corpus = try Self.corpus(.sysreg)
        var a = Random(state: 7), b = Random(state: 7)
        let x = (0..<50).map { _ in Self.mutate(corpus[0], corpus: corpus, dictionary: Self.dictionary(.sysreg), &a) }
        let y = (0..<50).map { _ in Self.mutate(corpus[0], corpus: corpus, dictionary: Self.dictionary(.sysreg), &b) }
        XCTAssertEqual(x, y)
        XCTAssertGreaterThan(Set(x).count, 40)
        XCTAssertEqual(Self.dictionary(.sysreg).first, Data("Sysreg".utf8))
    }
}

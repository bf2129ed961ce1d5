import Foundation
import SysregSpec
import XCTest

final class SysregSpecErrorTests: XCTestCase {
    /// Each file under testdata/sysreg/errors starts with `# expect: <line>: <message>`.
    func testErrorFixtures() throws {
        let directory = SysregFixture.directory.appendingPathComponent("errors")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sysreg") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 20)
        for name in names {
            let text = try SysregFixture.text("errors/" + name)
            let header = text.split(separator: "\n", maxSplits: 1).first ?? ""
            guard header.hasPrefix("# expect: ") else {
                XCTFail("\(name): first line must be '# expect: <line>: <message>'")
                continue
            }
            let expected = String(header.dropFirst("# expect: ".count))
            do {
                _ = try SysregSpec(text: text, path: name)
                XCTFail("\(name): parsed, expected \(expected)")
            } catch let error as SysregSpecError {
                XCTAssertEqual("\(error.line): \(error.message)", expected, name)
                XCTAssertEqual(error.description, "\(name):\(expected)")
            }
        }
    }

    func testDescriptionNamesFileAndLine() {
        XCTAssertThrowsError(try SysregSpec(text: "\n\nBogus\n", path: "arch/arm64/tools/sysreg")) { error in
            XCTAssertEqual((error as? SysregSpecError)?.description, "arch/arm64/tools/sysreg:3: unknown directive 'Bogus'")
        }
    }

    func testNonUTF8BytesFailAsBadNames() {
        var data = Data("Sysreg\tA_".utf8)
        data += [0xFF, 0xFE, 0x80]
        data += Data("\t3\t0\t0\t0\t0\nField\t63:0\tAll\nEndSysreg\n".utf8)
        XCTAssertThrowsError(try SysregSpec(data: data)) { error in
            let error = error as? SysregSpecError
            XCTAssertEqual(error?.line, 1)
            XCTAssertEqual(error?.message.hasPrefix("invalid register name"), true)
        }
    }

    func testNonUTF8CommentsAreHarmless() throws {
        var data = Data("# caf".utf8)
        data += [0xE9, 0x0A]
        data += Data("Sysreg\tA_EL1\t3\t0\t0\t0\t0\nField\t63:0\tAll\nEndSysreg\n".utf8)
        XCTAssertEqual(try SysregSpec(data: data).registers.count, 1)
    }

    func testHugeGarbageLineGivesShortMessage() {
        let text = String(repeating: "x", count: 2_000_000)
        XCTAssertThrowsError(try SysregSpec(text: text)) { error in
            XCTAssertLessThan(String(describing: error).count, 120)
        }
    }

    func testHugeNumbersDoNotOverflow() {
        let bits = String(repeating: "1", count: 200)
        let cases = [
            "Sysreg A 3 0 0 0 99999999999999999999999999\n",
            "Sysreg A 3 0 0 0 0\nField 63:0:0 All\n",
            "Sysreg A 3 0 0 0 0\nField 63:0 All\nEndSysreg\nSysreg B 3 0 0 0 1\nEnum 63:0 E\n0b\(bits) BIG\n",
            "Sysreg A 3 0 0 0 0\nField 18446744073709551616:0 All\n",
        ]
        for text in cases {
            XCTAssertThrowsError(try SysregSpec(text: text), text) { XCTAssertTrue($0 is SysregSpecError) }
        }
    }

    func testWideEnumValues() throws {
        let text = "Sysreg A 3 0 0 0 0\nEnum 63:0 E\n0b\(String(repeating: "1", count: 63)) MAX\nEndEnum\nEndSysreg\n"
        XCTAssertEqual(try SysregSpec(text: text).field(register: "A", name: "E")?.values.first?.value, .max)
    }

    /// Mutated copies of the constructs fixture must parse or throw SysregSpecError, never trap.
    func testMutatedInputNeverTraps() throws {
        let lines = try SysregFixture.text("constructs.sysreg").split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        let junk = [
            "", "0b", "0b2", ":", "63:", ":0", "-1", "64", "99999999999", "EndEnum", "EndPrefix", "Sysreg", "#", "\u{FFFD}", "\r",
        ]
        var random = SplitMix64(seed: 0x5EED)
        for _ in 0..<2_000 {
            var mutated = lines
            for _ in 0...random.next(below: 4) {
                let index = random.next(below: mutated.count)
                switch random.next(below: 4) {
                case 0: mutated.remove(at: index)
                case 1: mutated.insert(mutated[random.next(below: mutated.count)], at: index)
                case 2:
                    var words = mutated[index].split(separator: "\t").map(String.init)
                    if !words.isEmpty { words[random.next(below: words.count)] = junk[random.next(below: junk.count)] }
                    mutated[index] = words.joined(separator: "\t")
                default: mutated[index] += "\t" + junk[random.next(below: junk.count)]
                }
                if mutated.isEmpty { mutated = [""] }
            }
            do {
                let spec = try SysregSpec(text: mutated.joined(separator: "\n"))
                _ = SysregDefsHeader.render(spec)
            } catch {
                XCTAssertTrue(error is SysregSpecError)
            }
        }
    }
}

/// A small deterministic generator, so a failing mutation can be reproduced.
private struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(below bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(max(bound, 1)))
    }
}

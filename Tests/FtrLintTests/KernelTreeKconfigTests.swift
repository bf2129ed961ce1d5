import XCTest

@testable import KernelTree

/// The pieces under the parse environment: Kconfig expressions and parsing, the cache key's hash, Makefile reading.
final class KernelTreeKconfigTests: XCTestCase {
    func testExpressions() {
        let values = ["A": "y", "B": "n", "M": "m", "LEVELS": "4", "BITS": "48", "ADDR": "0x10"]
        let cases: [(String, Int)] = [
            ("A", 2), ("B", 0), ("UNSET", 0), ("!B", 2), ("A && !B", 2), ("B || M", 1), ("A && (B || LEVELS > 3)", 2),
            ("LEVELS > 2", 2), ("LEVELS >= 5", 0), ("BITS = 48", 2), ("BITS != 48", 0), ("ADDR < 0x20", 2),
            ("$(cc-option,-mbranch-protection=pac-ret)", 2), ("\"y\"", 2), ("y", 2), ("n", 0),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(KconfigExpression.evaluate(KconfigExpression.tokenize(text), values: values), expected, text)
        }
        XCTAssertEqual(
            KconfigExpression.tokenize(#"A&&!(B||"x y")>=$(f,(g))"#),
            ["A", "&&", "!", "(", "B", "||", "\"x y\"", ")", ">=", "$(f,(g))"])
    }

    func testParsesEntriesChoicesAndSourcesButNotHelpText() {
        let files = [
            "Kconfig": """
            config ARM64
            \tdef_bool y
            \tselect FOO if BAR # trailing comment
            \thelp
            \t  config NOT_A_SYMBOL
            \t  select NOT_SELECTED

            choice
            \tprompt "Size"
            \tdefault SMALL if BAR
            \tdefault LARGE

            config SMALL
            \tbool "small"

            config LARGE
            \tbool "large"

            endchoice

            source "arch/$(SRCARCH)/Kconfig.more"
            source "absent/Kconfig"
            """,
            "arch/arm64/Kconfig.more": "config MORE\n\tint \"more\"\n\tdefault 3\n",
        ]
        let list = Kconfig.files(from: "Kconfig") { files[$0] }
        XCTAssertEqual(list, ["Kconfig", "arch/arm64/Kconfig.more"])
        let kconfig = Kconfig(files: list) { files[$0] }
        XCTAssertEqual(kconfig.order, ["ARM64", "SMALL", "LARGE", "MORE"])
        XCTAssertEqual(kconfig.symbols["ARM64"]?.selects.map(\.value), [["FOO"]])
        XCTAssertEqual(kconfig.symbols["ARM64"]?.selects.map(\.condition), [["BAR"]])
        XCTAssertEqual(kconfig.choices.first?.members, ["SMALL", "LARGE"])
        XCTAssertEqual(kconfig.symbols["MORE"]?.kind, .int)
        let config = KernelConfiguration(kconfig: kconfig, clangVersion: 140006)
        XCTAssertEqual(config.values["LARGE"], "y")
        XCTAssertNil(config.values["SMALL"])
        XCTAssertNil(config.values["FOO"], "BAR is not set, so FOO is not selected")
        XCTAssertEqual(config.values["MORE"], "3")
        XCTAssertEqual(config.values["CC_VERSION_TEXT"], "clang version 14.0.6")
    }

    func testSHA256KnownAnswers() {
        var empty = SHA256()
        XCTAssertEqual(empty.hexDigest(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var abc = SHA256()
        abc.update("abc")
        XCTAssertEqual(abc.hexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var twoBlocks = SHA256()
        twoBlocks.update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        XCTAssertEqual(twoBlocks.hexDigest(), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testMakefileAssignmentsAndExpansion() {
        let make = KbuildMakefile(
            """
            incdir := $(srctree)/$(src)/include
            ccflags-y := -I$(incdir) \\
            \t-DA=1 $(call cc-disable-warning, override-init) $(call cc-option,-DB) $(UNSET) $(shell rm -rf /)
            ccflags-y += -DC
            ccflags-y ?= -DIGNORED
            late = $(later)
            later := -DLATE
            target: prereq
            \t$(CC) -DRECIPE
            """, builtins: ["srctree": "/k", "src": "arch/arm64/kvm/hyp"])
        XCTAssertEqual(make.words("ccflags-y"), ["-I/k/arch/arm64/kvm/hyp/include", "-DA=1", "-Wno-override-init", "-DB", "-DC"])
        XCTAssertEqual(make.words("late"), ["-DLATE"])
        XCTAssertEqual(make.words("absent"), [])
    }
}

import Foundation
import KernelTree
import XCTest

@testable import KernelModel
@testable import TranslationUnits

/// KVM's files read as one unit with the bodies the analysis does not need blanked: where bodies are found
/// in the text, which are kept, when files are not combined, and that the model is the model of each file
/// parsed on its own and in full.
final class KvmUnitTests: XCTestCase {
    private func bodies(_ text: String) -> FunctionBodies? { FunctionBodies(source: Array(text.utf8)) }

    private func spelled(_ text: String, _ body: FunctionBodies.Body) -> String {
        String(decoding: Array(text.utf8)[body.open...body.close], as: UTF8.self)
    }

    // MARK: - Finding bodies

    func testBodiesAreFunctionDefinitionsAtFileScope() throws {
        let text = """
            #define BRACE {
            struct s { int a; };
            static const int t[] = { 1, 2 };
            static const struct s v = (struct s) { 1 };
            enum { A = (1 == 1) };
            static int f(int a) __attribute__((unused))
            {
            \tconst char *s = "}{";
            \tchar c = '}';
            \t// }
            \t/* { */
            \tif (a) {
            \t\treturn 1;
            \t}
            \treturn ({ int x = 0; if (x) x = 1; x; });
            }
            static int g(int b) { int y = b <= 1; { if (y) y = 2; } return f(y); }

            """
        let found = try XCTUnwrap(bodies(text))
        XCTAssertEqual(found.bodies.count, 2, "initialisers, struct and enum bodies are no function bodies")
        XCTAssertTrue(spelled(text, found.bodies[0]).hasPrefix("{\n\tconst char"))
        XCTAssertTrue(spelled(text, found.bodies[0]).hasSuffix("x; });\n}"))
        XCTAssertEqual(spelled(text, found.bodies[1]), "{ int y = b <= 1; { if (y) y = 2; } return f(y); }")
        XCTAssertTrue(found.bodies[0].branches, "an if among the body's statements")
        XCTAssertFalse(found.bodies[1].branches, "ifs only in a nested block or a statement expression")
        XCTAssertTrue(found.bodies[1].identifiers.isSuperset(of: ["f", "y", "b"]))
        XCTAssertFalse(found.bodies[1].identifiers.contains("s"), "what the body does not spell")
        XCTAssertEqual(found.macros["BRACE"], [])
        XCTAssertTrue(found.bodies.allSatisfy(\.blankable))
    }

    func testConditionalGroupsAndDirectivesInsideABody() throws {
        let balanced = try XCTUnwrap(bodies("static int f(void)\n{\n#ifdef A\n\treturn 1;\n#else\n\treturn 2;\n#endif\n}\n"))
        XCTAssertTrue(balanced.bodies[0].blankable, "a group wholly inside the body")
        let straddled = try XCTUnwrap(bodies("#ifdef A\nstatic int f(void)\n{\n\treturn 1;\n#endif\n}\n"))
        XCTAssertFalse(straddled.bodies[0].blankable, "the #endif of a group opened outside")
        let otherBranch = try XCTUnwrap(bodies("#ifdef A\nint x;\nstatic int f(void)\n{\n#else\n\treturn 1;\n#endif\n}\n"))
        XCTAssertFalse(otherBranch.bodies[0].blankable, "an #else of a group opened outside")
        let defining = try XCTUnwrap(bodies("static int f(void)\n{\n#define LATER 1\n\treturn LATER;\n}\nint y = LATER;\n"))
        XCTAssertFalse(defining.bodies[0].blankable, "a macro defined in a body may be used after it")
        XCTAssertEqual(defining.macros["LATER"], [])
        let macro = try XCTUnwrap(bodies("#define CALL(x) helper((x), \\\n\tOTHER)\nint z;\n"))
        XCTAssertEqual(macro.macros["CALL"], ["helper", "x", "OTHER"])
    }

    func testTextThatDoesNotBalanceGivesNoBodies() {
        XCTAssertNil(bodies("static int f(void) {\n\treturn 0;\n"))
        XCTAssertNil(bodies("static int x = (1;\n"))
        XCTAssertNil(bodies("static int f(void) { return 0; } }\n"))
        XCTAssertNil(bodies("/* never closed\n"))
        XCTAssertNil(bodies("#ifdef A\nint x;\n"))
        XCTAssertNil(
            bodies("#ifdef A\nint f(int a)\n{\n#else\nint f(void)\n{\n#endif\n\treturn 0;\n}\n"),
            "two openings for one closing brace")
    }

    func testBlankingKeepsOffsetsAndLines() throws {
        let text = "static int f(int a)\n{\n\tif (a)\n\t\treturn 1;\n\treturn 0;\n}\nint g(void) { return 2; }\n"
        let found = try XCTUnwrap(bodies(text))
        let blanked = String(decoding: FunctionBodies.blanking(Array(text.utf8), found.bodies) { $0 == 0 }, as: UTF8.self)
        let spaces = { (n: Int) in String(repeating: " ", count: n) }
        XCTAssertEqual(
            blanked,
            "static int f(int a)\n;\n\(spaces(7))\n\(spaces(11))\n\(spaces(10))\n\(spaces(1))\nint g(void) { return 2; }\n")
    }

    // MARK: - The plan

    /// A copy of the kvm-idioms fixture with nested virtualisation's limit in nested.c, called directly or, with
    /// `throughHeader`, through a macro of a header (which the text of sys_regs.c does not show).
    private func fixture(throughHeader: Bool = false, nested: String = KvmUnitTests.nestedC) throws -> String {
        let root = try Robustness.temporaryFolder(self) + "/linux"
        try FileManager.default.copyItem(atPath: CpufeatureTablesTests.fixtures + "/kvm-idioms", toPath: root)
        try nested.write(toFile: root + "/arch/arm64/kvm/nested.c", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: root + "/include/linux", withIntermediateDirectories: true)
        try "#define nv_limit(kvm, id, val)\tlimit_nv_elsewhere(kvm, id, val)\n"
            .write(toFile: root + "/include/linux/nv_limit.h", atomically: true, encoding: .utf8)
        try Robustness.edit(
            root, "arch/arm64/kvm/sys_regs.c", "#include <stdbool.h>\n",
            "#include <stdbool.h>\n#include <linux/nv_limit.h>\n")
        try Robustness.edit(
            root, "arch/arm64/kvm/sys_regs.c",
            "static u64 limit_nv(u32 id, u64 val)\n{\n\tif (id == SYS_ID_IDIOM1_EL1)\n\t\tval &= ~FIELD_MASK(8);\n\treturn val;\n}",
            "extern u64 limit_nv_elsewhere(struct kvm *kvm, u32 id, u64 val);\n\n"
                + "static u64 limit_nv(const struct kvm_vcpu *vcpu, u32 id, u64 val)\n{\n"
                + (throughHeader
                    ? "\treturn nv_limit(vcpu->kvm, id, val);\n}" : "\treturn limit_nv_elsewhere(vcpu->kvm, id, val);\n}"))
        try Robustness.edit(root, "arch/arm64/kvm/sys_regs.c", "val = limit_nv(id, val);", "val = limit_nv(vcpu, id, val);")
        return root
    }

    private static let nestedC = """
        // SPDX-License-Identifier: GPL-2.0-only
        /*
         * ftrlint fixture: nested virtualisation's limits, in a file of their own.
         */
        #include <stdbool.h>

        typedef unsigned int u32;
        typedef unsigned long long u64;
        struct kvm;

        #define NV_HIDDEN_FIELD\t(0xfULL << 8)
        #define nv_hide(val)\tnv_clear(val, NV_HIDDEN_FIELD)

        static u64 nv_clear(u64 val, u64 mask)
        {
        \tif (!mask)
        \t\treturn val;
        \treturn val & ~mask;
        }

        u64 limit_nv_elsewhere(struct kvm *kvm, u32 id, u64 val)
        {
        \tif (id == ((3 << 19) | (0 << 16) | (0 << 12) | (4 << 8) | (1 << 5)))
        \t\tval = nv_hide(val);
        \treturn val;
        }

        static int unused_nv_helper(int a)
        {
        \tif (a)
        \t\treturn a + 1;
        \treturn 0;
        }

        """

    private func environment(_ tree: KernelTree) throws -> ParseEnvironment {
        try ParseEnvironment(tree: tree, cacheRoot: NSTemporaryDirectory() + "ftrlint-tests-env")
    }

    private func unit(_ root: String) throws -> KvmUnit? {
        let tree = try KernelTree(path: root)
        let env = try environment(tree)
        let files = TreeModel.files(of: tree).filter { TreeModel.kvmFiles.contains($0) }
        return KvmUnit(tree: tree, files: files, arguments: files.map { env.arguments(for: $0) })
    }

    /// Bodies of the fixture by the function they define, in the files' order.
    private let fixtureNames: [[String?]] = [
        [
            "cap_field", "limit_nv", "sanitise_idiom0", "idiom_limit", "idiom_convert", "__kvm_read_sanitised_id_reg",
            "kvm_read_sanitised_id_reg",
            "access_id_reg", "raz_visibility", "sve_visibility", "set_id_reg",
        ],
        ["nv_clear", "limit_nv_elsewhere", "unused_nv_helper"],
    ]

    func testPlanKeepsWhatTheRootsNameThroughTheFilesMacros() throws {
        let unity = try XCTUnwrap(try unit(try fixture()), "the fixture's files are combined")
        XCTAssertEqual(unity.files, ["arch/arm64/kvm/sys_regs.c", "arch/arm64/kvm/nested.c"])
        let kept = SysRegDescsExtractor.spelledMacros
        let plan = unity.plan(names: fixtureNames, roots: ["kvm_read_sanitised_id_reg"], keepingBodiesSpelling: kept)
        func blanked(_ file: Int, _ name: String) -> Bool { plan.blank[file][fixtureNames[file].firstIndex(of: name)!] }
        // From the root through its callees, into nested.c and through nested.c's macro nv_hide to nv_clear.
        for name in ["__kvm_read_sanitised_id_reg", "sanitise_idiom0", "cap_field", "limit_nv", "idiom_limit", "idiom_convert"] {
            XCTAssertFalse(blanked(0, name), name)
        }
        XCTAssertFalse(blanked(1, "limit_nv_elsewhere"))
        XCTAssertFalse(blanked(1, "nv_clear"), "named through a macro of the file")
        // Kept for their shape (no branch among their statements) or for spelling REG_RAZ.
        for name in ["raz_visibility", "sve_visibility", "set_id_reg"] { XCTAssertFalse(blanked(0, name), name) }
        XCTAssertTrue(blanked(0, "access_id_reg"), "an if, and no root names it")
        XCTAssertTrue(blanked(1, "unused_nv_helper"))
        XCTAssertEqual(plan.blanked, ["access_id_reg", "unused_nv_helper"])
        XCTAssertEqual(
            unity.plan(
                names: fixtureNames, roots: ["kvm_read_sanitised_id_reg", "access_id_reg"],
                keepingBodiesSpelling: kept
            ).blanked,
            ["unused_nv_helper"])
    }

    func testFilesThatCannotBeCombinedAreNot() throws {
        let root = try fixture()
        let tree = try KernelTree(path: root)
        let files = ["arch/arm64/kvm/sys_regs.c", "arch/arm64/kvm/nested.c"]
        let args = try environment(tree).arguments(for: files[0])
        XCTAssertNotNil(
            KvmUnit(tree: tree, files: files, arguments: [args, args + ["-Wno-unused", "-DKBUILD_BASENAME=x"]]),
            "warnings and per-object names do not count")
        XCTAssertNil(KvmUnit(tree: tree, files: files, arguments: [args, args + ["-DCONFIG_OTHER"]]), "another define")

        let leak = try fixture(
            nested: Self.nestedC.replacingOccurrences(of: "struct kvm;", with: "struct kvm;\nstatic int FIELD_MASK;"))
        XCTAssertNil(try unit(leak), "a macro of sys_regs.c spelled in nested.c")
        let defining = try fixture(
            nested: Self.nestedC.replacingOccurrences(
                of: "#include <stdbool.h>\n", with: "#define pr_fmt(fmt) fmt\n#include <stdbool.h>\n"))
        XCTAssertNil(try unit(defining), "a macro defined before nested.c's headers")
        let after = try fixture(
            nested: Self.nestedC.replacingOccurrences(
                of: "#include <stdbool.h>\n", with: "#include <stdbool.h>\n#define NV_AFTER 1\n"))
        XCTAssertNotNil(try unit(after), "a macro defined after them")
    }

    // MARK: - The model

    private func model(_ root: String, combined: Bool) throws -> TreeModel {
        let tree = try KernelTree(path: root)
        return try TreeModel(
            tree: tree, arguments: try environment(tree), policy: try Policy.shipped(), cache: nil,
            preambles: nil, combineKvmFiles: combined)
    }

    private func assertSameModel(_ a: TreeModel, _ b: TreeModel, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.tables, b.tables, file: file, line: line)
        XCTAssertEqual(a.kvmRegisters, b.kvmRegisters, file: file, line: line)
        XCTAssertEqual(a.guestView, b.guestView, file: file, line: line)
    }

    /// The nested guest's field that only nested.c hides: followed into nested.c in either reading.
    private func assertNestedLimitFollowed(_ m: TreeModel, file: StaticString = #filePath, line: UInt = #line) {
        let field = m.guestView.fields["ID_IDIOM1_EL1.bits11_8"]
        XCTAssertEqual(field?.normal.kind, .passthrough, file: file, line: line)
        XCTAssertEqual(field?.nested?.kind, .hidden, file: file, line: line)
    }

    func testCombinedModelIsTheModelOfEachFileInFull() throws {
        for throughHeader in [false, true] {
            let root = try fixture(throughHeader: throughHeader)
            XCTAssertNotNil(try unit(root))
            let separate = try model(root, combined: false)
            assertNestedLimitFollowed(separate)
            // Through the header, the first plan blanks limit_nv_elsewhere: the view asks for it, and gets it.
            assertSameModel(try model(root, combined: true), separate)
        }
    }

    func testANameBothFilesDefineFallsBackToEachFileOnItsOwn() throws {
        let root = try fixture(nested: Self.nestedC.replacingOccurrences(of: "unused_nv_helper", with: "set_id_reg"))
        XCTAssertNotNil(try unit(root), "a clash only the parse shows")
        let combined = try model(root, combined: true)
        assertNestedLimitFollowed(combined)
        assertSameModel(combined, try model(root, combined: false))
    }

    /// A function the analysis does not read is not parsed (as cpufeature.c's bodies are not); one it reads is,
    /// and an error there fails the run closed.
    func testErrorsCountWhereTheAnalysisReads() throws {
        let clean = try model(try fixture(), combined: true)
        let unread = try fixture(nested: Self.nestedC.replacingOccurrences(of: "\t\treturn a + 1;", with: "\t\treturn a + ;"))
        assertSameModel(try model(unread, combined: true), clean)
        XCTAssertThrowsError(try model(unread, combined: false), "each file in full reads it")
        let read = try fixture(
            nested: Self.nestedC.replacingOccurrences(
                of: "\treturn val;\n}\n\nstatic int",
                with: "\treturn val +;\n}\n\nstatic int"))
        XCTAssertThrowsError(try model(read, combined: true)) { error in
            XCTAssertTrue("\(error)".contains("did not parse: arch/arm64/kvm/nested.c:"), "\(error)")
        }
    }

    /// On every real tree: KVM's files combine, and the model is exactly that of each file parsed in full.
    func testRealTreesCombinedModelIsTheModelOfEachFileInFull() throws {
        for version in RealTrees.versions {
            let tree = try KernelTree(path: try RealTrees.root(version))
            let env = try ParseEnvironment(tree: tree)
            let files = TreeModel.files(of: tree).filter { TreeModel.kvmFiles.contains($0) }
            XCTAssertNotNil(KvmUnit(tree: tree, files: files, arguments: files.map { env.arguments(for: $0) }), version)
            let separate = try TreeModel(
                tree: tree, arguments: env, policy: try Policy.shipped(), cache: nil,
                combineKvmFiles: false)
            let combined = try TreeModel(tree: tree, arguments: env, policy: try Policy.shipped(), cache: nil)
            assertSameModel(combined, separate)
        }
    }
}

import Foundation
import XCTest

@testable import KernelTree

/// compile_commands.json mode: parsing, GCC-only flags dropped, unsafe flags filtered, malformed input refused.
final class KernelTreeCompilationDatabaseTests: XCTestCase {
    private let builtins = "/usr/lib/llvm-14/lib/clang/14.0.6/include"

    /// A tree with a database written next to it (or inside it), as an O= build would leave one.
    private func database(_ json: String, inTree: Bool = false) throws -> (KernelTree, String) {
        let root = try KernelTreeFixtures.scratchTree(self)
        let file = (inTree ? root : (root as NSString).deletingLastPathComponent + "/build") + "/compile_commands.json"
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try json.replacingOccurrences(of: "@ROOT@", with: root).write(toFile: file, atomically: true, encoding: .utf8)
        return (try KernelTree(path: root), file)
    }

    private let gccCommand = """
        aarch64-linux-gnu-gcc -Wp,-MMD,arch/arm64/kernel/.cpufeature.o.d -nostdinc -I@ROOT@/arch/arm64/include \
        -I./arch/arm64/include/generated -I @ROOT@/include -include @ROOT@/include/linux/kconfig.h \
        -isystem /usr/lib/gcc-cross/aarch64-linux-gnu/12/include -D__KERNEL__ -mlittle-endian -std=gnu11 -fshort-wchar \
        -mabi=lp64 -fconserve-stack -fno-allow-store-data-races -mstack-protector-guard=sysreg \
        -mstack-protector-guard-reg=sp_el0 -mstack-protector-guard-offset=1496 -fmin-function-alignment=8 \
        -Wimplicit-fallthrough=5 --param=allow-store-data-races=0 -Wno-stringop-overflow -Wno-packed-not-aligned \
        -fno-ipa-sra -fplugin=./scripts/gcc-plugins/stackleak_plugin.so -fplugin-arg-stackleak_plugin-track-min-size=100 \
        -fsanitize=bounds-strict -fsanitize-coverage=trace-pc -ftrivial-auto-var-init=zero -fzero-call-used-regs=used-gpr \
        -O2 -Werror -Werror=implicit-function-declaration -DARM64_ASM_ARCH='"armv8.5-a"' \
        -DKBUILD_MODNAME='"cpufeature"' -D__KBUILD_MODNAME=kmod_cpufeature -c -o arch/arm64/kernel/cpufeature.o \
        @ROOT@/arch/arm64/kernel/cpufeature.c
        """

    func testGccCommandBecomesSafeClangArguments() throws {
        let entry =
            #"[{"directory": "@BUILD@", "file": "@ROOT@/arch/arm64/kernel/cpufeature.c", "command": "\#(gccCommand.replacingOccurrences(of: "\"", with: "\\\""))"}]"#
        let (tree, file) = try database(entry)
        let build = (file as NSString).deletingLastPathComponent
        try entry.replacingOccurrences(of: "@ROOT@", with: tree.root).replacingOccurrences(of: "@BUILD@", with: build)
            .write(toFile: file, atomically: true, encoding: .utf8)
        let db = try CompilationDatabase(
            path: build, tree: tree, toolchain: ClangToolchain(builtinIncludeDirectory: builtins, version: 140006))
        XCTAssertEqual(db.path, file)
        XCTAssertEqual(db.files, ["arch/arm64/kernel/cpufeature.c"])
        let args = try db.arguments(for: "arch/arm64/kernel/cpufeature.c")
        XCTAssertEqual(
            args,
            [
                "-target", "aarch64-linux-gnu", "-nostdinc", "-I\(tree.root)/arch/arm64/include",
                "-I\(build)/./arch/arm64/include/generated",
                "-I", tree.root + "/include", "-include", tree.root + "/include/linux/kconfig.h", "-isystem", builtins,
                "-D__KERNEL__", "-mlittle-endian", "-std=gnu11", "-fshort-wchar", "-O2", "-Werror=implicit-function-declaration",
                "-DARM64_ASM_ARCH=\"armv8.5-a\"", "-DKBUILD_MODNAME=\"cpufeature\"", "-D__KBUILD_MODNAME=kmod_cpufeature",
                "-Wno-unknown-warning-option", "-Wno-unused-command-line-argument",
            ])
    }

    func testUnsafeFlagsAreDropped() {
        let argv = [
            "clang", "--target=aarch64-linux-gnu", "-Xclang", "-load", "-Xclang", "/tmp/evil.so", "-fplugin=/tmp/p.so",
            "-fpass-plugin=/tmp/q.so", "-MD", "-MF", "/tmp/deps", "-MMD", "-save-temps=obj", "--serialize-diagnostics",
            "/tmp/d", "-fprofile-generate=/tmp/prof", "-fprofile-instr-use=/tmp/x", "-ftime-trace", "-mllvm", "-stats",
            "@/tmp/response", "-B/tmp/bin", "-o", "/tmp/out.o", "-fcrash-diagnostics-dir=/tmp", "-Wl,-rpath,/tmp",
            "-Wa,-march=armv8.5-a", "-DKEEP", "-fdump-tree-all", "-fmodules-cache-path=/tmp/m", "a.c",
        ]
        XCTAssertEqual(
            CompileFlagFilter.filter(argv, directory: "/b", builtinIncludes: nil),
            ["--target=aarch64-linux-gnu", "-DKEEP", "-Wno-unknown-warning-option", "-Wno-unused-command-line-argument"])
    }

    func testWrapperAndOtherClangBuiltinsAreHandled() {
        let argv = [
            "/usr/bin/ccache", "clang-18", "-target", "aarch64-linux-gnu", "-isystem", "/usr/lib/llvm-18/lib/clang/18/include",
            "-isystem", "relative/include", "-iquote", "q", "-include", "gen.h", "-x", "c", "f.c",
        ]
        XCTAssertEqual(
            CompileFlagFilter.filter(argv, directory: "/b", builtinIncludes: builtins),
            [
                "-target", "aarch64-linux-gnu", "-isystem", builtins, "-isystem", "/b/relative/include", "-iquote", "/b/q",
                "-include", "/b/gen.h", "-x", "c", "-Wno-unknown-warning-option", "-Wno-unused-command-line-argument",
            ])
    }

    func testArgumentsArraysAndRelativeFiles() throws {
        let (tree, file) = try database(
            #"""
            [{"directory": "@ROOT@", "file": "arch/arm64/kernel/cpufeature.c", "arguments": ["gcc", "-DA=1", "-c", "arch/arm64/kernel/cpufeature.c"]},
             {"directory": "@ROOT@", "file": "arch/arm64/kernel/cpufeature.c", "arguments": ["gcc", "-DSECOND"]},
             {"directory": "/elsewhere", "file": "/elsewhere/x.c", "arguments": ["gcc"]}]
            """#, inTree: true)
        let db = try CompilationDatabase(
            path: file, tree: tree, toolchain: ClangToolchain(builtinIncludeDirectory: builtins, version: 140006))
        XCTAssertEqual(db.files, ["arch/arm64/kernel/cpufeature.c"], "entries outside the tree are ignored, the first entry wins")
        XCTAssertEqual(
            try db.arguments(for: "arch/arm64/kernel/cpufeature.c"),
            ["-target", "aarch64-linux-gnu", "-DA=1", "-Wno-unknown-warning-option", "-Wno-unused-command-line-argument"])
        KernelTreeFixtures.assertThrows(.noCompileCommand("arch/arm64/kvm/sys_regs.c", database: file)) {
            try db.arguments(for: "arch/arm64/kvm/sys_regs.c")
        }
        // A database at the tree's root is found and preferred over generating an environment.
        let source = try CompileArgumentSource.resolve(
            tree: tree, toolchain: ClangToolchain(builtinIncludeDirectory: builtins, version: 140006))
        guard case .compilationDatabase = source else { return XCTFail("expected the tree's compile_commands.json") }
        XCTAssertEqual(CompilationDatabase.locate(tree: tree, explicitPath: "/x.json"), "/x.json")
    }

    func testMalformedDatabasesFailWithOneClearLine() throws {
        let cases: [(String, String)] = [
            ("{not json", "not valid JSON"),
            (#"{"directory": "/"}"#, "top level is not an array"),
            (#"[42]"#, "entry 0 is not an object"),
            (#"[{"file": "a.c", "command": "cc a.c"}]"#, "entry 0 has no \"directory\" string"),
            (#"[{"directory": "/", "command": "cc a.c"}]"#, "entry 0 has no \"file\" string"),
            (#"[{"directory": "/", "file": "a.c"}]"#, "entry 0 has neither \"arguments\" nor \"command\""),
            (#"[{"directory": "/", "file": "a.c", "arguments": ["cc", 1]}]"#, "entry 0 has a non-string argument"),
        ]
        for (json, reason) in cases {
            let (tree, file) = try database(json)
            KernelTreeFixtures.assertThrows(.compilationDatabaseMalformed(file, reason: reason)) {
                try CompilationDatabase(path: file, tree: tree)
            }
        }
        let tree = try KernelTree(path: KernelTreeFixtures.unbuilt)
        KernelTreeFixtures.assertThrows(.compilationDatabaseNotFound("/absent/compile_commands.json")) {
            try CompilationDatabase(path: "/absent/compile_commands.json", tree: tree)
        }
    }

    func testShellWords() {
        XCTAssertEqual(
            ShellWords.split(#"cc -DA='"x y"' -DB="a\"b" c\ d 'it''s' "" -E"#),
            ["cc", #"-DA="x y""#, #"-DB=a"b"#, "c d", "its", "", "-E"])
        XCTAssertEqual(ShellWords.split("  a\t b\n"), ["a", "b"])
        XCTAssertEqual(ShellWords.split(#""a\nb""#), [#"a\nb"#])
    }
}

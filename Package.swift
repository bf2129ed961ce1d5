// swift-tools-version:5.9
import PackageDescription
import Foundation

/// Debian's libclang-dev installs the headers and libclang of one LLVM under /usr/lib/llvm-N.
/// Pick that folder at manifest time (highest N that has both), so the package builds against
/// whatever LLVM the machine's Debian brings and links Debian's libclang rather than the
/// toolchain's own copy in /opt/swift. FTRLINT_LLVM_DIR overrides the choice.
func debianLLVM() -> String {
    if let dir = ProcessInfo.processInfo.environment["FTRLINT_LLVM_DIR"], !dir.isEmpty { return dir }
    let fm = FileManager.default
    let names = (try? fm.contentsOfDirectory(atPath: "/usr/lib")) ?? []
    let candidates = names.compactMap { name -> (Int, String)? in
        guard name.hasPrefix("llvm-"), let n = Int(name.dropFirst(5)) else { return nil }
        let dir = "/usr/lib/\(name)"
        guard fm.fileExists(atPath: dir + "/include/clang-c/Index.h"),
              fm.fileExists(atPath: dir + "/lib/libclang.so") else { return nil }
        return (n, dir)
    }
    return candidates.max { $0.0 < $1.0 }?.1 ?? "/usr/lib/llvm"
}

let llvm = debianLLVM()
/// libclang 17 and later name the operator of an expression (clang_getCursorBinaryOperatorKind), which
/// libclang 14 can only read from the source text: an operator no file spells, such as min()'s `<`
/// pasted from `__cmp_op_##op`, is visible only through the API.
let hasOperatorKinds = (try? String(contentsOfFile: llvm + "/include/clang-c/Index.h", encoding: .utf8))?
    .contains("clang_getCursorBinaryOperatorKind") ?? false
let clangSwift: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-I\(llvm)/include"])]
    + (hasOperatorKinds ? [.define("LIBCLANG_OPERATOR_KINDS")] : [])
let clangLink: [LinkerSetting] = [.unsafeFlags(["-L\(llvm)/lib", "-Xlinker", "-rpath", "-Xlinker", "\(llvm)/lib"])]

let package = Package(
    name: "ftrlint",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ftrlint", targets: ["FtrLint"]),
        // The parsers the Fuzz/ package's fuzzers link.
        .library(name: "SysregSpec", targets: ["SysregSpec"]),
        .library(name: "KernelTree", targets: ["KernelTree"]),
        .library(name: "TranslationUnits", targets: ["TranslationUnits"]),
        .library(name: "Policy", targets: ["Policy"]),
        .library(name: "KernelModel", targets: ["KernelModel"]),
        .library(name: "Patch", targets: ["Patch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // The protocol every target's errors conform to: what the one `ftrlint: error:` line says.
        .target(name: "ToolError"),
        // The C API of Debian's libclang.
        .systemLibrary(name: "CClang", path: "Sources/CClang", providers: [.apt(["libclang-dev"])]),
        // A thin, owning Swift layer over libclang: no CX* or Unsafe* type leaves it.
        .target(name: "LibClang", dependencies: ["CClang", "ToolError"], swiftSettings: clangSwift, linkerSettings: clangLink),
        // The architecture's register description (arch/arm64/tools/sysreg): parser and header generator.
        .target(name: "SysregSpec", dependencies: ["ToolError"]),
        // A kernel tree on disk, read without libclang: discovery, reading files (and overlays), Kconfig and the
        // worst-case configuration, Kbuild's flags, the parse environment of an unbuilt tree (generated headers,
        // clang's builtin headers), compile arguments and the compilation database.
        .target(name: "KernelTree", dependencies: ["SysregSpec", "ToolError"]),
        // The parse: KVM's files combined into one unit and planned (function bodies, preambles), precompiled
        // preambles and the records of what a parse read, the units of a run by name, the task graph they are
        // parsed and read on, and its timings.
        .target(name: "TranslationUnits", dependencies: ["LibClang", "KernelTree"], swiftSettings: clangSwift),
        // Configuration, not what the tree says: the policy (each field's class, bound and levels, the trap
        // controls, the facts about run-time conditions), its strict YAML loader and the shipped policy.yaml,
        // and how register and field names are folded to compare them across the policy, the tree and KVM.
        .target(name: "Policy", dependencies: ["ToolError", "Yams"], resources: [.copy("policy.yaml")]),
        // What the tree says, read from the parsed units: cpufeature tables, KVM's tables and guest views,
        // the evidence in KVM's code, register encodings, the build of a model and the result cache that keeps
        // it; and the baseline of accepted findings.
        .target(name: "KernelModel",
                dependencies: ["ToolError", "LibClang", "SysregSpec", "KernelTree", "TranslationUnits", "Policy"],
                swiftSettings: clangSwift),
        // The checks, one per file, each with its examples; findings are plain values.
        .target(name: "Rules", dependencies: ["KernelModel", "Policy"], swiftSettings: clangSwift),
        // check --b4's patches: the git format-patch / unified diff parser and the in-memory applier.
        .target(name: "Patch", dependencies: ["ToolError"]),
        // ftrlint bound's patch: where KVM's read path takes each register, the tree's idiom, format-patch text.
        .target(name: "Bound", dependencies: ["ToolError", "Policy", "KernelModel", "Rules", "SysregSpec"], swiftSettings: clangSwift),
        // The command and its reporters.
        .executableTarget(name: "FtrLint", dependencies: [
            "ToolError", "LibClang", "KernelTree", "TranslationUnits", "Policy", "KernelModel", "Rules", "Patch", "Bound",
            .product(name: "ArgumentParser", package: "swift-argument-parser"), "Yams",
        ], swiftSettings: clangSwift, linkerSettings: clangLink),
        .testTarget(name: "FtrLintTests", dependencies: ["ToolError", "LibClang", "SysregSpec", "KernelTree", "TranslationUnits",
                                                          "Policy", "KernelModel", "Rules", "Patch", "Bound", "FtrLint"],
                    path: "Tests/FtrLintTests", swiftSettings: clangSwift, linkerSettings: clangLink),
    ]
)

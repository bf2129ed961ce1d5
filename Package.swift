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
        .library(name: "KernelModel", targets: ["KernelModel"]),
        .library(name: "Patch", targets: ["Patch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // The C API of Debian's libclang.
        .systemLibrary(name: "CClang", path: "Sources/CClang", providers: [.apt(["libclang-dev"])]),
        // A thin, owning Swift layer over libclang: no CX* or Unsafe* type leaves it.
        .target(name: "LibClang", dependencies: ["CClang"], swiftSettings: clangSwift, linkerSettings: clangLink),
        // The architecture's register description (arch/arm64/tools/sysreg): parser and header generator.
        .target(name: "SysregSpec"),
        // A kernel tree on disk: discovery, the parse environment, compile flags, the result cache.
        .target(name: "KernelTree", dependencies: ["LibClang", "SysregSpec"], swiftSettings: clangSwift),
        // What the tree says: sysreg spec, cpufeature tables, KVM's guest view, the policy.
        .target(name: "KernelModel", dependencies: ["LibClang", "SysregSpec", "KernelTree", "Yams"],
                resources: [.copy("Policy/policy.yaml")], swiftSettings: clangSwift),
        // The checks, one per file, each with its examples; findings are plain values.
        .target(name: "Rules", dependencies: ["KernelModel"], swiftSettings: clangSwift),
        // check --b4's patches: the git format-patch / unified diff parser and the in-memory applier.
        .target(name: "Patch"),
        // ftrlint bound's patch: where KVM's read path takes each register, the tree's idiom, format-patch text.
        .target(name: "Bound", dependencies: ["KernelModel", "Rules", "SysregSpec"], swiftSettings: clangSwift),
        // The command and its reporters.
        .executableTarget(name: "FtrLint", dependencies: [
            "LibClang", "KernelTree", "KernelModel", "Rules", "Patch", "Bound",
            .product(name: "ArgumentParser", package: "swift-argument-parser"), "Yams",
        ], swiftSettings: clangSwift, linkerSettings: clangLink),
        .testTarget(name: "FtrLintTests", dependencies: ["LibClang", "SysregSpec", "KernelTree", "KernelModel", "Rules", "Patch", "Bound", "FtrLint"],
                    path: "Tests/FtrLintTests", swiftSettings: clangSwift, linkerSettings: clangLink),
    ]
)

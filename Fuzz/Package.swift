// swift-tools-version:5.9
// libFuzzer targets for the parsers ftrlint writes itself (sysreg file, policy, compile_commands.json, baseline,
// b4 patch, the C-text scanners KVM's unit is planned with), one executable per parser. The parsers' sources are
// the main package's, through symlinks under Sources/ (KernelModel here holds only the policy, the baseline and
// the scanners);
// each target links Tests/FtrLintTests/FuzzHarness.swift, the same harness the XCTest fuzz pass runs.
// Built and run by scripts/fuzz:
//   swift build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library
import PackageDescription
import Foundation

/// Debian's LLVM, chosen as the main package chooses it (KernelTree's LibClang links its libclang).
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
let clangSwift: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-I\(llvm)/include"])]
let clangLink: [LinkerSetting] = [.unsafeFlags(["-L\(llvm)/lib", "-Xlinker", "-rpath", "-Xlinker", "\(llvm)/lib"])]

func fuzzer(_ name: String, _ folder: String) -> Target {
    .executableTarget(name: name, dependencies: ["Harness"], path: "Sources/" + folder,
                      swiftSettings: clangSwift, linkerSettings: clangLink)
}

let package = Package(
    name: "ftrlint-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "CClang", path: "Sources/CClang"),
        .target(name: "LibClang", dependencies: ["CClang"], swiftSettings: clangSwift, linkerSettings: clangLink),
        .target(name: "SysregSpec"),
        .target(name: "KernelTree", dependencies: ["LibClang", "SysregSpec"], swiftSettings: clangSwift),
        .target(name: "KernelModel", dependencies: ["Yams"], resources: [.copy("Policy/policy.yaml")]),
        .target(name: "Harness", dependencies: ["SysregSpec", "KernelTree", "KernelModel"], swiftSettings: clangSwift),
        fuzzer("fuzz-sysreg", "FuzzSysreg"),
        fuzzer("fuzz-policy", "FuzzPolicy"),
        fuzzer("fuzz-compiledb", "FuzzCompiledb"),
        fuzzer("fuzz-baseline", "FuzzBaseline"),
        // check --b4's patch parser lives in the FtrLint executable: its file is compiled into this target.
        fuzzer("fuzz-patch", "FuzzPatch"),
        fuzzer("fuzz-bodies", "FuzzBodies"),
    ]
)

// swift-tools-version:5.9
// libFuzzer targets for the parsers ftrlint writes itself (sysreg file, policy, compile_commands.json, baseline,
// b4 patch, the C-text scanners KVM's unit is planned with), one executable per parser. The parsers are the main
// package's libraries, taken as a dependency, so the fuzzers run exactly the code ftrlint runs; each target links
// Tests/FtrLintTests/FuzzHarness.swift, the same harness the XCTest fuzz pass runs.
// Built and run by scripts/fuzz:
//   swift build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library
import PackageDescription
import Foundation

/// Debian's LLVM, chosen as the main package chooses it: the harness imports TranslationUnits and KernelModel,
/// whose LibClang brings clang-c's headers, and the fuzzers link its libclang.
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
        .package(name: "ftrlint", path: ".."),
    ],
    targets: [
        .target(name: "Harness", dependencies: [
            .product(name: "SysregSpec", package: "ftrlint"), .product(name: "KernelTree", package: "ftrlint"),
            .product(name: "TranslationUnits", package: "ftrlint"), .product(name: "KernelModel", package: "ftrlint"),
            .product(name: "Patch", package: "ftrlint"),
        ], swiftSettings: clangSwift),
        fuzzer("fuzz-sysreg", "FuzzSysreg"),
        fuzzer("fuzz-policy", "FuzzPolicy"),
        fuzzer("fuzz-compiledb", "FuzzCompiledb"),
        fuzzer("fuzz-baseline", "FuzzBaseline"),
        fuzzer("fuzz-patch", "FuzzPatch"),
        fuzzer("fuzz-bodies", "FuzzBodies"),
    ]
)

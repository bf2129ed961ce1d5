import Foundation

/// The clang whose builtin headers (stddef.h, stdarg.h, arm_neon.h) a kernel parse uses in place of libc's.
public struct ClangToolchain: Hashable, Sendable {
    /// The resource dir's include folder, e.g. /usr/lib/llvm-14/lib/clang/14.0.6/include.
    public let builtinIncludeDirectory: String
    /// The version as Kconfig's CONFIG_CLANG_VERSION writes it, e.g. 140006.
    public let version: Int

    public init(builtinIncludeDirectory: String, version: Int) {
        self.builtinIncludeDirectory = builtinIncludeDirectory
        self.version = version
    }

    /// Debian's LLVM as Package.swift picks it (FTRLINT_LLVM_DIR, else the highest /usr/lib/llvm-N with libclang).
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ClangToolchain {
        let fm = FileManager.default
        let llvmDirs: [String]
        if let dir = environment["FTRLINT_LLVM_DIR"], !dir.isEmpty {
            llvmDirs = [dir]
        } else {
            // Prefer the LLVM whose libclang the package links, as Package.swift does, then the highest.
            let names = (try? fm.contentsOfDirectory(atPath: "/usr/lib")) ?? []
            llvmDirs = names.compactMap { name -> (Int, Int, String)? in
                guard name.hasPrefix("llvm-"), let n = Int(name.dropFirst(5)) else { return nil }
                let dir = "/usr/lib/\(name)"
                return (fm.fileExists(atPath: dir + "/lib/libclang.so") ? 1 : 0, n, dir)
            }.sorted { ($0.0, $0.1) > ($1.0, $1.1) }.map(\.2)
        }
        for dir in llvmDirs {
            let resource = dir + "/lib/clang"
            let versions = ((try? fm.contentsOfDirectory(atPath: resource)) ?? []).sorted { numeric($0) > numeric($1) }
            for v in versions where fm.fileExists(atPath: "\(resource)/\(v)/include/stddef.h") {
                return ClangToolchain(builtinIncludeDirectory: "\(resource)/\(v)/include", version: numeric(v))
            }
        }
        throw KernelTreeError.noCompilerHeaders(llvmDirs.first ?? "/usr/lib/llvm-*")
    }

    /// "14.0.6" → 140006, "16" → 160000.
    static func numeric(_ name: String) -> Int {
        let parts = name.split(separator: ".").map { Int($0) ?? 0 } + [0, 0, 0]
        return parts[0] * 10000 + parts[1] * 100 + parts[2]
    }
}

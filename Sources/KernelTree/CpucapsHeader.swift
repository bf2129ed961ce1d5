import Foundation

/// asm/cpucap-defs.h (asm/cpucaps.h before 6.3) from arch/arm64/tools/cpucaps, as gen-cpucaps.awk writes it.
enum CpucapsHeader {
    /// Renders the header named `fileName` ("cpucap-defs.h" or "cpucaps.h") from the cpucaps list.
    static func render(_ text: String, fileName: String) throws -> String {
        let guardName = "__ASM_" + fileName.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
        var lines = ["#ifndef \(guardName)", "#define \(guardName)", "", "/* Generated file - do not edit */", ""]
        var count = 0
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard line.allSatisfy({ $0 == "v" || $0 == "_" || ($0.isASCII && ($0.isUppercase || $0.isNumber)) }) else {
                throw KernelTreeError.generationFailed(
                    "arch/arm64/tools/cpucaps", reason: "unhandled statement at line \(number + 1)")
            }
            lines.append("#define ARM64_\(line + String(repeating: " ", count: max(0, 40 - line.count)))\t\(count)")
            count += 1
        }
        lines += ["#define ARM64_NCAPS\t\t\t\t\t\(count)", "", "#endif /* \(guardName) */", ""]
        return lines.joined(separator: "\n")
    }
}

import Foundation

/// asm/kernel-hwcap.h from the uapi asm/hwcap.h, as arch/arm64/tools/gen-kernel-hwcaps.sh writes it (7.x).
enum KernelHwcapsHeader {
    // The script's sed keeps the last HWCAPn_NAME of each "#define HWCAP..." line.
    private static let define = try! NSRegularExpression(pattern: "^#define HWCAP[0-9]*_[A-Z0-9_]+")
    private static let name = try! NSRegularExpression(pattern: ".*HWCAP([0-9]*)_([A-Z0-9_]+)")

    static func render(hwcap text: String) -> String {
        var lines = [
            "#ifndef __ASM_KERNEL_HWCAPS_H", "#define __ASM_KERNEL_HWCAPS_H", "", "/* Generated file - do not edit */", "",
        ]
        for line in text.split(separator: "\n").map(String.init) {
            let whole = NSRange(line.startIndex..., in: line)
            guard define.firstMatch(in: line, range: whole) != nil,
                let m = name.firstMatch(in: line, range: whole),
                let word = Range(m.range(at: 1), in: line), let cap = Range(m.range(at: 2), in: line)
            else { continue }
            lines.append("#define KERNEL_HWCAP_\(line[cap])\t__khwcap\(line[word])_feature(\(line[cap]))")
        }
        lines += ["", "#endif /* __ASM_KERNEL_HWCAPS_H */", ""]
        return lines.joined(separator: "\n")
    }
}

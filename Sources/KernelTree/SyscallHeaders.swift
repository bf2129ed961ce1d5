import Foundation

/// The syscall headers Kbuild generates from arch/arm64/tools/syscall_{32,64}.tbl (6.11 on), as
/// scripts/syscallhdr.sh and scripts/syscalltbl.sh write them.
enum SyscallHeaders {
    struct Entry {
        let number: Int
        let name: String
        let native: String?
        let compat: String?
    }

    /// The entries of a syscall table whose ABI is in `abis`, sorted by number.
    static func entries(_ table: String, abis: Set<String>) -> [Entry] {
        table.split(separator: "\n").compactMap { line -> Entry? in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard f.count >= 3, !f[0].hasPrefix("#"), let nr = Int(f[0]), abis.contains(f[1]) else { return nil }
            let compat = f.count > 4 && f[4] != "-" ? f[4] : nil
            return Entry(number: nr, name: f[2], native: f.count > 3 ? f[3] : nil, compat: compat)
        }.sorted { $0.number < $1.number }
    }

    /// The ABIs Makefile.syscalls adds for a table width ("32" or "64"), plus "common" and the width itself.
    static func abis(width: String, makefileSyscalls text: String?) -> Set<String> {
        var abis: Set<String> = ["common", width]
        for line in (text ?? "").split(separator: "\n") {
            let parts = line.components(separatedBy: "+=")
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == "syscall_abis_\(width)" else { continue }
            abis.formUnion(parts[1].split(separator: " ").map(String.init))
        }
        return abis
    }

    /// unistd_NN.h: `#define __NR_<prefix><name> <nr>` for each entry, and the count for the kernel.
    static func unistd(_ entries: [Entry], fileName: String, prefix: String = "") -> String {
        let guardName =
            "_UAPI_ASM_"
            + fileName.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
            .replacingOccurrences(of: "__", with: "_")
        var lines = ["#ifndef \(guardName)", "#define \(guardName)", ""]
        lines += entries.map { "#define __NR_\(prefix)\($0.name) \($0.number)" }
        if let last = entries.last {
            lines += ["", "#ifdef __KERNEL__", "#define __NR_\(prefix)syscalls \(last.number + 1)", "#endif"]
        }
        lines += ["", "#endif /* \(guardName) */", ""]
        return lines.joined(separator: "\n")
    }

    /// syscall_table_NN.h: one `__SYSCALL(nr, entry)` per number, holes filled with sys_ni_syscall.
    static func table(_ entries: [Entry]) -> String {
        var lines: [String] = []
        var next = 0
        for e in entries where e.number >= next {
            while next < e.number {
                lines.append("__SYSCALL(\(next), sys_ni_syscall)")
                next += 1
            }
            if let native = e.native, let compat = e.compat {
                lines.append("__SYSCALL_WITH_COMPAT(\(e.number), \(native), \(compat))")
            } else {
                lines.append("__SYSCALL(\(e.number), \(e.native ?? "sys_ni_syscall"))")
            }
            next = e.number + 1
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

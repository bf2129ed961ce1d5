import Foundation
import TranslationUnits

/// Which ftrlint is running, for the result cache: results of another build are never reused.
enum BuildIdentity {
    /// The GNU build ID the linker put in the executable (a hash of its contents); else the executable's
    /// path, size and modification time; else an identity no other process shares.
    static let current: String = gnuBuildID() ?? executableStat() ?? "process-\(getpid())-\(UUID().uuidString)"

    private static let executable = "/proc/self/exe"

    /// The NT_GNU_BUILD_ID note of a PT_NOTE segment of the running ELF executable.
    static func gnuBuildID(path: String = executable) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        func read(_ offset: UInt64, _ count: Int) -> [UInt8]? {
            guard count > 0, count < 1 << 20, (try? handle.seek(toOffset: offset)) != nil,
                let data = try? handle.read(upToCount: count), data.count == count
            else { return nil }
            return [UInt8](data)
        }
        func int(_ b: [UInt8], _ at: Int, _ size: Int) -> UInt64 {
            (0..<size).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
        }
        // ELF64, little-endian only (x86_64, aarch64): anything else falls back.
        guard let header = read(0, 64), header[0..<4] == [0x7f, 0x45, 0x4c, 0x46], header[4] == 2, header[5] == 1 else {
            return nil
        }
        let phoff = int(header, 0x20, 8), phentsize = Int(int(header, 0x36, 2)), phnum = Int(int(header, 0x38, 2))
        guard phentsize >= 56, phnum > 0, let table = read(phoff, phentsize * phnum) else { return nil }
        for i in 0..<phnum {
            let at = i * phentsize
            guard int(table, at, 4) == 4 /* PT_NOTE */ else { continue }
            guard let notes = read(int(table, at + 8, 8), Int(int(table, at + 32, 8))) else { continue }
            var p = 0
            while p + 12 <= notes.count {
                let namesz = Int(int(notes, p, 4)), descsz = Int(int(notes, p + 4, 4)), type = int(notes, p + 8, 4)
                let name = p + 12, desc = name + (namesz + 3) & ~3
                guard desc + descsz <= notes.count else { break }
                if type == 3 /* NT_GNU_BUILD_ID */, namesz == 4, notes[name..<name + 3] == [0x47, 0x4e, 0x55] {
                    return "gnu-build-id " + notes[desc..<desc + descsz].map { String(format: "%02x", $0) }.joined()
                }
                p = desc + (descsz + 3) & ~3
            }
        }
        return nil
    }

    private static func executableStat() -> String? {
        guard let resolved = realpath(executable, nil) else { return nil }
        defer { free(resolved) }
        let path = String(cString: resolved)
        guard let s = FileStat(path) else { return nil }
        return "executable \(path) \(s.size) \(s.mtime)"
    }
}

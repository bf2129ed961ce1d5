import Foundation

/// A tree's files as text, each read once: the writers ask for the same few (cpufeature.c, asm/sysreg.h,
/// sys_regs.c, pKVM's header) for every field and register.
final class FileTexts: @unchecked Sendable {
    private let read: (String) -> String?
    private var texts: [String: String?] = [:]
    private let lock = NSLock()

    init(_ read: @escaping (String) -> String?) { self.read = read }

    func text(_ path: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        if let known = texts[path] { return known }
        let text = read(path)
        texts[path] = text
        return text
    }
}

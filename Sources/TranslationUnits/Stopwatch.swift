import Foundation

/// Wall-clock time since the model was asked for. With FTRLINT_TIMINGS set, notes of what took how long
/// go to stderr when the model is done (scripts/bench): stderr is silenced while libclang parses.
public final class Stopwatch: @unchecked Sendable {
    public let start = Date()
    private let enabled = ProcessInfo.processInfo.environment["FTRLINT_TIMINGS"].map { !$0.isEmpty && $0 != "0" } ?? false
    private let lock = NSLock()
    private var notes: [String] = []

    public init() {}

    public var seconds: Double { Date().timeIntervalSince(start) }

    public func note(_ text: @autoclosure () -> String) {
        guard enabled else { return }
        let line = String(format: "ftrlint: timing: %7.3f s %5d MiB  ", seconds, Self.residentMiB()) + text() + "\n"
        lock.lock()
        notes.append(line)
        lock.unlock()
    }

    /// CPU time of the calling thread, in seconds.
    public static func threadCPU() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Resident memory now (/proc/self/statm), 0 where there is no such file.
    private static func residentMiB() -> Int {
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        let text = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
        let pages = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return (pages * Int(sysconf(Int32(_SC_PAGESIZE)))) >> 20
    }

    deinit {
        if !notes.isEmpty { FileHandle.standardError.write(Data(notes.joined().utf8)) }
    }
}

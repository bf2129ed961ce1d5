import Dispatch
import Foundation

/// Bounds a run's resources: wall-clock time (`--timeout`) and resident memory (`--memory-limit`). When a
/// bound is passed, one error line goes to stderr and the process ends with exit status 2 at once, whatever
/// libclang or the interpreter is doing (a tree can make libclang read a device file without end).
enum Watchdog {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var timers: [DispatchSourceTimer] = []
    /// A copy of stderr taken when armed: the line still reaches the user if stderr is redirected later.
    nonisolated(unsafe) private static var errorFD: Int32 = STDERR_FILENO
    /// What the run is waiting for outside ftrlint (git, stdin), said in the error line.
    nonisolated(unsafe) private static var activity: String?
    /// Child processes running now: killed before exiting, so a hung git does not outlive the run.
    nonisolated(unsafe) private static var children: Set<Int32> = []

    /// Arms the watchdog: `seconds` from now (nil: no time limit), `memoryMiB` of resident memory (nil: none).
    /// Arming again replaces the earlier bounds.
    static func start(seconds: Double?, memoryMiB: Int?) {
        lock.lock()
        defer { lock.unlock() }
        timers.forEach { $0.cancel() }
        timers = []
        if errorFD == STDERR_FILENO { errorFD = max(dup(STDERR_FILENO), STDERR_FILENO) }
        let queue = DispatchQueue.global(qos: .userInteractive)
        if let seconds, seconds > 0, seconds.isFinite {
            let shown = seconds == seconds.rounded() && seconds < 1e15 ? String(Int64(seconds)) : String(seconds)
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + seconds, leeway: .milliseconds(50))
            timer.setEventHandler {
                lock.lock()
                let waiting = activity
                lock.unlock()
                fail("analysis exceeded \(shown) s (--timeout)" + (waiting.map { " while \($0)" } ?? ""))
            }
            timers.append(timer)
        }
        if let memoryMiB, memoryMiB > 0 {
            let limitPages =
                memoryMiB.multipliedReportingOverflow(by: 1 << 20).partialValue / max(Int(sysconf(Int32(_SC_PAGESIZE))), 1)
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now(), repeating: .milliseconds(100), leeway: .milliseconds(20))
            timer.setEventHandler {
                if let pages = residentPages(), pages > limitPages { fail("analysis exceeded \(memoryMiB) MiB of memory") }
            }
            timers.append(timer)
        }
        timers.forEach { $0.resume() }
    }

    /// Runs `body`, which waits on something outside ftrlint (`what`: "waiting for git", "reading the patch on
    /// stdin"): the error line names it if the time runs out meanwhile.
    static func during<T>(_ what: String, _ body: () throws -> T) rethrows -> T {
        lock.lock()
        let outer = activity
        activity = what
        lock.unlock()
        defer {
            lock.lock()
            activity = outer
            lock.unlock()
        }
        return try body()
    }

    /// Marks `pid` as a child to kill if a bound is passed while it runs; released once it has ended.
    static func adopt(_ pid: Int32) {
        lock.lock()
        children.insert(pid)
        lock.unlock()
    }
    static func release(_ pid: Int32) {
        lock.lock()
        children.remove(pid)
        lock.unlock()
    }

    /// write(2) and _exit(2): no buffered I/O, no atexit handlers or C++ destructors racing the threads
    /// libclang is still parsing on.
    private static func fail(_ message: String) -> Never {
        lock.lock()
        for pid in children where pid > 0 { kill(pid, SIGKILL) }
        lock.unlock()
        let line = Array("ftrlint: error: \(message)\n".utf8)
        line.withUnsafeBytes { _ = write(errorFD, $0.baseAddress, $0.count) }
        _exit(2)
    }

    /// Resident set size in pages, from /proc/self/statm (nil where there is none).
    private static func residentPages() -> Int? {
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        let fields = String(decoding: buffer[0..<n], as: UTF8.self).split(separator: " ")
        return fields.count > 1 ? Int(fields[1]) : nil
    }
}

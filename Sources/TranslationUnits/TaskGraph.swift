import Dispatch
import Foundation

/// Tasks with dependencies, run on as many threads as the machine has cores. A ready task is taken by
/// `order` (lowest first, then as added); a task may wait for another, helping with ready work meanwhile.
/// Each task's wall and CPU time is noted on the clock.
public final class TaskGraph: @unchecked Sendable {
    /// A task, by the order it was added in.
    public typealias ID = Int

    private struct Task {
        let name: String
        let after: [ID]
        let order: Int
        let body: () -> Void
        var started = false
        var done = false
    }

    private let condition = NSCondition()
    private var tasks: [Task] = []
    private let clock: Stopwatch

    public init(clock: Stopwatch) { self.clock = clock }

    /// Adds a task that runs once every task in `after` is done.
    @discardableResult
    public func add(_ name: String, after: [ID] = [], order: Int = 0, _ body: @escaping () -> Void) -> ID {
        tasks.append(Task(name: name, after: after, order: order, body: body))
        return tasks.count - 1
    }

    /// Runs every task, on up to one thread per core.
    public func run() {
        let threads = max(1, min(ProcessInfo.processInfo.activeProcessorCount, tasks.count))
        DispatchQueue.concurrentPerform(iterations: threads) { _ in work(until: nil) }
        tasks.removeAll()
    }

    /// Blocks until task `target` is done, running ready tasks in the meantime (from inside a task).
    public func wait(for target: ID) { work(until: target) }

    private func work(until target: ID?) {
        condition.lock()
        while true {
            if let target, tasks[target].done { break }
            if target == nil, tasks.allSatisfy(\.done) { break }
            guard let next = ready() else {
                // Nothing to take: a running task will finish (tasks form no cycle) and signal.
                condition.wait()
                continue
            }
            tasks[next].started = true
            let task = tasks[next]
            condition.unlock()
            let start = clock.seconds, cpu = Stopwatch.threadCPU()
            task.body()
            clock.note(
                task.name
                    + String(
                        format: " %.3f s (cpu %.3f s), from %.3f", clock.seconds - start,
                        Stopwatch.threadCPU() - cpu, start))
            condition.lock()
            tasks[next].done = true
            condition.broadcast()
        }
        condition.unlock()
    }

    /// The ready task to run next: not started, everything it waits for done, lowest `order` first.
    private func ready() -> ID? {
        var best: ID?
        for id in tasks.indices where !tasks[id].started && tasks[id].after.allSatisfy({ tasks[$0].done }) {
            if best == nil || tasks[id].order < tasks[best!].order { best = id }
        }
        return best
    }
}

import Foundation

/// Tells the requests a `SandboxServer` is holding (the injected `--latency`) that the server is
/// stopping, so that they answer at once instead of keeping the shutdown waiting.
///
/// ```swift
/// let stopping = SandboxStopSignal()
/// if await !stopping.sleep(milliseconds: 3000) { /* stopped early: answer 503 */ }
/// stopping.trigger()   // from stop(); every sleep in progress returns false
/// ```
final class SandboxStopSignal: Sendable {
    private struct State: Sendable {
        var triggered = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Locked(State())

    /// Wakes every waiter, now and later.
    func trigger() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.triggered = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Sleeps `milliseconds`; returns `false` when the signal came (or the task was cancelled) first.
    func sleep(milliseconds: Int) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await Task.sleep(for: .milliseconds(milliseconds))) != nil }
            group.addTask {
                await self.wait()
                return false
            }
            let slept = await group.next() ?? false
            group.cancelAll()
            return slept
        }
    }

    /// Returns once the signal is triggered or the calling task is cancelled.
    private func wait() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.triggered || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}

import Foundation
import Hosting
import Testing

/// The lock both state stores write: who holds it, and when a holder that is gone can be replaced.
@Suite("state lock")
struct StateLockTests {
    /// The PID of a process of this host that has exited and been reaped.
    static func goneProcessID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exit 0"]
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func aHolderIsGoneOnlyWhenItsProcessOnThisHostHasExited() throws {
        let mine = LockInfo.forThisProcess(path: "state.json", operation: "apply")
        #expect(mine.pid == ProcessInfo.processInfo.processIdentifier)
        #expect(!mine.holderIsGone)

        var gone = mine
        gone.pid = try Self.goneProcessID()
        #expect(gone.holderIsGone)

        var elsewhere = gone
        elsewhere.host = "another-host.invalid"
        #expect(!elsewhere.holderIsGone, "a process of another host cannot be checked, so its lock is waited for")
    }

    @Test func encodedLocksReadBackAndOtherBytesAreNotLocks() throws {
        let lock = LockInfo.forThisProcess(path: "redis://127.0.0.1:6379/0 ballast:p:e:state", operation: "apply")
        let decoded = try #require(LockInfo.decode(try lock.encoded()))
        #expect(decoded.id == lock.id && decoded.who == lock.who && decoded.path == lock.path)
        #expect(abs(decoded.created.timeIntervalSince(lock.created)) < 1)
        #expect(LockInfo.decode(Data("not a lock".utf8)) == nil)
    }

    @Test func theFileStoreTakesOverTheLockOfAProcessThatIsGone() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ballast-lock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = LocalStateStore(path: folder.appendingPathComponent("state.json").path)

        var stale = LockInfo.forThisProcess(path: store.path, operation: "apply")
        stale.pid = try Self.goneProcessID()
        try stale.encoded().write(to: URL(fileURLWithPath: store.lockPath))
        let lock = try await store.lock(operation: "apply", timeout: 0)
        #expect(lock.info.id != stale.id)
        lock.release()

        // A live holder (this process, another lock) is not taken over.
        let held = try await store.lock(operation: "apply", timeout: 0)
        defer { held.release() }
        await #expect(throws: StateStoreError.self) { _ = try await store.lock(operation: "apply", timeout: 0) }
    }
}

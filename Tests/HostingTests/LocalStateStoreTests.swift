import Foundation
import Hosting
import Planning
import Testing

/// The state file refuses a write that does not follow what it holds, as the Redis store does.
@Suite("State in a file")
struct LocalStateStoreTests {
    static func state(serial: Int, lineage: String = "lineage-1") -> BallastState {
        var state = BallastState(lineage: lineage, project: "shop", environment: "production")
        state.serial = serial
        state.resources = [StateResource(kind: .service, name: "api", id: "srv-0", values: [Attribute("plan", .string("standard"))],
                                         updatedAt: "2026-11-30T00:00:00Z")]
        return state
    }

    @Test("a write is refused when the serial in the file moved since the read, skips one, or the lineage differs")
    func staleSerialRefused() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ballast-state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = LocalStateStore(path: folder.appendingPathComponent("state.json").path)
        let first = try #require(throws: StateStoreError.self) { try store.save(Self.state(serial: 2)) }
        #expect(first.message.contains("refused to write serial 2: there is no state file"), "\(first)")
        try store.save(Self.state(serial: 1))

        // Two writers read serial 1; the other writes 2 first.
        var mine = try #require(try store.load())
        var theirs = try #require(try store.load())
        mine.serial += 1
        theirs.serial += 1
        theirs.resources[0].id = "srv-theirs"
        try store.save(theirs)
        let error = try #require(throws: StateStoreError.self) { try store.save(mine) }
        #expect(error.operation == "write-state")
        #expect(error.location == store.path)
        #expect(error.message.contains("refused to write serial 2: the stored serial is 2, not 1"), "\(error)")
        #expect(error.message.contains("stale"))
        #expect(try store.load() == theirs)

        mine.serial = 4
        let skipped = try #require(throws: StateStoreError.self) { try store.save(mine) }
        #expect(skipped.message.contains("the stored serial is 2, not 3"), "\(skipped)")
        let foreign = try #require(throws: StateStoreError.self) { try store.save(Self.state(serial: 3, lineage: "lineage-2")) }
        #expect(foreign.message.contains("lineage lineage-1, not lineage-2"), "\(foreign)")
        #expect(try store.load() == theirs)

        // The writer that follows is accepted, as every write of an apply is.
        var next = theirs
        next.serial = 3
        try store.save(next)
        #expect(try store.load()?.serial == 3)
    }
}

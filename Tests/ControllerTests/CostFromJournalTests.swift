import Blueprint
import Controller
import Costing
import Foundation
import RedisClient
import TestSupport
import Testing

/// `ballast cost --journal redis://…` reads the controller's journal stream from a real Redis and
/// comes to the same actuals, to the cent, as the same records in a JSON-lines file.
@Suite("cost from the journal stream", .serialized)
struct CostFromJournalTests {
    static func date(_ day: Int, _ hour: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: 2026, month: 11, day: day, hour: hour))!
    }

    static func record(_ at: Date, from: Int, to: Int, action: String, acted: Bool = true) -> DecisionRecord {
        DecisionRecord(entry: JournalEntry(at: at, project: "qc-platform", environment: "production", service: "worker", plan: "starter",
                                           from: from, to: to, reason: "queue depth test", rule: "queue-worker/depth", acted: acted),
                       action: action)
    }

    @Test func streamAndFileGiveTheSameActualsToTheCent() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        // Worker: 2 instances from the 1st, 4 from the 3rd 12:00, 1 from the 5th; now is the 11th 00:00.
        let records = [
            Self.record(Self.date(1), from: 2, to: 2, action: "start", acted: false),
            Self.record(Self.date(3, 12), from: 2, to: 4, action: "scale_up"),
            Self.record(Self.date(5), from: 4, to: 1, action: "scale_down"),
            // Another environment's record in the same stream is skipped, not counted.
            DecisionRecord(entry: JournalEntry(at: Self.date(4), project: "qc-platform", environment: "development", service: "worker",
                                               plan: "starter", from: 1, to: 9, reason: "other", acted: true), action: "scale_up"),
        ]
        let redis = try RedisClient(url: server.url)
        try await RedisStreamJournal(redis: redis, key: "ballast:qc-platform:production:journal").append(records)
        await redis.close()

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ballast-journal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("journal.jsonl").path
        try await FileJournal(path: file).append(records)

        let common = ["cost", "blueprints/qc-platform.yaml", "--env", "production", "--now", "2026-11-11T00:00:00Z", "--format", "json"]
        let fromStream = try await BallastBinary.run(common + ["--journal", server.url])
        #expect(fromStream.status == 0, "\(fromStream.stderr)")
        let fromFile = try await BallastBinary.run(common + ["--journal", file])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromStream.stdout == fromFile.stdout)

        let document = try jsonObject(fromStream.stdout)
        let actuals = try #require(document["actuals"] as? [String: Any])
        #expect(actuals["entries_ignored"] as? Int == 1)
        let services = try #require(actuals["services"] as? [[String: Any]])
        let worker = try #require(services.first { $0["name"] as? String == "worker" })
        #expect(worker["source"] as? String == "journal")
        #expect(worker["current_instances"] as? Int == 1)

        // Known instance-seconds x the catalog's per-second price, rounded to the cent once.
        let instanceSeconds: Int = 2 * 216_000 + 4 * 129_600 + 518_400
        let seconds = Decimal(instanceSeconds)
        let catalog = Catalog.builtin()
        let monthly = Decimal(string: String(catalog.computePlan(named: "starter")!.monthly))!
        let perSecond = monthly / (Decimal(string: String(catalog.hoursPerMonth))! * 3600)
        var expected = seconds * perSecond
        var rounded = Decimal()
        NSDecimalRound(&rounded, &expected, 2, .plain)
        let plans = try #require(worker["plans"] as? [[String: Any]])
        #expect(plans.count == 1)
        #expect(plans.first?["instance_seconds"] as? Double == Double(instanceSeconds))
        #expect(Decimal(string: worker["spend"] as? String ?? "") == rounded)
    }

    @Test func anUnreachableStreamIsAClearError() async throws {
        let port = try freePort()
        let result = try await BallastBinary.run(["cost", "blueprints/qc-platform.yaml", "--env", "production",
                                                  "--journal", "redis://127.0.0.1:\(port)/0"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot read the journal stream ballast:qc-platform:production:journal"), "\(result.stderr)")
    }
}

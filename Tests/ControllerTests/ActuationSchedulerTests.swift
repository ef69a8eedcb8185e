import Controller
import Costing
import Foundation
import Testing

@Suite("Actuation under Render's write budgets")
struct ActuationSchedulerTests {
    let start = Date(timeIntervalSince1970: 1_900_000_000)

    @Test("the most urgent changes go first when the budget is short")
    func urgentFirst() {
        var scheduler = ActuationScheduler(limits: .init(writesPerMinute: 2), now: start)
        let changes = [
            PlannedChange(service: "a-down", serviceId: "srv-1", from: 4, to: 3, urgency: .scaleDown),
            PlannedChange(service: "b-floor", serviceId: "srv-2", from: 1, to: 2, urgency: .scaleUp),
            PlannedChange(service: "c-breach", serviceId: "srv-3", from: 2, to: 4, urgency: .breach, weight: 1),
        ]
        let (admitted, deferred) = scheduler.admit(changes, now: start)
        #expect(admitted.map(\.service) == ["c-breach", "b-floor"])
        #expect(deferred.map(\.0.service) == ["a-down"])
        #expect(deferred.first?.1 == .userBudget)
    }

    @Test("about 30 writes a minute per API key, refilled over the minute")
    func userBucket() {
        var scheduler = ActuationScheduler(now: start)
        let changes = (0..<40).map { PlannedChange(service: "s\($0)", serviceId: "srv-\($0)", from: 1, to: 2, urgency: .scaleUp) }
        let first = scheduler.admit(changes, now: start).admitted.count
        let again = scheduler.admit(changes, now: start).admitted.count
        // 20 s later a third of the budget is back.
        let later = scheduler.admit(changes, now: start.addingTimeInterval(20)).admitted.count
        #expect(first == 30 && again == 0 && later == 10)
    }

    @Test("about 10 scale calls a minute per service")
    func serviceBucket() {
        var scheduler = ActuationScheduler(now: start)
        let change = PlannedChange(service: "worker", serviceId: "srv-w", from: 1, to: 2, urgency: .breach)
        var admitted = 0
        for second in 0..<12 {
            admitted += scheduler.admit([change], now: start.addingTimeInterval(Double(second) * 0.1)).admitted.count
        }
        #expect(admitted == 10)
        let (_, deferred) = scheduler.admit([change], now: start.addingTimeInterval(1.2))
        #expect(deferred.first?.1 == .serviceBudget)
    }

    @Test("a failed call backs off, a 429 drains the key's budget, and the change is retried later")
    func backoff() {
        var scheduler = ActuationScheduler(now: start)
        let change = PlannedChange(service: "worker", serviceId: "srv-w", from: 2, to: 5, urgency: .breach)
        let admittedFirst = scheduler.admit([change], now: start).admitted.count
        #expect(admittedFirst == 1)
        scheduler.record(change, outcome: .failed(status: 429), now: start)
        let tokens = scheduler.userTokens(now: start)
        #expect(tokens < 1)
        let (_, deferred) = scheduler.admit([change], now: start.addingTimeInterval(1))
        if case .backoff = deferred.first?.1 {} else { Issue.record("expected a backoff, got \(String(describing: deferred.first?.1))") }
        let retried = scheduler.admit([change], now: start.addingTimeInterval(6)).admitted.count
        #expect(retried == 1)
        scheduler.record(change, outcome: .succeeded, now: start.addingTimeInterval(6))
        let next = scheduler.admit([change], now: start.addingTimeInterval(7)).admitted.count
        #expect(next == 1)
    }

    @Test("a token bucket refills continuously and never above its capacity")
    func tokenBucket() {
        var bucket = TokenBucket(capacity: 10, period: 60, now: start)
        var taken = 0
        for _ in 0..<12 where bucket.take(now: start) { taken += 1 }
        #expect(taken == 10)
        let wait = bucket.wait(now: start)
        #expect(abs(wait - 6) < 0.001)
        let later = bucket.take(now: start.addingTimeInterval(6))
        #expect(later)
        let full = bucket.available(now: start.addingTimeInterval(3600))
        #expect(full == 10)
    }
}

@Suite("Journal records")
struct DecisionRecordTests {
    @Test("a record is a JournalEntry object with the explanation beside it, and reads back")
    func roundTrip() throws {
        let entry = JournalEntry(at: Date(timeIntervalSince1970: 1_900_000_000), project: "qc-platform", environment: "production",
                                 service: "worker", plan: "starter", from: 2, to: 5, reason: "'queue_depth per instance 100' proposes 5",
                                 rule: "queue-worker/queue_depth per instance 100", acted: true, monthlyDelta: Money(21))
        let record = DecisionRecord(entry: entry, action: "scale_up", codes: ["Proposal"], reasons: ["Proposal: proposes 5"],
                                    inputs: ["queue_depth": "500"], fencingToken: 3, controller: "host-1")
        let line = record.encodedLine()
        // `ballast cost` reads the same line as a plain journal entry.
        let plain = try JournalEntry.decode(line)
        #expect(plain == entry)
        #expect(line.contains("\"monthly_delta\":\"21.00\""))
        #expect(line.contains("\"inputs\":{\"queue_depth\":\"500\"}"))
        let back = try DecisionRecord.decode(line)
        #expect(back == record)
    }

    @Test("a file journal appends lines and filters by service and time")
    func fileJournal() async throws {
        let path = NSTemporaryDirectory() + "ballast-journal-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let journal = FileJournal(path: path)
        let base = Date(timeIntervalSince1970: 1_900_000_000)
        for (offset, service) in [(0.0, "worker"), (60, "backend-api"), (120, "worker")] {
            let entry = JournalEntry(at: base.addingTimeInterval(offset), service: service, plan: "starter", from: 2, to: 3, reason: "r", acted: true)
            try await journal.append([DecisionRecord(entry: entry, action: "scale_up")])
        }
        let all = try await journal.read(since: nil, service: nil)
        #expect(all.count == 3)
        let recentWorker = try await journal.read(since: base.addingTimeInterval(30), service: "worker")
        #expect(recentWorker.map(\.entry.at) == [base.addingTimeInterval(120)])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let decoded = JournalEntry.decodeLines(text)
        #expect(decoded.entries.count == 3 && decoded.errors.isEmpty)
    }
}

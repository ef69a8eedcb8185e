import Costing
import Foundation
import Testing

@Suite("Journal format")
struct JournalEntryTests {
    @Test func roundTripsAsSnakeCaseJSONLines() throws {
        let entry = JournalEntry(at: Fixture.date(3, 14, 5), environment: "production", service: "worker", plan: "starter",
                                 from: 2, to: 4, reason: "queue depth 340 > 100 for 2m", rule: "queue-worker/depth", acted: true,
                                 monthlyDelta: Money(14))
        let line = entry.encodedLine()
        #expect(line == #"{"acted":true,"at":"2026-11-03T14:05:00Z","environment":"production","from":2,"monthly_delta":"14.00","plan":"starter","reason":"queue depth 340 > 100 for 2m","rule":"queue-worker/depth","service":"worker","to":4}"#)
        #expect(try JournalEntry.decode(line) == entry)
    }

    @Test func fractionalSecondsAndSnakeCaseKeys() throws {
        let entry = try JournalEntry.decode(#"{"at":"2026-11-03T14:05:00.250Z","service":"api","plan":"pro","from_plan":"standard","from":2,"to":2,"reason":"r","acted":true,"dry_run":false,"extra":1}"#)
        #expect(entry.at == Fixture.date(3, 14, 5).addingTimeInterval(0.25))
        #expect(entry.fromPlan == "standard")
        #expect(entry.dryRun == false)
        #expect(entry.changedSomething)
        #expect(try JournalEntry.decode(entry.encodedLine()) == entry)
    }

    @Test func badLinesAreReportedAndSkipped() {
        let text = """
        {"at":"2026-11-03T14:05:00Z","service":"worker","plan":"starter","from":1,"to":2,"reason":"r","acted":true}

        not json
        {"at":"yesterday","service":"worker","plan":"starter","from":1,"to":2,"reason":"r","acted":true}
        {"at":"2026-11-03T14:05:00Z","service":"worker","plan":"starter","to":2,"reason":"r","acted":true}
        """
        let (entries, errors) = JournalEntry.decodeLines(text)
        #expect(entries.count == 1)
        #expect(errors.map(\.line) == [3, 4, 5])
        #expect(errors[2].message.contains("from"))
    }
}

@Suite("Money")
struct MoneyTests {
    @Test(arguments: [("1234.5", "$1,234.50"), ("-3", "-$3.00"), ("0.004", "$0.00"), ("0.005", "$0.01"), ("1000000", "$1,000,000.00")])
    func formatting(text: String, expected: String) {
        #expect(Money(string: text)!.formatted == expected)
    }

    @Test func catalogDoublesAreExactDecimals() {
        #expect(Money(catalog: 0.3).amount * 3 == Decimal(string: "0.9"))
        #expect(Money(catalog: 2.5).decimalString == "2.50")
        #expect(Money(string: "0.00036")!.unitPriceFormatted == "$0.00036")
    }
}

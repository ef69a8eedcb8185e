import Foundation
import Testing
@testable import Simulation

@Suite("Trace loading")
struct TraceTests {
    @Test func readsHeaderBlankLinesCommentsAndCRLF() throws {
        let csv = "timestamp,value\r\n\r\n# a comment\n2024-01-01T00:00:00Z,10\r\n2024-01-01T00:01:00Z, 20\n\n2024-01-01T00:02:00Z,30\n"
        let trace = try Trace.parse(csv, name: "t")
        #expect(trace.interval == 60)
        #expect(trace.values == [10, 20, 30])
        #expect(trace.start == Date(timeIntervalSince1970: 1_704_067_200))
    }

    @Test(arguments: [
        ("2024-01-01T00:00:00Z,1\n2024-01-01T00:01:00Z,abc\n", 2, "'abc' is not a number"),
        ("timestamp,value\n2024-01-01T00:00:00Z,1\nyesterday,2\n", 3, "'yesterday' is not a timestamp"),
        ("2024-01-01T00:01:00Z,1\n2024-01-01T00:00:00Z,2\n", 2, "earlier than line 1"),
        ("2024-01-01T00:00:00Z,1\n2024-01-01T00:00:00Z,2\n", 2, "repeats line 1"),
        ("2024-01-01T00:00:00Z,1\n2024-01-01T00:01:00Z,-4\n", 2, "negative"),
        ("2024-01-01T00:00:00Z,1\njust one field\n", 2, "expected `timestamp,value`"),
    ])
    func badRowsNameTheirLine(csv: String, line: Int, message: String) {
        #expect {
            _ = try Trace.parse(csv, name: "bad.csv")
        } throws: { error in
            guard let error = error as? TraceError else { return false }
            return error.line == line && error.message.contains(message) && error.description.hasPrefix("bad.csv:\(line): ")
        }
    }

    @Test func countsTheOtherBadRows() {
        let csv = "timestamp,value\n2024-01-01T00:00:00Z,x\n2024-01-01T00:01:00Z,y\n2024-01-01T00:02:00Z,z\n"
        #expect(throws: TraceError(trace: "b", line: 2, message: "'x' is not a number (and 2 more bad rows: lines 3, 4)")) {
            try Trace.parse(csv, name: "b")
        }
    }

    @Test func emptyAndSingleRowTracesAreErrors() {
        #expect(throws: TraceError.self) { try Trace.parse("timestamp,value\n", name: "e") }
        #expect(throws: TraceError.self) { try Trace.parse("2024-01-01T00:00:00Z,3\n", name: "e") }
    }

    @Test func timestampsInSeveralSpellings() {
        #expect(Trace.parseTimestamp("1970-01-01T00:00:00Z") == 0)
        #expect(Trace.parseTimestamp("1995-07-01T04:00:00Z") == 804_571_200)
        #expect(Trace.parseTimestamp("1995-07-01 04:00:00") == 804_571_200)
        #expect(Trace.parseTimestamp("1995-07-01T06:00:00+02:00") == 804_571_200)
        #expect(Trace.parseTimestamp("1995-07-01T04:00:00.5Z") == 804_571_200.5)
        #expect(Trace.parseTimestamp("804571200") == 804_571_200)
        #expect(Trace.parseTimestamp("1995-13-01T00:00:00Z") == nil)
        #expect(Trace.parseTimestamp("soon") == nil)
    }

    @Test func resamplingSumsAndSpreads() throws {
        let trace = Trace(name: "t", start: Date(timeIntervalSince1970: 0), interval: 60, values: [60, 120, 0, 30])
        #expect(trace.resampled(to: 120).values == [180, 30])
        #expect(trace.resampled(to: 15).values == [15, 15, 15, 15, 30, 30, 30, 30, 0, 0, 0, 0, 7.5, 7.5, 7.5, 7.5])
        #expect(trace.resampled(to: 90).values == [120, 60, 30])
        #expect(trace.resampled(to: 15).total == trace.total)
    }

    @Test func irregularRowsAndGapsKeepTheirPlace() throws {
        // Step 60 s (median); the 180 s gap after the third row carries nothing.
        let csv = """
        timestamp,value
        2024-01-01T00:00:00Z,6
        2024-01-01T00:01:00Z,6
        2024-01-01T00:02:00Z,6
        2024-01-01T00:05:00Z,6
        2024-01-01T00:06:00Z,6
        """
        let trace = try Trace.parse(csv, name: "gap")
        #expect(trace.interval == 60)
        #expect(trace.values == [6, 6, 6, 0, 0, 6, 6])
    }
}

import Costing
import Foundation

enum JournalEntryFixture {
    static func entry(at: Date, service: String, from: Int = 2, to: Int = 3) -> JournalEntry {
        JournalEntry(at: at, project: "qc-platform", environment: "production", service: service, plan: "starter",
                     from: from, to: to, reason: "test", acted: true)
    }
}

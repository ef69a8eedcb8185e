import Blueprint
import Costing
import Foundation
import Testing

@Suite("Usage file")
struct UsageTests {
    let estimator = CostEstimator(catalog: Fixture.catalog)

    static let text = """
    version: 1
    services:
      ai-service:
        tokens:
          gpt-4o: { input: 40M, output: 8M }
          gpt-4o-mini: { input: 200_000_000, output: 0 }
        requests:
          - { name: chat, monthly: 300k, model: gpt-4.1-mini, inputTokens: 1200, outputTokens: 300 }
          - { name: moderation, monthly: 1M, costPerRequest: 0.0002 }
    """

    @Test func parses() throws {
        let (usage, diagnostics) = UsageFile.parse(Self.text, file: "usage.yml")
        #expect(diagnostics.items.isEmpty)
        let ai = try #require(usage?.service(named: "ai-service"))
        #expect(ai.tokens == [.init(model: "gpt-4o", input: 40_000_000, output: 8_000_000), .init(model: "gpt-4o-mini", input: 200_000_000, output: 0)])
        #expect(ai.requests[0].monthly == 300_000)
        #expect(ai.requests[1].pricing == .perRequest(Money(string: "0.0002")!))
    }

    @Test func addsTheRightTokenCosts() throws {
        let usage = try #require(UsageFile.parse(Self.text, file: "usage.yml").0)
        let env = Fixture.production()
        let without = estimator.project(env)
        let with = estimator.project(env, usage: usage)

        let catalog = Fixture.catalog
        let gpt4o = catalog.model(named: "gpt-4o")!, mini = catalog.model(named: "gpt-4o-mini")!, small = catalog.model(named: "gpt-4.1-mini")!
        let tokenCost = 40 * Decimal.exact(gpt4o.inputPerMillion) + 8 * Decimal.exact(gpt4o.outputPerMillion) + 200 * Decimal.exact(mini.inputPerMillion)
        let perChat = (1200 * Decimal.exact(small.inputPerMillion) + 300 * Decimal.exact(small.outputPerMillion)) / 1_000_000
        let requestCost = (300_000 * perChat).rounded(scale: 2) + (1_000_000 * Decimal(string: "0.0002")!)

        #expect(with.totals.expected.amount - without.totals.expected.amount == tokenCost + requestCost)
        #expect(with.totals.max.amount - without.totals.max.amount == tokenCost + requestCost)
        #expect(with.usageTotal.amount == tokenCost + requestCost)
        // Zero-token lines are left out; every line is usage-based.
        #expect(with.usage.count == 5)
        #expect(with.lineItems.filter { $0.category == .usage }.allSatisfy { $0.kind == .usage })
        let chat = with.usage.first { $0.name.hasPrefix("chat") }!
        #expect(chat.unitPrice.amount == perChat)
    }

    @Test(arguments: [("40M", Decimal(40_000_000)), ("300k", Decimal(300_000)), ("1_000_000", Decimal(1_000_000)),
                      ("1.5B", Decimal(1_500_000_000)), ("0.0002", Decimal(string: "0.0002")!)])
    func quantities(text: String, value: Decimal) {
        #expect(UsageFile.parseQuantity(text) == value)
    }

    @Test func problemsAreDiagnostics() {
        let (usage, diagnostics) = UsageFile.parse("""
        services:
          ai-service:
            tokns: {}
            requests:
              - { name: x, monthly: lots, costPerRequest: 1 }
              - { name: y, monthly: 10 }
        """, file: "usage.yml")
        #expect(usage == nil)
        #expect(diagnostics.errorCount == 3)
        #expect(diagnostics.items.contains { $0.detail.contains("Did you mean `tokens`?") })
        #expect(diagnostics.items.allSatisfy { $0.range?.filename == "usage.yml" })
    }

    @Test func unknownServicesAndModelsAreNoted() {
        let usage = UsageFile(services: [.init(name: "ghost", tokens: [.init(model: "gpt-4o", input: 1_000_000, output: 0)]),
                                         .init(name: "ai-service", tokens: [.init(model: "gpt-9", input: 1_000_000, output: 0)])])
        let projection = estimator.project(Fixture.production(), usage: usage)
        #expect(projection.notes.contains { $0.contains("ghost") })
        #expect(projection.notes.contains { $0.contains("gpt-9") })
        #expect(projection.usage.count == 1)
    }
}

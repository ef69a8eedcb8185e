import Blueprint
import Foundation

/// Monthly usage that some costs depend on, in the spirit of Infracost's `infracost-usage.yml`:
/// AI tokens per model, requests with a cost each, and run hours for cron jobs or part-time services.
///
/// ```yaml
/// version: 1
/// services:
///   ai-service:
///     tokens:                        # AI tokens per month, by catalog model
///       gpt-4o: { input: 40M, output: 8M }
///     requests:                      # requests per month, each priced by tokens or by a flat cost
///       - { name: chat, monthly: 300k, model: gpt-4o-mini, inputTokens: 1200, outputTokens: 300 }
///       - { name: moderation, monthly: 1M, costPerRequest: 0.0002 }
///   nightly-report:
///     hours: 20                      # run hours per month (a cron job's run time)
/// ```
///
/// Quantities accept `k`, `M` and `B` suffixes and underscores (`40M`, `300k`, `1_000_000`).
public struct UsageFile: Sendable, Equatable {
    /// Tokens per month sent to and received from one model.
    public struct Tokens: Sendable, Equatable {
        public var model: String
        public var input: Decimal
        public var output: Decimal

        public init(model: String, input: Decimal, output: Decimal) {
            self.model = model
            self.input = input
            self.output = output
        }
    }

    /// Requests per month with what each one costs.
    public struct Requests: Sendable, Equatable {
        public enum Pricing: Sendable, Equatable {
            /// A flat price per request (a third-party API, an external function).
            case perRequest(Money)
            /// Tokens per request at a catalog model's prices (an AI call).
            case tokens(model: String, input: Decimal, output: Decimal)
        }

        public var name: String
        public var monthly: Decimal
        public var pricing: Pricing

        public init(name: String, monthly: Decimal, pricing: Pricing) {
            self.name = name
            self.monthly = monthly
            self.pricing = pricing
        }
    }

    public struct Service: Sendable, Equatable {
        public var name: String
        public var tokens: [Tokens]
        public var requests: [Requests]
        /// Hours per month the service runs (instead of the whole month).
        public var hours: Decimal?

        public init(name: String, tokens: [Tokens] = [], requests: [Requests] = [], hours: Decimal? = nil) {
            self.name = name
            self.tokens = tokens
            self.requests = requests
            self.hours = hours
        }
    }

    public var services: [Service]

    public init(services: [Service] = []) {
        self.services = services
    }

    public func service(named name: String) -> Service? {
        services.first { $0.name == name }
    }

    /// Reads a usage file; every problem becomes a diagnostic with its line and column.
    public static func parse(_ text: String, file: String) -> (UsageFile?, Diagnostics) {
        let document = YAMLReader.parse(text)
        var decoder = NodeDecoder(file: file)
        for problem in document.problems {
            decoder.diagnostics.append(Diagnostic(.error, problem.summary, detail: problem.detail, path: "",
                                                  range: problem.mark.map { .init(filename: file, start: $0) }))
        }
        guard let root = document.root else {
            if document.problems.isEmpty { return (UsageFile(), decoder.diagnostics) }
            return (nil, decoder.diagnostics)
        }
        let usage = decoder.usageFile(root)
        return (decoder.diagnostics.hasErrors ? nil : usage, decoder.diagnostics)
    }

    /// `40M` → 40000000, `300k` → 300000, `1.5B`, `1_000_000`, `0.0002`.
    public static func parseQuantity(_ text: String) -> Decimal? {
        var body = text.trimmingCharacters(in: .whitespaces).filter { $0 != "_" && $0 != "," }
        var multiplier: Decimal = 1
        switch body.last {
        case "k", "K": multiplier = 1_000
        case "M", "m": multiplier = 1_000_000
        case "B", "b", "G": multiplier = 1_000_000_000
        default: break
        }
        if multiplier != 1 { body.removeLast() }
        guard !body.isEmpty, body.allSatisfy({ $0.isNumber || $0 == "." }), body.filter({ $0 == "." }).count <= 1,
              let value = Decimal(string: body, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
        return value * multiplier
    }
}

extension NodeDecoder {
    mutating func usageFile(_ root: YAMLNode) -> UsageFile {
        var usage = UsageFile()
        guard let top = mapping(root, path: "", allowed: ["version", "services"]) else { return usage }
        if let v = top.present("version"), let text = string(v, path: "version"), !["1", "0.1"].contains(text) {
            error("Unsupported version", "This Ballast reads usage files of version 1, found '\(text)'.", path: "version", at: v)
        }
        guard let services = top.present("services").flatMap({ mapping($0, path: "services") }) else { return usage }
        for entry in services.entries {
            let path = Self.join("services", entry.key)
            guard let fields = mapping(entry.value, path: path, allowed: ["tokens", "requests", "hours"]) else { continue }
            var service = UsageFile.Service(name: entry.key)
            if let node = fields.present("tokens"), let models = mapping(node, path: path + ".tokens") {
                for model in models.entries {
                    let p = Self.join(path + ".tokens", model.key)
                    guard let m = mapping(model.value, path: p, allowed: ["input", "output"]) else { continue }
                    let input = m.present("input").flatMap { quantity($0, path: p + ".input") } ?? 0
                    let output = m.present("output").flatMap { quantity($0, path: p + ".output") } ?? 0
                    service.tokens.append(.init(model: model.key, input: input, output: output))
                }
            }
            if let node = fields.present("requests"), let items = sequence(node, path: path + ".requests") {
                for (index, item) in items.enumerated() {
                    let p = "\(path).requests[\(index)]"
                    guard let r = mapping(item, path: p, allowed: ["name", "monthly", "costPerRequest", "model", "inputTokens", "outputTokens"]) else { continue }
                    let name = r.present("name").flatMap { string($0, path: p + ".name") } ?? "requests"
                    guard let monthlyNode = r.present("monthly") else {
                        error("Missing requests per month", "Give `monthly:` the number of requests per month.", path: p, at: item)
                        continue
                    }
                    guard let monthly = quantity(monthlyNode, path: p + ".monthly") else { continue }
                    if let costNode = r.present("costPerRequest") {
                        if r.present("model") != nil {
                            error("Two prices", "Give either `costPerRequest` or `model` with tokens per request, not both.", path: p, at: item)
                            continue
                        }
                        guard let cost = quantity(costNode, path: p + ".costPerRequest") else { continue }
                        service.requests.append(.init(name: name, monthly: monthly, pricing: .perRequest(Money(cost))))
                    } else if let modelNode = r.present("model"), let model = string(modelNode, path: p + ".model") {
                        let input = r.present("inputTokens").flatMap { quantity($0, path: p + ".inputTokens") } ?? 0
                        let output = r.present("outputTokens").flatMap { quantity($0, path: p + ".outputTokens") } ?? 0
                        service.requests.append(.init(name: name, monthly: monthly, pricing: .tokens(model: model, input: input, output: output)))
                    } else {
                        error("No price", "Give `costPerRequest`, or `model` with `inputTokens` and `outputTokens` per request.", path: p, at: item)
                    }
                }
            }
            if let node = fields.present("hours") {
                if let hours = quantity(node, path: path + ".hours") { service.hours = hours }
            }
            usage.services.append(service)
        }
        return usage
    }

    private mutating func quantity(_ node: YAMLNode, path: String) -> Decimal? {
        guard let text = node.scalar, !node.isNull, let value = UsageFile.parseQuantity(text) else {
            error("Wrong type", "Expected a number such as `40M`, `300k` or `0.0002` here, found \(node.kindDescription).", path: path, at: node)
            return nil
        }
        return value
    }
}

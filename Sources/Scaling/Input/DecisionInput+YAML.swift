import Blueprint
import Foundation

/// Reads the input of `ballast decide` (JSON, or the same in YAML) into a ``DecisionInput``, with a
/// diagnostic (path, line, column, "did you mean") for every problem, like every other reader.
///
/// ```json
/// { "now": "2026-01-01T12:00:00Z", "current": 3, "min": 1, "max": 10,
///   "policy": { "name": "web", "rules": [ { "metric": "cpu", "target": "70%" } ] },
///   "metrics": { "cpu": { "instances": [ { "value": 0.9, "limit": 1.0, "ready": true } ] },
///                "queue_depth": { "total": 8600 },
///                "latency_p95": { "unavailable": "prometheus timeout" } },
///   "history": { "recommendations": [ { "at": "2026-01-01T11:58:00Z", "instances": 4 } ],
///                "events": [ { "at": "2026-01-01T11:59:40Z", "change": 2 } ],
///                "observations": [ { "at": "2026-01-01T11:59:45Z", "metrics": { "cpu": 0.8 } } ],
///                "failures": { "latency_p95": 2 } } }
/// ```
public enum DecisionRequest {
    /// What a blueprint supplies in the `--blueprint` form: the policy, the bounds and the caps.
    public struct Defaults: Sendable {
        public var policy: ScalePolicy
        public var min: Int
        public var max: Int
        public var constraints: ScalingConstraints

        public init(policy: ScalePolicy, min: Int, max: Int, constraints: ScalingConstraints = .none) {
            self.policy = policy
            self.min = min
            self.max = max
            self.constraints = constraints
        }
    }

    /// The result of reading: the input when usable, and every problem found.
    public struct Result: Sendable {
        public var input: DecisionInput?
        /// The policy's name when `policy` was given as a name for the caller to resolve.
        public var policyName: String?
        public var diagnostics: Diagnostics
    }

    /// Reads `bytes` (JSON or YAML). `policy` may be an object, or a name that `resolvePolicy`
    /// turns into a policy (the CLI looks in `policies/`); without a resolver a name is an error.
    /// With `defaults` (the `--blueprint` form), `policy`, `min` and `max` come from them and the
    /// input may leave them out (a warning says they were ignored if it does not).
    public static func read(_ bytes: [UInt8], file: String, resolvePolicy: ((String) -> ScalePolicy?)? = nil, defaults: Defaults? = nil) -> Result {
        var decoder = NodeDecoder(file: file)
        let document = YAMLReader.parse(bytes)
        for problem in document.problems {
            decoder.diagnostics.append(Diagnostic(.error, problem.summary, detail: problem.detail, path: "",
                                                  range: problem.mark.map { .init(filename: file, start: $0) }))
        }
        guard let root = document.root, !root.isNull else {
            if document.problems.isEmpty {
                decoder.error("Empty input", "Expected a JSON object with now, current, min, max, policy and metrics.", path: "", at: nil)
            }
            return Result(input: nil, policyName: nil, diagnostics: decoder.diagnostics)
        }
        var policyName: String?
        let input = decoder.decisionInput(root, path: "", policyName: &policyName, resolvePolicy: resolvePolicy, defaults: defaults)
        return Result(input: decoder.diagnostics.hasErrors ? nil : input, policyName: policyName, diagnostics: decoder.diagnostics)
    }
}

extension NodeDecoder {
    static let decisionInputKeys = ["now", "current", "min", "max", "policy", "metrics", "ready", "history", "constraints"]

    /// The whole `ballast decide` input.
    public mutating func decisionInput(_ node: YAMLNode, path: String, policyName: inout String?,
                                       resolvePolicy: ((String) -> ScalePolicy?)? = nil,
                                       defaults: DecisionRequest.Defaults? = nil) -> DecisionInput? {
        guard let fields = mapping(node, path: path, allowed: Self.decisionInputKeys, what: "an object") else { return nil }
        let before = diagnostics.errorCount
        if let defaults {
            // The blueprint gives the policy, the bounds and the environment's caps (its budget, the
            // datastores' connection limits, the upstream's rate limit).
            for key in ["policy", "min", "max", "constraints"] {
                if let given = fields.present(key) {
                    warning("Ignored \(key)", "`\(key)` comes from the blueprint in this form; the input's value is not used.", path: NodeDecoder.join(path, key), at: given)
                }
            }
            let now = fields.present("now").flatMap { timestamp($0, path: NodeDecoder.join(path, "now")) }
            if fields.present("now") == nil { error("Missing now", "`now` is the moment of the decision, e.g. \"2026-01-01T12:00:00Z\".", path: NodeDecoder.join(path, "now"), at: node) }
            let current = fields.present("current").flatMap { int($0, path: NodeDecoder.join(path, "current"), range: 0...1_000_000) }
            if fields.present("current") == nil { error("Missing current", "`current` is the number of instances running now.", path: NodeDecoder.join(path, "current"), at: node) }
            let rest = decisionExtras(fields, path: path, constraints: false)
            guard diagnostics.errorCount == before, let now, let current else { return nil }
            policyName = defaults.policy.name
            return DecisionInput(now: now, current: current, min: defaults.min, max: defaults.max, policy: defaults.policy, metrics: rest.metrics,
                                 readyInstances: rest.ready, history: rest.history, constraints: defaults.constraints)
        }
        func required(_ key: String, _ hint: String) -> YAMLNode? {
            if let value = fields.present(key) { return value }
            error("Missing \(key)", hint, path: NodeDecoder.join(path, key), at: node)
            return nil
        }
        let now = required("now", "`now` is the moment of the decision, e.g. \"2026-01-01T12:00:00Z\".").flatMap { timestamp($0, path: NodeDecoder.join(path, "now")) }
        let current = required("current", "`current` is the number of instances running now.").flatMap { int($0, path: NodeDecoder.join(path, "current"), range: 0...1_000_000) }
        let minimum = fields.present("min").flatMap { int($0, path: NodeDecoder.join(path, "min"), range: 0...1_000_000) } ?? 1
        let maximum = required("max", "`max` is the most instances the service may run.").flatMap { int($0, path: NodeDecoder.join(path, "max"), range: 0...1_000_000) }
        if let maximum, minimum > maximum {
            error("min above max", "min (\(minimum)) is above max (\(maximum)).", path: NodeDecoder.join(path, "min"), at: fields["min"] ?? node)
        }
        var policy: ScalePolicy?
        if let policyNode = required("policy", "`policy` is a scale policy object (the keys of policies/*.yaml) or a policy name.") {
            if let name = policyNode.scalar {
                policyName = name
                if let resolved = resolvePolicy?(name) {
                    policy = resolved
                } else {
                    error("Unknown policy", resolvePolicy == nil
                          ? "`policy` must be an object here (a policy name needs a policies folder)."
                          : "No scale policy named '\(name)' in the policies folder.", path: NodeDecoder.join(path, "policy"), at: policyNode)
                }
            } else {
                policy = scalePolicy(policyNode, path: NodeDecoder.join(path, "policy"))
            }
        }
        let rest = decisionExtras(fields, path: path)
        guard diagnostics.errorCount == before, let now, let current, let maximum, let policy else { return nil }
        return DecisionInput(now: now, current: current, min: minimum, max: maximum, policy: policy, metrics: rest.metrics,
                             readyInstances: rest.ready, history: rest.history, constraints: rest.constraints ?? .none)
    }

    /// `metrics`, `ready`, `history` and `constraints` (nil when not given).
    /// The input's metrics, ready count, history and (unless `constraints` is false: the blueprint gives
    /// them, and an ignored block is not checked) constraints.
    mutating func decisionExtras(_ fields: Mapping, path: String, constraints readConstraints: Bool = true)
        -> (metrics: ObservedMetrics, ready: Int?, history: ScalingHistory, constraints: ScalingConstraints?) {
        var metrics = ObservedMetrics()
        if let metricsNode = fields.present("metrics"), let entries = mapping(metricsNode, path: NodeDecoder.join(path, "metrics")) {
            for entry in entries.entries {
                if let metric = observedMetric(entry.value, path: NodeDecoder.join(path, "metrics.\(entry.key)")) { metrics[entry.key] = metric }
            }
        }
        let ready = fields.present("ready").flatMap { int($0, path: NodeDecoder.join(path, "ready"), range: 0...1_000_000) }
        var history = ScalingHistory()
        if let historyNode = fields.present("history") {
            history = scalingHistory(historyNode, path: NodeDecoder.join(path, "history")) ?? history
        }
        var constraints: ScalingConstraints?
        if readConstraints, let constraintsNode = fields.present("constraints") {
            constraints = scalingConstraints(constraintsNode, path: NodeDecoder.join(path, "constraints"))
        }
        return (metrics, ready, history, constraints)
    }

    /// `{"instances": [...]}`, `{"total": 8600}`, `{"unavailable": "why"}`, or a plain number (a total).
    public mutating func observedMetric(_ node: YAMLNode, path: String) -> ObservedMetric? {
        if node.scalar != nil && !node.isNull {
            return double(node, path: path).map { .total($0) }
        }
        guard let fields = mapping(node, path: path, allowed: ["instances", "total", "unavailable"], what: "a metric (instances, total or unavailable)") else { return nil }
        let forms = ["instances", "total", "unavailable"].filter { fields[$0] != nil }
        guard forms.count == 1, let form = forms.first else {
            error("Ambiguous metric", "A metric is one of `instances` (a list), `total` (a number) or `unavailable` (why).", path: path, at: node)
            return nil
        }
        let value = fields[form]!
        let formPath = NodeDecoder.join(path, form)
        switch form {
        case "total":
            return double(value, path: formPath).map { .total($0) }
        case "unavailable":
            return .unavailable(value.isNull ? "unavailable" : (value.scalar ?? "unavailable"))
        default:
            guard let items = sequence(value, path: formPath) else { return nil }
            var samples: [InstanceSample] = []
            samples.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                let itemPath = "\(formPath)[\(index)]"
                guard let sample = mapping(item, path: itemPath, allowed: ["value", "limit", "ready", "missing", "id", "name"]) else { continue }
                var value: Double?
                if let v = sample.present("value") { value = double(v, path: NodeDecoder.join(itemPath, "value")) }
                let limit = sample.present("limit").flatMap { double($0, path: NodeDecoder.join(itemPath, "limit"), minimum: 0) }
                let ready = sample.present("ready").flatMap { bool($0, path: NodeDecoder.join(itemPath, "ready")) } ?? true
                let missing = sample.present("missing").flatMap { bool($0, path: NodeDecoder.join(itemPath, "missing")) } ?? false
                samples.append(InstanceSample(missing ? nil : value, limit: limit, ready: ready))
            }
            return .instances(samples)
        }
    }

    mutating func scalingHistory(_ node: YAMLNode, path: String) -> ScalingHistory? {
        guard let fields = mapping(node, path: path, allowed: ["recommendations", "events", "observations", "failures"]) else { return nil }
        var history = ScalingHistory()
        let recPath = NodeDecoder.join(path, "recommendations")
        for (index, item) in (fields.present("recommendations").flatMap { sequence($0, path: recPath) } ?? []).enumerated() {
            let itemPath = "\(recPath)[\(index)]"
            guard let entry = mapping(item, path: itemPath, allowed: ["at", "instances"]),
                  let at = timestampField(entry, item, "at", itemPath),
                  let instances = entry.present("instances").flatMap({ int($0, path: NodeDecoder.join(itemPath, "instances"), range: 0...1_000_000) }) else {
                if item.pairs != nil && !diagnostics.hasErrors { error("Incomplete recommendation", "Each recommendation has `at` and `instances`.", path: itemPath, at: item) }
                continue
            }
            history.recommendations.append(.init(at: at, instances: instances))
        }
        let eventsPath = NodeDecoder.join(path, "events")
        for (index, item) in (fields.present("events").flatMap { sequence($0, path: eventsPath) } ?? []).enumerated() {
            let itemPath = "\(eventsPath)[\(index)]"
            guard let entry = mapping(item, path: itemPath, allowed: ["at", "change"]),
                  let at = timestampField(entry, item, "at", itemPath),
                  let change = entry.present("change").flatMap({ int($0, path: NodeDecoder.join(itemPath, "change")) }) else {
                if item.pairs != nil && !diagnostics.hasErrors { error("Incomplete event", "Each event has `at` and a signed `change`.", path: itemPath, at: item) }
                continue
            }
            history.events.append(.init(at: at, change: change))
        }
        let obsPath = NodeDecoder.join(path, "observations")
        for (index, item) in (fields.present("observations").flatMap { sequence($0, path: obsPath) } ?? []).enumerated() {
            let itemPath = "\(obsPath)[\(index)]"
            guard let entry = mapping(item, path: itemPath, allowed: ["at", "metrics"]),
                  let at = timestampField(entry, item, "at", itemPath) else { continue }
            var values: [String: Double] = [:]
            if let metricsNode = entry.present("metrics"), let metrics = mapping(metricsNode, path: NodeDecoder.join(itemPath, "metrics")) {
                for metric in metrics.entries {
                    if let observed = observedMetric(metric.value, path: NodeDecoder.join(itemPath, "metrics.\(metric.key)")),
                       let value = observed.summaryValue {
                        values[metric.key] = value
                    }
                }
            }
            history.observations.append(.init(at: at, values: values))
        }
        if let failuresNode = fields.present("failures"), let failures = mapping(failuresNode, path: NodeDecoder.join(path, "failures")) {
            for entry in failures.entries {
                if let count = int(entry.value, path: NodeDecoder.join(path, "failures.\(entry.key)"), range: 0...1_000_000), count > 0 {
                    history.failures[entry.key] = count
                }
            }
        }
        history.recommendations.sort { $0.at < $1.at }
        history.events.sort { $0.at < $1.at }
        history.observations.sort { $0.at < $1.at }
        return history
    }

    mutating func scalingConstraints(_ node: YAMLNode, path: String) -> ScalingConstraints? {
        guard let fields = mapping(node, path: path, allowed: ["budget", "connections", "upstream"]) else { return nil }
        var constraints = ScalingConstraints()
        if let budgetNode = fields.present("budget") {
            let budgetPath = NodeDecoder.join(path, "budget")
            if let budget = mapping(budgetNode, path: budgetPath, allowed: ["monthly", "pricePerInstance", "otherServices"]) {
                if let monthly = budget.present("monthly").flatMap({ double($0, path: NodeDecoder.join(budgetPath, "monthly"), minimum: 0) }),
                   let price = budget.present("pricePerInstance").flatMap({ double($0, path: NodeDecoder.join(budgetPath, "pricePerInstance"), minimum: 0) }) {
                    let others = budget.present("otherServices").flatMap { double($0, path: NodeDecoder.join(budgetPath, "otherServices"), minimum: 0) } ?? 0
                    constraints.budget = BudgetConstraint(monthlyLimit: monthly, pricePerInstance: price, otherServices: others)
                } else if !diagnostics.hasErrors {
                    error("Incomplete budget", "A budget constraint has `monthly`, `pricePerInstance` and optionally `otherServices` (USD per month).", path: budgetPath, at: budgetNode)
                }
            }
        }
        let connectionsPath = NodeDecoder.join(path, "connections")
        for (index, item) in (fields.present("connections").flatMap { sequence($0, path: connectionsPath) } ?? []).enumerated() {
            let itemPath = "\(connectionsPath)[\(index)]"
            guard let entry = mapping(item, path: itemPath, allowed: ["datastore", "maxConnections", "perInstance", "otherServices"]) else { continue }
            guard let datastore = entry.present("datastore").flatMap({ string($0, path: NodeDecoder.join(itemPath, "datastore")) }),
                  let maxConnections = entry.present("maxConnections").flatMap({ int($0, path: NodeDecoder.join(itemPath, "maxConnections"), range: 0...10_000_000) }),
                  let perInstance = entry.present("perInstance").flatMap({ int($0, path: NodeDecoder.join(itemPath, "perInstance"), range: 0...1_000_000) }) else {
                if !diagnostics.hasErrors { error("Incomplete connection budget", "A connection budget has `datastore`, `maxConnections`, `perInstance` and optionally `otherServices`.", path: itemPath, at: item) }
                continue
            }
            let others = entry.present("otherServices").flatMap { int($0, path: NodeDecoder.join(itemPath, "otherServices"), range: 0...10_000_000) } ?? 0
            constraints.connections.append(ConnectionConstraint(datastore: datastore, maxConnections: maxConnections, perInstance: perInstance, otherServices: others))
        }
        if let upstreamNode = fields.present("upstream") {
            let upstreamPath = NodeDecoder.join(path, "upstream")
            if let upstream = mapping(upstreamNode, path: upstreamPath, allowed: ["name", "maxInstances", "requestsPerMinute", "perInstance"]) {
                let name = upstream.present("name").flatMap { string($0, path: NodeDecoder.join(upstreamPath, "name")) } ?? "upstream"
                if let most = upstream.present("maxInstances").flatMap({ int($0, path: NodeDecoder.join(upstreamPath, "maxInstances"), range: 0...1_000_000) }) {
                    constraints.upstream = UpstreamConstraint(name: name, maxInstances: most)
                } else if let rpm = upstream.present("requestsPerMinute").flatMap({ double($0, path: NodeDecoder.join(upstreamPath, "requestsPerMinute"), minimum: 0) }),
                          let per = upstream.present("perInstance").flatMap({ double($0, path: NodeDecoder.join(upstreamPath, "perInstance"), minimum: 0) }) {
                    constraints.upstream = UpstreamConstraint(name: name, requestsPerMinute: rpm, perInstance: per)
                } else if !diagnostics.hasErrors {
                    error("Incomplete upstream", "An upstream has `maxInstances`, or `requestsPerMinute` and `perInstance`.", path: upstreamPath, at: upstreamNode)
                }
            }
        }
        return constraints
    }

    /// An RFC 3339 timestamp, or a number of seconds since 1970.
    public mutating func timestamp(_ node: YAMLNode, path: String) -> Date? {
        if let text = node.scalar, !node.isNull {
            if let date = Timestamp.parse(text) { return date }
            if let seconds = Double(text), seconds.isFinite { return Date(timeIntervalSince1970: seconds) }
        }
        error("Invalid timestamp", "Expected a time such as \"2026-01-01T12:00:00Z\", found \(node.kindDescription).", path: path, at: node)
        return nil
    }

    private mutating func timestampField(_ fields: Mapping, _ node: YAMLNode, _ key: String, _ path: String) -> Date? {
        guard let value = fields.present(key) else {
            error("Missing \(key)", "Each entry needs `\(key)`, a time such as \"2026-01-01T12:00:00Z\".", path: path, at: node)
            return nil
        }
        return timestamp(value, path: NodeDecoder.join(path, key))
    }
}

import Foundation

extension NodeDecoder {
    static let scalePolicyKeys = ["kind", "name", "description", "rules", "scaleUp", "scaleDown", "tolerance",
                                  "schedules", "scaleToZero", "fallback", "forecast", "lookahead", "queueing"]
    static let scaleRuleKeys = ["name", "metric", "target", "tolerance", "perInstance", "above", "below", "for", "step",
                                "all", "any", "maxAge", "upFor", "upStep", "downBelow", "downFor", "downStep"]

    /// Reads a scale policy document (`policies/*.yaml` with `kind: scale` or no kind, or the `policy`
    /// object of `ballast decide` input). Every problem becomes a diagnostic; nil when the policy is
    /// unusable.
    public mutating func scalePolicy(_ node: YAMLNode, path: String) -> ScalePolicy? {
        let before = diagnostics.errorCount
        guard let fields = mapping(node, path: path, allowed: Self.scalePolicyKeys, what: "a scale policy (a mapping)") else { return nil }
        guard let nameNode = fields.present("name"), let name = string(nameNode, path: NodeDecoder.join(path, "name")) else {
            error("Missing name", "A policy needs a `name`.", path: path, at: node)
            return nil
        }
        var policy = ScalePolicy(name: name)
        policy.mark = node.mark
        if let kindNode = fields.present("kind"), let kind = string(kindNode, path: NodeDecoder.join(path, "kind")), kind != "scale" {
            error("Wrong policy kind", "This reader takes scale policies; `kind` is '\(kind)'.", path: NodeDecoder.join(path, "kind"), at: kindNode)
        }
        if let descriptionNode = fields.present("description") {
            policy.description = string(descriptionNode, path: NodeDecoder.join(path, "description"))
        }
        var defaultTolerance: Tolerance?
        if let toleranceNode = fields.present("tolerance") {
            defaultTolerance = tolerance(toleranceNode, path: NodeDecoder.join(path, "tolerance"))
        }
        if let upNode = fields.present("scaleUp") {
            policy.scaleUp = scalingRules(upNode, path: NodeDecoder.join(path, "scaleUp"), defaults: .defaultScaleUp) ?? .defaultScaleUp
        }
        if let downNode = fields.present("scaleDown") {
            policy.scaleDown = scalingRules(downNode, path: NodeDecoder.join(path, "scaleDown"), defaults: .defaultScaleDown) ?? .defaultScaleDown
        }
        if let defaultTolerance {
            if policy.scaleUp.tolerance == nil { policy.scaleUp.tolerance = defaultTolerance.up }
            if policy.scaleDown.tolerance == nil { policy.scaleDown.tolerance = defaultTolerance.down }
        }
        let rulesPath = NodeDecoder.join(path, "rules")
        if let rulesNode = fields.present("rules"), let items = sequence(rulesNode, path: rulesPath) {
            for (index, item) in items.enumerated() {
                policy.rules += scaleRules(item, path: "\(rulesPath)[\(index)]")
            }
        }
        if let schedulesNode = fields.present("schedules") {
            let schedulesPath = NodeDecoder.join(path, "schedules")
            for (index, item) in (sequence(schedulesNode, path: schedulesPath) ?? []).enumerated() {
                if let schedule = scaleSchedule(item, path: "\(schedulesPath)[\(index)]") { policy.schedules.append(schedule) }
            }
        }
        if let zeroNode = fields.present("scaleToZero") {
            policy.scaleToZero = scaleToZero(zeroNode, path: NodeDecoder.join(path, "scaleToZero"))
        }
        if let fallbackNode = fields.present("fallback") {
            policy.fallback = scaleFallback(fallbackNode, path: NodeDecoder.join(path, "fallback"))
        }
        if let forecastNode = fields.present("forecast") {
            policy.forecast = scaleForecast(forecastNode, path: NodeDecoder.join(path, "forecast"))
        }
        if let lookaheadNode = fields.present("lookahead") {
            policy.lookahead = scaleLookahead(lookaheadNode, path: NodeDecoder.join(path, "lookahead"), rules: policy.rules)
        }
        if let queueingNode = fields.present("queueing") {
            policy.queueing = scaleQueueing(queueingNode, path: NodeDecoder.join(path, "queueing"), lookahead: policy.lookahead)
        }
        if policy.rules.isEmpty && policy.scaleToZero == nil && policy.fallback == nil && policy.schedules.isEmpty
            && policy.forecast == nil && policy.lookahead == nil && policy.queueing == nil
            && diagnostics.errorCount == before {
            warning("Policy without rules", "'\(name)' has no rules, so it never changes the count from metrics.", path: rulesPath, at: fields["rules"] ?? node)
        }
        return diagnostics.errorCount == before ? policy : nil
    }

    // MARK: Rules

    /// One rule as written; `maxAge` rules expand into an up and a down threshold rule.
    mutating func scaleRules(_ node: YAMLNode, path: String) -> [ScaleRule] {
        guard let fields = mapping(node, path: path, allowed: Self.scaleRuleKeys, what: "a rule (a mapping)") else { return [] }
        let given = ["target", "perInstance", "above", "below", "all", "any", "maxAge"].filter { fields.present($0) != nil }
        guard given.count == 1, let form = given.first else {
            if given.isEmpty {
                error("Rule without a target", "A rule needs one of `target`, `perInstance`, `above`, `below`, `all`, `any` or `maxAge`.", path: path, at: node)
            } else {
                error("Ambiguous rule", "A rule takes one of `target`, `perInstance`, `above`, `below`, `all`, `any`, `maxAge`; this one has \(given.map { "`\($0)`" }.joined(separator: " and ")).", path: path, at: node)
            }
            return []
        }
        let explicitName = fields.present("name").flatMap { string($0, path: NodeDecoder.join(path, "name")) }
        var metric: String?
        if form != "all" && form != "any" {
            guard let metricNode = fields.present("metric") else {
                error("Missing metric", "A `\(form)` rule needs `metric` (cpu, memory, latency_p95, queue_depth, …).", path: path, at: node)
                return []
            }
            metric = string(metricNode, path: NodeDecoder.join(path, "metric"))
            guard metric != nil else { return [] }
        } else if let metricNode = fields.present("metric") {
            error("Unexpected metric", "An `\(form)` rule names its metrics inside its conditions.", path: NodeDecoder.join(path, "metric"), at: metricNode)
        }
        var ruleTolerance: Tolerance?
        if let toleranceNode = fields.present("tolerance") {
            if ["target", "perInstance"].contains(form) {
                ruleTolerance = tolerance(toleranceNode, path: NodeDecoder.join(path, "tolerance"))
            } else {
                error("Tolerance on a threshold rule", "`tolerance` applies to `target` and `perInstance` rules only.", path: NodeDecoder.join(path, "tolerance"), at: toleranceNode)
            }
        }
        let thresholdOnly = ["for", "step"]
        let ageOnly = ["upFor", "upStep", "downBelow", "downFor", "downStep"]
        let misplaced: [String]
        switch form {
        case "target", "perInstance": misplaced = thresholdOnly + ageOnly
        case "maxAge": misplaced = thresholdOnly
        default: misplaced = ageOnly
        }
        for key in misplaced {
            if let extra = fields[key] {
                error("Key not used by this rule", "`\(key)` has no meaning on a `\(form)` rule.", path: NodeDecoder.join(path, key), at: extra)
            }
        }

        var rule: ScaleRule
        switch form {
        case "target":
            let targetPath = NodeDecoder.join(path, "target")
            guard let target = thresholdValue(fields["target"]!, path: targetPath), let metric else { return [] }
            guard target.value > 0 else {
                error("Value out of range", "A target must be above zero.", path: targetPath, at: fields["target"])
                return []
            }
            if target.unit == .percent {
                rule = ScaleRule(name: explicitName ?? "\(metric) target \(target)", kind: .utilization(metric: metric, target: target.value), tolerance: ruleTolerance)
            } else {
                rule = ScaleRule(name: explicitName ?? "\(metric) target \(target)", kind: .value(metric: metric, target: target.value), tolerance: ruleTolerance)
            }
        case "perInstance":
            let targetPath = NodeDecoder.join(path, "perInstance")
            guard let target = thresholdValue(fields["perInstance"]!, path: targetPath), let metric else { return [] }
            guard target.value > 0, target.unit != .percent else {
                error("Invalid perInstance", "`perInstance` is an amount per instance above zero (e.g. 100 jobs), not a percentage.", path: targetPath, at: fields["perInstance"])
                return []
            }
            rule = ScaleRule(name: explicitName ?? "\(metric) per instance \(target)", kind: .perInstance(metric: metric, target: target.value), tolerance: ruleTolerance)
        case "maxAge":
            guard let metric else { return [] }
            return queueAgeRules(fields, metric: metric, name: explicitName, path: path)
        default:
            guard let condition = scaleCondition(node, fields: fields, path: path, topLevel: true) else { return [] }
            let sustain = fields.present("for").flatMap { duration($0, path: NodeDecoder.join(path, "for")) } ?? 0
            let step: ScaleStep
            if let stepNode = fields.present("step") {
                guard let parsed = scaleStep(stepNode, path: NodeDecoder.join(path, "step")) else { return [] }
                step = parsed
            } else {
                step = condition.isDownward ? .instances(-1) : .instances(1)
            }
            let name = explicitName ?? (condition.summary + (sustain > 0 ? " for \(ScalePolicy.formatDuration(sustain))" : ""))
            rule = ScaleRule(name: name, kind: .threshold(ThresholdRule(condition: condition, sustain: sustain, step: step)))
        }
        rule.mark = node.mark
        return [rule]
    }

    /// `maxAge: 30s` on a queue-age metric: fast up (`upFor`, default 0s, `upStep` +1) when the oldest
    /// job is older than `maxAge`; slow down (`downFor`, default 10m, `downStep` -1) when it stays
    /// below `downBelow` (default 50 %) of `maxAge`. Judoscale-style asymmetric sensitivity.
    mutating func queueAgeRules(_ fields: Mapping, metric: String, name: String?, path: String) -> [ScaleRule] {
        guard let maxAgeNode = fields["maxAge"], let maxAge = duration(maxAgeNode, path: NodeDecoder.join(path, "maxAge")) else { return [] }
        guard maxAge > 0 else {
            error("Value out of range", "`maxAge` must be above zero.", path: NodeDecoder.join(path, "maxAge"), at: maxAgeNode)
            return []
        }
        let upFor = fields.present("upFor").flatMap { duration($0, path: NodeDecoder.join(path, "upFor")) } ?? 0
        let downFor = fields.present("downFor").flatMap { duration($0, path: NodeDecoder.join(path, "downFor")) } ?? 600
        var downBelow = 0.5
        if let node = fields.present("downBelow"), let value = percent(node, path: NodeDecoder.join(path, "downBelow")) {
            if value > 0 && value < 1 { downBelow = value } else {
                error("Value out of range", "`downBelow` is a share of `maxAge` between 0% and 100%.", path: NodeDecoder.join(path, "downBelow"), at: node)
            }
        }
        var upStep = ScaleStep.instances(1), downStep = ScaleStep.instances(-1)
        if let node = fields.present("upStep"), let step = scaleStep(node, path: NodeDecoder.join(path, "upStep")) { upStep = step.magnitude(sign: 1) }
        if let node = fields.present("downStep"), let step = scaleStep(node, path: NodeDecoder.join(path, "downStep")) { downStep = step.magnitude(sign: -1) }
        let base = name ?? metric
        let upCondition = ScaleCondition.above(metric: metric, ThresholdValue(maxAge, unit: .seconds))
        let downCondition = ScaleCondition.below(metric: metric, ThresholdValue(maxAge * downBelow, unit: .seconds))
        var up = ScaleRule(name: "\(base) above \(ScalePolicy.formatDuration(maxAge))",
                           kind: .threshold(ThresholdRule(condition: upCondition, sustain: upFor, step: upStep)))
        var down = ScaleRule(name: "\(base) below \(ThresholdValue(maxAge * downBelow, unit: .seconds)) for \(ScalePolicy.formatDuration(downFor))",
                             kind: .threshold(ThresholdRule(condition: downCondition, sustain: downFor, step: downStep)))
        up.mark = fields["maxAge"]?.mark
        down.mark = fields["maxAge"]?.mark
        return [up, down]
    }

    mutating func scaleCondition(_ node: YAMLNode, fields given: Mapping? = nil, path: String, topLevel: Bool = false) -> ScaleCondition? {
        let fields: Mapping
        if let given {
            fields = given
        } else {
            guard let read = mapping(node, path: path, allowed: ["metric", "above", "below", "all", "any"], what: "a condition (a mapping)") else { return nil }
            fields = read
        }
        for combinator in ["all", "any"] {
            guard let listNode = fields.present(combinator) else { continue }
            let listPath = NodeDecoder.join(path, combinator)
            guard let items = sequence(listNode, path: listPath) else { return nil }
            guard !items.isEmpty else {
                error("Empty condition list", "`\(combinator)` needs at least one condition.", path: listPath, at: listNode)
                return nil
            }
            var conditions: [ScaleCondition] = []
            var failed = false
            for (index, item) in items.enumerated() {
                if let condition = scaleCondition(item, path: "\(listPath)[\(index)]") { conditions.append(condition) } else { failed = true }
            }
            if failed { return nil }
            return combinator == "all" ? .all(conditions) : .any(conditions)
        }
        let comparisons = ["above", "below"].filter { fields.present($0) != nil }
        guard comparisons.count == 1, let comparison = comparisons.first else {
            error(comparisons.isEmpty ? "Condition without a threshold" : "Ambiguous condition",
                  "A condition takes exactly one of `above` or `below` (or `all`/`any` lists).", path: path, at: node)
            return nil
        }
        guard let metricNode = fields.present("metric") else {
            error("Missing metric", "A condition needs `metric`.", path: path, at: node)
            return nil
        }
        guard let metric = string(metricNode, path: NodeDecoder.join(path, "metric")),
              let value = thresholdValue(fields[comparison]!, path: NodeDecoder.join(path, comparison)) else { return nil }
        return comparison == "above" ? .above(metric: metric, value) : .below(metric: metric, value)
    }

    /// `70%` (fraction 0.7), `2s`/`5m` (seconds) or a plain number.
    public mutating func thresholdValue(_ node: YAMLNode, path: String) -> ThresholdValue? {
        guard let text = node.scalar?.trimmingSpaces, !node.isNull, !text.isEmpty else {
            error("Wrong type", "Expected a number, a percentage (`70%`) or a duration (`2s`), found \(node.kindDescription).", path: path, at: node)
            return nil
        }
        if text.hasSuffix("%") {
            return percent(node, path: path).map { ThresholdValue($0, unit: .percent) }
        }
        if let plain = Double(text.replacingUnderscores), plain.isFinite { return ThresholdValue(plain) }
        if let seconds = NodeDecoder.parseDuration(text) { return ThresholdValue(seconds, unit: .seconds) }
        error("Wrong type", "Expected a number, a percentage (`70%`) or a duration (`2s`), found \(node.kindDescription).", path: path, at: node)
        return nil
    }

    mutating func scaleStep(_ node: YAMLNode, path: String) -> ScaleStep? {
        guard let text = node.scalar?.trimmingSpaces, !node.isNull else {
            error("Invalid step", "Expected a step such as `+1`, `-2` or `+50%`, found \(node.kindDescription).", path: path, at: node)
            return nil
        }
        if text.hasSuffix("%"), let value = Double(text.dropLast().trimmingSpaces), value.isFinite, value != 0 {
            return .percent(value / 100)
        }
        if let value = Int(text), value != 0 { return .instances(value) }
        error("Invalid step", "Expected a non-zero step such as `+1`, `-2` or `+50%`, found \(node.kindDescription).", path: path, at: node)
        return nil
    }

    /// `10%` for both directions, or `{ up: 5%, down: 10% }`.
    mutating func tolerance(_ node: YAMLNode, path: String) -> Tolerance? {
        if node.pairs != nil {
            guard let fields = mapping(node, path: path, allowed: ["up", "down"]) else { return nil }
            var result = Tolerance.hpaDefault
            if let up = fields.present("up") { result.up = toleranceFraction(up, path: NodeDecoder.join(path, "up")) ?? result.up }
            if let down = fields.present("down") { result.down = toleranceFraction(down, path: NodeDecoder.join(path, "down")) ?? result.down }
            return result
        }
        return toleranceFraction(node, path: path).map { Tolerance($0) }
    }

    mutating func toleranceFraction(_ node: YAMLNode, path: String) -> Double? {
        guard let value = percent(node, path: path) else { return nil }
        guard value >= 0 && value < 1 else {
            error("Value out of range", "A tolerance is between 0% and 100% (HPA's default is 10%).", path: path, at: node)
            return nil
        }
        return value
    }

    // MARK: Behaviour

    mutating func scalingRules(_ node: YAMLNode, path: String, defaults: ScalingRules) -> ScalingRules? {
        guard let fields = mapping(node, path: path, allowed: ["stabilization", "select", "policies", "tolerance"]) else { return nil }
        var rules = defaults
        if let node = fields.present("stabilization"), let seconds = duration(node, path: NodeDecoder.join(path, "stabilization")) {
            if seconds > 3600 {
                error("Value out of range", "A stabilization window is at most 1h (as in Kubernetes).", path: NodeDecoder.join(path, "stabilization"), at: node)
            } else {
                rules.stabilization = seconds
            }
        }
        if let node = fields.present("select"), let select = oneOf(node, path: NodeDecoder.join(path, "select"), as: ScalingRules.Select.self) {
            rules.select = select
        }
        if let node = fields.present("tolerance") {
            rules.tolerance = toleranceFraction(node, path: NodeDecoder.join(path, "tolerance"))
        }
        let policiesPath = NodeDecoder.join(path, "policies")
        if let node = fields.present("policies"), let items = sequence(node, path: policiesPath) {
            var policies: [RatePolicy] = []
            for (index, item) in items.enumerated() {
                if let policy = ratePolicy(item, path: "\(policiesPath)[\(index)]") { policies.append(policy) }
            }
            // Empty or absent lists keep HPA's defaults, as Kubernetes' defaulting does.
            if !policies.isEmpty { rules.policies = policies }
        }
        return rules
    }

    mutating func ratePolicy(_ node: YAMLNode, path: String) -> RatePolicy? {
        guard let fields = mapping(node, path: path, allowed: ["type", "value", "period"]) else { return nil }
        guard let typeNode = fields.present("type"), let valueNode = fields.present("value"), let periodNode = fields.present("period") else {
            error("Incomplete rate policy", "A rate policy needs `type` (instances or percent), `value` and `period`.", path: path, at: node)
            return nil
        }
        guard let type = oneOf(typeNode, path: NodeDecoder.join(path, "type"), as: RatePolicy.Kind.self),
              let value = int(valueNode, path: NodeDecoder.join(path, "value"), range: 1...100_000),
              let period = duration(periodNode, path: NodeDecoder.join(path, "period")) else { return nil }
        guard period > 0 && period <= 1800 else {
            error("Value out of range", "A rate policy period is between 1s and 30m (as in Kubernetes).", path: NodeDecoder.join(path, "period"), at: periodNode)
            return nil
        }
        return RatePolicy(type: type, value: value, period: period)
    }

    // MARK: Schedules, scale to zero, fallback

    mutating func scaleSchedule(_ node: YAMLNode, path: String) -> ScaleSchedule? {
        guard let fields = mapping(node, path: path, allowed: ["name", "timezone", "days", "from", "to", "min", "max"]) else { return nil }
        let before = diagnostics.errorCount
        let name = fields.present("name").flatMap { string($0, path: NodeDecoder.join(path, "name")) } ?? path
        var zone = TimeZone(identifier: "UTC")!
        if let zoneNode = fields.present("timezone"), let identifier = string(zoneNode, path: NodeDecoder.join(path, "timezone")) {
            if let parsed = TimeZone(identifier: identifier) {
                zone = parsed
            } else {
                error("Unknown time zone", "'\(identifier)' is not a time zone name; use an IANA name such as `Europe/Berlin` or `America/New_York`.", path: NodeDecoder.join(path, "timezone"), at: zoneNode)
            }
        }
        var days: UInt8 = 0b111_1111
        if let daysNode = fields.present("days") { days = weekdays(daysNode, path: NodeDecoder.join(path, "days")) ?? days }
        guard let fromNode = fields.present("from"), let toNode = fields.present("to") else {
            error("Incomplete schedule", "A schedule needs `from` and `to` as local times (`\"08:00\"`).", path: path, at: node)
            return nil
        }
        let from = clockTime(fromNode, path: NodeDecoder.join(path, "from"))
        let to = clockTime(toNode, path: NodeDecoder.join(path, "to"))
        let minimum = fields.present("min").flatMap { int($0, path: NodeDecoder.join(path, "min"), range: 0...100) }
        let maximum = fields.present("max").flatMap { int($0, path: NodeDecoder.join(path, "max"), range: 0...100) }
        if fields.present("min") == nil && fields.present("max") == nil {
            error("Schedule without bounds", "A schedule sets `min` (a floor), `max` (a ceiling) or both.", path: path, at: node)
        }
        if let minimum, let maximum, minimum > maximum {
            error("min above max", "The schedule's min (\(minimum)) is above its max (\(maximum)).", path: NodeDecoder.join(path, "min"), at: fields["min"])
        }
        guard diagnostics.errorCount == before, let from, let to else { return nil }
        return ScaleSchedule(name: name, timeZone: zone, days: days, from: from, to: to, min: minimum, max: maximum)
    }

    /// `mon-fri`, `weekdays`, `weekends`, `daily`, or a list `[mon, wed]`.
    mutating func weekdays(_ node: YAMLNode, path: String) -> UInt8? {
        let names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        func index(_ word: String) -> Int? {
            let key = String(word.lowercased().trimmingSpaces.prefix(3))
            return names.firstIndex(of: key)
        }
        func parse(_ text: String) -> UInt8? {
            switch text.lowercased().trimmingSpaces {
            case "daily", "all", "every day", "everyday": return 0b111_1111
            case "weekdays": return 0b011_1110
            case "weekends", "weekend": return 0b100_0001
            default: break
            }
            let parts = text.split(separator: "-")
            if parts.count == 2, let a = index(String(parts[0])), let b = index(String(parts[1])) {
                var mask: UInt8 = 0
                var d = a
                while true {
                    mask |= 1 << UInt8(d)
                    if d == b { break }
                    d = (d + 1) % 7
                }
                return mask
            }
            if parts.count == 1, let d = index(text) { return 1 << UInt8(d) }
            return nil
        }
        if let items = node.items {
            var mask: UInt8 = 0
            for item in items {
                guard let text = item.scalar, let bits = parse(text) else {
                    error("Invalid day", "Expected a day such as `mon`, a range `mon-fri`, `weekdays` or `weekends`, found \(item.kindDescription).", path: path, at: item)
                    return nil
                }
                mask |= bits
            }
            return mask
        }
        guard let text = node.scalar, let mask = parse(text) else {
            error("Invalid days", "Expected days such as `mon-fri`, `weekdays`, `weekends`, `daily` or a list `[mon, wed]`, found \(node.kindDescription).", path: path, at: node)
            return nil
        }
        return mask
    }

    /// `"08:00"` → minutes after midnight; `24:00` is allowed as an end.
    mutating func clockTime(_ node: YAMLNode, path: String) -> Int? {
        if let text = node.scalar?.trimmingSpaces {
            let parts = text.split(separator: ":")
            if parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 {
                return h * 60 + m
            }
        }
        error("Invalid time", "Expected a local time such as `\"08:00\"` (quote it), found \(node.kindDescription).", path: path, at: node)
        return nil
    }

    mutating func scaleToZero(_ node: YAMLNode, path: String) -> ScaleToZero? {
        guard let fields = mapping(node, path: path, allowed: ["idleAfter", "activation", "queueMetric", "activeMetric"]) else { return nil }
        var result = ScaleToZero(idleAfter: 900)
        if let n = fields.present("idleAfter"), let seconds = duration(n, path: NodeDecoder.join(path, "idleAfter")) { result.idleAfter = seconds }
        if let n = fields.present("activation"), let value = double(n, path: NodeDecoder.join(path, "activation"), minimum: 0) { result.activation = value }
        if let n = fields.present("queueMetric"), let value = string(n, path: NodeDecoder.join(path, "queueMetric")) { result.queueMetric = value }
        if let n = fields["activeMetric"] {
            if n.isNull || n.scalar == "false" { result.activeMetric = nil } else if let value = string(n, path: NodeDecoder.join(path, "activeMetric")) { result.activeMetric = value }
        }
        return result
    }

    mutating func scaleFallback(_ node: YAMLNode, path: String) -> ScaleFallback? {
        guard let fields = mapping(node, path: path, allowed: ["after", "instances", "behavior"]) else { return nil }
        guard let afterNode = fields.present("after"), let instancesNode = fields.present("instances") else {
            error("Incomplete fallback", "A fallback needs `after` (consecutive failed reads) and `instances`.", path: path, at: node)
            return nil
        }
        guard let after = int(afterNode, path: NodeDecoder.join(path, "after"), range: 1...10_000),
              let instances = int(instancesNode, path: NodeDecoder.join(path, "instances"), range: 0...100) else { return nil }
        var fallback = ScaleFallback(after: after, instances: instances)
        if let n = fields.present("behavior"), let behavior = oneOf(n, path: NodeDecoder.join(path, "behavior"), as: ScaleFallback.Behavior.self) {
            fallback.behavior = behavior
        }
        return fallback
    }
}

extension ScaleCondition {
    /// True when every comparison is `below` (a scale-down condition by default).
    var isDownward: Bool {
        switch self {
        case .above: return false
        case .below: return true
        case .all(let conditions), .any(let conditions): return conditions.allSatisfy(\.isDownward)
        }
    }
}

extension ScaleStep {
    func magnitude(sign: Int) -> ScaleStep {
        switch self {
        case .instances(let n): return .instances(abs(n) * sign)
        case .percent(let p): return .percent(abs(p) * Double(sign))
        }
    }
}

import Blueprint
import Foundation

/// Where the current run of a sustained threshold condition began, kept by
/// ``ScalingHistory/record(_:at:applied:)`` so that a decision compares one date instead of walking
/// back through every remembered observation (each a separate heap buffer: a cache miss apiece).
///
/// It is a cache of what the walk over ``ScalingHistory/observations`` finds, and is used only while
/// it is provably the same: its ``through`` is still the newest observation's time, the observations
/// are oldest first and none lies after the decision's `now`. Otherwise the engine walks, as before.
public struct SustainedRun: Sendable, Equatable {
    public var condition: ScaleCondition
    /// The time of the newest observation this covers.
    public var through: Date
    /// The time of the oldest observation of the unbroken run, ending at ``through``, in which the
    /// condition held (it may be older than the oldest observation still kept); nil when it did not
    /// hold (or was unknown) at ``through``.
    public var since: Date?

    public init(condition: ScaleCondition, through: Date, since: Date?) {
        self.condition = condition
        self.through = through
        self.since = since
    }

    /// The run over `observations` (oldest first, all at or before their newest), found by walking.
    static func walked(_ condition: ScaleCondition, observations: [ScalingHistory.Observation]) -> SustainedRun? {
        guard let newest = observations.last else { return nil }
        var since: Date?
        var index = observations.count - 1
        while index >= 0, Thresholds.holds(condition, in: observations[index].values) == true {
            since = observations[index].at
            index -= 1
        }
        return SustainedRun(condition: condition, through: newest.at, since: since)
    }
}

extension SustainedRun: Codable {
    enum CodingKeys: String, CodingKey { case condition, through, since }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        condition = try container.decode(CodedCondition.self, forKey: .condition).condition
        through = try container.decode(Date.self, forKey: .through)
        since = try container.decodeIfPresent(Date.self, forKey: .since)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(CodedCondition(condition), forKey: .condition)
        try container.encode(through, forKey: .through)
        try container.encodeIfPresent(since, forKey: .since)
    }
}

/// A ``ScaleCondition`` as JSON: `{"above": "cpu", "bits": …, "unit": "percent"}`, `{"all": [...]}`.
/// The threshold is stored as its bit pattern so that it compares exactly after a round trip (and a
/// non-finite value cannot fail the encoding).
private struct CodedCondition: Codable {
    let condition: ScaleCondition

    init(_ condition: ScaleCondition) { self.condition = condition }

    enum CodingKeys: String, CodingKey { case above, below, bits, unit, all, any }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func threshold() throws -> ThresholdValue {
            let bits = try container.decode(UInt64.self, forKey: .bits)
            let unit: ThresholdValue.Unit
            switch try container.decode(String.self, forKey: .unit) {
            case "percent": unit = .percent
            case "seconds": unit = .seconds
            case "plain": unit = .plain
            case let other:
                throw DecodingError.dataCorruptedError(forKey: .unit, in: container, debugDescription: "unknown threshold unit '\(other)'")
            }
            return ThresholdValue(Double(bitPattern: bits), unit: unit)
        }
        if let metric = try container.decodeIfPresent(String.self, forKey: .above) {
            condition = .above(metric: metric, try threshold())
        } else if let metric = try container.decodeIfPresent(String.self, forKey: .below) {
            condition = .below(metric: metric, try threshold())
        } else if let list = try container.decodeIfPresent([CodedCondition].self, forKey: .all) {
            condition = .all(list.map(\.condition))
        } else if let list = try container.decodeIfPresent([CodedCondition].self, forKey: .any) {
            condition = .any(list.map(\.condition))
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a condition needs one of above, below, all, any"))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        func encode(_ value: ThresholdValue) throws {
            try container.encode(value.value.bitPattern, forKey: .bits)
            switch value.unit {
            case .percent: try container.encode("percent", forKey: .unit)
            case .seconds: try container.encode("seconds", forKey: .unit)
            case .plain: try container.encode("plain", forKey: .unit)
            }
        }
        switch condition {
        case .above(let metric, let value):
            try container.encode(metric, forKey: .above)
            try encode(value)
        case .below(let metric, let value):
            try container.encode(metric, forKey: .below)
            try encode(value)
        case .all(let list): try container.encode(list.map(CodedCondition.init), forKey: .all)
        case .any(let list): try container.encode(list.map(CodedCondition.init), forKey: .any)
        }
    }
}

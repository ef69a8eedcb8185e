/// One attribute value in a plan or state: a JSON scalar, or a value only known after apply.
///
/// Sensitive values are never held in clear: they are `sha256:<hex>` digests flagged `sensitive`
/// on their ``Attribute``, and every view prints them as `(sensitive value)`.
public enum PlanValue: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    /// Decided by the provider when the change is applied (a generated value, a new ID).
    case unknown

    /// Terraform's spelling: strings quoted, `null`, `(known after apply)`.
    public var description: String {
        switch self {
        case .string(let text): return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .int(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .unknown: return "(known after apply)"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let value = try? container.decode(Bool.self) { self = .bool(value); return }
        if let value = try? container.decode(Int.self) { self = .int(value); return }
        let text = try container.decode(String.self)
        self = text == PlanValue.unknownMarker ? .unknown : .string(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .unknown: try container.encode(PlanValue.unknownMarker)
        }
    }

    static let unknownMarker = "(known after apply)"

    /// A digest standing for a secret value.
    public static func digest(of secret: String) -> PlanValue {
        .string("sha256:" + SHA256.hex(secret))
    }
}

/// A named value of a resource, in the order views print them.
public struct Attribute: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var value: PlanValue
    /// Printed as `(sensitive value)` everywhere; `value` is then a digest.
    public var sensitive: Bool

    public init(_ name: String, _ value: PlanValue, sensitive: Bool = false) {
        self.name = name
        self.value = value
        self.sensitive = sensitive
    }
}

extension Array where Element == Attribute {
    public subscript(named name: String) -> Attribute? {
        first { $0.name == name }
    }
}

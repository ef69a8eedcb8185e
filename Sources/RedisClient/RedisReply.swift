/// A reply from Redis, as a Swift value.
///
/// hiredis 0.14 speaks RESP2, which has exactly these six reply types. Replies are copied out of
/// hiredis's `redisReply` tree at the module boundary, so nothing outside `RedisClient` sees C memory.
///
/// ```swift
/// let reply = try await redis.command(["LLEN", "bull:documents:wait"])
/// let depth = reply.int ?? 0
/// ```
public enum RedisReply: Sendable, Equatable, Hashable {
    /// A simple string such as `OK` or `PONG`.
    case status(String)
    /// An error reply such as `WRONGTYPE Operation against a key holding the wrong kind of value`.
    case error(String)
    /// An integer reply.
    case integer(Int)
    /// A bulk string. Bytes are kept as given; `string` decodes them as UTF-8.
    case bulk([UInt8])
    /// A multi-bulk (array) reply.
    case array([RedisReply])
    /// The nil bulk string or nil array (a missing key, a timed-out blocking pop).
    case null

    /// A bulk string reply from text.
    public static func string(_ text: String) -> RedisReply { .bulk(Array(text.utf8)) }

    /// The reply as text: bulk strings decoded as UTF-8, status strings, and integers in decimal.
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        case .integer(let value): String(value)
        default: nil
        }
    }

    /// The reply as an integer: integer replies, and bulk or status strings holding a decimal integer.
    public var int: Int? {
        switch self {
        case .integer(let value): value
        case .bulk, .status: string.flatMap { Int($0) }
        default: nil
        }
    }

    /// The reply as a number: integers, and strings holding a decimal number (Redis returns floats as strings).
    public var double: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .bulk, .status: string.flatMap { Double($0) }
        default: nil
        }
    }

    /// The elements of an array reply.
    public var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Whether this is the nil reply.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The error message, if this is an error reply.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}

extension RedisReply: CustomStringConvertible {
    public var description: String {
        switch self {
        case .status(let text): return text
        case .error(let message): return "(error) \(message)"
        case .integer(let value): return "(integer) \(value)"
        case .bulk: return "\"\(string ?? "")\""
        case .array(let elements): return "[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .null: return "(nil)"
        }
    }
}

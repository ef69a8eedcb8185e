import Foundation

/// Where and how to connect to Redis: endpoint, credentials, database, timeouts and reconnect backoff.
///
/// Usually made from a URL, `redis://[user:password@]host:port/db`:
///
/// ```swift
/// let config = try RedisConfiguration(url: "redis://:s3cret@127.0.0.1:6379/2")
/// let redis = RedisClient(config)
/// ```
///
/// - Important: `rediss://` (TLS) is refused: Debian's hiredis 0.14 has no TLS support, and falling
///   back to plain text would send the password in the clear.
public struct RedisConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// ACL user name (Redis 6+); `nil` for `AUTH password` alone.
    public var username: String?
    public var password: String?
    /// Database number selected after connecting (`SELECT`); 0 is not selected explicitly.
    public var database: Int
    /// Limit for the TCP connect.
    public var connectTimeout: Duration
    /// Limit for each read or write on the socket once connected.
    public var commandTimeout: Duration
    /// How many connection attempts one call makes before giving up (at least 1).
    public var connectAttempts: Int
    /// Wait before the second attempt; doubled for each further attempt, up to `maxBackoff`.
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(
        host: String = "127.0.0.1", port: Int = 6379, username: String? = nil, password: String? = nil,
        database: Int = 0, connectTimeout: Duration = .seconds(2), commandTimeout: Duration = .seconds(2),
        connectAttempts: Int = 3, initialBackoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(2)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.connectAttempts = connectAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// Parses `redis://[user:password@]host[:port][/db]`. User and password are percent-decoded.
    ///
    /// Throws ``RedisError`` with kind `.tlsUnsupported` for `rediss://` and `.invalidURL` for anything
    /// else it cannot use. The message never repeats the password.
    public init(url text: String) throws {
        func invalid(_ why: String) -> RedisError {
            RedisError(kind: .invalidURL, command: "CONNECT", endpoint: "", message: why)
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw invalid("expected redis://[user:password@]host:port/db")
        }
        if scheme == "rediss" {
            throw RedisError(
                kind: .tlsUnsupported, command: "CONNECT", endpoint: "",
                message: "rediss:// (TLS) is not supported: Debian's hiredis 0.14 has no TLS. "
                    + "Use a redis:// URL on a private network or a local TLS tunnel (e.g. stunnel); "
                    + "Ballast will not fall back to plain text.")
        }
        guard scheme == "redis" else {
            throw invalid("scheme \(scheme):// is not supported; expected redis://")
        }
        guard let host = components.host, !host.isEmpty else {
            throw invalid("the URL has no host; expected redis://host:port")
        }
        self.init(host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host)
        if let port = components.port {
            guard (1...65535).contains(port) else { throw invalid("port \(port) is out of range") }
            self.port = port
        }
        if let user = components.percentEncodedUser, !user.isEmpty {
            self.username = user.removingPercentEncoding ?? user
        }
        if let password = components.percentEncodedPassword, !password.isEmpty {
            self.password = password.removingPercentEncoding ?? password
        }
        if username != nil && password == nil {
            // redis://password@host is a common shorthand; treat a lone user part as the password.
            password = username
            username = nil
        }
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty {
            guard let db = Int(path), db >= 0 else {
                throw invalid("database \"\(path)\" is not a non-negative number")
            }
            database = db
        }
        for item in components.queryItems ?? [] {
            switch item.name {
            case "db":
                guard let value = item.value.flatMap({ Int($0) }), value >= 0 else {
                    throw invalid("db=\(item.value ?? "") is not a non-negative number")
                }
                database = value
            case "timeout":
                guard let value = item.value.flatMap({ Double($0) }), value > 0 else {
                    throw invalid("timeout=\(item.value ?? "") is not a positive number of seconds")
                }
                connectTimeout = .milliseconds(Int(value * 1000))
                commandTimeout = .milliseconds(Int(value * 1000))
            default:
                throw invalid("unknown URL parameter \(item.name)")
            }
        }
    }

    /// `host:port`, for messages. Never includes credentials.
    public var endpoint: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension RedisConfiguration: CustomStringConvertible {
    /// The URL form with the password masked: `redis://app:***@host:6379/2`.
    public var description: String {
        var auth = ""
        if username != nil || password != nil {
            auth = (username ?? "") + (password == nil ? "" : ":***") + "@"
        }
        return "redis://\(auth)\(endpoint)/\(database)"
    }
}

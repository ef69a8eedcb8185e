/// An error from talking to Redis, saying which command failed, where, and why.
///
/// Arguments are never included: they may carry secrets (AUTH) or job payloads. Only the command
/// name (`GET`, `EVAL`, …) and the endpoint appear, so every error can be printed and logged as is.
///
/// ```swift
/// do { _ = try await redis.command(["LLEN", "q"]) }
/// catch let error as RedisError { print(error) } // LLEN on 127.0.0.1:6379 failed: timed out after 2.0 s
/// ```
public struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The URL could not be understood.
        case invalidURL
        /// The URL asks for TLS (`rediss://`), which hiredis 0.14 cannot do.
        case tlsUnsupported
        /// The TCP connection could not be made (refused, unreachable, DNS).
        case connectionFailed
        /// A read or write did not complete within the timeout.
        case timeout
        /// The connection broke during the command (reset, closed by the server).
        case connectionLost
        /// The server answered with an error reply (`WRONGTYPE …`, `NOAUTH …`, `ERR …`).
        case server
        /// The reply could not be parsed or had an unexpected shape.
        case protocolError
        /// The client was closed.
        case closed
    }

    /// What went wrong.
    public var kind: Kind
    /// The command that failed: its name only (`AUTH`, `SELECT`, `EVAL`), or `CONNECT`, or `PIPELINE(n)`.
    public var command: String
    /// `host:port` of the server, without credentials.
    public var endpoint: String
    /// The reason in words: hiredis's error string or the server's error reply.
    public var message: String

    public init(kind: Kind, command: String, endpoint: String, message: String) {
        self.kind = kind
        self.command = command
        self.endpoint = endpoint
        self.message = message
    }

    public var description: String {
        switch kind {
        case .invalidURL, .tlsUnsupported:
            return "Redis URL not usable: \(message)"
        default:
            let place = endpoint.isEmpty ? "" : " on \(endpoint)"
            return "Redis \(command)\(place) failed: \(message)"
        }
    }
}

/// A Lua script run with `EVALSHA`, so its text crosses the network once per connection's server,
/// not on every call.
///
/// ```swift
/// static let depth = RedisScript("return redis.call('LLEN', KEYS[1])")
/// let reply = try await redis.run(Self.depth, keys: ["queue:default"])
/// ```
///
/// The first run sends `SCRIPT LOAD` and `EVAL` in one pipeline (one round trip) and remembers the
/// SHA the server returns; later runs send `EVALSHA`. If the server forgot the script (restart,
/// `SCRIPT FLUSH`), the `NOSCRIPT` reply leads to the same pipeline again.
public struct RedisScript: Sendable, Hashable {
    public let source: String

    public init(_ source: String) {
        self.source = source
    }
}

extension RedisClient {
    /// Runs `script`; an error reply is thrown as ``RedisError`` of kind `.server`, naming `EVALSHA`.
    @discardableResult
    public func run(_ script: RedisScript, keys: [String] = [], arguments: [String] = [], retryOnConnectionLoss: Bool = false) async throws -> RedisReply {
        let tail = [String(keys.count)] + keys + arguments
        if let sha = scriptSHA(script.source) {
            let reply = try await pipeline([["EVALSHA", sha] + tail], retryOnConnectionLoss: retryOnConnectionLoss)[0]
            if reply.errorMessage?.hasPrefix("NOSCRIPT") != true {
                return try checked(reply, command: "EVALSHA")
            }
        }
        let replies = try await pipeline([["SCRIPT", "LOAD", script.source], ["EVAL", script.source] + tail],
                                         retryOnConnectionLoss: retryOnConnectionLoss)
        if let sha = replies[0].string, replies[0].errorMessage == nil {
            rememberScriptSHA(sha, for: script.source)
        }
        return try checked(replies[1], command: "EVAL")
    }

    private func checked(_ reply: RedisReply, command: String) throws -> RedisReply {
        if let message = reply.errorMessage {
            throw RedisError(kind: .server, command: command, endpoint: configuration.endpoint, message: message)
        }
        return reply
    }
}

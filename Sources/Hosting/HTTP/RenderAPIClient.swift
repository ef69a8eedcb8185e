import Foundation
import Logging

/// Sends one logical API call: authentication, pacing, timeout, retries, typed errors.
struct RenderAPIClient: Sendable {
    let configuration: RenderClientConfiguration
    let transport: any HTTPTransport
    let clock: any HostingClock
    let limiter: RateLimiter?
    let logger: Logger

    init(configuration: RenderClientConfiguration, transport: any HTTPTransport, clock: any HostingClock, logger: Logger) {
        self.configuration = configuration
        self.transport = transport
        self.clock = clock
        self.limiter = configuration.rateLimits.map { RateLimiter(limits: $0, clock: clock) }
        self.logger = logger
    }

    /// A 2xx response, or a `RenderAPIError`.
    func send(operation: String, method: String, path: String, query: [(String, String)] = [], body: Data? = nil) async throws -> TransportResponse {
        let url = try makeURL(path: path, query: query, operation: operation, method: method)
        var headers = [
            "Authorization": "Bearer \(configuration.apiKey)",
            "Accept": "application/json",
            "User-Agent": "ballast/0.1",
        ]
        if body != nil { headers["Content-Type"] = "application/json" }
        let request = TransportRequest(method: method, url: url, headers: headers, body: body, timeout: configuration.timeout)
        let policy = configuration.retry
        var attempt = 0
        while true {
            attempt += 1
            let ticket = try await limiter?.acquire(method: method, path: path)
            let response: TransportResponse
            do {
                response = try await sendWithTimeout(request)
            } catch {
                // No answer, but the request may have reached the server: its slot is held all the same.
                if let limiter, let ticket { await limiter.complete(ticket) }
                try await retryOrThrow(error, attempt: attempt, policy: policy, operation: operation, method: method, path: path)
                continue
            }
            let limit = response.header("Ratelimit-Limit").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let remaining = response.header("Ratelimit-Remaining").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let reset = response.header("Ratelimit-Reset").flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            if let limiter, let ticket { await limiter.complete(ticket, limit: limit, remaining: remaining, resetSeconds: reset) }
            logger.debug("Render API call", metadata: [
                "operation": "\(operation)", "method": "\(method)", "path": "\(path)", "status": "\(response.status)",
                "attempt": "\(attempt)",
            ])
            if (200..<300).contains(response.status) { return response }
            let error = makeError(response, operation: operation, method: method, path: path, attempts: attempt)
            let retryable = response.status == 429 || response.status >= 500
            guard retryable, attempt < policy.maxAttempts else { throw error }
            var delay = policy.backoff(afterAttempt: attempt, random: Double.random(in: 0...1))
            if let retryAfter = response.header("Retry-After").flatMap(Self.parseRetryAfter) {
                delay = max(delay, retryAfter)
            } else if response.status == 429, let reset {
                delay = max(delay, reset)
            }
            if delay > policy.maxServerWait { throw error }
            try await clock.sleep(seconds: delay)
        }
    }

    /// After a request that got no response: sleep and return (to retry), or throw the final error.
    private func retryOrThrow(_ error: any Error, attempt: Int, policy: RetryPolicy, operation: String, method: String, path: String) async throws {
        switch error {
        case let error as TransportError:
            let kind: RenderAPIError.Kind = error.isTimeout ? .timeout : .transport
            logger.debug("Render API call failed without a response", metadata: [
                "operation": "\(operation)", "path": "\(path)", "attempt": "\(attempt)", "error": "\(error.message)",
            ])
            guard attempt < policy.maxAttempts else {
                throw RenderAPIError(kind: kind, operation: operation, method: method, path: path, message: error.message, attempts: attempt)
            }
        case is CancellationError:
            throw CancellationError()
        default:
            guard attempt < policy.maxAttempts else {
                throw RenderAPIError(kind: .transport, operation: operation, method: method, path: path,
                                     message: String(describing: error), attempts: attempt)
            }
        }
        try await clock.sleep(seconds: policy.backoff(afterAttempt: attempt, random: Double.random(in: 0...1)))
    }

    /// Decodes a 2xx body.
    func decode<T: Decodable>(_ type: T.Type, from response: TransportResponse, operation: String, method: String, path: String) throws -> T {
        do {
            return try RenderJSON.decoder().decode(T.self, from: response.body)
        } catch {
            throw RenderAPIError(kind: .decoding, operation: operation, method: method, path: path,
                                 requestId: response.header("Render-Request-Id"),
                                 message: "cannot decode \(T.self): \(Self.describe(error))",
                                 bodyExcerpt: Self.excerpt(response.body))
        }
    }

    func encode<T: Encodable>(_ value: T) throws -> Data {
        try RenderJSON.encoder().encode(value)
    }

    private func sendWithTimeout(_ request: TransportRequest) async throws -> TransportResponse {
        let transport = self.transport
        return try await withDeadline(request.timeout, message: "timed out after \(request.timeout) s") {
            try await transport.send(request)
        }
    }

    private func makeURL(path: String, query: [(String, String)], operation: String, method: String) throws -> URL {
        var text = configuration.baseURL.absoluteString + path
        if !query.isEmpty {
            text += "?" + query.map { "\(Self.percentEncode($0.0))=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        }
        guard let url = URL(string: text) else {
            throw RenderAPIError(kind: .configuration, operation: operation, method: method, path: path, message: "cannot build a URL")
        }
        return url
    }

    private func makeError(_ response: TransportResponse, operation: String, method: String, path: String, attempts: Int) -> RenderAPIError {
        let body = try? RenderJSON.decoder().decode(RenderErrorBody.self, from: response.body)
        return RenderAPIError(kind: .status(response.status), operation: operation, method: method, path: path,
                              requestId: response.header("Render-Request-Id"), message: body?.message,
                              bodyExcerpt: body?.message == nil ? Self.excerpt(response.body) : nil, attempts: attempts)
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~,:")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// `Retry-After` as seconds or an HTTP date.
    static func parseRetryAfter(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let date = formatter.date(from: trimmed) { return max(0, date.timeIntervalSinceNow) }
        return nil
    }

    static func excerpt(_ body: Data) -> String? {
        guard !body.isEmpty else { return nil }
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        return body.count > 300 ? text + "…" : text
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing \(path(context.codingPath + [key]))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(path(context.codingPath)): \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            return "invalid JSON at \(path(context.codingPath)): \(context.debugDescription)"
        default:
            return String(describing: error)
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}

import Foundation

/// How `RenderProvider` reaches Render: where, with which key, how patiently.
///
/// ```swift
/// let configuration = try RenderClientConfiguration.fromEnvironment()   // RENDER_API_KEY, RENDER_API_URL
/// ```
public struct RenderClientConfiguration: Sendable {
    /// The API root, `https://api.render.com/v1` by default.
    public var baseURL: URL
    public var apiKey: String
    /// Per attempt, in seconds.
    public var timeout: TimeInterval = 30
    public var retry = RetryPolicy()
    /// Client-side pacing; nil sends as fast as asked (the server's 429s still get retried).
    public var rateLimits: RenderRateLimits? = .render

    public static let defaultBaseURL = "https://api.render.com/v1"

    /// Refuses plain `http` unless the host is loopback (the sandbox on this machine).
    public init(baseURL: String = RenderClientConfiguration.defaultBaseURL, apiKey: String) throws {
        guard let url = URL(string: baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL),
              let scheme = url.scheme?.lowercased(), let host = url.host
        else {
            throw RenderAPIError(kind: .configuration, operation: "configure", method: "-", path: baseURL,
                                 message: "RENDER_API_URL is not a URL: \(baseURL)")
        }
        switch scheme {
        case "https": break
        case "http":
            guard Self.isLoopback(host) else {
                throw RenderAPIError(kind: .configuration, operation: "configure", method: "-", path: baseURL,
                                     message: "plain http is only allowed to a loopback host (127.0.0.1, localhost, ::1); use https for \(host)")
            }
        default:
            throw RenderAPIError(kind: .configuration, operation: "configure", method: "-", path: baseURL,
                                 message: "unsupported URL scheme \(scheme)")
        }
        self.baseURL = url
        self.apiKey = apiKey
    }

    /// From `RENDER_API_KEY` (required) and `RENDER_API_URL` (optional).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RenderClientConfiguration {
        let url = environment["RENDER_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultBaseURL
        guard let key = environment["RENDER_API_KEY"], !key.isEmpty else {
            throw RenderAPIError(kind: .configuration, operation: "configure", method: "-", path: url,
                                 message: "RENDER_API_KEY is not set")
        }
        return try RenderClientConfiguration(baseURL: url, apiKey: key)
    }

    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host == "localhost" || host == "::1" || host.hasPrefix("127.") || host.hasSuffix(".localhost")
    }
}

/// Retries of 429, 5xx and transport failures: exponential backoff with jitter, at least what the
/// server's `Retry-After` / `Ratelimit-Reset` asks for.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included; 1 disables retries.
    public var maxAttempts: Int = 6
    public var baseDelay: TimeInterval = 0.5
    public var maxDelay: TimeInterval = 30
    /// A server asking for a longer wait than this ends the retries with the 429 (a one-hour
    /// `POST /services` window is not worth blocking an apply on).
    public var maxServerWait: TimeInterval = 120

    public init(maxAttempts: Int = 6, baseDelay: TimeInterval = 0.5, maxDelay: TimeInterval = 30, maxServerWait: TimeInterval = 120) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxServerWait = maxServerWait
    }

    public static let none = RetryPolicy(maxAttempts: 1)

    /// The backoff before attempt `attempt + 1`: `base × 2^(attempt-1)`, capped, with "equal jitter"
    /// (uniform in the upper half), so retries of many clients spread out.
    func backoff(afterAttempt attempt: Int, random: Double) -> TimeInterval {
        let exponential = min(maxDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        return exponential / 2 + exponential / 2 * random
    }
}

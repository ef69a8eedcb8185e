import Foundation

/// How `SandboxServer` treats traffic, on top of the sandbox's own semantics.
public struct SandboxServerOptions: Sendable {
    /// Enforce Render's rate limits (429 with `Ratelimit-*` headers); on by default.
    public var rateLimits: Bool
    public var limits: RenderRateLimits
    /// Added to every `/v1` request before it is handled, in milliseconds.
    public var latencyMs: Int
    /// Fraction of `/v1` requests answered 500, 503 or 429, or cut without an answer.
    public var faultRate: Double
    /// Seeds the fault draws, so a run is reproducible.
    public var seed: UInt64
    /// Every request and response as a JSON line (`--record FILE`).
    public var recordPath: String?
    /// Answer 401 to `/v1` requests without `Authorization: Bearer …` (any key is accepted).
    public var requireAuthorization: Bool

    public init(rateLimits: Bool = true, limits: RenderRateLimits = .render, latencyMs: Int = 0, faultRate: Double = 0,
                seed: UInt64 = 1, recordPath: String? = nil, requireAuthorization: Bool = true) {
        self.rateLimits = rateLimits
        self.limits = limits
        self.latencyMs = latencyMs
        self.faultRate = faultRate
        self.seed = seed
        self.recordPath = recordPath
        self.requireAuthorization = requireAuthorization
    }
}

/// Render-style fixed windows per bucket: `Ratelimit-Limit`, `-Remaining`, `-Reset` (seconds until reset).
final class SandboxRateLimiter: @unchecked Sendable {
    struct Verdict {
        var allowed: Bool
        var limit: Int
        var remaining: Int
        var resetSeconds: Int
    }

    private let lock = NSLock()
    private var windows: [String: (start: Date, count: Int)] = [:]
    private let limits: RenderRateLimits

    init(limits: RenderRateLimits) {
        self.limits = limits
    }

    func check(method: String, path: String, now: Date) -> Verdict {
        let (name, limit) = limits.bucket(method: method, path: path)
        return lock.withLock {
            var window = windows[name] ?? (start: now, count: 0)
            if now.timeIntervalSince(window.start) >= limit.window { window = (start: now, count: 0) }
            let reset = max(1, Int((limit.window - now.timeIntervalSince(window.start)).rounded(.up)))
            guard window.count < limit.requests else {
                windows[name] = window
                return Verdict(allowed: false, limit: limit.requests, remaining: 0, resetSeconds: reset)
            }
            window.count += 1
            windows[name] = window
            return Verdict(allowed: true, limit: limit.requests, remaining: limit.requests - window.count, resetSeconds: reset)
        }
    }
}

/// Seeded draws for fault injection (SplitMix64: small, fast, reproducible).
final class SandboxFaults: @unchecked Sendable {
    enum Fault {
        case status(Int)
        case drop
    }

    private let lock = NSLock()
    private var state: UInt64
    private let rate: Double

    init(rate: Double, seed: UInt64) {
        self.rate = rate
        self.state = seed
    }

    private func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }

    func draw() -> Fault? {
        guard rate > 0 else { return nil }
        return lock.withLock {
            guard next() < rate else { return nil }
            switch Int(next() * 4) {
            case 0: return .status(500)
            case 1: return .status(503)
            case 2: return .status(429)
            default: return .drop
            }
        }
    }
}

/// `--record FILE`: one JSON object per request and response.
final class SandboxRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private let handle: FileHandle

    init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        if !FileManager.default.fileExists(atPath: url.path) {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        do {
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            // Foundation's error prints as "Error Domain=NSCocoaErrorDomain Code=4 …": say which file and why.
            let why = (error as NSError).localizedDescription
            throw SandboxServerError(message: "cannot record to '\(path)': \(why)")
        }
    }

    deinit {
        try? handle.close()
    }

    func record(method: String, path: String, query: String?, requestHeaders: [(String, String)], requestBody: Data,
                status: Int?, responseHeaders: [(String, String)], responseBody: Data?) {
        func headers(_ pairs: [(String, String)]) -> [String: String] {
            var result: [String: String] = [:]
            for (name, value) in pairs {
                let key = name.lowercased()
                let shown = key == "authorization" ? (value.lowercased().hasPrefix("bearer") ? "Bearer [REDACTED]" : "[REDACTED]") : value
                result[key] = result[key].map { "\($0), \(shown)" } ?? shown
            }
            return result
        }
        func body(_ data: Data?) -> Any {
            guard let data, !data.isEmpty else { return NSNull() }
            if let json = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) { return json }
            return String(decoding: data, as: UTF8.self)
        }
        let object: [String: Any] = [
            "method": method, "path": path, "query": query ?? "",
            "request_headers": headers(requestHeaders), "request_body": body(requestBody),
            "status": status.map { $0 as Any } ?? NSNull(),
            "response_headers": headers(responseHeaders), "response_body": body(responseBody),
        ]
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(0x0A)
        lock.withLock { handle.write(line) }
    }
}

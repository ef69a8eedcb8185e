import Foundation

/// One HTTP request as the Render client sends it.
public struct TransportRequest: Sendable, Equatable {
    public var method: String
    public var url: URL
    /// Header names as sent; look-ups through `header(_:)` ignore case.
    public var headers: [String: String]
    public var body: Data?
    /// The most this one attempt may take, in seconds.
    public var timeout: TimeInterval

    public init(method: String, url: URL, headers: [String: String] = [:], body: Data? = nil, timeout: TimeInterval = 30) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// One HTTP response.
public struct TransportResponse: Sendable, Equatable {
    public var status: Int
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// The one thing the Render client needs from HTTP: send a request, get a response or a transport error.
///
/// `URLSessionTransport` is the real one; tests hand `RenderProvider` a `ClosureTransport`.
/// An HTTP error status is a response, not a thrown error; only failures to get a response throw.
public protocol HTTPTransport: Sendable {
    func send(_ request: TransportRequest) async throws -> TransportResponse
}

/// A transport that calls a closure: the stub for tests.
///
/// ```swift
/// let transport = ClosureTransport { request in
///     TransportResponse(status: 200, body: Data("[]".utf8))
/// }
/// ```
public struct ClosureTransport: HTTPTransport {
    let handler: @Sendable (TransportRequest) async throws -> TransportResponse

    public init(_ handler: @escaping @Sendable (TransportRequest) async throws -> TransportResponse) {
        self.handler = handler
    }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        try await handler(request)
    }
}

/// A failure to get any response: connection refused or reset, DNS, TLS, or the attempt's timeout.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var isTimeout: Bool

    public init(_ message: String, isTimeout: Bool = false) {
        self.message = message
        self.isTimeout = isTimeout
    }

    public var description: String { message }
}

/// `body`'s result, or a ``TransportError`` with `isTimeout` once `seconds` have passed (`body` is
/// then cancelled). `message` says what timed out; by default "timed out after N s".
func withDeadline<T: Sendable>(_ seconds: Double, message: String? = nil,
                               _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(max(0.001, seconds) * 1_000_000_000))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TransportError("no response") }
        guard let value = first else {
            throw TransportError(message ?? String(format: "timed out after %.1f s", seconds), isTimeout: true)
        }
        return value
    }
}

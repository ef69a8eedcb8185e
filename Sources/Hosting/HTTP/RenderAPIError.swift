import Foundation

/// A failed call to Render's API (or to the sandbox, which answers as Render does).
///
/// Carries what an operator needs to act on it: the operation, method and path, the HTTP status, Render's
/// `Render-Request-Id` to quote to support, and Render's own message. Never the API key.
///
/// ```
/// update-service PATCH /services/srv-d0abc…: HTTP 400: numInstances cannot be changed with PATCH; use POST /services/{id}/scale (request req-1f2e, 1 attempt)
/// ```
public struct RenderAPIError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Render answered with this non-2xx status.
        case status(Int)
        /// No response: connection refused or cut, DNS, TLS.
        case transport
        /// No response within the request timeout.
        case timeout
        /// A 2xx response whose body did not decode.
        case decoding
        /// The client is misconfigured (no API key, plain http to a remote host, a bad URL).
        case configuration
    }

    public var kind: Kind
    /// Render's operationId (`list-services`, `scale-service`, …) or a Ballast name for the call.
    public var operation: String
    public var method: String
    /// Path relative to the API root, without query (`/services/srv-…/scale`).
    public var path: String
    /// The `Render-Request-Id` response header, when there was a response.
    public var requestId: String?
    /// The error body's `message`, or what went wrong without a response.
    public var message: String?
    /// The start of a body that was not an error object, for context.
    public var bodyExcerpt: String?
    /// How many attempts were made, retries included.
    public var attempts: Int

    public init(kind: Kind, operation: String, method: String, path: String, requestId: String? = nil,
                message: String? = nil, bodyExcerpt: String? = nil, attempts: Int = 1) {
        self.kind = kind
        self.operation = operation
        self.method = method
        self.path = path
        self.requestId = requestId
        self.message = message
        self.bodyExcerpt = bodyExcerpt
        self.attempts = attempts
    }

    /// The HTTP status, when Render answered.
    public var status: Int? {
        if case .status(let code) = kind { return code }
        return nil
    }

    public var isNotFound: Bool { status == 404 }
    public var isRateLimited: Bool { status == 429 }

    public var description: String {
        // Setting up the client (no request made): the message alone says what to fix.
        if case .configuration = kind, operation == "configure", let message, !message.isEmpty { return message }
        var text = "\(operation) \(method) \(path): "
        switch kind {
        case .status(let code): text += "HTTP \(code)"
        case .transport: text += "no response"
        case .timeout: text += "timed out"
        case .decoding: text += "unreadable response"
        case .configuration: text += "configuration"
        }
        if let message, !message.isEmpty { text += ": \(message)" } else if let bodyExcerpt, !bodyExcerpt.isEmpty {
            text += ": \(bodyExcerpt)"
        }
        var context: [String] = []
        if let requestId { context.append("request \(requestId)") }
        context.append(attempts == 1 ? "1 attempt" : "\(attempts) attempts")
        return text + " (" + context.joined(separator: ", ") + ")"
    }
}

import Foundation

/// Why a Prometheus query gave no usable number, with the query and endpoint for context.
///
/// Prints as one line: `Prometheus query "up" at http://127.0.0.1:9090: 3 series and no aggregation…`.
public struct PrometheusError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No response: connection refused, reset, DNS.
        case unreachable
        /// No response within the timeout.
        case timeout
        /// A non-2xx status (with Prometheus's `errorType`/`error` when the body has them).
        case httpStatus(Int)
        /// `"status": "error"` in a 2xx body, or a body that is not Prometheus's JSON.
        case badResponse
        /// The query matched no series.
        case noSeries
        /// Several series and no aggregation to combine them.
        case severalSeries(Int)
        /// The value is NaN or ±Inf.
        case notFinite
        /// The sample is older than the allowed age.
        case stale
        /// A range vector or string result: not one number.
        case unsupportedResult(String)
    }

    public var kind: Kind
    public var query: String
    /// The server's base URL, without credentials.
    public var endpoint: String
    public var message: String

    public init(kind: Kind, query: String, endpoint: String, message: String) {
        self.kind = kind
        self.query = query
        self.endpoint = endpoint
        self.message = message
    }

    public var description: String {
        "Prometheus query \"\(query)\" at \(endpoint): \(message)"
    }
}

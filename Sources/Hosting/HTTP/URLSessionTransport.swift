import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `HTTPTransport` over `URLSession` (libcurl on Linux).
///
/// Each request gets `request.timeout` as its timeout, to the millisecond: libcurl's own timeout
/// counts whole seconds on Linux (0.8 s gave up after 3 ms, 1.5 s after 1 s), so it is set a second
/// past the limit and the limit itself is a timer raced against the request. Redirects are not
/// followed by the client code that uses it (Render's API does not redirect).
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession

    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieAcceptPolicy = .never
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        self.session = URLSession(configuration: configuration)
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.timeoutInterval = request.timeout.rounded(.up) + 1
        for (name, value) in request.headers {
            urlRequest.setValue(value, forHTTPHeaderField: name)
        }
        urlRequest.httpBody = request.body
        let data: Data
        let response: URLResponse
        do {
            let prepared = urlRequest
            (data, response) = try await withDeadline(request.timeout) { try await self.perform(prepared) }
        } catch let error as URLError {
            throw TransportError("\(error.code == .timedOut ? "timed out" : "transport error"): \(error.localizedDescription)",
                                 isTimeout: error.code == .timedOut)
        }
        guard let http = response as? HTTPURLResponse else {
            throw TransportError("not an HTTP response")
        }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        return TransportResponse(status: http.statusCode, headers: headers, body: data)
    }

    /// A data task whose cancellation never waits under the Swift task's status lock.
    ///
    /// `URLSession.data(for:)` cancels its task synchronously from the cancellation handler, and
    /// `URLSessionTask.cancel()` waits on the session's queue; when that queue is at the same moment
    /// resuming the request's continuation (which needs the status lock), both wait forever. Seen here
    /// as a hung test run (swift-corelibs-foundation, Swift 6.3) when a timeout race cancelled a request
    /// that was just completing. The cancel is therefore handed to another queue.
    private func perform(_ request: URLRequest) async throws -> (Data, URLResponse) {
        let box = CancellableTask()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, URLResponse), any Error>) in
                let task = session.dataTask(with: request) { data, response, error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else if let response {
                        continuation.resume(returning: (data ?? Data(), response))
                    } else {
                        continuation.resume(throwing: URLError(.badServerResponse))
                    }
                }
                box.start(task)
            }
        } onCancel: {
            DispatchQueue.global().async { box.cancel() }
        }
    }
}

/// The data task of one request, started once and cancelled at most once, from any thread.
private final class CancellableTask: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var cancelled = false

    func start(_ task: URLSessionDataTask) {
        lock.lock()
        self.task = task
        let alreadyCancelled = cancelled
        lock.unlock()
        task.resume()
        if alreadyCancelled { DispatchQueue.global().async { task.cancel() } }
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let task = self.task
        lock.unlock()
        task?.cancel()
    }
}

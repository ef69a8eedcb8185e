import Foundation

/// Render's REST API over the sandbox, independent of the HTTP server that carries it:
/// a request's method, path, query, headers and body in; a status, headers and body (or a cut) out.
final class SandboxHTTPHandler: Sendable {
    enum Outcome {
        case response(status: Int, headers: [(String, String)], body: Data?)
        /// Close the connection without answering (fault injection).
        case drop
    }

    let sandbox: Sandbox
    let options: SandboxServerOptions
    let limiter: SandboxRateLimiter
    let faults: SandboxFaults

    init(sandbox: Sandbox, options: SandboxServerOptions) {
        self.sandbox = sandbox
        self.options = options
        self.limiter = SandboxRateLimiter(limits: options.limits)
        self.faults = SandboxFaults(rate: options.faultRate, seed: options.seed)
    }

    /// `stopping` cuts the injected latency short when the server stops: such a request is answered 503.
    func handle(method: String, path: String, query: String?, headers: [(String, String)], body: Data,
                stopping: SandboxStopSignal) async -> Outcome {
        let method = method.uppercased()
        if path.hasPrefix("/_sandbox") {
            return admin(method: method, path: path, body: body)
        }
        guard path == "/v1" || path.hasPrefix("/v1/") else {
            return error(404, "not found: \(path) (the API is under /v1)")
        }
        if options.latencyMs > 0, await !stopping.sleep(milliseconds: options.latencyMs) {
            return with([("Connection", "close")], error(503, "the sandbox server is stopping"))
        }
        let apiPath = String(path.dropFirst(3))
        if options.requireAuthorization {
            let authorization = headers.first { $0.0.lowercased() == "authorization" }?.1 ?? ""
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].trimmingCharacters(in: .whitespaces).isEmpty else {
                return error(401, "unauthorized: send Authorization: Bearer <API key>")
            }
        }
        if let fault = faults.draw() {
            switch fault {
            case .drop: return .drop
            case .status(let status):
                var outcome = error(status, status == 429 ? "rate limit exceeded (injected)" : "injected fault")
                if status == 429, case .response(let code, var headers, let body) = outcome {
                    headers.append(("Retry-After", "1"))
                    outcome = .response(status: code, headers: headers, body: body)
                }
                return outcome
            }
        }
        var rateHeaders: [(String, String)] = []
        if options.rateLimits {
            let verdict = limiter.check(method: method, path: apiPath, now: sandbox.now)
            rateHeaders = [("Ratelimit-Limit", String(verdict.limit)), ("Ratelimit-Remaining", String(verdict.remaining)),
                           ("Ratelimit-Reset", String(verdict.resetSeconds))]
            if !verdict.allowed {
                return with(rateHeaders, error(429, "rate limit exceeded: \(verdict.limit) requests per window; retry in \(verdict.resetSeconds) s"))
            }
        }
        let parameters = QueryParameters(query)
        do {
            return with(rateHeaders, try route(method: method, path: apiPath, query: parameters, body: body))
        } catch let failure as SandboxFailure {
            return with(rateHeaders, error(failure.status, failure.message))
        } catch let failure as DecodingError {
            return with(rateHeaders, error(400, "invalid request body: \(RenderAPIClient.describe(failure))"))
        } catch {
            return with(rateHeaders, self.error(500, "internal error: \(error)"))
        }
    }

    // MARK: Routing

    private func route(method: String, path: String, query: QueryParameters, body: Data) throws -> Outcome {
        let parts = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        switch (method, parts.count, parts.first ?? "") {
        case ("GET", 1, "services"):
            var filter = ServiceListFilter()
            filter.names = query.list("name")
            filter.ownerIds = query.list("ownerId")
            filter.types = query.list("type")
            filter.regions = query.list("region")
            filter.suspended = query.list("suspended")
            filter.runtimes = query.list("env")
            return try json(200, sandbox.wireListServices(filter, limit: query.int("limit"), cursor: query.first("cursor")))
        case ("POST", 1, "services"):
            return try json(201, sandbox.wireCreateService(decode(RenderServicePOST.self, body)))
        case (_, 2, "services"):
            let id = parts[1]
            switch method {
            case "GET": return try json(200, sandbox.wireService(id: id))
            case "PATCH":
                let object = try jsonObject(body)
                if let reason = Sandbox.forbiddenPatchFields(object) { throw SandboxFailure.badRequest(reason) }
                return try json(200, sandbox.wireUpdateService(id: id, decode(RenderServicePATCH.self, body)))
            case "DELETE":
                try sandbox.wireDeleteService(id: id)
                return .response(status: 204, headers: [], body: nil)
            default: break
            }
        case (_, 3, "services"):
            let id = parts[1]
            switch (method, parts[2]) {
            case ("POST", "scale"):
                let object = try jsonObject(body)
                guard let count = object["numInstances"] as? Int, !(object["numInstances"] is Bool) else {
                    throw SandboxFailure.badRequest("numInstances (an integer) is required")
                }
                try sandbox.wireScale(id: id, numInstances: count)
                return .response(status: 202, headers: [], body: nil)
            case ("PUT", "autoscaling"):
                return try json(200, sandbox.wireSetAutoscaling(id: id, decode(RenderAutoscaling.self, body)))
            case ("DELETE", "autoscaling"):
                try sandbox.wireDeleteAutoscaling(id: id)
                return .response(status: 204, headers: [], body: nil)
            case ("POST", "suspend"):
                try sandbox.wireSetSuspended(id: id, true)
                return .response(status: 202, headers: [], body: nil)
            case ("POST", "resume"):
                try sandbox.wireSetSuspended(id: id, false)
                return .response(status: 202, headers: [], body: nil)
            case ("GET", "env-vars"):
                return try json(200, sandbox.wireEnvVars(id: id, limit: query.int("limit"), cursor: query.first("cursor")))
            case ("PUT", "env-vars"):
                return try json(200, sandbox.wireReplaceEnvVars(id: id, decode([RenderEnvVarInput].self, body)))
            case ("GET", "instances"):
                return try json(200, sandbox.wireInstances(id: id))
            default: break
            }
        case ("GET", 1, "owners"):
            return try json(200, sandbox.wireOwners(names: query.all("name"), emails: query.all("email"), limit: query.int("limit"),
                                                    cursor: query.first("cursor")))
        case ("GET", 2, "owners"):
            return try json(200, sandbox.wireOwner(id: parts[1]))
        case (_, 1, "key-value"), (_, 1, "postgres"):
            let isKeyValue = parts[0] == "key-value"
            if method == "GET" {
                var filter = Sandbox.DatastoreListFilter()
                filter.names = query.list("name")
                filter.ownerIds = query.list("ownerId")
                filter.regions = query.list("region")
                return isKeyValue
                    ? try json(200, sandbox.wireListKeyValues(filter, limit: query.int("limit"), cursor: query.first("cursor")))
                    : try json(200, sandbox.wireListPostgres(filter, limit: query.int("limit"), cursor: query.first("cursor")))
            }
            if method == "POST" {
                return isKeyValue
                    ? try json(201, sandbox.wireCreateKeyValue(decode(RenderKeyValuePOST.self, body)))
                    : try json(201, sandbox.wireCreatePostgres(decode(RenderPostgresPOST.self, body)))
            }
        case (_, 2, "key-value"), (_, 2, "postgres"):
            let isKeyValue = parts[0] == "key-value"
            let id = parts[1]
            switch method {
            case "GET":
                return isKeyValue ? try json(200, sandbox.wireKeyValue(id: id)) : try json(200, sandbox.wirePostgres(id: id))
            case "PATCH":
                return isKeyValue
                    ? try json(200, sandbox.wireUpdateKeyValue(id: id, decode(RenderKeyValuePATCH.self, body)))
                    : try json(200, sandbox.wireUpdatePostgres(id: id, decode(RenderPostgresPATCH.self, body)))
            case "DELETE":
                if isKeyValue { try sandbox.wireDeleteKeyValue(id: id) } else { try sandbox.wireDeletePostgres(id: id) }
                return .response(status: 204, headers: [], body: nil)
            default: break
            }
        case ("GET", 2, "metrics"):
            guard let kind = RenderMetricKind(rawValue: parts[1]) else {
                throw SandboxFailure(404, "the sandbox does not serve /metrics/\(parts[1])")
            }
            var resources = query.all("resource").flatMap { $0.split(separator: ",").map(String.init) }
            resources += query.all("service")
            func date(_ name: String) throws -> Date? {
                guard let text = query.first(name) else { return nil }
                guard let date = RenderJSON.parseDate(text) else { throw SandboxFailure.badRequest("\(name) must be an RFC 3339 date-time") }
                return date
            }
            var resolution: Double?
            if let text = query.first("resolutionSeconds") {
                guard let value = Double(text) else { throw SandboxFailure.badRequest("resolutionSeconds must be a number") }
                resolution = value
            }
            var quantile: Double?
            if let text = query.first("quantile") {
                guard let value = Double(text), value > 0, value < 1 else { throw SandboxFailure.badRequest("quantile must be between 0 and 1") }
                quantile = value
            }
            return try json(200, sandbox.wireMetrics(kind, resources: resources, start: date("startTime"), end: date("endTime"),
                                                     resolutionSeconds: resolution, quantile: quantile, aggregateBy: query.first("aggregateBy")))
        default:
            break
        }
        throw SandboxFailure(404, "not found: \(method) /v1\(path)")
    }

    /// Sandbox-only endpoints outside `/v1`: no authorization, rate limits or faults.
    private func admin(method: String, path: String, body: Data) -> Outcome {
        do {
            switch (method, path) {
            case ("POST", "/_sandbox/load"):
                return try json(200, sandbox.wireSetLoad(decode(SandboxLoadRequest.self, body)))
            case ("GET", "/_sandbox/health"):
                return .response(status: 200, headers: [("Content-Type", "application/json")], body: Data("{\"ok\":true}".utf8))
            default:
                return error(404, "not found: \(method) \(path) (sandbox endpoints: POST /_sandbox/load, GET /_sandbox/health)")
            }
        } catch let failure as SandboxFailure {
            return error(failure.status, failure.message)
        } catch let failure as DecodingError {
            return error(400, "invalid request body: \(RenderAPIClient.describe(failure))")
        } catch {
            return self.error(500, "internal error: \(error)")
        }
    }

    // MARK: Helpers

    private func decode<T: Decodable>(_ type: T.Type, _ body: Data) throws -> T {
        guard !body.isEmpty else { throw SandboxFailure.badRequest("a JSON request body is required") }
        return try RenderJSON.decoder().decode(T.self, from: body)
    }

    private func jsonObject(_ body: Data) throws -> [String: Any] {
        guard !body.isEmpty, let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw SandboxFailure.badRequest("a JSON object request body is required")
        }
        return object
    }

    private func json<T: Encodable>(_ status: Int, _ value: T) throws -> Outcome {
        .response(status: status, headers: [("Content-Type", "application/json; charset=utf-8")], body: try RenderJSON.encoder().encode(value))
    }

    private func error(_ status: Int, _ message: String) -> Outcome {
        let body = RenderErrorBody(id: UUID().uuidString.lowercased(), message: message)
        return .response(status: status, headers: [("Content-Type", "application/json; charset=utf-8")],
                         body: try? RenderJSON.encoder().encode(body))
    }

    private func with(_ extra: [(String, String)], _ outcome: Outcome) -> Outcome {
        guard case .response(let status, let headers, let body) = outcome else { return outcome }
        return .response(status: status, headers: headers + extra, body: body)
    }
}

/// A query string's parameters, in order; arrays may be repeated or comma-separated (`style: form, explode: false`).
struct QueryParameters {
    var pairs: [(String, String)] = []

    init(_ query: String?) {
        guard let query, !query.isEmpty else { return }
        for item in query.split(separator: "&") {
            let halves = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            pairs.append((decode(halves[0]), halves.count > 1 ? decode(halves[1]) : ""))
        }
    }

    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }
    func first(_ name: String) -> String? { all(name).first }

    /// Values of a form array parameter: repeated and comma-separated both work.
    func list(_ name: String) -> [String] {
        all(name).flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
    }

    func int(_ name: String) throws -> Int? {
        guard let text = first(name) else { return nil }
        guard let value = Int(text) else { throw SandboxFailure.badRequest("\(name) must be an integer") }
        return value
    }
}

import Foundation

/// Render's rate-limit buckets (`../shared/reference/render.md` §1), used by the client to pace itself
/// and by the sandbox to enforce them.
///
/// | bucket | requests | limit |
/// |---|---|---|
/// | `get` | every GET | 400 / minute |
/// | `create-service` | `POST /services` | 20 / hour |
/// | `scale:<id>` | `POST /services/{id}/scale` | 10 / minute / service |
/// | `service:<id>` | `PATCH /services/{id}`, `POST …/suspend`, `…/resume`, `…/deploys` | 10 / minute / service |
/// | `autoscaling` | `PUT`/`DELETE /services/{id}/autoscaling` | 100 / minute |
/// | `write` | every other POST, PUT, PATCH, DELETE | 30 / minute |
public struct RenderRateLimits: Sendable, Equatable {
    public struct Limit: Sendable, Equatable {
        public var requests: Int
        public var window: TimeInterval

        public init(requests: Int, window: TimeInterval) {
            self.requests = requests
            self.window = window
        }
    }

    public var get = Limit(requests: 400, window: 60)
    public var write = Limit(requests: 30, window: 60)
    public var createService = Limit(requests: 20, window: 3600)
    public var scalePerService = Limit(requests: 10, window: 60)
    public var serviceWritePerService = Limit(requests: 10, window: 60)
    public var autoscaling = Limit(requests: 100, window: 60)

    public init() {}

    /// Render's published budgets.
    public static let render = RenderRateLimits()

    /// The bucket a request counts against, and that bucket's limit.
    /// `path` is relative to the API root (`/services/srv-…/scale`), without a query.
    public func bucket(method: String, path: String) -> (name: String, limit: Limit) {
        let method = method.uppercased()
        if method == "GET" || method == "HEAD" { return ("get", get) }
        let parts = path.split(separator: "/").map(String.init)
        if parts.first == "services" {
            if parts.count == 1, method == "POST" { return ("create-service", createService) }
            if parts.count >= 2 {
                let id = parts[1]
                if parts.count == 2, method == "PATCH" { return ("service:\(id)", serviceWritePerService) }
                if parts.count == 3 {
                    switch (method, parts[2]) {
                    case ("POST", "scale"): return ("scale:\(id)", scalePerService)
                    case ("POST", "suspend"), ("POST", "resume"), ("POST", "deploys"):
                        return ("service:\(id)", serviceWritePerService)
                    case ("PUT", "autoscaling"), ("DELETE", "autoscaling"): return ("autoscaling", autoscaling)
                    default: break
                    }
                }
            }
        }
        return ("write", write)
    }
}

import Foundation

/// What `POST /_sandbox/load` accepts: a service (by ID or name) and its load.
struct SandboxLoadRequest: Codable, Sendable {
    var serviceId: String?
    var name: String?
    var requestsPerSecond: Double?
    var cpuPerRequest: Double?
    var cpu: Double?
    var memoryMB: Double?
    var latencyMs: Double?
    var errorRate: Double?
    /// `timestamp,value` CSV.
    var trace: String?
    var traceMetric: String?
    var speed: Double?
    var loop: Bool?
}

/// What the sandbox reports back after setting a load: the model's view right now.
public struct SandboxLoadStatus: Codable, Sendable, Equatable {
    public var serviceId: String
    public var instances: Int
    public var requestsPerSecond: Double
    /// CPU utilisation per instance, 0…1.
    public var cpuUtilisation: Double
    public var memoryUtilisation: Double
    public var latencyP95Ms: Double
    public var errorRate: Double
}

extension Sandbox {
    /// Sets a service's load; metrics and the emulated native autoscaler follow it.
    @discardableResult
    public func setLoad(serviceId: String, _ load: SandboxLoad) throws -> SandboxLoadStatus {
        do {
            return try applyLoad(serviceIdOrName: serviceId, load)
        } catch let failure as SandboxFailure {
            throw RenderAPIError(kind: .status(failure.status), operation: "sandbox-load", method: "POST", path: "/_sandbox/load", message: failure.message)
        }
    }

    func wireSetLoad(_ request: SandboxLoadRequest) throws -> SandboxLoadStatus {
        guard let key = request.serviceId ?? request.name else { throw SandboxFailure.badRequest("serviceId or name is required") }
        var load = SandboxLoad()
        load.requestsPerSecond = request.requestsPerSecond
        load.cpuPerRequest = request.cpuPerRequest
        load.cpu = request.cpu
        load.memoryMB = request.memoryMB
        load.latencyMs = request.latencyMs
        load.errorRate = request.errorRate
        if let trace = request.trace {
            load.trace = try SandboxLoad.parseTrace(trace)
            load.traceMetric = request.traceMetric ?? "requests"
            load.speed = request.speed ?? 1
            load.loop = request.loop ?? false
        }
        return try applyLoad(serviceIdOrName: key, load)
    }

    private func applyLoad(serviceIdOrName key: String, _ load: SandboxLoad) throws -> SandboxLoadStatus {
        let now = self.now
        for value in [load.requestsPerSecond, load.cpu, load.cpuPerRequest, load.memoryMB, load.latencyMs, load.errorRate] {
            if let value, value < 0 || !value.isFinite { throw SandboxFailure.badRequest("load values must be finite and not negative") }
        }
        var load = load
        if load.trace != nil, load.traceStart == nil { load.traceStart = now }
        let stored = load
        return try store.write { state in
            guard let index = state.serviceIndex(key) ?? state.services.firstIndex(where: { $0.service.name == key }) else {
                throw SandboxFailure.notFound(key)
            }
            state.services[index].load = stored
            reconcileInstances(&state.services[index], now: now)
            let record = state.services[index]
            let serving = max(1, record.instances.filter { $0.isServing(at: now) }.count)
            let plan = record.service.serviceDetails.plan ?? "starter"
            let sample = LoadSample(load: stored, plan: plan, instances: serving, at: now)
            return SandboxLoadStatus(serviceId: record.service.id, instances: serving, requestsPerSecond: sample.requestsPerSecond,
                                     cpuUtilisation: sample.utilisation,
                                     memoryUtilisation: sample.memoryBytesPerInstance / (PlanCapacity.of(plan).memoryMB * 1_048_576),
                                     latencyP95Ms: sample.latency(quantile: 0.95), errorRate: sample.errorRate)
        }
    }

    /// `GET /metrics/{kind}` for sandbox services: series computed from each service's load and the
    /// instances that were serving at each step. Datastores report no series.
    func wireMetrics(_ kind: RenderMetricKind, resources: [String], start: Date?, end: Date?, resolutionSeconds: Double?,
                     quantile: Double?, aggregateBy: String?) throws -> [RenderMetricSeriesWire] {
        try metricSeries(kind, resources: resources, start: start, end: end, resolutionSeconds: resolutionSeconds, quantile: quantile,
                         aggregateBy: aggregateBy).map { series in
            RenderMetricSeriesWire(labels: series.labels.map { .init(field: $0.field, value: $0.value) },
                                   values: series.values.map { .init(timestamp: RenderJSON.formatDate($0.timestamp), value: $0.value, unit: series.unit) },
                                   unit: series.unit)
        }
    }

    /// The series of `wireMetrics` before they are put in wire form: the in-process provider takes
    /// them as they are (formatting and parsing every timestamp cost more than computing the series).
    func metricSeries(_ kind: RenderMetricKind, resources: [String], start: Date?, end: Date?, resolutionSeconds: Double?,
                      quantile: Double?, aggregateBy: String?) throws -> [RenderMetricSeries] {
        let now = self.now
        let end = end ?? now
        let start = start ?? end.addingTimeInterval(-3600)
        let resolution = resolutionSeconds ?? 60
        guard resolution >= 30 else { throw SandboxFailure.badRequest("resolutionSeconds must be at least 30") }
        guard start <= end else { throw SandboxFailure.badRequest("startTime must not be after endTime") }
        let first = (start.timeIntervalSince1970 / resolution).rounded(.up) * resolution
        let steps = Int(((end.timeIntervalSince1970 - first) / resolution).rounded(.down)) + 1
        guard steps <= 1500 else { throw SandboxFailure.badRequest("too many points: raise resolutionSeconds or shorten the range") }
        if let aggregateBy, !["statusCode", "host"].contains(aggregateBy) {
            throw SandboxFailure.badRequest("aggregateBy must be statusCode or host")
        }
        let times = (0..<max(0, steps)).map { Date(timeIntervalSince1970: first + Double($0) * resolution) }
        // Bring instance sets up to date (boot completions, the emulated autoscaler) before reading history.
        // In place and saved only if something changed: a metrics read costs O(resources), not O(services).
        let records: [ServiceRecord] = try store.modify { state, changed in
            let indices = Set(resources.compactMap { state.serviceIndex($0) }).sorted()
            return indices.map { index in
                if reconcileInstances(&state.services[index], now: now) { changed = true }
                return state.services[index]
            }
        }
        var result: [RenderMetricSeries] = []
        for record in records {
            result += Self.series(kind, record: record, times: times, resolution: resolution, quantile: quantile, aggregateBy: aggregateBy)
        }
        return result
    }

    static func series(_ kind: RenderMetricKind, record: ServiceRecord, times: [Date], resolution: Double, quantile: Double?,
                       aggregateBy: String?) -> [RenderMetricSeries] {
        let id = record.service.id
        let plan = record.service.serviceDetails.plan ?? "starter"
        let capacity = PlanCapacity.of(plan)
        let serviceLabel = RenderMetricSeries.Label(field: "service", value: id)
        // Counted once per step: the instance history may hold hundreds of records.
        var servingCounts: [Date: Int] = [:]
        for time in times { servingCounts[time] = record.instances.reduce(0) { $0 + ($1.isServing(at: time) ? 1 : 0) } }
        func servingCount(_ time: Date) -> Int { servingCounts[time] ?? 0 }
        func sample(_ time: Date) -> LoadSample {
            LoadSample(load: record.load, plan: plan, instances: servingCount(time), at: time)
        }
        func point(_ time: Date, _ value: Double, _ unit: String) -> RenderMetricSeries.Point {
            .init(timestamp: time, value: (value * 1_000_000).rounded() / 1_000_000)
        }
        func perInstance(_ unit: String, _ value: (LoadSample) -> Double) -> [RenderMetricSeries] {
            let samples = Dictionary(uniqueKeysWithValues: times.filter { servingCount($0) > 0 }.map { ($0, value(sample($0))) })
            return record.instances.compactMap { instance in
                let points = times.compactMap { time in instance.isServing(at: time) ? point(time, samples[time] ?? 0, unit) : nil }
                guard !points.isEmpty else { return nil }
                return RenderMetricSeries(labels: [serviceLabel, .init(field: "instance", value: instance.id)], values: points, unit: unit)
            }
        }
        func whole(_ unit: String, labels: [RenderMetricSeries.Label] = [], _ value: (Date) -> Double?) -> RenderMetricSeries {
            RenderMetricSeries(labels: [serviceLabel] + labels,
                                   values: times.compactMap { time in value(time).map { point(time, $0, unit) } }, unit: unit)
        }
        switch kind {
        case .cpu:
            return perInstance("cpu") { $0.cpuPerInstance }
        case .memory:
            return perInstance("bytes") { $0.memoryBytesPerInstance }
        case .cpuLimit:
            return [whole("cpu") { servingCount($0) == 0 ? nil : capacity.cpu }]
        case .memoryLimit:
            return [whole("bytes") { servingCount($0) == 0 ? nil : capacity.memoryMB * 1_048_576 }]
        case .instanceCount:
            return [whole("instances") { Double(servingCount($0)) }]
        case .httpLatency:
            guard record.service.type == "web_service" else { return [] }
            let q = quantile ?? 0.95
            return [whole("ms", labels: [.init(field: "quantile", value: String(q))]) { time in
                servingCount(time) == 0 ? nil : sample(time).latency(quantile: q)
            }]
        case .httpRequests:
            guard record.service.type == "web_service" else { return [] }
            if aggregateBy == "statusCode" {
                let ok = whole("unitless", labels: [.init(field: "statusCode", value: "200")]) { time in
                    let current = sample(time)
                    return current.requestsPerSecond * resolution * (1 - current.errorRate)
                }
                let failed = whole("unitless", labels: [.init(field: "statusCode", value: "503")]) { time in
                    let current = sample(time)
                    return current.requestsPerSecond * resolution * current.errorRate
                }
                return [ok, failed]
            }
            return [whole("unitless") { sample($0).requestsPerSecond * resolution }]
        }
    }
}

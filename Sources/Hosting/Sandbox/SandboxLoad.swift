import Foundation

/// The load a sandbox service is under, set through `POST /_sandbox/load` (or `Sandbox.setLoad`).
///
/// Demand is for the whole service; per-instance utilisation divides it by the instances serving, so
/// scaling out lowers CPU per instance as it would on Render.
///
/// ```json
/// {"name": "backend-api", "requestsPerSecond": 150, "cpuPerRequest": 0.005, "latencyMs": 60}
/// {"serviceId": "srv-…", "trace": "timestamp,value\n2023-…Z,12\n…", "speed": 60, "loop": true}
/// ```
public struct SandboxLoad: Codable, Sendable, Equatable {
    /// Offered requests per second for the whole service.
    public var requestsPerSecond: Double?
    /// CPU core-seconds one request costs (default 0.005: 100 req/s keep one starter instance busy).
    public var cpuPerRequest: Double?
    /// Total CPU demand in cores; overrides `requestsPerSecond × cpuPerRequest`.
    public var cpu: Double?
    /// Resident memory per instance in MB; default grows with utilisation from 30 % of the plan's RAM.
    public var memoryMB: Double?
    /// Median latency of an idle instance in ms (default 40).
    public var latencyMs: Double?
    /// Fraction of requests failing regardless of load (default 0).
    public var errorRate: Double?
    /// A `timestamp,value` trace replayed from `traceStart`: values are requests per second, or CPU
    /// percent of one instance when `traceMetric` is `cpu`.
    public var trace: [TracePoint]?
    public var traceMetric: String?
    public var traceStart: Date?
    /// Trace seconds per sandbox second (60 plays a minute of trace per second).
    public var speed: Double?
    /// Start the trace again at its end (otherwise the last value holds).
    public var loop: Bool?

    public struct TracePoint: Codable, Sendable, Equatable {
        /// Seconds from the trace's first timestamp.
        public var offset: Double
        public var value: Double
    }

    public init(requestsPerSecond: Double? = nil, cpu: Double? = nil) {
        self.requestsPerSecond = requestsPerSecond
        self.cpu = cpu
    }

    /// Parses `timestamp,value` CSV (header optional; ISO 8601 or epoch seconds).
    public static func parseTrace(_ csv: String) throws -> [TracePoint] {
        var points: [(Date, Double)] = []
        for (index, rawLine) in csv.split(whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 2 else { throw SandboxFailure.badRequest("trace line \(index + 1): expected timestamp,value") }
            if index == 0, Double(fields[1]) == nil { continue }
            let time = RenderJSON.parseDate(fields[0]) ?? Double(fields[0]).map { Date(timeIntervalSince1970: $0) }
            guard let time, let value = Double(fields[1]) else {
                throw SandboxFailure.badRequest("trace line \(index + 1): cannot read \"\(line)\"")
            }
            points.append((time, value))
        }
        guard let first = points.first?.0 else { throw SandboxFailure.badRequest("trace has no points") }
        return points.map { TracePoint(offset: $0.0.timeIntervalSince(first), value: $0.1) }.sorted { $0.offset < $1.offset }
    }

    /// The trace's value at sandbox time `time` (step interpolation).
    func traceValue(at time: Date) -> Double? {
        guard let trace, let last = trace.last, let start = traceStart else { return nil }
        var offset = max(0, time.timeIntervalSince(start)) * (speed ?? 1)
        if loop ?? false, last.offset > 0 { offset = offset.truncatingRemainder(dividingBy: last.offset + 1) }
        var low = 0
        var high = trace.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if trace[middle].offset <= offset { low = middle } else { high = middle - 1 }
        }
        return trace[low].value
    }
}

/// CPU and memory of an instance type, for utilisation.
struct PlanCapacity {
    var cpu: Double
    var memoryMB: Double

    static func of(_ plan: String) -> PlanCapacity {
        switch plan {
        case "free": return PlanCapacity(cpu: 0.1, memoryMB: 512)
        case "starter": return PlanCapacity(cpu: 0.5, memoryMB: 512)
        case "starter_plus": return PlanCapacity(cpu: 1, memoryMB: 1024)
        case "standard": return PlanCapacity(cpu: 1, memoryMB: 2048)
        case "standard_plus": return PlanCapacity(cpu: 1.5, memoryMB: 3072)
        case "pro": return PlanCapacity(cpu: 2, memoryMB: 4096)
        case "pro_plus": return PlanCapacity(cpu: 4, memoryMB: 8192)
        case "pro_max": return PlanCapacity(cpu: 4, memoryMB: 16384)
        case "pro_ultra": return PlanCapacity(cpu: 8, memoryMB: 32768)
        default: return PlanCapacity(cpu: 0.5, memoryMB: 512)
        }
    }
}

/// What a service experiences at one instant with `instances` serving: the sandbox's capacity model.
struct LoadSample {
    var requestsPerSecond: Double
    /// CPU cores used per instance.
    var cpuPerInstance: Double
    /// 0…1 of the instance's CPU.
    var utilisation: Double
    var memoryBytesPerInstance: Double
    var errorRate: Double
    var latencyMedianMs: Double

    static let idleCoresPerInstance = 0.01

    init(load: SandboxLoad?, plan: String, instances: Int, at time: Date) {
        let capacity = PlanCapacity.of(plan)
        let load = load ?? SandboxLoad()
        var rps = load.requestsPerSecond ?? 1
        var demand: Double
        if let traced = load.traceValue(at: time) {
            if load.traceMetric == "cpu" {
                demand = traced / 100 * capacity.cpu
                rps = demand / (load.cpuPerRequest ?? 0.005)
            } else {
                rps = traced
                demand = rps * (load.cpuPerRequest ?? 0.005)
            }
        } else if let cpu = load.cpu {
            demand = cpu
        } else {
            demand = rps * (load.cpuPerRequest ?? 0.005)
        }
        let serving = max(1, instances)
        let wanted = demand / Double(serving) + Self.idleCoresPerInstance
        cpuPerInstance = min(capacity.cpu, wanted)
        utilisation = cpuPerInstance / capacity.cpu
        requestsPerSecond = rps
        let overload = wanted > capacity.cpu ? 1 - capacity.cpu / wanted : 0
        errorRate = min(1, (load.errorRate ?? 0) + overload)
        let memoryMB = load.memoryMB ?? (0.3 * capacity.memoryMB + 0.2 * capacity.memoryMB * utilisation)
        memoryBytesPerInstance = memoryMB * 1_048_576
        latencyMedianMs = (load.latencyMs ?? 40) / (1 - min(utilisation, 0.95))
    }

    /// Latency at quantile `q`, modelled as exponential around the median.
    func latency(quantile q: Double) -> Double {
        let q = min(max(q, 0.01), 0.999)
        return latencyMedianMs * max(1, -log(1 - q) / log(2))
    }
}

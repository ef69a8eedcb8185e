import Blueprint
import Foundation
import Planning

/// Carries out a ``Plan`` through a ``HostingProvider``: dependency order, bounded concurrency,
/// progress events, and a state write after every change so a failure loses nothing.
///
/// Order: datastores are created and changed before services; services are destroyed before
/// datastores. When a phase has a failure, later phases are not attempted.
///
/// ```swift
/// let executor = PlanExecutor(provider: provider, ownerId: owner, parallelism: 10,
///                             secret: { ProcessInfo.processInfo.environment[$0] })
/// let report = await executor.apply(plan, state: state, save: { try store.save($0) }, progress: { print($0) })
/// print(report.completionLine)
/// ```
public struct PlanExecutor: Sendable {
    public let provider: any HostingProvider
    public let ownerId: String
    public let parallelism: Int
    /// A secret's value by name (the process environment); never logged.
    public let secret: @Sendable (String) -> String?

    public init(provider: any HostingProvider, ownerId: String, parallelism: Int = 10,
                secret: @escaping @Sendable (String) -> String? = { ProcessInfo.processInfo.environment[$0] }) {
        self.provider = provider
        self.ownerId = ownerId
        self.parallelism = max(1, parallelism)
        self.secret = secret
    }

    /// `save` is called with the serial one above the last one written (or read), one call at a time, in order.
    public func apply(_ plan: Plan, state: BallastState, save: @escaping @Sendable (BallastState) async throws -> Void,
                      progress: @escaping @Sendable (ApplyEvent) -> Void = { _ in }) async -> ApplyReport {
        let changes = plan.actionable
        // Every secret the plan writes must be set before anything changes: otherwise the datastores
        // are created and then each service fails on its first missing secret, half applied.
        let missing = missingSecrets(changes)
        if !missing.isEmpty {
            let entries = changes.map { change -> ApplyReport.Entry in
                guard let names = missing[change.address] else { return ApplyReport.Entry(change: change, status: .notAttempted, id: change.id) }
                let message = "\(names.count == 1 ? "secret" : "secrets") \(names.joined(separator: ", ")) not set in the environment; nothing was applied"
                progress(.failed(change, message: message))
                return ApplyReport.Entry(change: change, status: .failed(message), id: change.id)
            }
            return ApplyReport(entries: entries, state: state, stateError: nil)
        }
        let recorder = StateRecorder(state: state, save: save)
        let phases: [[ResourceChange]] = [
            changes.filter { $0.kind != .service && $0.action != .delete },
            changes.filter { $0.kind == .service && $0.action != .delete },
            changes.filter { $0.kind == .service && $0.action == .delete },
            changes.filter { $0.kind != .service && $0.action == .delete },
        ]
        var results: [String: (ApplyReport.Status, String?)] = [:]
        var stopped = false
        for phase in phases where !phase.isEmpty {
            if stopped {
                for change in phase { results[change.address] = (.notAttempted, change.id) }
                continue
            }
            let outcomes = await run(phase, recorder: recorder, progress: progress)
            for (address, outcome) in outcomes {
                results[address] = outcome
                if case .failed = outcome.0 { stopped = true }
            }
        }
        await recorder.flush()
        await refreshUpdatedAt(changes.filter { $0.kind == .service && results[$0.address]?.0 == .done && $0.action != .delete },
                               plan: plan, recorder: recorder)
        let entries = changes.map { change in
            ApplyReport.Entry(change: change, status: results[change.address]?.0 ?? .notAttempted, id: results[change.address]?.1)
        }
        return ApplyReport(entries: entries, state: await recorder.state, stateError: await recorder.saveError.map { "\($0)" })
    }

    /// At most `parallelism` changes in flight.
    private func run(_ phase: [ResourceChange], recorder: StateRecorder,
                     progress: @escaping @Sendable (ApplyEvent) -> Void) async -> [String: (ApplyReport.Status, String?)] {
        await withTaskGroup(of: (String, ApplyReport.Status, String?).self) { group in
            var results: [String: (ApplyReport.Status, String?)] = [:]
            var pending = phase[...]
            var running = 0
            while running < parallelism, let next = pending.popFirst() {
                group.addTask { await self.perform(next, recorder: recorder, progress: progress) }
                running += 1
            }
            while let (address, status, id) = await group.next() {
                results[address] = (status, id)
                if let next = pending.popFirst() {
                    group.addTask { await self.perform(next, recorder: recorder, progress: progress) }
                }
            }
            return results
        }
    }

    private func perform(_ change: ResourceChange, recorder: StateRecorder,
                         progress: @escaping @Sendable (ApplyEvent) -> Void) async -> (String, ApplyReport.Status, String?) {
        progress(.started(change))
        let start = ContinuousClock.now
        var id = change.id
        var created = false
        do {
            for operation in change.operations {
                try await execute(operation, change: change, id: &id, created: &created)
            }
            await recorder.record(change, id: id)
            let elapsed = ContinuousClock.now - start
            progress(.completed(change, id: id, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
            return (change.address, .done, id)
        } catch {
            // Keep what did happen: a resource that now exists is managed; a deleted one is gone.
            await recorder.recordFailure(change, id: id, created: created)
            // Lines are shown after the change's address; an ApplyError about that change does not repeat it.
            let message = (error as? ApplyError).flatMap { $0.address == change.address ? $0.message : nil } ?? "\(error)"
            progress(.failed(change, message: message))
            return (change.address, .failed(message), id)
        }
    }

    private func execute(_ operation: ChangeStep, change: ResourceChange, id: inout String?, created: inout Bool) async throws {
        switch operation {
        case .createService(let planned):
            let service = try await provider.createService(try request(planned))
            id = service.id
            created = true
        case .updateService(let patch):
            var update = ServiceUpdate(plan: patch.plan, healthCheckPath: patch.healthCheckPath)
            update.repo = patch.repo
            update.branch = patch.branch
            update.buildCommand = patch.buildCommand
            update.startCommand = patch.startCommand
            update.image = patch.image
            update.schedule = patch.schedule
            _ = try await provider.updateService(id: try require(id, change), update)
        case .scale(let count):
            try await provider.scale(serviceId: try require(id, change), numInstances: count)
        case .setAutoscaling(let config):
            _ = try await provider.setAutoscaling(serviceId: try require(id, change), config)
        case .disableAutoscaling:
            do {
                try await provider.deleteAutoscaling(serviceId: try require(id, change))
            } catch let error as RenderAPIError where error.isNotFound {
                // Already off.
            }
        case .setEnvVars(let variables):
            let serviceId = try require(id, change)
            var current: [String: String] = [:]
            if variables.contains(where: { $0.value == .keep }) {
                current = Dictionary(try await provider.listEnvVars(serviceId: serviceId).map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            }
            let inputs = try variables.map { variable -> EnvVarInput in
                if variable.value == .keep {
                    guard let value = current[variable.key] else { return .generated(variable.key) }
                    return EnvVarInput(key: variable.key, value: value)
                }
                return try envInput(variable, service: change.name)
            }
            _ = try await provider.replaceEnvVars(serviceId: serviceId, inputs)
        case .deleteService:
            do {
                try await provider.deleteService(id: try require(id, change))
            } catch let error as RenderAPIError where error.isNotFound {
                // Already gone.
            }
            id = nil
        case .createDatastore(let planned):
            var request = DatastoreCreateRequest(name: planned.name, type: planned.type, ownerId: ownerId, plan: planned.plan, region: planned.region)
            request.version = planned.version
            request.diskSizeGB = planned.diskSizeGB
            request.maxmemoryPolicy = planned.maxmemoryPolicy
            let datastore = try await provider.createDatastore(request)
            id = datastore.id
            created = true
        case .updateDatastore(let patch):
            var update = DatastoreUpdate(plan: patch.plan)
            update.maxmemoryPolicy = patch.maxmemoryPolicy
            update.diskSizeGB = patch.diskSizeGB
            guard let type = change.kind.datastoreType else { return }
            _ = try await provider.updateDatastore(type, id: try require(id, change), update)
        case .deleteDatastore:
            guard let type = change.kind.datastoreType else { return }
            do {
                try await provider.deleteDatastore(type, id: try require(id, change))
            } catch let error as RenderAPIError where error.isNotFound {
                // Already gone.
            }
            id = nil
        }
    }

    private func require(_ id: String?, _ change: ResourceChange) throws -> String {
        guard let id else { throw ApplyError(address: change.address, message: "no ID to act on (an earlier step failed)") }
        return id
    }

    /// For each change that writes a secret `secret` does not have: the secrets, as "NAME (for KEY)".
    private func missingSecrets(_ changes: [ResourceChange]) -> [String: [String]] {
        var missing: [String: [String]] = [:]
        for change in changes {
            for operation in change.operations {
                let variables: [PlannedEnvVar]
                switch operation {
                case .createService(let planned): variables = planned.env
                case .setEnvVars(let list): variables = list
                default: continue
                }
                for variable in variables {
                    guard case .secret(let name) = variable.value, secret(name) == nil else { continue }
                    let described = "\(name) (for \(variable.key))"
                    if !(missing[change.address]?.contains(described) ?? false) { missing[change.address, default: []].append(described) }
                }
            }
        }
        return missing
    }

    private func envInput(_ variable: PlannedEnvVar, service: String) throws -> EnvVarInput {
        switch variable.value {
        case .plain(let value): return EnvVarInput(key: variable.key, value: value)
        case .generated, .keep: return .generated(variable.key)
        case .secret(let name):
            guard let value = secret(name) else {
                throw ApplyError(address: "service.\(service)", message: "secret \(name) (for \(variable.key)) is not set in the environment")
            }
            return EnvVarInput(key: variable.key, value: value)
        }
    }

    private func request(_ planned: PlannedService) throws -> ServiceCreateRequest {
        var request = ServiceCreateRequest(name: planned.name, type: planned.type, runtime: planned.runtime, ownerId: ownerId,
                                           plan: planned.plan, region: planned.region,
                                           numInstances: planned.type.isScalable ? planned.numInstances : nil)
        request.autoscaling = planned.autoscaling
        request.healthCheckPath = planned.healthCheckPath
        request.repo = planned.repo
        request.branch = planned.branch
        request.buildCommand = planned.buildCommand
        request.startCommand = planned.startCommand
        request.image = planned.image
        request.schedule = planned.schedule
        request.envVars = try planned.env.map { try envInput($0, service: planned.name) }
        return request
    }

    /// Records each changed service's `updatedAt` after the apply, so the next plan may skip reading
    /// env vars that cannot have moved. One list call per 50 names (or per 100 services past 100).
    private func refreshUpdatedAt(_ changes: [ResourceChange], plan: Plan, recorder: StateRecorder) async {
        guard !changes.isEmpty else { return }
        let names = changes.map(\.name)
        var live: [LiveService] = []
        do {
            if names.count > 100 {
                live = try await provider.listServices(ownerId: ownerId, names: [])
            } else {
                for start in stride(from: 0, to: names.count, by: 50) {
                    live += try await provider.listServices(ownerId: ownerId, names: Array(names[start..<min(start + 50, names.count)]))
                }
            }
        } catch {
            return   // the next plan reads their env vars: slower, still right
        }
        await recorder.recordUpdatedAt(live, names: Set(names))
    }
}

/// A change that could not be carried out, with the resource named.
public struct ApplyError: Error, Sendable, CustomStringConvertible {
    public var address: String
    public var message: String

    public var description: String { "\(address): \(message)" }
}

/// Serialises state updates from concurrent changes and persists after each.
///
/// Writes are awaited (a remote store), so the actor is re-entered while one is in flight. They are
/// kept in order by one writer at a time: a change recorded meanwhile is carried by the next write,
/// and its `record` returns once a write that includes it has finished. Every write is one serial up.
actor StateRecorder {
    private(set) var state: BallastState
    let save: @Sendable (BallastState) async throws -> Void
    private(set) var saveError: (any Error)?
    /// How many updates were recorded, and how many of them the last finished write carried.
    private var recorded = 0
    private var written = 0
    private var writing = false
    private var waiting: [(upTo: Int, continuation: CheckedContinuation<Void, Never>)] = []

    init(state: BallastState, save: @escaping @Sendable (BallastState) async throws -> Void) {
        self.state = state
        self.save = save
    }

    /// When the state was last written; adoptions that made no provider call are written in batches
    /// (losing one to a crash is harmless: the next plan adopts it again by name).
    private var lastSave = ContinuousClock.now
    private var unsaved = false

    func record(_ change: ResourceChange, id: String?) async {
        state.record(change, id: id)
        if change.operations.isEmpty && ContinuousClock.now - lastSave < .milliseconds(500) {
            unsaved = true
            return
        }
        await persist()
    }

    func flush() async {
        if unsaved { await persist() }
    }

    func recordFailure(_ change: ResourceChange, id: String?, created: Bool) async {
        if created || (change.action == .import && id != nil) {
            state.record(change, id: id)
            state.recordUpdatedAt(nil, kind: change.kind, name: change.name)
        } else if id == nil, change.id != nil {
            // Deleted, and its replacement not created.
            state.resources.removeAll { $0.kind == change.kind && $0.name == change.name }
        } else {
            // Half changed: make the next plan read it afresh.
            state.recordUpdatedAt(nil, kind: change.kind, name: change.name)
            if let index = state.resources.firstIndex(where: { $0.kind == change.kind && $0.name == change.name }) {
                state.resources[index].envFingerprint = nil
            }
        }
        await persist()
    }

    func recordUpdatedAt(_ services: [LiveService], names: Set<String>) async {
        for live in services where names.contains(live.name) {
            guard let record = state.resource(.service, live.name), record.id == live.id else { continue }
            state.recordUpdatedAt(live.updatedAt, kind: .service, name: live.name)
        }
        await persist()
    }

    /// Returns once a write carrying every update recorded so far has finished (or failed).
    private func persist() async {
        recorded += 1
        unsaved = false
        lastSave = ContinuousClock.now
        let mine = recorded
        if writing {
            await withCheckedContinuation { waiting.append((mine, $0)) }
            return
        }
        writing = true
        while written < recorded {
            let carried = recorded
            state.sortResources()
            state.serial += 1
            do {
                try await save(state)
            } catch {
                // Not written: the next write reuses this serial, so a store that checks serials accepts it.
                state.serial -= 1
                saveError = error
            }
            written = carried
            let done = waiting.filter { $0.upTo <= carried }
            waiting.removeAll { $0.upTo <= carried }
            for waiter in done { waiter.continuation.resume() }
        }
        writing = false
    }
}

import Blueprint
import Costing
import Foundation
import Hosting
import Logging
import MetricSources
import Planning
import Scaling

/// The scaling loop's one tick: prove leadership, read the live services and their metrics, ask the
/// engine, spend the write budget on the most urgent changes, remember, journal.
///
/// ```swift
/// let controller = ScalingController(configuration: configuration, provider: sandbox, election: lease,
///                                    histories: store, journal: journal, collector: collector)
/// let report = await controller.tick()
/// report.outcome("worker")?.desired   // 5
/// ```
///
/// - Important: faults hold, they never scale down: when Redis is down no leader can be proven and
///   nothing is done; when a metric is missing the engine blocks scale-downs; when the API fails the
///   change is retried on a later tick after a backoff. A leader that finds its lease gone stops
///   acting before its next write (the fencing check).
public actor ScalingController {
    public nonisolated let configuration: ControllerConfiguration
    public nonisolated let provider: any HostingProvider
    public nonisolated let election: any LeaderElection
    public nonisolated let histories: any HistoryStore
    public nonisolated let journal: JournalBuffer
    public nonisolated let collector: MetricCollector
    public nonisolated let clock: any HostingClock
    public nonisolated let metrics: ControllerMetrics
    public nonisolated let status: ControllerStatus
    private let logger: Logger

    private var scheduler: ActuationScheduler
    /// The reason codes last journaled per service, so a steady hold is written once, not every tick.
    private var journaledCodes: [String: [String]] = [:]
    /// Drift last reported per service.
    private var reportedDrift: [String: String] = [:]
    private var announced: Set<String> = []
    /// Managed services the provider did not list, warned about once until they appear.
    private var reportedMissing: Set<String> = []
    private var wasLeader = false

    public init(configuration: ControllerConfiguration, provider: any HostingProvider, election: any LeaderElection,
                histories: any HistoryStore, journal: any DecisionJournal, collector: MetricCollector,
                clock: any HostingClock = SystemHostingClock(), metrics: ControllerMetrics = ControllerMetrics(),
                status: ControllerStatus = ControllerStatus(), logger: Logger = Logger(label: "ballast.controller")) {
        self.configuration = configuration
        self.provider = provider
        self.election = election
        self.histories = histories
        self.journal = JournalBuffer(journal: journal)
        self.collector = collector
        self.clock = clock
        self.metrics = metrics
        self.status = status
        self.logger = logger
        self.scheduler = ActuationScheduler(limits: configuration.limits, now: clock.now())
        status.update { $0.managedServices = configuration.managed.count }
    }

    /// Gives up the lease (graceful shutdown) and writes what the journal still holds.
    public func shutdown() async {
        await election.release()
        _ = await journal.write([])
        metrics.leader(false)
    }

    // MARK: The tick

    public func tick() async -> TickReport {
        let started = ContinuousClock.now
        let now = clock.now()
        var report = TickReport(at: now, lease: .unknown(reason: "not asked"), outcomes: [], seconds: 0, engineSeconds: 0, problems: [], drift: [])

        let lease = await election.acquireOrRenew()
        report.lease = lease
        if lease.isLeader != wasLeader {
            logger.notice("\(lease.isLeader ? "became leader" : "not leader"): \(lease)", metadata: ["identity": "\(configuration.identity)"])
            wasLeader = lease.isLeader
            if !lease.isLeader { journaledCodes.removeAll() }
        }
        metrics.leader(lease.isLeader)
        guard case .leader(let token) = lease else {
            if case .unknown(let reason) = lease {
                report.problems.append("no leader can be proven (\(reason)): holding")
                logger.warning("holding: no leader can be proven", metadata: ["reason": "\(reason)"])
            }
            return finish(&report, started: started, role: lease.role, result: lease.role)
        }

        // Live state: one list call per 100 services.
        let live: [String: LiveService]
        do {
            live = try await listManaged()
        } catch {
            report.problems.append("cannot list services: \(error)")
            logger.error("holding: cannot list services", metadata: ["error": "\(error)"])
            return finish(&report, started: started, role: "leader", result: "api_error", error: "\(error)")
        }

        // Memory: stabilization windows and sustain timers, shared by every replica.
        let names = configuration.managed.map(\.spec.name)
        let stored: [String: ScalingHistory]
        do {
            stored = try await histories.load(services: names)
        } catch {
            report.problems.append("cannot read the scaling history: \(error)")
            logger.error("holding: cannot read the scaling history", metadata: ["error": "\(error)"])
            return finish(&report, started: started, role: "leader", result: "state_error", error: "\(error)")
        }

        // Metrics: one batch per source for every service, the sources concurrently; a slow source
        // costs its own timeout only.
        let metricsStarted = ContinuousClock.now
        let observed = await collectMetrics(live: live, now: now)
        report.metricsSeconds = Self.seconds(ContinuousClock.now - metricsStarted)
        var failedSources = Set<String>()
        var answering = Set<String>()
        for value in observed.values {
            failedSources.formUnion(value.failedSources)
            answering.formUnion(value.answeringSources)
        }
        failedSources.subtract(answering)

        // Decide, in a fixed order, each service seeing the others at their counts so far.
        var counts: [String: Int] = [:]
        var plans: [String: String] = [:]
        for (name, service) in live {
            counts[name] = service.suspended ? 0 : service.numInstances
            plans[name] = service.plan
        }
        var totals = ConstraintBuilder.Totals(environment: configuration.environment, catalog: configuration.catalog, counts: counts, plans: plans)
        var records: [DecisionRecord] = []
        var decided: [(managed: ControllerConfiguration.Managed, live: LiveService, decision: Decision, history: ScalingHistory, inputs: [String: String], nativeAutoscaling: Bool)] = []
        let engineTime: Duration
        // The services decided this tick, in the configuration's order, and the input each starts from.
        var deciding: [(managed: ControllerConfiguration.Managed, live: LiveService)] = []
        var inputs: [DecisionInput] = []
        for managed in configuration.managed {
            let name = managed.spec.name
            guard let service = live[name] else {
                report.outcomes.append(.init(service: name, current: 0, desired: 0, acted: false, codes: [], note: "not found on the provider (apply the blueprint first)", decision: nil))
                if reportedMissing.insert(name).inserted {
                    logger.warning("not found on the provider (apply the blueprint first)", metadata: ["service": "\(name)"])
                }
                continue
            }
            reportedMissing.remove(name)
            let current = service.suspended ? 0 : service.numInstances
            if !announced.contains(name) {
                announced.insert(name)
                records.append(record(managed, service, from: current, to: current, action: "start", acted: false, now: now, token: token,
                                      reason: "managing \(name): \(current) running, bounds \(managed.spec.scaling?.min ?? 0)-\(managed.spec.scaling?.max ?? 0), policy \(managed.policy.name)"))
            }
            if let drift = drift(managed.spec, service) {
                report.drift.append("\(name): \(drift)")
                if reportedDrift[name] != drift {
                    reportedDrift[name] = drift
                    logger.warning("drift", metadata: ["service": "\(name)", "drift": "\(drift)"])
                    records.append(record(managed, service, from: current, to: current, action: "drift", acted: false, now: now, token: token, reason: drift))
                }
            } else {
                reportedDrift[name] = nil
            }
            deciding.append((managed, service))
            inputs.append(DecisionInput(now: now, current: current, min: managed.spec.scaling?.min ?? current,
                                        max: managed.spec.scaling?.max ?? current, policy: managed.policy,
                                        metrics: observed[name]?.metrics ?? ObservedMetrics(), history: stored[name] ?? .starting(current: current, at: now)))
        }
        // Decided in that order, through one context (each policy laid out once, each schedule's zone
        // offset computed once) and at once (the engine prefetches the next services' data): each
        // service's caps are made just before its decision, from the counts decided so far.
        var engine = ScalingEngine.Context()
        var bookkeeping = Duration.zero
        let engineStart = ContinuousClock.now
        let decisions = engine.decide(all: &inputs, preparing: { index, input in
            let started = ContinuousClock.now
            input.constraints = ConstraintBuilder.constraints(for: deciding[index].managed.spec, in: configuration.environment, counts: counts, totals: totals)
            bookkeeping += ContinuousClock.now - started
        }, decided: { index, decision in
            let started = ContinuousClock.now
            let spec = deciding[index].managed.spec
            let before = ConstraintBuilder.Totals.count(spec, counts)
            counts[spec.name] = max(decision.current, decision.desired)
            totals.update(spec, from: before, to: ConstraintBuilder.Totals.count(spec, counts))
            bookkeeping += ContinuousClock.now - started
        })
        engineTime = ContinuousClock.now - engineStart - bookkeeping
        for (index, item) in deciding.enumerated() {
            let name = item.managed.spec.name
            decided.append((item.managed, item.live, decisions[index], inputs[index].history, observed[name]?.inputs ?? [:],
                            item.live.autoscaling?.enabled == true))
        }

        // Plan the changes and admit what the write budget allows, most urgent first.
        var changes: [PlannedChange] = []
        for item in decided where item.decision.desired != item.decision.current && !item.nativeAutoscaling {
            changes.append(Self.plannedChange(item.decision, service: item.live))
        }
        var notes: [String: String] = [:]
        var admitted: [PlannedChange] = []
        if configuration.dryRun {
            for change in changes { notes[change.service] = "dry run" }
        } else {
            let (ok, deferred) = scheduler.admit(changes, now: now)
            admitted = ok
            for (change, why) in deferred { notes[change.service] = "deferred: \(why)" }
        }
        for item in decided where item.nativeAutoscaling && item.decision.desired != item.decision.current {
            notes[item.managed.spec.name] = "Render's native autoscaling is on, so /scale would be ignored"
        }

        // Act: every write is fenced.
        var applied: Set<String> = []
        var leaseLost = false
        for change in admitted {
            guard let item = decided.first(where: { $0.managed.spec.name == change.service }) else { continue }
            if leaseLost {
                notes[change.service] = "not acted: the lease was lost"
                continue
            }
            do {
                guard try await election.stillLeader(token: token) else {
                    leaseLost = true
                    notes[change.service] = "not acted: the lease was lost"
                    logger.warning("lost the lease: stopping at once", metadata: ["token": "\(token)"])
                    continue
                }
            } catch {
                leaseLost = true
                notes[change.service] = "not acted: the lease cannot be checked (\(error))"
                continue
            }
            do {
                try await apply(change, live: item.live)
                scheduler.record(change, outcome: .succeeded, now: now)
                applied.insert(change.service)
            } catch {
                let status = (error as? RenderAPIError)?.status
                scheduler.record(change, outcome: .failed(status: status), now: now)
                notes[change.service] = "API error, retried on a later tick: \(error)"
                logger.error("scale failed", metadata: ["service": "\(change.service)", "error": "\(error)"])
            }
        }

        // Remember (fenced) and journal.
        var updated: [String: ScalingHistory] = [:]
        for item in decided {
            let name = item.managed.spec.name
            let acted = applied.contains(name)
            updated[name] = item.history.recording(item.decision, at: now, applied: acted)
            let codes = item.decision.reasonCodes
            for code in codes { metrics.decision(reason: code) }
            metrics.instances(service: name, current: acted ? item.decision.desired : item.decision.current, desired: item.decision.desired)
            report.outcomes.append(.init(service: name, current: item.decision.current, desired: item.decision.desired, acted: acted,
                                         codes: codes, note: notes[name], decision: item.decision))
            let changed = item.decision.desired != item.decision.current
            let journalKey = codes + (notes[name].map { [$0] } ?? [])
            if changed || (configuration.journalHolds && journaledCodes[name] != journalKey) {
                journaledCodes[name] = journalKey
                records.append(record(item.managed, item.live, decision: item.decision, acted: acted, note: acted ? nil : notes[name],
                                      inputs: item.inputs, now: now, token: token))
            }
        }
        if !leaseLost {
            do {
                if try await !histories.save(updated, token: token) {
                    report.problems.append("the history write was fenced off: another replica leads now")
                }
            } catch {
                report.problems.append("cannot store the scaling history: \(error)")
                logger.error("cannot store the scaling history", metadata: ["error": "\(error)"])
            }
        }
        if let error = await journal.write(records) {
            report.problems.append("journal not written yet (kept in memory): \(error)")
            logger.warning("journal write failed; kept for the next tick", metadata: ["error": "\(error)"])
        }
        metrics.journalPending(await journal.pendingCount)

        report.engineSeconds = Self.seconds(engineTime)
        status.update { $0.failedSources = failedSources.sorted() }
        for outcome in report.outcomes where outcome.current != outcome.desired {
            logger.info("decision", metadata: [
                "service": "\(outcome.service)", "from": "\(outcome.current)", "to": "\(outcome.desired)",
                "acted": "\(outcome.acted)", "reasons": "\(outcome.codes.joined(separator: ","))",
                "note": "\(outcome.note ?? "")",
            ])
        }
        return finish(&report, started: started, role: leaseLost ? "standby" : "leader", result: leaseLost ? "lease_lost" : "ok")
    }

    // MARK: Steps

    private func finish(_ report: inout TickReport, started: ContinuousClock.Instant, role: String, result: String, error: String? = nil) -> TickReport {
        let elapsed = ContinuousClock.now - started
        report.seconds = Self.seconds(elapsed)
        metrics.tick(result: result, duration: elapsed)
        let at = report.at
        let seconds = report.seconds
        let token = report.lease.token
        let problem = error ?? report.problems.first
        status.update { snapshot in
            snapshot.role = role
            snapshot.leaseToken = token
            snapshot.ticks += 1
            snapshot.lastTickAt = at
            snapshot.lastTickSeconds = seconds
            snapshot.lastError = problem
        }
        logger.debug("tick", metadata: ["summary": "\(report.summary)"])
        return report
    }

    /// The live services the controller manages, by name (one list call per 100 services).
    private func listManaged() async throws -> [String: LiveService] {
        let names = configuration.managed.map(\.spec.name)
        guard !names.isEmpty else { return [:] }
        // A name filter keeps the answer small; past 50 names the query string grows too long.
        let services = try await provider.listServices(ownerId: nil, names: names.count <= 50 ? names : [])
        metrics.apiCall("list_services", failed: false)
        let wanted = Set(names)
        var found: [String: LiveService] = [:]
        for service in services where wanted.contains(service.name) {
            // Prefer the blueprint's workspace when two share a name.
            if found[service.name] == nil || service.ownerId == configuration.environment.owner {
                found[service.name] = service
            }
        }
        return found
    }

    private func collectMetrics(live: [String: LiveService], now: Date) async -> [String: MetricCollector.Observed] {
        let subjects = configuration.managed.map { managed in
            let name = managed.spec.name
            return MetricCollector.Subject(key: name, names: managed.policy.metricNames,
                                           target: MetricTarget(service: name, resourceID: live[name]?.id, queue: managed.spec.scaling?.queue))
        }
        return await collector.collect(subjects, now: now)
    }

    /// What changed by hand on the provider that the controller does not fight.
    private func drift(_ spec: ServiceSpec, _ live: LiveService) -> String? {
        var found: [String] = []
        if normalizedPlanName(live.plan) != normalizedPlanName(spec.plan) {
            found.append("plan \(live.plan) on the provider, \(spec.plan) in the blueprint (not changed by the controller; run plan/apply)")
        }
        if live.autoscaling?.enabled == true {
            found.append("Render's native autoscaling is on (\(live.autoscaling!.min)-\(live.autoscaling!.max)): the controller cannot set the count until it is off")
        }
        return found.isEmpty ? nil : found.joined(separator: "; ")
    }

    static func plannedChange(_ decision: Decision, service: LiveService) -> PlannedChange {
        let urgency: PlannedChange.Urgency
        if decision.desired > decision.current {
            urgency = decision.hasReason(.proposal) || decision.hasReason(.fallback) ? .breach : .scaleUp
        } else {
            urgency = decision.hasReason(.currentAboveMax) || decision.hasReason(.scheduleCeiling) ? .correction : .scaleDown
        }
        let weight = Double(abs(decision.desired - decision.current)) / Double(max(1, decision.current))
        return PlannedChange(service: service.name, serviceId: service.id, from: decision.current, to: decision.desired,
                             urgency: urgency, weight: weight)
    }

    /// Makes one change: suspend to 0, resume from 0, else scale.
    private func apply(_ change: PlannedChange, live: LiveService) async throws {
        func call(_ operation: String, _ body: () async throws -> Void) async throws {
            do {
                try await body()
                metrics.apiCall(operation, failed: false)
            } catch {
                metrics.apiCall(operation, failed: true)
                throw error
            }
        }
        if change.to == 0 {
            try await call("suspend") { try await provider.suspend(serviceId: change.serviceId) }
            return
        }
        if live.suspended {
            try await call("resume") { try await provider.resume(serviceId: change.serviceId) }
            if live.numInstances == change.to { return }
        }
        try await call("scale") { try await provider.scale(serviceId: change.serviceId, numInstances: change.to) }
    }

    // MARK: Journal records

    private func record(_ managed: ControllerConfiguration.Managed, _ live: LiveService, decision: Decision, acted: Bool, note: String?,
                        inputs: [String: String], now: Date, token: Int) -> DecisionRecord {
        let estimator = CostEstimator(catalog: configuration.catalog)
        let delta = estimator.monthlyDelta(fromPlan: live.plan, from: decision.current, toPlan: live.plan, to: decision.desired)
        let rule = Self.decidingRule(decision, policy: managed.policy)
        let reason = decision.reasons.map(\.message).joined(separator: "; ")
        let entry = JournalEntry(at: now, project: configuration.environment.project, environment: configuration.environment.environment,
                                 service: managed.spec.name, plan: live.plan, from: decision.current, to: decision.desired,
                                 reason: reason, rule: rule, acted: acted, dryRun: configuration.dryRun ? true : nil,
                                 monthlyDelta: decision.desired == decision.current ? nil : delta)
        return DecisionRecord(
            entry: entry, action: decision.action.rawValue, codes: decision.reasonCodes,
            reasons: decision.reasons.map { "\($0.code): \($0.message)" }, inputs: inputs,
            proposals: decision.proposals.map { "\($0.rule): \($0.instances.map(String.init) ?? "-") (\($0.reason))" },
            error: note, fencingToken: token, controller: configuration.identity)
    }

    private func record(_ managed: ControllerConfiguration.Managed, _ live: LiveService, from: Int, to: Int, action: String, acted: Bool,
                        now: Date, token: Int, reason: String) -> DecisionRecord {
        let entry = JournalEntry(at: now, project: configuration.environment.project, environment: configuration.environment.environment,
                                 service: managed.spec.name, plan: live.plan, from: from, to: to, reason: reason,
                                 rule: managed.policy.name, acted: acted, dryRun: configuration.dryRun ? true : nil)
        return DecisionRecord(entry: entry, action: action, fencingToken: token, controller: configuration.identity)
    }

    /// `policy/rule` of the proposal that won, or just the policy.
    static func decidingRule(_ decision: Decision, policy: ScalePolicy) -> String {
        let winner = decision.proposals.filter { $0.instances != nil }.max { ($0.instances ?? 0) < ($1.instances ?? 0) }
        return winner.map { "\(policy.name)/\($0.rule)" } ?? policy.name
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

extension LeaseState {
    var role: String {
        switch self {
        case .leader: "leader"
        case .standby: "standby"
        case .unknown: "unknown"
        }
    }
}

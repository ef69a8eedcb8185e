import Blueprint
import Foundation

/// Desired state, actual state and Ballast's state in; a ``Plan`` out. Pure: no I/O, no clock.
///
/// ```swift
/// let plan = Planner.plan(PlanInput(desired: production, actual: snapshot, state: state,
///                                   catalog: .builtin(), secrets: ["DATABASE_URL": "…"], now: now))
/// for change in plan.actionable { print(change.address, change.action) }
/// ```
///
/// Identity is the name: a live resource named as in the blueprint and absent from the state is
/// imported, never duplicated. Only resources in the state are ever deleted, and only with
/// ``PlanOptions/allowDelete``.
public enum Planner {
    public static func plan(_ input: PlanInput) -> Plan {
        var context = Context(input: input)
        for datastore in input.desired.datastores where datastore.isManaged {
            context.planDatastore(datastore)
        }
        for service in input.desired.services {
            context.planService(service)
        }
        context.planRemovals()
        context.changes.sort { $0.kind.order < $1.kind.order }

        var plan = Plan(formatVersion: Plan.formatVersion, mode: input.options.mode, project: input.desired.project,
                        environment: input.desired.environment, ownerId: input.actual.ownerId, createdAt: input.now,
                        changes: context.changes, drift: context.drift(), warnings: context.warnings, violations: [],
                        errors: context.errors,
                        prior: .init(lineage: input.state?.lineage, serial: input.state?.serial ?? 0),
                        actualFingerprint: fingerprint(context.changes))
        if input.options.mode == .refreshOnly {
            plan.errors = []
        } else {
            plan.violations = guardrailViolations(plan, input: input)
        }
        return plan
    }

    /// Names a list call can be narrowed to: the blueprint's plus the state's.
    public static func scope(desired: ResolvedEnvironment, state: BallastState?) -> (services: [String], datastores: [DatastoreType: [String]]) {
        var services = desired.services.map(\.name)
        var seen = Set(services)
        var datastores: [DatastoreType: [String]] = [:]
        for datastore in desired.datastores where datastore.isManaged { datastores[datastore.type, default: []].append(datastore.name) }
        for resource in state?.resources ?? [] {
            if let type = resource.kind.datastoreType {
                if !(datastores[type]?.contains(resource.name) ?? false) { datastores[type, default: []].append(resource.name) }
            } else if seen.insert(resource.name).inserted {
                services.append(resource.name)
            }
        }
        return (services, datastores)
    }

    /// IDs of the services whose env vars must be read (one `GET /services/{id}/env-vars` each).
    ///
    /// Skipped: services that are not in scope, and managed services whose `updatedAt` has not moved
    /// since the last apply and whose desired env vars are those last applied. A refresh-only plan
    /// reads every managed one.
    public static func servicesNeedingEnvVars(desired: ResolvedEnvironment, services: [LiveService], state: BallastState?,
                                              secrets: [String: String], mode: Plan.Mode = .normal) -> [String] {
        var ids: [String] = []
        let index = PlanIndex(state: state, actual: ActualSnapshot(ownerId: nil, services: [], datastores: []))
        let specs = Dictionary(desired.services.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for live in services {
            let record = index.record(.service, live.name)
            let spec = specs[live.name]
            guard spec != nil || record != nil else { continue }
            if let record, record.id != live.id {
                if spec != nil { ids.append(live.id) }
                continue
            }
            guard let record, mode == .normal, let spec, record.updatedAt != nil, record.updatedAt == live.updatedAt,
                  let fingerprint = record.envFingerprint,
                  fingerprint == StateResource.envFingerprint(desiredEnvAttributes(spec, live: nil, secrets: secrets).attributes)
            else {
                ids.append(live.id)
                continue
            }
        }
        return ids
    }

    /// Digest of what the plan saw of each resource (IDs and before values; counts the controller
    /// moves are left out, so a scaling controller does not make every saved plan stale).
    public static func fingerprint(_ changes: [ResourceChange]) -> String {
        var lines: [String] = []
        for change in changes.sorted(by: { $0.address < $1.address }) {
            lines.append("\(change.address) \(change.id ?? "-")")
            for attribute in change.before ?? [] where !(change.controllerManagedCount && attribute.name == "instances") {
                lines.append("  \(attribute.name)=\(attribute.value)")
            }
        }
        return SHA256.hex(lines.joined(separator: "\n"))
    }

    static func guardrailViolations(_ plan: Plan, input: PlanInput) -> [PlanViolation] {
        var found: [PlanViolation] = []
        let environment = input.desired.environment
        for set in input.guardrails {
            for rule in set.rules {
                if case .maxMonthlyIncrease(let limit) = rule.check {
                    guard rule.applies(to: environment, type: nil), !input.options.allowCostIncrease else { continue }
                    let delta = plan.cost.monthlyDelta
                    guard delta > limit + 1e-9 else { continue }
                    let top = plan.changes.filter { $0.monthlyDelta > 0 }.sorted { $0.monthlyDelta > $1.monthlyDelta }
                    let named = top.prefix(3).map { "\($0.address) +\(Money.format($0.monthlyDelta))" }.joined(separator: ", ")
                    let what = rule.description.isEmpty ? "monthly increase above \(Money.format(limit))" : rule.description
                    found.append(PlanViolation(rule: rule.id, resource: top.first?.address ?? "plan",
                                                    message: "\(what): the plan adds \(Money.format(delta)) a month (\(named)); pass --allow-cost-increase to accept it."))
                } else {
                    found.append(contentsOf: rule.violations(in: input.desired).map {
                        PlanViolation(rule: $0.rule, resource: "service." + $0.resource, message: $0.message)
                    })
                }
            }
        }
        return found
    }
}

/// Dollar amounts as plans print them: `$12.50`, `-$7.00`.
public enum Money {
    public static func format(_ amount: Double) -> String {
        let cents = Int((abs(amount) * 100).rounded())
        let text = "$\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"
        return amount < -0.004 ? "-" + text : text
    }

    /// With a sign: `+$12.50`, `-$7.00`, `+$0.00`.
    public static func signed(_ amount: Double) -> String {
        amount < -0.004 ? format(amount) : "+" + format(amount)
    }
}

import Blueprint
import Foundation

/// Prices a resolved environment with a catalog: the cost engine of `ballast cost`, `plan` and the
/// controller's budget checks. Pure: it is handed the usage, the journal entries and `now`.
///
/// ```swift
/// let estimator = CostEstimator(catalog: .builtin())
/// let projection = estimator.project(environment, usage: usage, journal: entries, now: now)
/// estimator.monthly(plan: "starter", instances: 3)   // $21.00
/// ```
public struct CostEstimator: Sendable {
    public var catalog: Catalog
    /// How far back the journal's average count is taken for a service's expected count.
    public var expectedWindowDays: Int = 7
    /// How many scale-driven changes actuals list.
    public var changeLimit: Int = 5
    /// The time zone whose calendar months actuals use.
    public var timeZone: TimeZone = TimeZone(identifier: "UTC")!

    public init(catalog: Catalog) {
        self.catalog = catalog
    }

    // MARK: Prices

    /// Hours in a billing month (730).
    public var hoursPerMonth: Decimal { Decimal.exact(catalog.hoursPerMonth) }
    var secondsPerMonth: Decimal { hoursPerMonth * 3600 }

    /// Price of one instance of a compute plan for a full month; nil when the catalog lacks the plan.
    public func unitMonthly(plan: String) -> Money? {
        catalog.computePlan(named: normalizedPlanName(plan)).map { Money(catalog: $0.monthly) }
    }

    /// `instances` instances of `plan` for a full month, rounded to the cent (zero for unknown plans).
    public func monthly(plan: String, instances: Int) -> Money {
        ((unitMonthly(plan: plan) ?? .zero) * instances).roundedToCents
    }

    /// The change in monthly cost of moving a service from one count (and plan) to another.
    public func monthlyDelta(fromPlan: String, from: Int, toPlan: String, to: Int) -> Money {
        monthly(plan: toPlan, instances: to) - monthly(plan: fromPlan, instances: from)
    }

    /// What `instanceSeconds` of `plan` cost, per-second billing, unrounded.
    public func spend(plan: String, instanceSeconds: Decimal) -> Money {
        (unitMonthly(plan: plan) ?? .zero) * instanceSeconds / secondsPerMonth
    }

    // MARK: Projection

    /// Projects one environment. With `journal` and `now`, expected counts come from the journal's recent
    /// history and the result carries ``Projection/actuals``.
    ///
    /// With `running` (the services as the hosting provider runs them now), the projection gets a
    /// ``Projection/live`` rate, and actuals take a service's running count and plan, rather than the
    /// blueprint's, when the journal has no entries for it.
    public func project(_ environment: ResolvedEnvironment, usage: UsageFile? = nil, journal: [JournalEntry]? = nil, now: Date? = nil,
                        running: [RunningService]? = nil) -> Projection {
        var notes: [String] = []
        let relevant = journal.map { filter($0, for: environment) }
        let timelines = relevant.map { entries in
            Dictionary(grouping: entries.kept, by: \.service).mapValues { ServiceTimeline(entries: $0) }
        } ?? [:]

        var services: [ServiceCost] = []
        for service in environment.services {
            var fromJournal: Decimal?
            if let now, let timeline = timelines[service.name], service.scaling != nil {
                fromJournal = timeline.averageCount(endingAt: now, days: expectedWindowDays)
            }
            let cost = serviceCost(service, usage: usage?.service(named: service.name), expectedFromJournal: fromJournal)
            if !cost.priceFound { notes.append("Plan `\(service.plan)` of service `\(service.name)` is not in the catalog `\(catalog.name)`; priced at $0.00.") }
            if let note = cost.note { notes.append(note) }
            services.append(cost)
        }

        var datastores: [DatastoreCost] = []
        for datastore in environment.datastores {
            let cost = datastoreCost(datastore)
            if let note = cost.note { notes.append(note) }
            datastores.append(cost)
        }

        var usageLines: [UsageLine] = []
        if let usage {
            for entry in usage.services {
                guard environment.service(named: entry.name) != nil else {
                    notes.append("The usage file gives usage for `\(entry.name)`, which is not a service of \(environment.environment); ignored.")
                    continue
                }
                usageLines += self.usageLines(entry)
            }
            for line in usageLines where !line.priceFound {
                notes.append("Model `\(line.model ?? "")` (\(line.label)) is not in the catalog; priced at $0.00.")
            }
        }

        let serviceTotal = services.reduce(CostRange.zero) { $0 + $1.monthly }
        let datastoreTotal = datastores.map(\.monthly).sum()
        let usageTotal = usageLines.map(\.monthly).sum()
        let totals = serviceTotal + .fixed(datastoreTotal + usageTotal)
        let usageServices = services.filter { $0.kind == .usage }.map(\.monthly.expected).sum()

        var projection = Projection(
            project: environment.project, environment: environment.environment, currency: catalog.currency,
            catalogName: catalog.name, catalogDate: catalog.date, hoursPerMonth: hoursPerMonth,
            services: services, datastores: datastores, usage: usageLines, totals: totals,
            usageTotal: usageTotal + usageServices, notes: notes)

        if let relevant, let now {
            var actuals = self.actuals(environment: environment, projection: projection, timelines: timelines, now: now, running: running)
            actuals.entriesRead = relevant.kept.count + relevant.ignored
            actuals.entriesIgnored = relevant.ignored
            projection.actuals = actuals
            if relevant.ignored > 0 {
                projection.notes.append("\(relevant.ignored) journal entries are for other environments or services and were ignored.")
            }
        }
        if let budget = environment.budget {
            projection.budget = BudgetStatus.evaluate(budget, totals: totals, services: services, actuals: projection.actuals)
        }
        if let running {
            let live = liveRate(environment, projection: projection, running: running)
            projection.live = live
            projection.notes += live.notes
        }
        return projection
    }

    /// One service's line. `expectedFromJournal` wins over `scaling.expected`, which wins over the minimum.
    public func serviceCost(_ service: ServiceSpec, usage: UsageFile.Service? = nil, expectedFromJournal: Decimal? = nil) -> ServiceCost {
        let full = unitMonthly(plan: service.plan)
        var hours = hoursPerMonth
        var kind = LineKind.fixed
        var note: String?
        if let declared = usage?.hours {
            hours = declared
            kind = .usage
        } else if service.type == .cron {
            hours = 0
            kind = .usage
            let hourly = ((full ?? .zero) / hoursPerMonth).rounded(scale: 4)
            note = "Cron job `\(service.name)` is billed for its run time (\(hourly.unitPriceFormatted) per hour on \(service.plan)); give `services.\(service.name).hours` in a usage file to price it."
        }
        let unit = (full ?? .zero) * hours / hoursPerMonth

        let instances: InstanceRange
        let source: ExpectedSource
        if service.type == .cron {
            instances = .fixed(1)
            source = .fixed
        } else if let scaling = service.scaling {
            let low = scaling.min
            let high = Swift.max(scaling.max, low)
            if let fromJournal = expectedFromJournal {
                instances = InstanceRange(min: low, expected: clamp(fromJournal, low, high), max: high)
                source = .journal(days: expectedWindowDays)
            } else if let declared = scaling.expected {
                instances = InstanceRange(min: low, expected: clamp(Decimal(declared), low, high), max: high)
                source = .declared
            } else {
                instances = InstanceRange(min: low, expected: Decimal(low), max: high)
                source = .minimum
            }
        } else {
            instances = .fixed(service.instances)
            source = .fixed
        }

        let monthly = CostRange(min: (unit * instances.min).roundedToCents,
                                expected: (unit * instances.expected).roundedToCents,
                                max: (unit * instances.max).roundedToCents)
        return ServiceCost(name: service.name, type: service.type, plan: service.plan, unitMonthly: unit.roundedToCents, hours: hours,
                           instances: instances, monthly: monthly, expectedSource: source, kind: kind,
                           priceFound: full != nil, autoscaled: service.scaling != nil && service.type != .cron, note: note)
    }

    private func clamp(_ value: Decimal, _ low: Int, _ high: Int) -> Decimal {
        Swift.min(Swift.max(value, Decimal(low)), Decimal(high))
    }

    /// One datastore's line: plan, storage, external plan, compute and compute credit.
    public func datastoreCost(_ datastore: DatastoreSpec) -> DatastoreCost {
        let plan = normalizedPlanName(datastore.plan)
        var components: [CostComponent] = []
        var found = true
        var note: String?

        func component(_ name: String, _ price: Money, quantity: Decimal = 1, unit: String = "month") {
            components.append(CostComponent(name: name, quantity: quantity, unit: unit, unitPrice: price, monthly: (price * quantity).roundedToCents))
        }

        if let declared = datastore.monthly {
            component("declared monthly price", Money(catalog: declared))
        } else {
            switch datastore.type {
            case .keyvalue:
                if let p = catalog.keyValuePlan(named: plan) { component("Key Value \(plan)", Money(catalog: p.monthly)) } else { found = false }
            case .postgres:
                if let p = catalog.postgresPlan(named: plan) { component("Postgres \(plan)", Money(catalog: p.monthly)) } else { found = false }
                if let storage = datastore.storageGB, storage > 0 {
                    component("storage", Money(catalog: catalog.postgresStoragePerGB), quantity: Decimal(storage), unit: "GB")
                } else {
                    note = "Postgres `\(datastore.name)` declares no `storageGB`; storage (\(Money(catalog: catalog.postgresStoragePerGB).formatted)/GB-month) is not included."
                }
            case .external:
                if datastore.vendor?.lowercased() == "supabase" {
                    let vendorPlan = catalog.supabasePlans.first { $0.name == plan }
                    if let vendorPlan { component("Supabase \(plan) plan", Money(catalog: vendorPlan.monthly)) } else { found = false }
                    let paid = (vendorPlan?.monthly ?? 0) > 0
                    var size = normalizedPlanName(datastore.compute ?? (paid ? "micro" : "nano"))
                    if paid && size == "nano" {
                        size = "micro"
                        note = "Supabase bills Nano compute in paid organisations as Micro (`\(datastore.name)`)."
                    }
                    if let compute = catalog.supabaseCompute.first(where: { $0.name == size }) {
                        let price = Money(catalog: compute.monthly)
                        component("compute \(size)", price)
                        if paid, catalog.supabaseComputeCredit > 0, price > .zero {
                            component("compute credit", -Swift.min(price, Money(catalog: catalog.supabaseComputeCredit)))
                        }
                    } else {
                        found = false
                    }
                } else {
                    note = "External datastore `\(datastore.name)`\(datastore.vendor.map { " (\($0))" } ?? "") has no `monthly` price; counted as $0.00."
                }
            }
        }
        if !found {
            note = "Plan `\(datastore.plan)` of datastore `\(datastore.name)` (\(datastore.compute.map { "compute \($0)" } ?? datastore.type.rawValue)) is not fully in the catalog; missing parts priced at $0.00."
        }
        return DatastoreCost(name: datastore.name, type: datastore.type, plan: plan, vendor: datastore.vendor, components: components,
                             monthly: components.map(\.monthly).sum(), priceFound: found, note: note)
    }

    /// Usage lines of one service from the usage file: tokens per model, then requests.
    public func usageLines(_ usage: UsageFile.Service) -> [UsageLine] {
        var lines: [UsageLine] = []
        let million: Decimal = 1_000_000
        for tokens in usage.tokens {
            let model = catalog.model(named: tokens.model)
            for (direction, count, price) in [("input", tokens.input, model?.inputPerMillion ?? 0), ("output", tokens.output, model?.outputPerMillion ?? 0)] where count > 0 {
                let quantity = count / million
                let unitPrice = Money(catalog: price)
                lines.append(UsageLine(service: usage.name, name: "\(tokens.model) \(direction) tokens", source: .tokens, quantity: quantity,
                                       unit: "1M \(direction) tokens", unitPrice: unitPrice, monthly: (unitPrice * quantity).roundedToCents,
                                       model: tokens.model, priceFound: model != nil))
            }
        }
        for requests in usage.requests {
            switch requests.pricing {
            case .perRequest(let price):
                lines.append(UsageLine(service: usage.name, name: requests.name, source: .requests, quantity: requests.monthly, unit: "requests",
                                       unitPrice: price, monthly: (price * requests.monthly).roundedToCents, model: nil, priceFound: true))
            case .tokens(let modelName, let input, let output):
                let model = catalog.model(named: modelName)
                let perRequest = (Money(catalog: model?.inputPerMillion ?? 0) * input + Money(catalog: model?.outputPerMillion ?? 0) * output) / million
                lines.append(UsageLine(service: usage.name, name: "\(requests.name) (\(modelName))", source: .requests, quantity: requests.monthly,
                                       unit: "requests", unitPrice: perRequest, monthly: (perRequest * requests.monthly).roundedToCents,
                                       model: modelName, priceFound: model != nil))
            }
        }
        return lines
    }

    // MARK: Journal

    struct Filtered {
        var kept: [JournalEntry]
        var ignored: Int
    }

    func filter(_ entries: [JournalEntry], for environment: ResolvedEnvironment) -> Filtered {
        var kept: [JournalEntry] = []
        var ignored = 0
        for entry in entries {
            if let env = entry.environment, env != environment.environment { ignored += 1; continue }
            if let project = entry.project, project != environment.project { ignored += 1; continue }
            if environment.service(named: entry.service) == nil { ignored += 1; continue }
            kept.append(entry)
        }
        return Filtered(kept: kept, ignored: ignored)
    }
}

import Blueprint
import Foundation

extension CostEstimator {
    /// The first instant of the calendar month containing `now`, and of the next one.
    public func month(containing now: Date) -> (start: Date, end: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month], from: now)
        let start = calendar.date(from: parts) ?? now
        let end = calendar.date(byAdding: .month, value: 1, to: start) ?? now
        return (start, end)
    }

    /// Actuals from journal entries alone (already decoded), for callers without a projection.
    public func actuals(_ environment: ResolvedEnvironment, journal: [JournalEntry], now: Date) -> Actuals? {
        project(environment, journal: journal, now: now).actuals
    }

    /// Whole seconds stay integral decimals (so they compare equal to `Decimal(n)`); others keep milliseconds.
    func seconds(fromMillis value: Int64) -> Decimal {
        value % 1000 == 0 ? Decimal(value / 1000) : Decimal(value) / 1000
    }

    func actuals(environment: ResolvedEnvironment, projection: Projection, timelines: [String: ServiceTimeline], now: Date,
                 running: [RunningService]? = nil) -> Actuals {
        let live = Dictionary((running ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let (monthStart, monthEnd) = month(containing: now)
        let start = millis(monthStart), end = millis(monthEnd), current = max(start, min(millis(now), end))
        let millisPerMonth = secondsPerMonth * 1000

        func cost(_ plan: String, _ instanceMillis: Int64) -> Money {
            (unitMonthly(plan: plan) ?? .zero) * Decimal(instanceMillis) / millisPerMonth
        }

        // Compute, per service per plan.
        var services: [Actuals.Service] = []
        var effective: [String: ServiceTimeline] = [:]
        for (spec, line) in zip(environment.services, projection.services) where line.kind == .fixed {
            let timeline: ServiceTimeline
            let source: Actuals.Source
            if let fromJournal = timelines[spec.name] {
                timeline = fromJournal
                source = .journal
            } else if let running = live[spec.name] {
                let count = running.suspended ? 0 : running.instances
                timeline = ServiceTimeline(constant: .init(count: count, plan: normalizedPlanName(running.plan)))
                source = .live
            } else {
                let count = spec.scaling.map { Swift.min(Swift.max(spec.instances, $0.min), $0.max) } ?? spec.instances
                timeline = ServiceTimeline(constant: .init(count: count, plan: normalizedPlanName(spec.plan)))
                source = .blueprint
            }
            effective[spec.name] = timeline
            let used = timeline.instanceMillis(from: start, to: current)
            let plans = used.keys.sorted().map { plan in
                Actuals.PlanUsage(plan: plan, instanceSeconds: seconds(fromMillis: used[plan]!),
                                  unitMonthly: unitMonthly(plan: plan) ?? .zero, spend: cost(plan, used[plan]!).roundedToCents)
            }
            let spend = plans.map(\.spend).sum()
            let now = timeline.state(at: current)
            let remaining = cost(now.plan, (end - current) * Int64(now.count)).roundedToCents
            services.append(Actuals.Service(name: spec.name, plans: plans, spend: spend, currentPlan: now.plan, currentInstances: now.count,
                                            projectedMonthEnd: spend + remaining, source: source))
        }

        // Datastores, usage lines and run-hour services, prorated over the calendar month.
        let fixedMonthly = projection.datastores.map(\.monthly).sum() + projection.usage.map(\.monthly).sum()
            + projection.services.filter { $0.kind == .usage }.map(\.monthly.expected).sum()
        let monthLength = Decimal(end - start)
        func fixedShare(at time: Int64) -> Money { fixedMonthly * Decimal(time - start) / monthLength }
        let fixedToDate = fixedShare(at: current).roundedToCents

        let computeToDate = services.map(\.spend).sum()
        let projected = services.map(\.projectedMonthEnd).sum() + fixedMonthly

        // The biggest scale-driven changes this month, by what they did to this month's spend.
        var changes: [Actuals.Change] = []
        for (name, timeline) in timelines {
            for (index, step) in timeline.steps.enumerated() {
                guard let entry = step.entry, entry.changedSomething, step.at >= start, step.at <= current else { continue }
                let next = timeline.steps[(index + 1)...].first { $0.at > step.at }?.at ?? current
                let until = Swift.min(next, current)
                let before = unitMonthly(plan: entry.planBefore) ?? .zero
                let after = unitMonthly(plan: entry.plan) ?? .zero
                let rateDelta = after * entry.to - before * entry.from
                let effect = rateDelta * Decimal(Swift.max(0, until - step.at)) / millisPerMonth
                changes.append(Actuals.Change(at: entry.at, service: name, fromPlan: entry.planBefore, plan: entry.plan, from: entry.from,
                                              to: entry.to, reason: entry.reason, rule: entry.rule,
                                              monthlyDelta: rateDelta.roundedToCents, spendEffect: effect.roundedToCents))
            }
        }
        changes.sort { a, b in
            let x = a.spendEffect.amount.magnitudeDecimal, y = b.spendEffect.amount.magnitudeDecimal
            if x != y { return x > y }
            let p = a.monthlyDelta.amount.magnitudeDecimal, q = b.monthlyDelta.amount.magnitudeDecimal
            if p != q { return p > q }
            return a.at < b.at
        }
        if changes.count > changeLimit { changes.removeLast(changes.count - changeLimit) }

        // Spend over time: month start, each change, now (at most ~500 points).
        var moments = Set<Int64>([start, current])
        for timeline in effective.values {
            for step in timeline.steps where step.at > start && step.at < current { moments.insert(step.at) }
        }
        var ordered = moments.sorted()
        if ordered.count > 500 {
            let stride = (ordered.count + 499) / 500
            ordered = ordered.enumerated().filter { $0.offset % stride == 0 || $0.offset == ordered.count - 1 }.map(\.element)
        }
        let timeline = ordered.map { moment -> Actuals.Point in
            var compute = Money.zero
            var rate = Money.zero
            for series in effective.values {
                for (plan, used) in series.instanceMillis(from: start, to: moment) { compute += cost(plan, used) }
                let state = series.state(at: moment)
                rate += (unitMonthly(plan: state.plan) ?? .zero) * state.count
            }
            let total = moment == current ? computeToDate + fixedToDate : (compute + fixedShare(at: moment)).roundedToCents
            return Actuals.Point(at: Date(timeIntervalSince1970: Double(moment) / 1000), cumulative: total, computeMonthlyRate: rate.roundedToCents)
        }

        return Actuals(monthStart: monthStart, monthEnd: monthEnd, now: now, services: services, computeToDate: computeToDate,
                       fixedToDate: fixedToDate, monthToDate: computeToDate + fixedToDate, projectedMonthEnd: projected,
                       changes: changes, timeline: timeline, entriesRead: 0, entriesIgnored: 0)
    }
}

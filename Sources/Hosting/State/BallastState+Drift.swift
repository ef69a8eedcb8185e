import Planning

extension BallastState {
    /// Records a refresh-only plan's drift, as Terraform's `apply -refresh-only` does: the last
    /// applied values become the actual ones, and a resource deleted outside Ballast leaves the state.
    ///
    /// ```swift
    /// var state = try await store.load()!
    /// state.recordDrift(plan.drift)     // plan made with PlanOptions(mode: .refreshOnly)
    /// state.serial += 1
    /// try await store.save(state)
    /// ```
    ///
    /// Values the drift leaves out stay as they were: a count the controller manages, and values only
    /// known after an apply (a generated env var). The service's `updatedAt` is cleared, so the next
    /// plan reads its env vars afresh. Drift values are those the plan shows: env vars Ballast does
    /// not declare as plain values are digests, never the values themselves.
    public mutating func recordDrift(_ drift: [ResourceChange]) {
        for change in drift {
            guard let index = resources.firstIndex(where: { $0.kind == change.kind && $0.name == change.name && $0.id == change.id }) else {
                continue
            }
            guard change.action != .delete, let after = change.after else {
                resources.remove(at: index)
                continue
            }
            let seen = Set(after.map(\.name))
            let gone = Set((change.before ?? []).map(\.name)).subtracting(seen)
            var values = resources[index].values.filter { !gone.contains($0.name) }
            for attribute in after {
                if let at = values.firstIndex(where: { $0.name == attribute.name }) {
                    values[at] = attribute
                } else {
                    values.append(attribute)
                }
            }
            resources[index].values = values
            resources[index].envFingerprint = StateResource.envFingerprint(values)
            resources[index].updatedAt = nil
        }
        sortResources()
    }
}

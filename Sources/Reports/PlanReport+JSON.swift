import Planning

extension PlanReport {
    /// A JSON value of a report, for maps whose keys are data (a resource's attributes).
    enum JSONValue: Encodable {
        case string(String), int(Int), bool(Bool), double(Double), null
        case array([JSONValue]), object([String: JSONValue])

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let v): try container.encode(v)
            case .int(let v): try container.encode(v)
            case .bool(let v): try container.encode(v)
            case .double(let v): try container.encode(v)
            case .null: try container.encodeNil()
            case .array(let v): try container.encode(v)
            case .object(let v): try container.encode(v)
            }
        }
    }

    static func money(_ amount: Double) -> JSONValue {
        .double((amount * 100).rounded() / 100)
    }

    static func values(_ attributes: [Attribute]?) -> JSONValue {
        guard let attributes else { return .null }
        var object: [String: JSONValue] = [:]
        for attribute in attributes {
            if attribute.sensitive {
                object[attribute.name] = .string(sensitive)
                continue
            }
            switch attribute.value {
            case .string(let v): object[attribute.name] = .string(v)
            case .int(let v): object[attribute.name] = .int(v)
            case .bool(let v): object[attribute.name] = .bool(v)
            case .null: object[attribute.name] = .null
            case .unknown: object[attribute.name] = .string("(known after apply)")
            }
        }
        return .object(object)
    }

    static func json(_ change: ResourceChange) -> JSONValue {
        var object: [String: JSONValue] = [
            "address": .string(change.address),
            "type": .string(change.kind.rawValue),
            "name": .string(change.name),
            "actions": .array(change.action.jsonActions.map(JSONValue.string)),
            "action": .string(change.action.rawValue),
            "before": values(change.before),
            "after": values(change.after),
            "reasons": .array(change.reasons.map(JSONValue.string)),
            "replace_paths": .array(change.replaceFields.map { .array([.string($0)]) }),
            "sensitive_paths": .array(((change.before ?? []) + (change.after ?? [])).filter(\.sensitive).map(\.name)
                .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.map(JSONValue.string)),
            "operations": .array(change.operations.map { .string($0.label) }),
            "monthly_cost": .object(["before": money(change.monthlyBefore), "after": money(change.monthlyAfter), "delta": money(change.monthlyDelta)]),
        ]
        if change.action == .import, let id = change.id { object["importing"] = .object(["id": .string(id)]) }
        return .object(object)
    }

    /// Versioned, machine-readable: `format_version`, `resource_changes[]`, `summary`, `cost`.
    public func json() -> String {
        let summary = plan.summary
        let cost = plan.cost
        let root: JSONValue = .object([
            "format_version": .string(Plan.formatVersion),
            "mode": .string(plan.mode.rawValue),
            "project": .string(plan.project),
            "environment": .string(plan.environment),
            "resource_changes": .array(plan.changes.map(Self.json)),
            "resource_drift": .array(plan.drift.map(Self.json)),
            "summary": .object(["add": .int(summary.add), "change": .int(summary.change), "destroy": .int(summary.destroy), "import": .int(summary.import)]),
            "cost": .object(["monthly_before": Self.money(cost.monthlyBefore), "monthly_after": Self.money(cost.monthlyAfter),
                             "monthly_delta": Self.money(cost.monthlyDelta)]),
            "warnings": .array(plan.warnings.map(JSONValue.string)),
            "errors": .array(plan.errors.map(JSONValue.string)),
            "guardrail_violations": .array(plan.violations.map {
                .object(["rule": .string($0.rule), "resource": .string($0.resource), "message": .string($0.message)])
            }),
            "applyable": .bool(plan.isApplyable),
            "has_changes": .bool(plan.hasChanges),
        ])
        return encodeJSON(root)
    }
}

/// How to reduce several series to one number when a query returns more than one.
///
/// Without one, a query answering several series is an error: silently taking the first would scale
/// on one pod's number. Prefer aggregating in PromQL (`sum(rate(...))`); this is for rules that name
/// a per-instance query and say how to combine it.
public enum PrometheusAggregation: String, Sendable, Hashable, Codable, CaseIterable {
    case sum, avg, min, max, count

    func apply(_ values: [Double]) -> Double {
        switch self {
        case .sum: values.reduce(0, +)
        case .avg: values.reduce(0, +) / Double(values.count)
        case .min: values.min() ?? .nan
        case .max: values.max() ?? .nan
        case .count: Double(values.count)
        }
    }
}

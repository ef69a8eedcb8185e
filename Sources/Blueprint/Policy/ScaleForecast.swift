import Foundation

/// A seasonal forecast that raises the count ahead of known peaks: what the metric reached in the
/// coming `lead` window one `season` ago (and, with `seasons: n`, n seasons ago; the highest wins),
/// times `headroom`, over `perInstance`.
///
/// ```yaml
/// forecast:
///   metric: request_rate     # a service-wide total (default request_rate)
///   perInstance: 8           # like a perInstance rule: instances = ceil(peak × headroom / perInstance)
///   season: 1d               # how far back the same moment lies (default 1d; 7d for weekly)
///   seasons: 1               # how many past seasons to look at; the highest peak wins (default 1)
///   lead: 10m                # how far ahead to look from that moment (default 10m)
///   headroom: 100%           # multiplier on the remembered peak (default 100%)
///   resolution: 5m           # the width of the remembered bins (default 5m)
/// ```
///
/// The engine proposes that count next to the rules (the largest proposal wins, so the forecast is
/// a floor under them) and explains it with `ForecastFloor` when it wins. Until a whole season has
/// been remembered it abstains. The history keeps one peak per `resolution` for `season × seasons +
/// lead` (a day of 5-minute bins is 288 numbers), separate from the short window the rules need.
public struct ScaleForecast: Sendable, Equatable {
    public var metric: String
    public var perInstance: Double
    /// Seconds back to the same moment of the previous season.
    public var season: Double
    public var seasons: Int
    /// Seconds ahead of that moment whose peak is taken.
    public var lead: Double
    public var headroom: Double
    /// Seconds per remembered bin.
    public var resolution: Double

    public init(metric: String = "request_rate", perInstance: Double, season: Double = 86_400, seasons: Int = 1,
                lead: Double = 600, headroom: Double = 1, resolution: Double = 300) {
        self.metric = metric
        self.perInstance = perInstance
        self.season = season
        self.seasons = seasons
        self.lead = lead
        self.headroom = headroom
        self.resolution = resolution
    }

    /// How far back the remembered series must reach, in seconds.
    public var retention: Double { season * Double(seasons) + resolution }
}

extension NodeDecoder {
    static let forecastKeys = ["metric", "perInstance", "season", "seasons", "lead", "headroom", "resolution"]

    /// The `forecast` block of a scale policy.
    mutating func scaleForecast(_ node: YAMLNode, path: String) -> ScaleForecast? {
        guard let fields = mapping(node, path: path, allowed: Self.forecastKeys, what: "a forecast (a mapping)") else { return nil }
        let before = diagnostics.errorCount
        guard let perNode = fields.present("perInstance") else {
            error("Incomplete forecast", "A forecast needs `perInstance`: how much of the metric one instance takes (as in a perInstance rule).", path: path, at: node)
            return nil
        }
        var forecast = ScaleForecast(perInstance: 1)
        if let value = double(perNode, path: NodeDecoder.join(path, "perInstance"), minimum: 0) {
            if value > 0 { forecast.perInstance = value } else {
                error("Value out of range", "`perInstance` must be above 0.", path: NodeDecoder.join(path, "perInstance"), at: perNode)
            }
        }
        if let n = fields.present("metric"), let value = string(n, path: NodeDecoder.join(path, "metric")) { forecast.metric = value }
        func positiveDuration(_ key: String, _ apply: (Double) -> Void) {
            guard let n = fields.present(key), let seconds = duration(n, path: NodeDecoder.join(path, key)) else { return }
            if seconds > 0 { apply(seconds) } else {
                error("Value out of range", "`\(key)` must be longer than 0s.", path: NodeDecoder.join(path, key), at: n)
            }
        }
        positiveDuration("season") { forecast.season = $0 }
        positiveDuration("resolution") { forecast.resolution = $0 }
        if let n = fields.present("lead"), let seconds = duration(n, path: NodeDecoder.join(path, "lead")) { forecast.lead = seconds }
        if let n = fields.present("seasons"), let value = int(n, path: NodeDecoder.join(path, "seasons"), range: 1...28) { forecast.seasons = value }
        if let n = fields.present("headroom"), let value = percent(n, path: NodeDecoder.join(path, "headroom")) {
            if value > 0 { forecast.headroom = value } else {
                error("Value out of range", "`headroom` must be above 0% (100% takes the remembered peak as it was).", path: NodeDecoder.join(path, "headroom"), at: n)
            }
        }
        if forecast.lead + forecast.resolution > forecast.season {
            error("Forecast looks past its season", "`lead` (\(ScalePolicy.formatDuration(forecast.lead))) plus `resolution` must be shorter than `season` (\(ScalePolicy.formatDuration(forecast.season))): the window ahead would not have happened yet one season ago.", path: path, at: node)
        }
        return diagnostics.errorCount == before ? forecast : nil
    }
}

/// The SPEC Research Group elasticity metrics of a supply curve against a demand curve
/// (Herbst et al.; BUNGEE's definitions), both step functions on the simulation's grid.
///
/// - `thetaU`, `thetaO`: under- and over-provisioning accuracy, normalised:
///   `(100 / T) Σ ((d − s)⁺ / max(d, 1)) Δt` (and `(s − d)⁺` for over), in percent.
/// - `tauU`, `tauO`: timeshare, the percentage of time with `s < d` (`s > d`).
/// - `jitter`: `(E_S − E_D) / T` in adaptations per minute, where `E` counts unit steps (a +3 step
///   is 3); negative means the scaler moves less than the demand, positive that it oscillates.
///
/// Supply is the ready instances; demand is ``ServiceModel/demand(arrivals:)`` per interval.
///
/// ```swift
/// let m = ElasticityMetrics(supply: [1, 2, 2], demand: [1, 3, 2], interval: 60)
/// m.tauU   // 33.3…
/// ```
public struct ElasticityMetrics: Sendable, Equatable {
    public var thetaU: Double
    public var thetaO: Double
    public var tauU: Double
    public var tauO: Double
    public var jitter: Double

    public init(thetaU: Double, thetaO: Double, tauU: Double, tauO: Double, jitter: Double) {
        self.thetaU = thetaU
        self.thetaO = thetaO
        self.tauU = tauU
        self.tauO = tauO
        self.jitter = jitter
    }

    public init<S: Collection, D: Collection>(supply: S, demand: D, interval: Double)
        where S.Element: BinaryInteger, D.Element: BinaryInteger, S.Index == Int, D.Index == Int {
        let n = Swift.min(supply.count, demand.count)
        guard n > 0 else {
            self.init(thetaU: 0, thetaO: 0, tauU: 0, tauO: 0, jitter: 0)
            return
        }
        var under = 0.0, over = 0.0
        var timeUnder = 0, timeOver = 0
        var stepsS = 0, stepsD = 0
        var previousS = Int(supply[supply.startIndex]), previousD = Int(demand[demand.startIndex])
        for k in 0..<n {
            let s = Int(supply[supply.startIndex + k])
            let d = Int(demand[demand.startIndex + k])
            let scale = Double(Swift.max(d, 1))
            if d > s {
                under += Double(d - s) / scale
                timeUnder += 1
            } else if s > d {
                over += Double(s - d) / scale
                timeOver += 1
            }
            stepsS += abs(s - previousS)
            stepsD += abs(d - previousD)
            previousS = s
            previousD = d
        }
        let count = Double(n)
        let minutes = count * interval / 60
        self.init(thetaU: 100 * under / count, thetaO: 100 * over / count,
                  tauU: 100 * Double(timeUnder) / count, tauO: 100 * Double(timeOver) / count,
                  jitter: Double(stepsS - stepsD) / minutes)
    }
}

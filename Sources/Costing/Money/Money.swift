import Foundation

/// An exact amount of money in the catalog's currency (USD), as a `Decimal`.
///
/// Prices in the catalog are written as decimals (`0.30`, `2.50`) and read as `Double`; ``init(catalog:)``
/// takes the shortest decimal that reads back as that double, so `0.3` is exactly three tenths here.
/// Lines of a projection are rounded to the cent once (``roundedToCents``) and totals are sums of
/// rounded lines, so a table always adds up.
///
/// ```swift
/// let perMonth = Money(catalog: 7)                  // $7.00
/// let hour = perMonth * 3600 / (730 * 3600)         // 0.009589…
/// hour.roundedToCents.decimalString                 // "0.01"
/// perMonth.formatted                                 // "$7.00"
/// ```
public struct Money: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var amount: Decimal

    public init(_ amount: Decimal) {
        self.amount = amount
    }

    public init(_ amount: Int) {
        self.amount = Decimal(amount)
    }

    /// A price read from the catalog or a usage file as a `Double`, taken at its written decimal value.
    public init(catalog value: Double) {
        self.amount = Decimal.exact(value)
    }

    /// Parses a decimal string such as `"12.34"`, `"-3"` or `"0.0002"`.
    public init?(string: String) {
        guard let value = Decimal(string: string.trimmingCharacters(in: .whitespaces), locale: Locale(identifier: "en_US_POSIX")),
              !value.isNaN else { return nil }
        self.amount = value
    }

    public static let zero = Money(Decimal(0))

    /// Rounded half away from zero to `scale` decimal places.
    public func rounded(scale: Int) -> Money {
        var input = amount
        var output = Decimal()
        NSDecimalRound(&output, &input, scale, .plain)
        return Money(output)
    }

    public var roundedToCents: Money { rounded(scale: 2) }

    public var isNegative: Bool { amount < 0 }
    public var isZero: Bool { amount == 0 }

    /// `"12.30"`, `"-3.00"`, `"0.00026"`: plain decimal, at least two fraction digits, no grouping.
    public var decimalString: String {
        Money.pad(amount.plainDescription, minimumFraction: 2)
    }

    /// `"$1,234.56"`, `"-$3.00"`: rounded to the cent, with the dollar sign and thousands separators.
    public var formatted: String {
        let cents = roundedToCents
        let text = Money.group(Money.pad(cents.amount.magnitudeDecimal.plainDescription, minimumFraction: 2))
        return (cents.amount < 0 ? "-$" : "$") + text
    }

    /// `"+$3.00"` or `"-$3.00"`; zero is `"$0.00"`.
    public var signedFormatted: String {
        let cents = roundedToCents
        if cents.amount > 0 { return "+" + cents.formatted }
        return cents.formatted
    }

    /// A unit price with enough digits to be meaningful: `"$0.00036"`, `"$2.50"`.
    public var unitPriceFormatted: String {
        if amount.magnitudeDecimal >= 0.01 || amount == 0 { return formatted }
        return (amount < 0 ? "-$" : "$") + Money.pad(rounded(scale: 8).amount.magnitudeDecimal.plainDescription, minimumFraction: 2)
    }

    /// The amount as a `Double`, for drawing charts only.
    public var doubleValue: Double { NSDecimalNumber(decimal: amount).doubleValue }

    public var description: String { formatted }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.amount < rhs.amount }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(lhs.amount + rhs.amount) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(lhs.amount - rhs.amount) }
    public static prefix func - (value: Money) -> Money { Money(-value.amount) }
    public static func += (lhs: inout Money, rhs: Money) { lhs = lhs + rhs }
    public static func -= (lhs: inout Money, rhs: Money) { lhs = lhs - rhs }
    public static func * (lhs: Money, rhs: Decimal) -> Money { Money(lhs.amount * rhs) }
    public static func * (lhs: Money, rhs: Int) -> Money { Money(lhs.amount * Decimal(rhs)) }
    public static func / (lhs: Money, rhs: Decimal) -> Money { Money(lhs.amount / rhs) }

    // Encoded as a decimal string, as Infracost does: `"560.64"`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Money(string: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a decimal amount")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(decimalString)
    }

    static func pad(_ text: String, minimumFraction: Int) -> String {
        var text = text
        if let dot = text.firstIndex(of: ".") {
            let digits = text.distance(from: text.index(after: dot), to: text.endIndex)
            if digits < minimumFraction { text += String(repeating: "0", count: minimumFraction - digits) }
        } else if minimumFraction > 0 {
            text += "." + String(repeating: "0", count: minimumFraction)
        }
        return text
    }

    static func group(_ text: String) -> String {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = Array(parts[0])
        var grouped = ""
        for (index, ch) in whole.enumerated() {
            if index > 0, (whole.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(ch)
        }
        return parts.count > 1 ? grouped + "." + parts[1] : grouped
    }
}

extension Sequence where Element == Money {
    /// The exact sum.
    public func sum() -> Money { reduce(.zero, +) }
}

extension Decimal {
    /// The shortest decimal that reads back as `value` (`0.3` → 3/10, not 0.299999…).
    public static func exact(_ value: Double) -> Decimal {
        guard value.isFinite else { return 0 }
        if value == value.rounded(), abs(value) < 1e15 { return Decimal(Int64(value)) }
        return Decimal(string: String(describing: value), locale: Locale(identifier: "en_US_POSIX")) ?? Decimal(value)
    }

    /// Plain positional notation, never an exponent.
    var plainDescription: String {
        var value = self
        // Decimal's description is positional already; normalise "-0".
        if value.isZero { value = 0 }
        return value.description
    }

    var magnitudeDecimal: Decimal { self < 0 ? -self : self }

    /// Rounded half away from zero to `scale` decimal places.
    public func rounded(scale: Int) -> Decimal {
        var input = self
        var output = Decimal()
        NSDecimalRound(&output, &input, scale, .plain)
        return output
    }

    /// `2`, `2.5`, `1,250,000`: a quantity as a person writes it.
    public var quantityDescription: String {
        let text = plainDescription
        if self.magnitudeDecimal >= 10_000 { return Money.group(text) }
        return text
    }
}

import Foundation

/// RFC 3339 / ISO 8601 timestamps without Foundation's formatters (they are slow and, on Linux,
/// not what you want in a hot path): `2026-01-01T12:00:00Z`, with optional fractional seconds and a
/// `+02:00` offset.
public enum Timestamp {
    /// The moment `text` names, or nil when it is not a timestamp.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<count {
                let b = bytes[i]
                guard b >= 48 && b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
                i += 1
            }
            return value
        }
        func expect(_ chars: String) -> Bool {
            guard i < bytes.count, chars.utf8.contains(bytes[i]) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = Double(daysFromCivil(year: year, month: month, day: day)) * 86_400
        if i == bytes.count { return Date(timeIntervalSince1970: seconds) }
        guard expect("Tt "), let hour = digits(2), expect(":"), let minute = digits(2), hour < 24, minute < 60 else { return nil }
        var second = 0.0
        if i < bytes.count, bytes[i] == UInt8(ascii: ":") {
            i += 1
            guard let whole = digits(2), whole <= 60 else { return nil }
            second = Double(whole)
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: ",") {
                i += 1
                var scale = 0.1
                var sawDigit = false
                while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                    second += Double(bytes[i] - 48) * scale
                    scale /= 10
                    i += 1
                    sawDigit = true
                }
                guard sawDigit else { return nil }
            }
        }
        seconds += Double(hour * 3600 + minute * 60) + second
        guard i < bytes.count else { return nil }
        if expect("Zz") {
            return i == bytes.count ? Date(timeIntervalSince1970: seconds) : nil
        }
        let sign: Double
        if bytes[i] == UInt8(ascii: "+") { sign = 1 } else if bytes[i] == UInt8(ascii: "-") { sign = -1 } else { return nil }
        i += 1
        guard let offsetHours = digits(2) else { return nil }
        if i < bytes.count, bytes[i] == UInt8(ascii: ":") { i += 1 }
        guard let offsetMinutes = digits(2), i == bytes.count else { return nil }
        seconds -= sign * Double(offsetHours * 3600 + offsetMinutes * 60)
        return Date(timeIntervalSince1970: seconds)
    }

    /// `2026-01-01T12:00:00Z` (with milliseconds when the moment has them).
    public static func format(_ date: Date) -> String {
        let total = date.timeIntervalSince1970
        let wholeSeconds = (total).rounded(.down)
        let millis = Int(((total - wholeSeconds) * 1000).rounded())
        var secs = Int(wholeSeconds)
        var ms = millis
        if ms == 1000 { secs += 1; ms = 0 }
        let days = Int((Double(secs) / 86_400).rounded(.down))
        let rest = secs - days * 86_400
        let (y, m, d) = civilFromDays(days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var text = "\(y)-\(two(m))-\(two(d))T\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60))"
        if ms > 0 { text += "." + String(String(1000 + ms).dropFirst()) }
        return text + "Z"
    }

    // Howard Hinnant's civil-calendar algorithms.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z: Int) -> (Int, Int, Int) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

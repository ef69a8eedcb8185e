import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LockInfo {
    /// A new lock held by this process on `path` for `operation`, created now.
    public static func forThisProcess(path: String, operation: String) -> LockInfo {
        let host = ProcessInfo.processInfo.hostName
        let user = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        return LockInfo(id: UUID().uuidString.lowercased(), path: path, operation: operation, who: "\(user)@\(host)",
                        pid: ProcessInfo.processInfo.processIdentifier, host: host, created: Date())
    }

    /// Whether the holder is another process of this host that no longer runs: its lock can be taken
    /// over at once instead of waiting for it.
    public var holderIsGone: Bool {
        host == ProcessInfo.processInfo.hostName && pid != ProcessInfo.processInfo.processIdentifier
            && kill(pid, 0) != 0 && errno == ESRCH
    }

    /// The lock as every store writes it: JSON, sorted keys, ISO 8601 dates.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// A lock read back from ``encoded()``'s JSON; nil when the bytes are not a lock.
    public static func decode(_ data: Data) -> LockInfo? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(LockInfo.self, from: data)
    }
}

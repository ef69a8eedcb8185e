import Foundation
import Hosting
import Planning
import RedisClient

/// Ballast's state in Redis (`--state redis://HOST:PORT/DB`): the same document as the local file,
/// and the same lock, for teams whose applies run on more than one machine.
///
/// Keys, for project `qc-platform` and environment `production`:
/// - `ballast:qc-platform:production:state`, a hash: `document` (the state's JSON, secrets as
///   digests only, as in the file), `lineage` and `serial` (copies the write script checks);
/// - `ballast:qc-platform:production:state:lock`, a string holding the holder's ``LockInfo`` as JSON.
///
/// ```swift
/// let store = try RedisStateStore(url: "redis://127.0.0.1:6379/0", project: "qc-platform", environment: "production")
/// let lock = try await store.lock(operation: "apply", timeout: 10)
/// var state = try await store.load() ?? BallastState(lineage: UUID().uuidString, project: "qc-platform", environment: "production")
/// state.serial += 1
/// try await store.save(state)      // refused if the serial in Redis moved since the read
/// await lock.unlock()
/// ```
///
/// - Lock: `SET lock <info> NX PX <ttl>`; the info's `id` is the owner token. While held, it is
///   renewed every third of its TTL by a compare-and-`PEXPIRE` script and released by a
///   compare-and-`DEL` script, so a holder never extends or removes a lock that is not its own. A
///   holder that dies stops renewing and its lock expires after the TTL; one whose process is gone
///   on this host is taken over at once, as with the lock file.
/// - Write: one Lua script, so atomic: it refuses the write unless this store still holds the lock
///   (when it took one), the stored lineage is the same, and the stored serial is exactly one below
///   the new one (nothing stored: the new serial must be 1). Anything else means another writer got in.
public final class RedisStateStore: StateStore, @unchecked Sendable {
    public let redis: RedisClient
    /// The state hash's key; the lock is `key + ":lock"`.
    public let key: String
    /// Seconds a lock lasts without renewal.
    public let lockTTL: Double
    public let location: String

    public var lockKey: String { key + ":lock" }

    // The value of the lock this store holds, if any, and its renewal; guarded by `mutex`.
    private let mutex = NSLock()
    private var heldValue: String?
    private var renewal: Task<Void, Never>?
    private var lostReason: String?

    public init(redis: RedisClient, key: String, lockTTL: Double = 30) {
        self.redis = redis
        self.key = key
        self.lockTTL = max(0.3, lockTTL)
        // The configuration's description masks any password.
        self.location = "\(redis.configuration) \(key)"
    }

    /// A store for `redis://[user:password@]host:port/db`, keyed by project and environment.
    public convenience init(url: String, project: String, environment: String, lockTTL: Double = 30) throws {
        let configuration: RedisConfiguration
        do {
            configuration = try RedisConfiguration(url: url)
        } catch {
            throw StateStoreError(operation: "open-state", location: "--state", message: "\(error)")
        }
        self.init(redis: RedisClient(configuration), key: Self.key(project: project, environment: environment), lockTTL: lockTTL)
    }

    public static func key(project: String, environment: String) -> String {
        "ballast:\(project):\(environment):state"
    }

    deinit {
        renewal?.cancel()
    }

    // MARK: - Reading and writing

    public func load() async throws -> BallastState? {
        let reply: RedisReply
        do {
            reply = try await redis.command(["HGET", key, "document"], retryOnConnectionLoss: true)
        } catch {
            throw StateStoreError(operation: "read-state", location: location, message: "\(error)")
        }
        guard case .bulk(let bytes) = reply else { return nil }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(BallastState.self, from: Data(bytes))
        } catch {
            throw StateStoreError(operation: "read-state", location: location, message: "the stored document is not a Ballast state: \(error)")
        }
    }

    static let saveScript = RedisScript("""
    local token = ARGV[4]
    if token ~= '' then
      local holder = redis.call('GET', KEYS[2])
      if holder ~= token then
        if holder == false then holder = '' end
        return {0, 'lock', holder}
      end
    end
    local current = redis.call('HMGET', KEYS[1], 'lineage', 'serial')
    local serial = tonumber(ARGV[3])
    if current[1] then
      if current[1] ~= ARGV[2] then return {0, 'lineage', current[1], current[2] or ''} end
      if tonumber(current[2]) ~= serial - 1 then return {0, 'serial', current[1], current[2] or ''} end
    elseif serial ~= 1 then
      return {0, 'missing', '', ''}
    end
    redis.call('HSET', KEYS[1], 'document', ARGV[1], 'lineage', ARGV[2], 'serial', ARGV[3])
    return {1}
    """)

    /// Writes the whole state in one script; see the type's notes for when it is refused.
    public func save(_ state: BallastState) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let document: String
        do {
            document = String(decoding: try encoder.encode(state), as: UTF8.self)
        } catch {
            throw StateStoreError(operation: "write-state", location: location, message: "\(error)")
        }
        let (token, lost) = mutex.withLock { (heldValue, lostReason) }
        if let lost {
            throw StateStoreError(operation: "write-state", location: location, message: lost)
        }
        let reply: RedisReply
        do {
            // Not retried on a lost connection: the write may have landed, and a repeat would then be refused as stale.
            reply = try await redis.run(Self.saveScript, keys: [key, lockKey],
                                        arguments: [document, state.lineage, String(state.serial), token ?? ""])
        } catch {
            throw StateStoreError(operation: "write-state", location: location, message: "\(error)")
        }
        let parts = reply.array ?? []
        guard parts.first?.int != 1 else { return }
        let what = parts.count > 1 ? parts[1].string ?? "" : ""
        let found: (lineage: String, serial: String) = parts.count > 3 ? (parts[2].string ?? "", parts[3].string ?? "") : ("", "")
        switch what {
        case "lock":
            let holder = parts.count > 2 ? parts[2].string.flatMap(Self.decodeLock) : nil
            throw StateStoreError(operation: "write-state", location: location,
                                  message: "refused to write serial \(state.serial): this apply no longer holds the state lock"
                                      + (holder == nil ? " (it expired)." : "; another operation took it."),
                                  holder: holder)
        case "lineage":
            throw StateStoreError(operation: "write-state", location: location,
                                  message: "refused to write: the stored state has lineage \(found.lineage), not \(state.lineage); another state was written here.")
        case "serial":
            throw StateStoreError(operation: "write-state", location: location,
                                  message: "refused to write serial \(state.serial): the stored serial is \(found.serial), not \(state.serial - 1); the state was changed by another operation since it was read (stale).")
        case "missing":
            throw StateStoreError(operation: "write-state", location: location,
                                  message: "refused to write serial \(state.serial): the state was deleted since it was read.")
        default:
            throw StateStoreError(operation: "write-state", location: location, message: "unexpected reply from the write script: \(reply)")
        }
    }

    // MARK: - Locking

    static let renewScript = RedisScript("""
    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
    return 0
    """)

    static let releaseScript = RedisScript("""
    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
    return 0
    """)

    private var milliseconds: String { String(Int(lockTTL * 1000)) }

    public func lock(operation: String, timeout: TimeInterval) async throws -> StateLock {
        let info = LockInfo.forThisProcess(path: location, operation: operation)
        let value = String(decoding: try info.encoded(), as: UTF8.self)
        let deadline = Date().addingTimeInterval(max(0, timeout))
        while true {
            let taken: Bool
            let holderValue: String?
            do {
                taken = try await redis.command(["SET", lockKey, value, "NX", "PX", milliseconds]).string == "OK"
                holderValue = taken ? nil : try await redis.command(["GET", lockKey], retryOnConnectionLoss: true).string
            } catch {
                throw StateStoreError(operation: "lock-state", location: location, message: "\(error)")
            }
            if taken {
                startHolding(value)
                return StateLock(info: info) { [self] in await self.unlock(value) }
            }
            let holder = holderValue.flatMap(Self.decodeLock)
            if let holderValue, let holder, holder.holderIsGone {
                // Its process is gone: remove exactly that lock, then try again.
                _ = try? await redis.run(Self.releaseScript, keys: [lockKey], arguments: [holderValue])
                continue
            }
            if holderValue == nil { continue }   // released between our SET and GET
            if Date() >= deadline {
                throw StateStoreError(operation: "lock-state", location: location,
                                      message: "Error acquiring the state lock: another operation holds it.", holder: holder)
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    private func startHolding(_ value: String) {
        let interval = UInt64(lockTTL / 3 * 1_000_000_000)
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: interval)
                guard !Task.isCancelled, let self else { return }
                await self.renew(value)
            }
        }
        mutex.withLock {
            renewal?.cancel()
            heldValue = value
            lostReason = nil
            renewal = task
        }
    }

    /// Extends the lock by its TTL if it is still ours. A failed round trip is tried again at the
    /// next turn; a lock found gone or taken is given up, and the next write is refused.
    private func renew(_ value: String) async {
        do {
            let reply = try await redis.run(Self.renewScript, keys: [lockKey], arguments: [value, milliseconds], retryOnConnectionLoss: true)
            if reply.int == 1 { return }
            mutex.withLock {
                guard heldValue == value else { return }
                lostReason = "refused to write: the state lock expired or was taken by another operation while this apply held it."
                renewal?.cancel()
                renewal = nil
            }
        } catch {
            // Transient: the lock lasts the full TTL from the last renewal; the write script checks it anyway.
        }
    }

    private func unlock(_ value: String) async {
        let owned = mutex.withLock { () -> Bool in
            guard heldValue == value else { return false }
            renewal?.cancel()
            renewal = nil
            heldValue = nil
            lostReason = nil
            return true
        }
        guard owned else { return }
        _ = try? await redis.run(Self.releaseScript, keys: [lockKey], arguments: [value], retryOnConnectionLoss: true)
    }

    static func decodeLock(_ text: String) -> LockInfo? {
        LockInfo.decode(Data(text.utf8))
    }
}

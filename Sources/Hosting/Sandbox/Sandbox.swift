import Foundation

/// Options of a `Sandbox`: how Render's behaviour is emulated.
public struct SandboxOptions: Sendable {
    /// Seconds from create, scale or resume until a new instance serves (appears in `/instances`).
    public var bootDelay: TimeInterval
    /// The sandbox's notion of now: boot delays, timestamps and metrics come from it.
    public var clock: any HostingClock
    /// How often the emulated native autoscaler re-evaluates a service, in seconds.
    public var autoscaleInterval: TimeInterval
    /// How long a stopped instance is remembered for metrics, in seconds (Render answers metrics
    /// for the last 30 days; at most 500 instances per service are kept either way).
    public var instanceHistory: TimeInterval

    public init(bootDelay: TimeInterval = 0, clock: any HostingClock = SystemHostingClock(), autoscaleInterval: TimeInterval = 30,
                instanceHistory: TimeInterval = 31 * 86_400) {
        self.bootDelay = bootDelay
        self.clock = clock
        self.autoscaleInterval = autoscaleInterval
        self.instanceHistory = instanceHistory
    }
}

/// Render's API semantics in-process, persisted to `<directory>/state.json`: what `--sandbox [DIR]`
/// plans and applies against, and what `SandboxServer` serves over HTTP.
///
/// It behaves as Render does where a planner or controller would notice: IDs in Render's formats,
/// cursor pagination, `/scale` ignored while native autoscaling is on, region/type/runtime immutable,
/// 404 for missing resources, instances that serve only after a boot delay, and metrics that respond
/// to load and instance count.
///
/// ```swift
/// let sandbox = try Sandbox(directory: ".ballast/sandbox", options: SandboxOptions(bootDelay: 20))
/// let owner = try sandbox.defaultOwnerId()
/// let web = try await sandbox.createService(ServiceCreateRequest(name: "api", type: .web, runtime: "node", ownerId: owner))
/// try sandbox.setLoad(serviceId: web.id, SandboxLoad(requestsPerSecond: 200))
/// ```
///
/// - Important: several processes may share a directory; each call reloads the file if another
///   process changed it, under an advisory file lock.
public final class Sandbox: Sendable {
    public static let defaultDirectory = ".ballast/sandbox"

    /// Whether `directory` holds a sandbox's saved state (an apply or `sandbox serve --state` made it);
    /// opening any other folder would start a new, empty sandbox there.
    public static func exists(in directory: String) -> Bool {
        FileManager.default.fileExists(atPath: URL(fileURLWithPath: directory).appendingPathComponent(SandboxStore.stateFileName).path)
    }

    let store: SandboxStore
    public let options: SandboxOptions

    /// A sandbox whose state lives in `directory` (created if missing).
    public init(directory: String, options: SandboxOptions = SandboxOptions()) throws {
        let now = options.clock.now()
        do {
            self.store = try SandboxStore(directory: directory) { Sandbox.initialState(now: now) }
        } catch let failure as SandboxFailure {
            throw RenderAPIError(kind: .configuration, operation: "open-sandbox", method: "-", path: directory, message: failure.message)
        }
        self.options = options
    }

    /// A sandbox that keeps its state in memory only (tests).
    public init(inMemory options: SandboxOptions = SandboxOptions()) {
        let now = options.clock.now()
        // No directory: the store cannot fail.
        self.store = try! SandboxStore(directory: nil) { Sandbox.initialState(now: now) }
        self.options = options
    }

    var now: Date { options.clock.now() }

    /// The workspace the sandbox starts with (`tea-…`).
    public func defaultOwnerId() throws -> String {
        try store.read { $0.owners.first?.id ?? "" }
    }

    static func initialState(now: Date) -> SandboxState {
        var state = SandboxState()
        let owner = RenderOwner(id: SandboxIDs.make("tea"), name: "Sandbox Workspace", email: "sandbox@example.com",
                                type: "team", twoFactorAuthEnabled: nil)
        state.owners = [owner]
        let stamp = RenderJSON.formatDate(now)
        state.project = RenderProject(id: SandboxIDs.make("prj"), createdAt: stamp, updatedAt: stamp, name: "Sandbox Project",
                                      owner: owner, environmentIds: [])
        return state
    }
}

/// Render-format identifiers: a prefix and 20 lowercase alphanumerics (`srv-d0c3k5…`).
enum SandboxIDs {
    static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")

    static func random(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    static func make(_ prefix: String) -> String { "\(prefix)-\(random(20))" }

    static func cursor(_ seq: Int) -> String { Data("seq:\(seq)".utf8).base64EncodedString() }

    static func sequence(fromCursor cursor: String) throws -> Int {
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8),
              text.hasPrefix("seq:"), let seq = Int(text.dropFirst(4))
        else { throw SandboxFailure.badRequest("invalid cursor") }
        return seq
    }

    /// A page of `items` (in creation order) after `cursor`.
    static func page<Item>(_ items: [Item], seq: (Item) -> Int, limit: Int?, cursor: String?) throws -> [(Item, String)] {
        let limit = limit ?? 20
        guard (1...100).contains(limit) else { throw SandboxFailure.badRequest("limit must be between 1 and 100") }
        let after = try cursor.map(sequence(fromCursor:)) ?? Int.min
        return items.filter { seq($0) > after }.prefix(limit).map { ($0, Self.cursor(seq($0))) }
    }
}

import Planning

/// What happened to each change of an applied plan.
public struct ApplyReport: Sendable {
    public enum Status: Sendable, Equatable {
        case done
        case failed(String)
        case notAttempted
    }

    public struct Entry: Sendable {
        public var change: ResourceChange
        public var status: Status
        /// The resource's ID after the change (nil once deleted).
        public var id: String?
    }

    public var entries: [Entry]
    /// The state as recorded at the end (every completed change included).
    public var state: BallastState
    /// Set when the state could not be written (the apply's results are then only in `state`).
    public var stateError: String?

    public var succeeded: Bool { stateError == nil && entries.allSatisfy { $0.status == .done } }

    /// Terraform's counting over the changes that were carried out.
    public var counts: (imported: Int, added: Int, changed: Int, destroyed: Int) {
        var result = (imported: 0, added: 0, changed: 0, destroyed: 0)
        for entry in entries where entry.status == .done {
            switch entry.change.action {
            case .create: result.added += 1
            case .update, .scale: result.changed += 1
            case .replace: result.added += 1; result.destroyed += 1
            case .delete: result.destroyed += 1
            case .import:
                result.imported += 1
                if entry.change.importWithUpdate { result.changed += 1 }
            case .noOp: break
            }
        }
        return result
    }

    /// `Apply complete! Resources: X added, Y changed, Z destroyed.` (`N imported, ` first when importing).
    public var completionLine: String {
        let c = counts
        let prefix = succeeded ? "Apply complete!" : "Apply failed."
        return "\(prefix) Resources: " + (c.imported > 0 ? "\(c.imported) imported, " : "") + "\(c.added) added, \(c.changed) changed, \(c.destroyed) destroyed."
    }
}

/// Progress of an apply, for a live line or plain lines.
public enum ApplyEvent: Sendable {
    case started(ResourceChange)
    case completed(ResourceChange, id: String?, seconds: Double)
    case failed(ResourceChange, message: String)
}

/// A scale policy: rules that each propose an instance count, and the behaviour per direction.
/// (Placeholder: the scaling engine's owner defines the full schema here.)
public struct ScalePolicy: Sendable, Equatable {
    public var name: String

    public init(name: String) {
        self.name = name
    }
}

extension NodeDecoder {
    /// Reads a scale policy document (`policies/*.yaml` with `kind: scale` or no kind).
    public mutating func scalePolicy(_ node: YAMLNode, path: String) -> ScalePolicy? {
        guard let fields = mapping(node, path: path) else { return nil }
        guard let nameNode = fields.present("name"), let name = string(nameNode, path: NodeDecoder.join(path, "name")) else {
            error("Missing name", "A policy needs a `name`.", path: path, at: node)
            return nil
        }
        return ScalePolicy(name: name)
    }
}

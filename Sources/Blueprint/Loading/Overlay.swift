extension YAMLNode {
    /// This mapping with `overlay` laid over it: mappings merge key by key, anything else replaces,
    /// and an explicit `null` removes the key (`scaling: null` turns scaling off in one environment).
    public func overlaid(with overlay: YAMLNode) -> YAMLNode {
        guard var result = pairs, let overlayPairs = overlay.pairs else { return overlay }
        Self.lay(overlayPairs, over: &result)
        return YAMLNode(.mapping(result), mark: mark, tag: tag)
    }

    /// The mapping without the given keys.
    func removing(keys: Set<String>) -> YAMLNode {
        guard let pairs else { return self }
        return YAMLNode(.mapping(pairs.filter { !keys.contains($0.key.scalar ?? "") }), mark: mark, tag: tag)
    }

    /// A service or datastore as one environment sees it: the mapping without its `environments`
    /// key, with that environment's overlay (if any) laid over it.
    ///
    /// The same as `removing(keys: ["environments"]).overlaid(with: self["environments"]?[name])`,
    /// in one copy of the pairs: values the overlay does not touch are shared, not rebuilt, and a
    /// mapping without `environments` is returned as it is.
    func merged(environment name: String) -> YAMLNode {
        guard case .mapping(let pairs) = content, pairs.contains(where: { $0.key.hasScalar("environments") }) else { return self }
        let overlayPairs = self["environments"]?[name]?.pairs
        var result: [YAMLPair] = []
        result.reserveCapacity(pairs.count + (overlayPairs?.count ?? 0))
        for pair in pairs where !pair.key.hasScalar("environments") {
            result.append(pair)
        }
        if let overlayPairs {
            Self.lay(overlayPairs, over: &result)
        }
        return YAMLNode(.mapping(result), mark: mark, tag: tag)
    }

    private static func lay(_ overlayPairs: [YAMLPair], over result: inout [YAMLPair]) {
        for pair in overlayPairs {
            guard case .scalar(let key, _) = pair.key.content else { continue }
            if let index = result.lastIndex(where: { $0.key.hasScalar(key) }) {
                if pair.value.isNull {
                    result.remove(at: index)
                } else {
                    result[index] = YAMLPair(key: pair.key, value: result[index].value.overlaid(with: pair.value))
                }
            } else if !pair.value.isNull {
                result.append(pair)
            }
        }
    }
}

extension YAMLNode {
    /// This mapping with `overlay` laid over it: mappings merge key by key, anything else replaces,
    /// and an explicit `null` removes the key (`scaling: null` turns scaling off in one environment).
    public func overlaid(with overlay: YAMLNode) -> YAMLNode {
        guard let basePairs = pairs, let overlayPairs = overlay.pairs else { return overlay }
        var result = basePairs
        for pair in overlayPairs {
            guard let key = pair.key.scalar else { continue }
            if let index = result.lastIndex(where: { $0.key.scalar == key }) {
                if pair.value.isNull {
                    result.remove(at: index)
                } else {
                    result[index] = YAMLPair(key: pair.key, value: result[index].value.overlaid(with: pair.value))
                }
            } else if !pair.value.isNull {
                result.append(pair)
            }
        }
        return YAMLNode(.mapping(result), mark: mark, tag: tag)
    }

    /// The mapping without the given keys.
    func removing(keys: Set<String>) -> YAMLNode {
        guard let pairs else { return self }
        return YAMLNode(.mapping(pairs.filter { !keys.contains($0.key.scalar ?? "") }), mark: mark, tag: tag)
    }
}

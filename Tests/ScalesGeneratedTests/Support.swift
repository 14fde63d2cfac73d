import Scales

/// The value of the stat at `path` in `registry`, or `nil` when nothing is there.
func value(at path: StatPath, in registry: Registry) -> StatValue? {
    guard case .stat(let stat)? = registry.snapshot(at: path)?.root else { return nil }
    return stat.value
}

/// The doc of the stat or collection at `path`.
func doc(at path: StatPath, in registry: Registry) -> String? {
    switch registry.snapshot(at: path)?.root {
    case .stat(let stat)?: return stat.doc
    case .container(let container)?: return container.doc
    case nil: return nil
    }
}

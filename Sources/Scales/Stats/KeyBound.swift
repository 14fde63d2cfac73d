/// The `maxKeys` rule every dict kind shares (`intDict`, `stringDict`, `pmfDict`, `meterDict`).
enum KeyBound {
    /// The key an update for `key` lands on: `key` itself if it exists or the bound still has
    /// room (the overflow key does not count toward it), otherwise ``IntDictStat/overflowKey``.
    static func target<Value>(for key: String, in dict: [String: Value], maxKeys: Int?) -> String {
        guard let maxKeys, dict[key] == nil, key != IntDictStat.overflowKey else { return key }
        let counted = dict.count - (dict[IntDictStat.overflowKey] == nil ? 0 : 1)
        return counted < maxKeys ? key : IntDictStat.overflowKey
    }
}

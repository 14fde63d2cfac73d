/// The one name for what lands past a bound, shared by the runtime (a dict's extra keys, a
/// templated collection's extra instances), the swift-metrics bridge (extra label sets) and the
/// generator (which documents it in the code it writes): `_overflow`.
///
/// The leading `_` keeps it apart from the names users choose (generated stat names and path
/// segments are identifiers without a leading `_` in practice, and run-time keys that happen to
/// equal it share its entry, as documented).
package let overflowName = "_overflow"

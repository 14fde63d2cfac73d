/// One try of a scenario whose duration is bounded by the library: how long it took, the bound
/// it had to keep, and whatever the test checks afterwards.
struct TimedTry<Value> {
    var took: Duration
    var bound: Duration
    var value: Value

    var isWithinBound: Bool { took < bound }
}

/// Runs `body` (given the try's number, from 1) up to `attempts` times, until a try keeps its
/// bound, and returns the last try and how many were made.
///
/// The bound is the library's, but when an awaiting task resumes is the machine's: at the start
/// of a full run hundreds of tests share two cores, and a try can overrun by seconds without
/// the library being at fault. A fresh try then tells the two apart: broken behaviour overruns
/// on every one. The caller checks the returned try (`#expect(result.isWithinBound, …)`), so a
/// scenario that never keeps its bound still fails.
func timedTries<Value>(
    _ attempts: Int, _ body: (_ attempt: Int) async throws -> TimedTry<Value>
) async rethrows -> (last: TimedTry<Value>, tries: Int) {
    var attempt = 1
    while true {
        let result = try await body(attempt)
        if result.isWithinBound || attempt >= attempts { return (result, attempt) }
        attempt += 1
    }
}

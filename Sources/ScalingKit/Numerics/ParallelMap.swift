import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Deterministic parallel map for independent jobs such as multi-start optimisation and bootstrap replicates.
///
/// Worker `w` of `T` handles jobs `w, w+T, w+2T, …` with its own state (an optimiser and its workspace, made once),
/// and every job writes only its own slot. The output therefore depends on the jobs alone, never on the thread
/// count or the schedule: the same input gives bit-identical results on 1 core or 64.
enum ParallelMap {
    /// Online logical CPUs (at least 1).
    static var coreCount: Int {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? Int(n) : 1
    }

    /// `threads == 0` means one worker per core. `makeState` and `body` are called concurrently from several
    /// threads: they may read shared state but must write only the state they are given. `progress`, if given, is
    /// called (from the worker threads) after every job.
    static func map<State, Output>(
        count: Int,
        threads: Int,
        makeState: @escaping () -> State,
        progress: (@Sendable () -> Void)? = nil,
        _ body: @escaping (inout State, Int) -> Output
    ) -> [Output] {
        guard count > 0 else { return [] }
        let workers = max(1, min(threads == 0 ? coreCount : threads, count))
        let out = UnsafeMutableBufferPointer<Output?>.allocate(capacity: count)
        out.initialize(repeating: nil)
        defer { out.deinitialize(); out.deallocate() }
        let run: (Int) -> Void = { w in
            var state = makeState()
            var i = w
            while i < count {
                out[i] = body(&state, i)
                progress?()
                i += workers
            }
        }
        if workers == 1 {
            run(0)
        } else {
            // Safe: jobs write disjoint slots of `out`, and callers pass `makeState`/`body` that only read shared
            // state (the contract of this type). Dispatch cannot see that, hence the unchecked box.
            let box = UncheckedSendable(run)
            DispatchQueue.concurrentPerform(iterations: workers) { box.value($0) }
        }
        return out.map { $0! }
    }
}

/// Carries a value across a concurrency boundary whose safety the compiler cannot check; see `ParallelMap`.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// "label: k/N" rewritten in place on standard error while long work runs — only when standard error is a
/// terminal, so pipes and logs stay clean. Ticks come from worker threads.
final class ProgressLine: Sendable {
    let total: Int
    let label: String
    let enabled: Bool
    private let done = Atomic<Int>(0)
    private let stride: Int

    init(total: Int, label: String) {
        self.total = total
        self.label = label
        enabled = isatty(2) != 0 && total > 0
        stride = max(1, total / 100)
    }

    func tick() {
        let k = done.add(1, ordering: .relaxed).newValue
        guard enabled, k % stride == 0 || k == total else { return }
        let line = "\r\(label): \(k)/\(total)"
        _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    }

    /// Ends the line (call once the work is done).
    func finish() {
        guard enabled else { return }
        _ = "\n".utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    }
}

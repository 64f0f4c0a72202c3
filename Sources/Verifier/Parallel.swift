import Dispatch

/// Order-preserving parallel map over 0..<count, in chunks spread over every core. Results come back
/// in index order, so nothing about the output depends on scheduling.
enum Parallel {
    static func map<T: Sendable>(_ count: Int, chunk: Int = 256, _ body: @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let slots = Slots<T>(count: count)
        let chunks = (count + chunk - 1) / chunk
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = c * chunk
            for i in lo..<min(lo + chunk, count) { slots.set(i, body(i)) }
        }
        return slots.values
    }

    /// One slot per index. Each concurrent iteration writes only its own disjoint range of indices,
    /// and the slots are read only after `concurrentPerform` has returned.
    private final class Slots<T>: @unchecked Sendable {
        private let buffer: UnsafeMutableBufferPointer<T?>
        init(count: Int) {
            buffer = .allocate(capacity: count)
            buffer.initialize(repeating: nil)
        }
        deinit {
            buffer.deinitialize()
            buffer.deallocate()
        }
        func set(_ i: Int, _ value: T) { buffer[i] = value }
        // Every index was set by `map` before this is read.
        var values: [T] { buffer.compactMap { $0 } }
    }
}

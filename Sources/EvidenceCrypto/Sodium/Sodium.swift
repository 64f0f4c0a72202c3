internal import CSodium

/// libsodium initialization. Every entry point of this module that calls libsodium calls
/// `ensureInitialized()` first.
package enum Sodium {
    /// `sodium_init()` returns 0 on first success, 1 if already initialized, -1 on failure.
    /// A Swift global/static `let` is initialized exactly once, thread-safely (swift_once).
    private static let initResult: Int32 = sodium_init()

    package static func ensureInitialized() {
        // Not input-dependent: -1 means the process cannot use libsodium at all (it fails only
        // when the CPU feature probe or the system RNG is unusable), so no result could be trusted.
        precondition(initResult >= 0, "sodium_init() failed; libsodium is unusable in this process")
    }
}

/// Comparisons whose running time does not depend on where the inputs differ.
package enum ConstantTime {
    /// Equal lengths and equal bytes. The length check is not constant time (lengths are public:
    /// digests have a fixed size); the byte comparison is `sodium_memcmp`.
    package static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        Sodium.ensureInitialized()
        let rc = a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in
                sodium_memcmp(pa.baseAddress, pb.baseAddress, a.count)
            }
        }
        return rc == 0
    }
}

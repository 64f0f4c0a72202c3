#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSodium
import Dispatch
import EvidenceCrypto

/// The floor: libsodium alone, no parsing, no hashing, no bookkeeping. `count` real Ed25519
/// signatures over distinct 32-byte messages, generated once (in parallel) and reused by every size.
final class CryptoFloor: @unchecked Sendable {
    let count: Int
    let publicKey: [UInt8]
    private let secretKey: [UInt8]
    /// count × 32 message bytes and count × 64 signature bytes, flat.
    private(set) var messages: [UInt8]
    private(set) var signatures: [UInt8]
    /// Wall time of generating every signature across `threads` threads.
    private(set) var generationSeconds: Double = 0

    init(count: Int, threads: Int) throws {
        guard sodium_init() >= 0 else { throw BenchError("sodium_init failed") }
        self.count = count
        var pk = [UInt8](repeating: 0, count: Int(crypto_sign_PUBLICKEYBYTES))
        var sk = [UInt8](repeating: 0, count: Int(crypto_sign_SECRETKEYBYTES))
        let seed = SHA256Hasher.hash(Array("bench/floor/key".utf8)).bytes
        guard crypto_sign_seed_keypair(&pk, &sk, seed) == 0 else { throw BenchError("crypto_sign_seed_keypair failed") }
        publicKey = pk
        secretKey = sk
        messages = [UInt8](repeating: 0, count: count * 32)
        signatures = [UInt8](repeating: 0, count: count * 64)
        for i in 0..<count {
            let m = SHA256Hasher.hash(Array("bench/floor/message/\(i)".utf8)).bytes
            messages.replaceSubrange(i * 32..<(i + 1) * 32, with: m)
        }
        let start = Clock.now()
        let sk2 = secretKey
        messages.withUnsafeBufferPointer { msgs in
            signatures.withUnsafeMutableBufferPointer { sigs in
                let m = UnsafeBufferPointerBox(msgs), s = UnsafeMutableBufferPointerBox(sigs)
                Self.spread(count: count, threads: threads) { lo, hi in
                    for i in lo..<hi {
                        crypto_sign_detached(s.base + i * 64, nil, m.base + i * 32, 32, sk2)
                    }
                }
            }
        }
        generationSeconds = Clock.now() - start
    }

    /// Verifies the first `n` signatures across `threads` threads; returns the wall time. Throws if
    /// any signature fails (the floor must do the real work).
    func verify(first n: Int, threads: Int) throws -> Double {
        precondition(n <= count, "the floor was generated for fewer signatures")  // bench's own sizing
        let failures = Counter()
        let pk = publicKey
        let start = Clock.now()
        messages.withUnsafeBufferPointer { msgs in
            signatures.withUnsafeBufferPointer { sigs in
                let m = UnsafeBufferPointerBox(msgs), s = UnsafeBufferPointerBox(sigs)
                Self.spread(count: n, threads: threads) { lo, hi in
                    var bad = 0
                    for i in lo..<hi where crypto_sign_verify_detached(s.base + i * 64, m.base + i * 32, 32, pk) != 0 {
                        bad += 1
                    }
                    failures.add(bad)
                }
            }
        }
        let wall = Clock.now() - start
        guard failures.value == 0 else { throw BenchError("\(failures.value) floor signatures did not verify") }
        return wall
    }

    /// Single-threaded signing rate (signatures per second) over `n` fresh 32-byte messages.
    func signingRate(samples n: Int) -> Double {
        var sig = [UInt8](repeating: 0, count: 64)
        let start = Clock.now()
        messages.withUnsafeBufferPointer { msgs in
            guard let base = msgs.baseAddress else { return }
            for i in 0..<min(n, count) { crypto_sign_detached(&sig, nil, base + i * 32, 32, secretKey) }
        }
        return Double(min(n, count)) / (Clock.now() - start)
    }

    /// Splits 0..<count into `threads` contiguous ranges, one per concurrent iteration.
    static func spread(count: Int, threads: Int, _ body: @Sendable (Int, Int) -> Void) {
        let t = max(1, threads)
        DispatchQueue.concurrentPerform(iterations: t) { k in
            let lo = count * k / t, hi = count * (k + 1) / t
            if lo < hi { body(lo, hi) }
        }
    }
}

/// Raw buffer bases shared read-only (or by disjoint index ranges) across concurrent iterations.
struct UnsafeBufferPointerBox: @unchecked Sendable {
    let base: UnsafePointer<UInt8>
    init(_ b: UnsafeBufferPointer<UInt8>) {
        // The bench's buffers are never empty (count > 0 is checked by the command).
        guard let base = b.baseAddress else { preconditionFailure("empty floor buffer") }
        self.base = base
    }
}

struct UnsafeMutableBufferPointerBox: @unchecked Sendable {
    let base: UnsafeMutablePointer<UInt8>
    init(_ b: UnsafeMutableBufferPointer<UInt8>) {
        guard let base = b.baseAddress else { preconditionFailure("empty floor buffer") }
        self.base = base
    }
}

final class Counter: @unchecked Sendable {
    private var total = 0
    private var lock = pthread_mutex_t()
    init() { pthread_mutex_init(&lock, nil) }
    deinit { pthread_mutex_destroy(&lock) }
    func add(_ n: Int) {
        pthread_mutex_lock(&lock)
        total += n
        pthread_mutex_unlock(&lock)
    }
    var value: Int {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return total
    }
}

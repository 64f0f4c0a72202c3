import Dispatch
import EvidenceCrypto

/// The floor of the composite profile: `CompositeMLDSA65Ed25519.verify` alone (the call the
/// verifier's signature stage makes for a composite receipt: key split and checks, the message
/// representative, ML-DSA-65 through swift-crypto, Ed25519 through libsodium), no parsing, no
/// hashing of receipts, no bookkeeping. `count` real composite signatures over distinct 32-byte
/// messages under one key, generated once (in parallel) and reused by every size.
final class CompositeFloor: SignatureFloor, @unchecked Sendable {
    let count: Int
    let publicKey: [UInt8]
    private let key: CompositeSigningKey
    private(set) var messages: [[UInt8]]
    private(set) var signatures: [[UInt8]]
    private(set) var generationSeconds: Double = 0

    var primitive: String { "CompositeMLDSA65Ed25519.verify (ML-DSA-65 via swift-crypto + Ed25519 via libsodium)" }

    init(count: Int, threads: Int) throws {
        self.count = count
        func seed(_ s: String) -> [UInt8] { SHA256Hasher.hash(Array(s.utf8)).bytes }
        do {
            key = try CompositeSigningKey(mldsaSeed: seed("bench/floor/key/mldsa65"), ed25519Seed: seed("bench/floor/key/ed25519"))
        } catch {
            throw BenchError("composite floor key: \(error.reason)")
        }
        publicKey = key.publicKey
        messages = (0..<count).map { SHA256Hasher.hash(Array("bench/floor/message/\($0)".utf8)).bytes }
        let slots = SignatureSlots(count: count)
        let failures = Counter()
        let start = Clock.now()
        let key = self.key, msgs = messages
        CryptoFloor.spread(count: count, threads: threads) { lo, hi in
            var bad = 0
            for i in lo..<hi {
                if let s = try? key.sign(msgs[i]) { slots.set(i, s) } else { bad += 1 }
            }
            failures.add(bad)
        }
        generationSeconds = Clock.now() - start
        guard failures.value == 0 else { throw BenchError("\(failures.value) composite floor signatures could not be made") }
        signatures = slots.values
    }

    func verify(first n: Int, threads: Int) throws -> Double {
        precondition(n <= count, "the floor was generated for fewer signatures")  // bench's own sizing
        let failures = Counter()
        let pk = publicKey, msgs = messages, sigs = signatures
        let start = Clock.now()
        CryptoFloor.spread(count: n, threads: threads) { lo, hi in
            var bad = 0
            for i in lo..<hi {
                do {
                    try CompositeMLDSA65Ed25519.verify(signature: sigs[i], message: msgs[i], publicKey: pk, context: [])
                } catch {
                    bad += 1
                }
            }
            failures.add(bad)
        }
        let wall = Clock.now() - start
        guard failures.value == 0 else { throw BenchError("\(failures.value) composite floor signatures did not verify") }
        return wall
    }

    func signingRate(samples n: Int) -> Double {
        let m = min(n, count)
        let start = Clock.now()
        var made = 0
        for i in 0..<m where (try? key.sign(messages[i])) != nil { made += 1 }
        return Double(made) / (Clock.now() - start)
    }
}

/// What the command needs of a floor, whichever profile.
protocol SignatureFloor: AnyObject {
    var count: Int { get }
    /// Wall time of generating every signature across the threads given at init.
    var generationSeconds: Double { get }
    /// What the floor calls per signature, for the results.
    var primitive: String { get }
    /// Verifies the first `n` signatures across `threads` threads; returns the wall time. Throws if
    /// any signature fails (the floor must do the real work).
    func verify(first n: Int, threads: Int) throws -> Double
    /// Single-threaded signing rate (signatures per second).
    func signingRate(samples n: Int) -> Double
}

extension CryptoFloor: SignatureFloor {
    var primitive: String { "libsodium crypto_sign_verify_detached" }
}

/// One signature per index, written by disjoint index ranges from concurrent iterations and read
/// only after `concurrentPerform` returns.
final class SignatureSlots: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<[UInt8]>
    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: [])
    }
    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }
    func set(_ i: Int, _ s: [UInt8]) { buffer[i] = s }
    var values: [[UInt8]] { Array(buffer) }
}

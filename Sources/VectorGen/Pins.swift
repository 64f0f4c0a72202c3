import BundleKit
import EvidenceCrypto
import EvidenceFormat
import Foundation
import StrictJSON

/// The composite signatures of the suite. ML-DSA-65 signing is randomized, so the generator reuses
/// the committed signatures of `pinned-signatures.jsonl` (each verified before reuse, by BundleKit's
/// `PinnedSignatures`), signs afresh only what is missing, gives every request for the same key and
/// signing input the same signature within a run, and writes back exactly the signatures it used.
///
/// A few vectors need a composite signature made with a non-empty context string (the format's is
/// empty); those are pinned in the same file under a tag in place of the digest:
/// SHA-256("vectorgen/context/<hex ctx>/<hex signing input>").
final class PinStore: @unchecked Sendable {
    static let shared = PinStore()

    // Guards every member below; the generator is single-threaded, the lock keeps the class sound.
    private let lock = NSLock()
    private var pinned: PinnedSignatures?
    private var identities: [String: SigningIdentity] = [:]
    private var used: [String: (keyID: Hash256, digest: Hash256, sig: [UInt8])] = [:]
    private var freshCount = 0

    /// How many signatures this run made afresh (not reused from the pins file).
    var fresh: Int {
        lock.lock(); defer { lock.unlock() }
        return freshCount
    }

    /// Loads the committed pins (the bytes of a pins file; empty for none). Called once, before any
    /// composite identity is used.
    func load(_ bytes: [UInt8]) {
        lock.lock(); defer { lock.unlock() }
        precondition(pinned == nil, "pins are loaded once, before any composite identity is made")
        pinned = PinnedSignatures(jsonl: bytes)
    }

    /// The composite identity of `label` (seeds derived from the label), using the loaded pins.
    func identity(_ label: String) -> SigningIdentity {
        lock.lock(); defer { lock.unlock() }
        if let id = identities[label] { return id }
        guard let pinned else { fatalErrorInGenerator("a composite identity was made before the pins were loaded") }
        let id = SigningIdentity.derived(label: label, profile: .mldsa65Ed25519, pins: pinned)
        identities[label] = id
        return id
    }

    /// The Ed25519 half of the composite identity `label` as a key of its own (for a signature whose
    /// Ed25519 component is made over the wrong message).
    func ed25519Half(_ label: String) -> Ed25519SigningKey {
        guard let key = try? Ed25519SigningKey(seed: SHA256Hasher.hash(Array("\(label)/ed25519".utf8)).bytes),
              Array(identity(label).publicKey.bytes.suffix(32)) == key.publicKey else {
            fatalErrorInGenerator("the Ed25519 half of \(label) is not derived as BundleKit derives it")
        }
        return key
    }

    /// The composite signature of `id` over `digest`: pinned if a committed one verifies, the same
    /// one for every request of this run.
    func signature(_ id: SigningIdentity, _ digest: Hash256) -> [UInt8] {
        lock.lock(); defer { lock.unlock() }
        let k = "\(id.keyID.hex):\(digest.hex)"
        if let u = used[k] { return u.sig }
        let sig = id.signature(over: digest)
        if pinned?.lookup(keyID: id.keyID, digest: digest) != sig { freshCount += 1 }
        used[k] = (id.keyID, digest, sig)
        return sig
    }

    /// A composite signature of `id` over `digest` with the context string `context` (not the
    /// format's empty one), pinned under its tag.
    func signature(_ id: SigningIdentity, _ digest: Hash256, context: [UInt8]) -> [UInt8] {
        guard case .mldsa65Ed25519(let key) = id.secret, !context.isEmpty else {
            fatalErrorInGenerator("a context signature needs a composite identity and a non-empty context")
        }
        let tag = SHA256Hasher.hash(Array("vectorgen/context/\(Hex.encode(context))/\(digest.hex)".utf8))
        lock.lock(); defer { lock.unlock() }
        let k = "\(id.keyID.hex):\(tag.hex)"
        if let u = used[k] { return u.sig }
        let sig: [UInt8]
        if let p = pinned?.lookup(keyID: id.keyID, digest: tag), (try? CompositeMLDSA65Ed25519.verify(signature: p, message: digest.bytes, publicKey: key.publicKey, context: context)) != nil {
            sig = p
        } else {
            guard let fresh = try? key.sign(digest.bytes, context: context) else { fatalErrorInGenerator("ML-DSA-65 signing failed") }
            sig = fresh
            freshCount += 1
        }
        used[k] = (id.keyID, tag, sig)
        return sig
    }

    /// The pins used by this run, one canonical `{"digest","key_id","sig"}` per line, sorted by key
    /// id then digest (the order and form of `PinnedSignatures.jsonl`).
    var jsonl: [UInt8] {
        lock.lock(); defer { lock.unlock() }
        let lines = used.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.compactMap { k -> [UInt8]? in
            guard let u = used[k] else { return nil }
            return JCS.canonicalize(.object([("digest", .string(u.digest.hex)), ("key_id", .string(u.keyID.hex)),
                                             ("sig", .string(Base64URL.encode(u.sig)))]))
        }
        return BundleWriter.jsonl(lines)
    }
}

/// The signature bytes of `key` over a signing input: Ed25519 directly (deterministic), composite
/// through the pin store.
func signatureBytes(_ key: SigningIdentity, _ digest: Hash256) -> [UInt8] {
    switch key.secret {
    case .ed25519(let k): return k.sign(digest.bytes)
    case .mldsa65Ed25519: return PinStore.shared.signature(key, digest)
    }
}

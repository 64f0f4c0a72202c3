import EvidenceCrypto
import EvidenceFormat
import Foundation
import StrictJSON

/// A secret signing key of one of the format's profiles.
package enum SecretKey: Sendable {
    case ed25519(Ed25519SigningKey)
    case mldsa65Ed25519(CompositeSigningKey)
}

/// A secret signing key with its public half, producing signed objects of the format.
package struct SigningIdentity: Sendable {
    package let secret: SecretKey
    package let publicKey: PublicKey
    package let keyID: Hash256
    /// Signatures to reuse instead of signing afresh (composite profile only): ML-DSA signing is
    /// randomized, so reproducible fixtures and vectors reuse committed signatures that verify.
    package let pins: PinnedSignatures?

    package var profile: Profile { publicKey.profile }

    /// The Ed25519 key of an Ed25519 identity (for tools that sign raw signing inputs, like the
    /// vector generator). Calling it on a composite identity is a programming error.
    package var key: Ed25519SigningKey {
        guard case .ed25519(let k) = secret else { preconditionFailure("not an Ed25519 identity; use signature(over:)") }
        return k
    }

    package init(key: Ed25519SigningKey) {
        self.secret = .ed25519(key)
        self.publicKey = PublicKey(profile: .ed25519, bytes: key.publicKey)
        self.keyID = publicKey.keyID
        self.pins = nil
    }

    package init(composite key: CompositeSigningKey, pins: PinnedSignatures? = nil) {
        self.secret = .mldsa65Ed25519(key)
        self.publicKey = PublicKey(profile: .mldsa65Ed25519, bytes: key.publicKey)
        self.keyID = publicKey.keyID
        self.pins = pins
    }

    /// Deterministic Ed25519 identity from a 32-byte seed (fixtures, vectors, tests).
    package init(seed: [UInt8]) throws(SignatureError) {
        self.init(key: try Ed25519SigningKey(seed: seed))
    }

    /// Deterministic identity from a label: seeds are SHA-256 of the label's UTF-8 bytes (and, for the
    /// composite profile, of "<label>/mldsa65" and "<label>/ed25519"). For fixtures and test vectors
    /// only; real keys come from a random source.
    package static func derived(label: String, profile: Profile = .ed25519, pins: PinnedSignatures? = nil) -> SigningIdentity {
        func seed(_ s: String) -> [UInt8] { SHA256Hasher.hash(Array(s.utf8)).bytes }
        // A 32-byte seed is always accepted: SHA-256 output has exactly the required length.
        switch profile {
        case .ed25519:
            guard let identity = try? SigningIdentity(seed: seed(label)) else {
                preconditionFailure("Ed25519 rejected a 32-byte seed")
            }
            return identity
        case .mldsa65Ed25519:
            guard let key = try? CompositeSigningKey(mldsaSeed: seed("\(label)/mldsa65"), ed25519Seed: seed("\(label)/ed25519")) else {
                preconditionFailure("ML-DSA-65 or Ed25519 rejected a 32-byte seed")
            }
            return SigningIdentity(composite: key, pins: pins)
        }
    }

    /// The signature bytes over a 32-byte signing input.
    package func signature(over digest: Hash256) -> [UInt8] {
        switch secret {
        case .ed25519(let key):
            return key.sign(digest.bytes)
        case .mldsa65Ed25519(let key):
            if let pinned = pins?.lookup(keyID: keyID, digest: digest),
               (try? CompositeMLDSA65Ed25519.verify(signature: pinned, message: digest.bytes, publicKey: key.publicKey)) != nil {
                pins?.record(keyID: keyID, digest: digest, signature: pinned)
                return pinned
            }
            // Signing fails only if swift-crypto cannot allocate or its RNG fails: not input-driven.
            guard let sig = try? key.sign(digest.bytes) else { preconditionFailure("ML-DSA-65 signing failed") }
            pins?.record(keyID: keyID, digest: digest, signature: sig)
            return sig
        }
    }

    /// Signs an unsigned body: the signature covers SHA-256 of the body's JCS form.
    ///
    /// The body is encoded once, member by member in JCS order; the signature member is then put
    /// where JCS would place it, so the signed document needs no second encoding (the bytes are
    /// those of `JCS.canonicalize` of the signed object: tests compare the two).
    package func sign(_ body: JSONObject) -> SealedDocument {
        let unsigned = body.removing("signature")
        let members = JCS.CanonicalMembers(unsigned)
        let digest = SHA256Hasher.hash(members.object())
        let block = SignatureBlock(profile: profile, keyID: keyID, sig: signature(over: digest))
        return SealedDocument(value: SigningInput.attach(block, to: unsigned),
                              bytes: members.object(inserting: "signature", block.json))
    }
}

/// Committed composite signatures, keyed by key id and signing input: `{"digest","key_id","sig"}`
/// per line, canonical JSON, sorted. A generator loads them, reuses every one that still verifies,
/// and writes back exactly the ones it used, so the same inputs give byte-identical output.
package final class PinnedSignatures: @unchecked Sendable {
    private let lock = NSLock()
    private var known: [String: [UInt8]] = [:]
    private var used: [String: (keyID: Hash256, digest: Hash256, sig: [UInt8])] = [:]

    package init() {}

    /// Parses a pins file; lines that do not parse are ignored (they are only a cache of signatures,
    /// each of which is verified before use).
    package init(jsonl bytes: [UInt8]) {
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            var options = JSONParseOptions.evidence
            options.maxStringBytes = 1 << 16
            guard case .object(let o)? = try? JSONParser.parse(Array(line), options: options),
                  case .string(let k)? = o["key_id"], case .string(let d)? = o["digest"], case .string(let s)? = o["sig"],
                  let sig = try? Base64URL.decode(s) else { continue }
            known["\(k):\(d)"] = sig
        }
    }

    /// The committed signature for this key and signing input (or tag), if the pins file had one.
    package func lookup(keyID: Hash256, digest: Hash256) -> [UInt8]? {
        lock.lock(); defer { lock.unlock() }
        return known["\(keyID.hex):\(digest.hex)"]
    }

    func record(keyID: Hash256, digest: Hash256, signature: [UInt8]) {
        lock.lock(); defer { lock.unlock() }
        used["\(keyID.hex):\(digest.hex)"] = (keyID, digest, signature)
    }

    /// The pins used by this run, sorted by key id then digest.
    package var jsonl: [UInt8] {
        lock.lock(); defer { lock.unlock() }
        let lines = used.keys.sorted().compactMap { k -> [UInt8]? in
            guard let u = used[k] else { return nil }
            return JCS.canonicalize(.object([("digest", .string(u.digest.hex)), ("key_id", .string(u.keyID.hex)),
                                             ("sig", .string(Base64URL.encode(u.sig)))]))
        }
        return BundleWriter.jsonl(lines)
    }
}

/// A finished object: its JSON value, its canonical bytes, and SHA-256 of those bytes.
package struct SealedDocument: Sendable {
    package let value: JSONValue
    package let bytes: [UInt8]
    package let hash: Hash256

    package init(_ value: JSONValue) {
        self.init(value: value, bytes: JCS.canonicalize(value))
    }

    /// `bytes` must be the JCS form of `value` (checked by the caller, e.g. with JCS.parseCanonical).
    package init(value: JSONValue, bytes: [UInt8]) {
        self.value = value
        self.bytes = bytes
        self.hash = SHA256Hasher.hash(bytes)
    }
}

extension PolicyArtifact {
    /// Seals the artifact with the issuer's key; the sealed document's hash is its artifact_ref.
    package func sealed(by issuer: SigningIdentity) -> SealedDocument { issuer.sign(body) }
}

extension KeyDelegation {
    package func sealed(by issuer: SigningIdentity) -> SealedDocument { issuer.sign(body) }
}

import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// A secret signing key with its public half, producing signed objects of the format.
package struct SigningIdentity: Sendable {
    package let key: Ed25519SigningKey
    package let publicKey: PublicKey
    package let keyID: Hash256

    package init(key: Ed25519SigningKey) {
        self.key = key
        self.publicKey = PublicKey(profile: .ed25519, bytes: key.publicKey)
        self.keyID = publicKey.keyID
    }

    /// Deterministic identity from a 32-byte seed (fixtures, vectors, tests).
    package init(seed: [UInt8]) throws(SignatureError) {
        self.init(key: try Ed25519SigningKey(seed: seed))
    }

    /// Deterministic identity from a label: the seed is SHA-256 of the label's UTF-8 bytes.
    /// For fixtures and test vectors only; real keys come from `Ed25519SigningKey.generate()`.
    package static func derived(label: String) -> SigningIdentity {
        let seed = SHA256Hasher.hash(Array(label.utf8)).bytes
        // A 32-byte seed is always accepted: SHA-256 output has exactly the required length.
        guard let identity = try? SigningIdentity(seed: seed) else {
            preconditionFailure("Ed25519 rejected a 32-byte seed")
        }
        return identity
    }

    /// Signs an unsigned body: the signature covers SHA-256 of the body's JCS form.
    package func sign(_ body: JSONObject) -> SealedDocument {
        let digest = SigningInput.digest(of: body)
        let block = SignatureBlock(profile: .ed25519, keyID: keyID, sig: key.sign(digest.bytes))
        return SealedDocument(SigningInput.attach(block, to: body))
    }
}

/// A finished object: its JSON value, its canonical bytes, and SHA-256 of those bytes.
package struct SealedDocument: Sendable {
    package let value: JSONValue
    package let bytes: [UInt8]
    package let hash: Hash256

    package init(_ value: JSONValue) {
        self.value = value
        self.bytes = JCS.canonicalize(value)
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

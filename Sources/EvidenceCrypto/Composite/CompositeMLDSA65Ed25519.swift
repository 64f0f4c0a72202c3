import Crypto

/// Composite ML-DSA, algorithm id-MLDSA65-Ed25519-SHA512 (OID 1.3.6.1.5.5.7.6.48), as defined by
/// draft-ietf-lamps-pq-composite-sigs (construction of -13 and later; see docs/notes/composite.md).
///
/// Signing and verification run over the message representative
///
///     M' = Prefix || Label || len(ctx) || ctx || SHA-512(M)
///
/// ML-DSA-65 signs M' with the Label as its FIPS 204 context string; Ed25519 (pure, RFC 8032)
/// signs M'. The composite signature is mldsaSig (3309 bytes) || ed25519Sig (64 bytes); the
/// composite public key is mldsaPK (1952 bytes) || ed25519PK (32 bytes). No ASN.1 wrapping.
///
/// `verify` accepts only when every rule holds, checked in this order:
/// 1. ctx is at most 255 bytes (CRYPTO_SIGNATURE_INVALID: no signature can exist for it);
/// 2. the public key is exactly 1984 bytes (CRYPTO_KEY_LENGTH) and the signature exactly
///    3373 bytes (CRYPTO_SIGNATURE_LENGTH);
/// 3. the Ed25519 key passes `Ed25519.validatePublicKey` and the ML-DSA key parses
///    (CRYPTO_KEY_INVALID);
/// 4. BOTH component signatures verify over M' (CRYPTO_SIGNATURE_INVALID otherwise). There is no
///    partial acceptance: a valid component never makes up for an invalid one.
package enum CompositeMLDSA65Ed25519 {
    /// 1952 + 32.
    package static let publicKeyBytes = MLDSA65Component.publicKeyBytes + Ed25519.publicKeyBytes
    /// 3309 + 64.
    package static let signatureBytes = MLDSA65Component.signatureBytes + Ed25519.signatureBytes
    /// FIPS 204 and the draft both encode len(ctx) in one byte.
    package static let maxContextBytes = 255

    /// The ASCII bytes of "CompositeAlgorithmSignatures2025" (32 bytes), hex
    /// 436f6d706f73697465416c676f726974686d5369676e61747572657332303235.
    package static let prefix: [UInt8] = Array("CompositeAlgorithmSignatures2025".utf8)

    /// The ASCII bytes of "COMPSIG-MLDSA65-Ed25519-SHA512" (30 bytes). Also the ML-DSA context.
    package static let label: [UInt8] = Array("COMPSIG-MLDSA65-Ed25519-SHA512".utf8)

    /// M' = Prefix || Label || len(ctx) || ctx || SHA-512(message): 127 + ctx.count bytes.
    package static func messageRepresentative(message: [UInt8], context: [UInt8]) throws(SignatureError) -> [UInt8] {
        guard context.count <= maxContextBytes else {
            throw SignatureError(
                code: .signatureInvalid,
                reason: "composite context is \(context.count) bytes, at most \(maxContextBytes) allowed")
        }
        var out = [UInt8]()
        out.reserveCapacity(prefix.count + label.count + 1 + context.count + SHA512.byteCount)
        out.append(contentsOf: prefix)
        out.append(contentsOf: label)
        out.append(UInt8(context.count))
        out.append(contentsOf: context)
        out.append(contentsOf: SHA512.hash(data: message))
        return out
    }

    /// The key rules of `verify` on their own (CRYPTO_KEY_LENGTH, CRYPTO_KEY_INVALID), for checking
    /// a composite key when it is first read.
    package static func validatePublicKey(_ publicKey: [UInt8]) throws(SignatureError) {
        _ = try componentKeys(publicKey)
    }

    package static func verify(
        signature: [UInt8], message: [UInt8], publicKey: [UInt8], context: [UInt8] = []
    ) throws(SignatureError) {
        guard context.count <= maxContextBytes else {
            throw SignatureError(
                code: .signatureInvalid,
                reason: "composite context is \(context.count) bytes, at most \(maxContextBytes) allowed")
        }
        guard publicKey.count == publicKeyBytes else {
            throw SignatureError(
                code: .keyLength,
                reason: "composite ML-DSA-65/Ed25519 public key is \(publicKey.count) bytes, expected \(publicKeyBytes)")
        }
        guard signature.count == signatureBytes else {
            throw SignatureError(
                code: .signatureLength,
                reason: "composite ML-DSA-65/Ed25519 signature is \(signature.count) bytes, expected \(signatureBytes)")
        }
        let keys = try componentKeys(publicKey)
        let mldsaSignature = Array(signature[0..<MLDSA65Component.signatureBytes])
        let ed25519Signature = Array(signature[MLDSA65Component.signatureBytes...])
        let representative = try messageRepresentative(message: message, context: context)

        // Both components are always checked, so that the reason can name every failing one.
        let mldsaValid = keys.mldsa.isValid(signature: mldsaSignature, message: representative, context: label)
        var ed25519Valid = true
        do {
            try Ed25519.verify(signature: ed25519Signature, message: representative, publicKey: keys.ed25519)
        } catch {
            ed25519Valid = false
        }
        switch (mldsaValid, ed25519Valid) {
        case (true, true):
            return
        case (false, true):
            throw SignatureError(
                code: .signatureInvalid, reason: "composite signature: the ML-DSA-65 component does not verify")
        case (true, false):
            throw SignatureError(
                code: .signatureInvalid, reason: "composite signature: the Ed25519 component does not verify")
        case (false, false):
            throw SignatureError(
                code: .signatureInvalid, reason: "composite signature: neither component verifies")
        }
    }

    /// Splits and checks a composite public key: length, then the Ed25519 key rules, then the
    /// ML-DSA-65 key parse.
    static func componentKeys(_ publicKey: [UInt8]) throws(SignatureError) -> (
        mldsa: MLDSA65Component.PublicKey, ed25519: [UInt8]
    ) {
        guard publicKey.count == publicKeyBytes else {
            throw SignatureError(
                code: .keyLength,
                reason: "composite ML-DSA-65/Ed25519 public key is \(publicKey.count) bytes, expected \(publicKeyBytes)")
        }
        let mldsaBytes = Array(publicKey[0..<MLDSA65Component.publicKeyBytes])
        let ed25519Bytes = Array(publicKey[MLDSA65Component.publicKeyBytes...])
        do {
            try Ed25519.validatePublicKey(ed25519Bytes)
        } catch {
            throw SignatureError(code: error.code, reason: "composite key, Ed25519 component: \(error.reason)")
        }
        let mldsa = try MLDSA65Component.PublicKey(mldsaBytes)
        return (mldsa, ed25519Bytes)
    }
}

/// A composite ML-DSA-65 + Ed25519 signing key, from the two component seeds (the draft's private
/// key serialization is mldsaSeed || ed25519Seed, 64 bytes). For the writer side only.
///
/// ML-DSA-65 signing in swift-crypto 4.5.2 (BoringSSL) is hedged: every call draws a fresh 32-byte
/// randomizer, so signing the same message twice gives two different, equally valid signatures.
/// The Ed25519 half is deterministic. See docs/notes/composite.md.
package struct CompositeSigningKey: Sendable, CustomStringConvertible {
    private let mldsa: MLDSA65.PrivateKey
    private let ed25519: Ed25519SigningKey
    /// mldsaPK (1952) || ed25519PK (32).
    package let publicKey: [UInt8]

    package init(mldsaSeed: [UInt8], ed25519Seed: [UInt8]) throws(SignatureError) {
        guard mldsaSeed.count == MLDSA65Component.seedBytes else {
            throw SignatureError(
                code: .seedLength,
                reason: "ML-DSA-65 seed is \(mldsaSeed.count) bytes, expected \(MLDSA65Component.seedBytes)")
        }
        let ed25519 = try Ed25519SigningKey(seed: ed25519Seed)
        let mldsa: MLDSA65.PrivateKey
        do {
            mldsa = try MLDSA65.PrivateKey(seedRepresentation: mldsaSeed, publicKey: nil)
        } catch {
            throw SignatureError(
                code: .libraryFailure, reason: "swift-crypto could not derive an ML-DSA-65 key from a 32-byte seed")
        }
        let mldsaPublic = Array(mldsa.publicKey.rawRepresentation)
        guard mldsaPublic.count == MLDSA65Component.publicKeyBytes else {
            throw SignatureError(
                code: .libraryFailure, reason: "swift-crypto returned an ML-DSA-65 public key of \(mldsaPublic.count) bytes")
        }
        self.mldsa = mldsa
        self.ed25519 = ed25519
        self.publicKey = mldsaPublic + ed25519.publicKey
    }

    /// mldsaSig (3309) || ed25519Sig (64) over M' (see `CompositeMLDSA65Ed25519`).
    /// CRYPTO_SIGNATURE_INVALID for a context over 255 bytes; CRYPTO_LIBRARY_FAILURE if
    /// swift-crypto fails to sign.
    package func sign(_ message: [UInt8], context: [UInt8] = []) throws(SignatureError) -> [UInt8] {
        let representative = try CompositeMLDSA65Ed25519.messageRepresentative(message: message, context: context)
        let mldsaSignature: [UInt8]
        do {
            mldsaSignature = Array(
                try mldsa.signature(for: representative, context: CompositeMLDSA65Ed25519.label))
        } catch {
            throw SignatureError(code: .libraryFailure, reason: "swift-crypto ML-DSA-65 signing failed")
        }
        guard mldsaSignature.count == MLDSA65Component.signatureBytes else {
            throw SignatureError(
                code: .libraryFailure,
                reason: "swift-crypto returned an ML-DSA-65 signature of \(mldsaSignature.count) bytes")
        }
        return mldsaSignature + ed25519.sign(representative)
    }

    /// A key from two fresh random seeds (`randombytes_buf`). Only for key generation tools.
    package static func generate() throws(SignatureError) -> CompositeSigningKey {
        try CompositeSigningKey(mldsaSeed: SodiumEd25519.randomSeed(), ed25519Seed: SodiumEd25519.randomSeed())
    }

    /// Never shows a secret.
    package var description: String {
        "CompositeSigningKey(MLDSA65-Ed25519, public: \(Hex.encode(Array(publicKey.suffix(Ed25519.publicKeyBytes)))) …)"
    }
}

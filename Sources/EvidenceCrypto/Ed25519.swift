/// A key, seed or signature that cannot be used, or a signature that does not verify.
///
/// Errors are data: `code` is stable and is what callers and tests compare; `reason` names the
/// rule that failed and may change. Equality compares `code` only.
package struct SignatureError: Error, Equatable, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable, CaseIterable {
        /// A public key that is not exactly 32 bytes.
        case keyLength = "CRYPTO_KEY_LENGTH"
        /// A 32-byte public key that strict Ed25519 refuses before any verification: a
        /// non-canonical encoding (y >= p, or the sign bit set where x = 0) or a small-order point.
        case keyInvalid = "CRYPTO_KEY_INVALID"
        /// A signature that is not exactly 64 bytes.
        case signatureLength = "CRYPTO_SIGNATURE_LENGTH"
        /// A 64-byte signature that does not verify: S >= L, R non-canonical or of small order,
        /// a key that does not decode to a curve point, or the verification equation fails.
        case signatureInvalid = "CRYPTO_SIGNATURE_INVALID"
        /// A signing seed that is not exactly 32 bytes.
        case seedLength = "CRYPTO_SEED_LENGTH"
        /// libsodium reported a failure where its documentation says it cannot fail.
        case libraryFailure = "CRYPTO_LIBRARY_FAILURE"
    }

    package let code: Code
    package let reason: String

    package init(code: Code, reason: String) {
        self.code = code
        self.reason = reason
    }

    package static func == (lhs: SignatureError, rhs: SignatureError) -> Bool {
        lhs.code == rhs.code
    }

    package var description: String { "\(code.rawValue): \(reason)" }
}

/// Strict Ed25519 (RFC 8032 "PureEd25519", cofactorless) verification with libsodium.
///
/// `verify` accepts a signature only when all of these hold, checked in this order:
/// 1. the public key is 32 bytes (CRYPTO_KEY_LENGTH) and the signature 64 bytes
///    (CRYPTO_SIGNATURE_LENGTH);
/// 2. the public key A is canonically encoded and not of small order (CRYPTO_KEY_INVALID);
/// 3. S < L, R is canonically encoded and R is not of small order (CRYPTO_SIGNATURE_INVALID);
/// 4. `crypto_sign_verify_detached` returns exactly 0, i.e. A decodes to a curve point and the
///    encoding of [S]B - [k]A equals R byte for byte (CRYPTO_SIGNATURE_INVALID).
/// Steps 2 and 3 are the rules libsodium 1.0.18 also applies inside step 4; they are explicit here.
package enum Ed25519 {
    package static let publicKeyBytes = 32
    package static let signatureBytes = 64
    package static let seedBytes = 32

    package static func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) throws(SignatureError) {
        guard publicKey.count == publicKeyBytes else {
            throw SignatureError(
                code: .keyLength,
                reason: "Ed25519 public key is \(publicKey.count) bytes, expected \(publicKeyBytes)")
        }
        guard signature.count == signatureBytes else { throw signatureLengthError(signature.count) }
        try verify(signature: signature, message: message, publicKey: ValidatedPublicKey(publicKey))
    }

    /// `verify` under a key whose rules (step 2) were checked when it was made: the same
    /// result for every signature and message, without checking the key again.
    package static func verify(signature: [UInt8], message: [UInt8], publicKey: ValidatedPublicKey) throws(SignatureError) {
        guard signature.count == signatureBytes else { throw signatureLengthError(signature.count) }
        let r = signature[0..<32]
        let s = signature[32..<64]
        guard Ed25519Encoding.isCanonicalScalar(s) else {
            throw SignatureError(code: .signatureInvalid, reason: "signature S is not canonical (S >= L)")
        }
        guard Ed25519Encoding.isCanonicalPoint(r) else {
            throw SignatureError(code: .signatureInvalid, reason: "signature R is not a canonical point encoding")
        }
        guard !Ed25519Encoding.hasSmallOrder(r) else {
            throw SignatureError(code: .signatureInvalid, reason: "signature R is a point of small order")
        }
        guard SodiumEd25519.verifyDetached(signature: signature, message: message, publicKey: publicKey.bytes) else {
            throw SignatureError(
                code: .signatureInvalid,
                reason: "Ed25519 signature does not verify (libsodium crypto_sign_verify_detached)")
        }
    }

    private static func signatureLengthError(_ count: Int) -> SignatureError {
        SignatureError(code: .signatureLength, reason: "Ed25519 signature is \(count) bytes, expected \(signatureBytes)")
    }

    /// A public key that passed `validatePublicKey` (CRYPTO_KEY_LENGTH, CRYPTO_KEY_INVALID), made
    /// only by that check. The key rules depend on the key's bytes alone, so a verifier that checks
    /// many signatures under one key checks it once, here, and then calls `verify` with it.
    package struct ValidatedPublicKey: Sendable {
        package let bytes: [UInt8]

        package init(_ bytes: [UInt8]) throws(SignatureError) {
            try Ed25519.validatePublicKey(bytes)
            self.bytes = bytes
        }
    }

    /// The key rules of `verify` on their own, for checking a key when it is first read
    /// (CRYPTO_KEY_LENGTH, CRYPTO_KEY_INVALID). A key that passes may still fail to decode to a
    /// curve point; `verify` then reports CRYPTO_SIGNATURE_INVALID.
    package static func validatePublicKey(_ publicKey: [UInt8]) throws(SignatureError) {
        guard publicKey.count == publicKeyBytes else {
            throw SignatureError(
                code: .keyLength,
                reason: "Ed25519 public key is \(publicKey.count) bytes, expected \(publicKeyBytes)")
        }
        let a = publicKey[0..<32]
        guard Ed25519Encoding.isCanonicalPoint(a) else {
            throw SignatureError(code: .keyInvalid, reason: "Ed25519 public key is not a canonical point encoding")
        }
        guard !Ed25519Encoding.hasSmallOrder(a) else {
            throw SignatureError(code: .keyInvalid, reason: "Ed25519 public key is a point of small order")
        }
    }
}

/// An Ed25519 signing key, derived deterministically from a 32-byte seed (RFC 8032 §5.1.5).
/// For the writer side (fixtures, the Portal); the verifier never needs one.
package struct Ed25519SigningKey: Sendable, CustomStringConvertible {
    /// libsodium's 64-byte secret key: seed || public key.
    private let secretKey: [UInt8]
    package let publicKey: [UInt8]

    package init(seed: [UInt8]) throws(SignatureError) {
        guard seed.count == Ed25519.seedBytes else {
            throw SignatureError(
                code: .seedLength, reason: "Ed25519 seed is \(seed.count) bytes, expected \(Ed25519.seedBytes)")
        }
        guard let pair = SodiumEd25519.seedKeypair(seed: seed) else {
            throw SignatureError(code: .libraryFailure, reason: "libsodium crypto_sign_seed_keypair failed")
        }
        self.publicKey = pair.publicKey
        self.secretKey = pair.secretKey
    }

    /// `crypto_sign_detached`: the 64-byte signature of `message`.
    package func sign(_ message: [UInt8]) -> [UInt8] {
        SodiumEd25519.signDetached(message: message, secretKey: secretKey)
    }

    /// A key from a fresh random seed (`randombytes_buf`). Only for key generation tools.
    package static func generate() -> Ed25519SigningKey {
        let seed = SodiumEd25519.randomSeed()
        do {
            return try Ed25519SigningKey(seed: seed)
        } catch {
            // The seed has the right length by construction, and seed_keypair cannot fail in
            // libsodium 1.0.18: reaching this means a broken library, not bad input.
            preconditionFailure("Ed25519 key generation failed: \(error)")
        }
    }

    /// Never shows the secret.
    package var description: String { "Ed25519SigningKey(public: \(Hex.encode(publicKey)))" }
}

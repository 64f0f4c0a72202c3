internal import CSodium

/// The libsodium calls behind `Ed25519` and `Ed25519SigningKey`. Every length is checked by the
/// caller in Swift before these run; these only re-assert it (our invariant, not input).
enum SodiumEd25519 {
    static let publicKeyBytes = Int(crypto_sign_publickeybytes())
    static let secretKeyBytes = Int(crypto_sign_secretkeybytes())
    static let signatureBytes = Int(crypto_sign_bytes())
    static let seedBytes = Int(crypto_sign_seedbytes())

    /// `crypto_sign_verify_detached`: true only for rc == 0 exactly.
    static func verifyDetached(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        precondition(signature.count == signatureBytes && publicKey.count == publicKeyBytes,
                     "Ed25519.verify checks both lengths before calling libsodium")
        Sodium.ensureInitialized()
        // Array arguments bridge to non-null pointers to their (contiguous) storage.
        let rc: Int32 = withNonNullBase(message) { msg, count in
            crypto_sign_verify_detached(signature, msg, UInt64(count), publicKey)
        }
        return rc == 0
    }

    /// `crypto_sign_seed_keypair`: nil when libsodium reports failure (it never does in 1.0.18).
    static func seedKeypair(seed: [UInt8]) -> (publicKey: [UInt8], secretKey: [UInt8])? {
        precondition(seed.count == seedBytes, "Ed25519SigningKey checks the seed length first")
        Sodium.ensureInitialized()
        var publicKey = [UInt8](repeating: 0, count: publicKeyBytes)
        var secretKey = [UInt8](repeating: 0, count: secretKeyBytes)
        let rc: Int32 = crypto_sign_seed_keypair(&publicKey, &secretKey, seed)
        guard rc == 0 else { return nil }
        return (publicKey, secretKey)
    }

    /// `crypto_sign_detached`: 64 bytes.
    static func signDetached(message: [UInt8], secretKey: [UInt8]) -> [UInt8] {
        precondition(secretKey.count == secretKeyBytes, "secret keys come only from seedKeypair")
        Sodium.ensureInitialized()
        var signature = [UInt8](repeating: 0, count: signatureBytes)
        var signatureLength: UInt64 = 0
        let rc: Int32 = withNonNullBase(message) { msg, count in
            crypto_sign_detached(&signature, &signatureLength, msg, UInt64(count), secretKey)
        }
        // libsodium 1.0.18's crypto_sign_detached returns 0 and 64 unconditionally for a valid
        // 64-byte secret key, which we hold by construction; anything else is a broken library.
        precondition(rc == 0 && signatureLength == UInt64(signatureBytes),
                     "crypto_sign_detached failed (rc \(rc), length \(signatureLength))")
        return signature
    }

    /// `randombytes_buf` into a fresh seed (key generation tools only; never the verifier).
    static func randomSeed() -> [UInt8] { SystemRandom.bytes(seedBytes) }

    /// Passes a non-null pointer even for an empty message (an empty Array may have no storage).
    private static func withNonNullBase<R>(
        _ bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) -> R
    ) -> R {
        if bytes.isEmpty {
            var placeholder: UInt8 = 0
            return withUnsafePointer(to: &placeholder) { body($0, 0) }
        }
        return bytes.withUnsafeBufferPointer { buffer in
            // Non-empty arrays always have storage.
            guard let base = buffer.baseAddress else {
                preconditionFailure("non-empty array without storage")
            }
            return body(base, buffer.count)
        }
    }
}

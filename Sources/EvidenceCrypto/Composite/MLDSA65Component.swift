import Crypto

/// Pure ML-DSA-65 (FIPS 204, ML-DSA.Verify with a context string) over swift-crypto, with strict
/// lengths and stable codes. The ML-DSA half of `CompositeMLDSA65Ed25519`; exposed on its own so
/// that it can be held to the Wycheproof ML-DSA-65 vectors. Not a signature algorithm of the format
/// by itself.
package enum MLDSA65Component {
    package static let publicKeyBytes = 1952
    package static let signatureBytes = 3309
    package static let seedBytes = 32
    package static let maxContextBytes = 255

    /// A parsed ML-DSA-65 public key.
    package struct PublicKey: Sendable {
        private let key: MLDSA65.PublicKey

        /// CRYPTO_KEY_LENGTH unless exactly 1952 bytes; CRYPTO_KEY_INVALID if swift-crypto refuses it.
        package init(_ bytes: [UInt8]) throws(SignatureError) {
            guard bytes.count == MLDSA65Component.publicKeyBytes else {
                throw SignatureError(
                    code: .keyLength,
                    reason: "ML-DSA-65 public key is \(bytes.count) bytes, expected \(MLDSA65Component.publicKeyBytes)")
            }
            do {
                key = try MLDSA65.PublicKey(rawRepresentation: bytes)
            } catch {
                throw SignatureError(code: .keyInvalid, reason: "ML-DSA-65 public key does not parse")
            }
        }

        /// ML-DSA.Verify(pk, message, signature, context); false for any wrong length or a context
        /// over 255 bytes.
        func isValid(signature: [UInt8], message: [UInt8], context: [UInt8]) -> Bool {
            guard signature.count == MLDSA65Component.signatureBytes,
                  context.count <= MLDSA65Component.maxContextBytes
            else { return false }
            return key.isValidSignature(signature, for: message, context: context)
        }
    }

    /// Checked in order: public key length (CRYPTO_KEY_LENGTH), signature length
    /// (CRYPTO_SIGNATURE_LENGTH), context length and key parse (CRYPTO_SIGNATURE_INVALID,
    /// CRYPTO_KEY_INVALID), then ML-DSA.Verify (CRYPTO_SIGNATURE_INVALID).
    package static func verify(
        signature: [UInt8], message: [UInt8], publicKey: [UInt8], context: [UInt8] = []
    ) throws(SignatureError) {
        guard publicKey.count == publicKeyBytes else {
            throw SignatureError(
                code: .keyLength, reason: "ML-DSA-65 public key is \(publicKey.count) bytes, expected \(publicKeyBytes)")
        }
        guard signature.count == signatureBytes else {
            throw SignatureError(
                code: .signatureLength,
                reason: "ML-DSA-65 signature is \(signature.count) bytes, expected \(signatureBytes)")
        }
        guard context.count <= maxContextBytes else {
            throw SignatureError(
                code: .signatureInvalid,
                reason: "ML-DSA-65 context is \(context.count) bytes, at most \(maxContextBytes) allowed")
        }
        let key = try PublicKey(publicKey)
        guard key.isValid(signature: signature, message: message, context: context) else {
            throw SignatureError(code: .signatureInvalid, reason: "ML-DSA-65 signature does not verify")
        }
    }
}

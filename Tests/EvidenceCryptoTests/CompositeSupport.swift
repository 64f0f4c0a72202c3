import EvidenceCrypto
import Foundation
import XCTest

/// The code `CompositeMLDSA65Ed25519.verify` throws, or nil when the signature verifies.
func compositeCode(
    signature: [UInt8], message: [UInt8], publicKey: [UInt8], context: [UInt8] = []
) -> SignatureError.Code? {
    do {
        try CompositeMLDSA65Ed25519.verify(signature: signature, message: message, publicKey: publicKey, context: context)
        return nil
    } catch {
        return error.code
    }
}

/// Standard base64 from a test vector; a malformed vector fails the test instead of trapping.
func vectorBase64(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [UInt8] {
    guard let data = Data(base64Encoded: text) else {
        XCTFail("test vector is not base64", file: file, line: line)
        return []
    }
    return [UInt8](data)
}

/// The draft's id-MLDSA65-Ed25519-SHA512 test vector (Vectors/composite_mldsa65_ed25519_draft.json).
struct CompositeDraftVector: Decodable {
    let m: String
    let tcId: String
    let pk: String
    let sk: String
    let s: String
}

/// A fixed composite key for tests: seeds from the xorshift generator, never random.
func fixedCompositeKey(_ seed: UInt64) throws -> CompositeSigningKey {
    try CompositeSigningKey(
        mldsaSeed: deterministicBytes(count: 32, seed: seed),
        ed25519Seed: deterministicBytes(count: 32, seed: seed &+ 0x9E37_79B9))
}

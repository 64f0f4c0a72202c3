import EvidenceCrypto
import EvidenceFormat
import XCTest

/// `SignatureCheck.verify` with a `VerificationKey` (a key prepared once for many signatures)
/// against `SignatureCheck.verify` with the plain `PublicKey`: the same outcome, code and reason,
/// for every pairing of keys (valid, another valid one, built in code without the key rules:
/// small order, non-canonical, wrong length; composite) and signature blocks (valid, altered,
/// wrong length, of the other profile).
final class VerificationKeyTests: XCTestCase {
    func outcome(_ body: () throws(SignatureError) -> Void) -> [String]? {
        do {
            try body()
            return nil
        } catch {
            return [error.code.rawValue, error.reason]
        }
    }

    func testPreparedKeysVerifyExactlyAsPlainKeys() throws {
        let ed = try Ed25519SigningKey(seed: [UInt8](repeating: 3, count: 32))
        let other = try Ed25519SigningKey(seed: [UInt8](repeating: 4, count: 32))
        let composite = try CompositeSigningKey(mldsaSeed: [UInt8](repeating: 5, count: 32), ed25519Seed: [UInt8](repeating: 6, count: 32))
        let digest = SHA256Hasher.hash(Array("the signing input".utf8))
        let edSig = ed.sign(digest.bytes)
        let compositeSig = try composite.sign(digest.bytes)

        var keys: [PublicKey] = [
            PublicKey(profile: .ed25519, bytes: ed.publicKey),
            PublicKey(profile: .ed25519, bytes: other.publicKey),
            PublicKey(profile: .ed25519, bytes: Array(ed.publicKey.dropLast())),
            PublicKey(profile: .ed25519, bytes: Ed25519Encoding.fieldPrime),
            PublicKey(profile: .mldsa65Ed25519, bytes: composite.publicKey),
            PublicKey(profile: .mldsa65Ed25519, bytes: ed.publicKey),
        ]
        keys += Ed25519Encoding.smallOrderY.map { PublicKey(profile: .ed25519, bytes: $0) }

        let keyID = SHA256Hasher.hash([1])
        var blocks: [SignatureBlock] = []
        for sig in [edSig, flipped(edSig, 0), flipped(edSig, 511), Array(edSig.dropLast()), [UInt8](repeating: 0, count: 64)] {
            blocks.append(SignatureBlock(profile: .ed25519, keyID: keyID, sig: sig))
            blocks.append(SignatureBlock(profile: .mldsa65Ed25519, keyID: keyID, sig: sig))
        }
        for sig in [compositeSig, flipped(compositeSig, 7)] {
            blocks.append(SignatureBlock(profile: .mldsa65Ed25519, keyID: keyID, sig: sig))
            blocks.append(SignatureBlock(profile: .ed25519, keyID: keyID, sig: sig))
        }

        var verified = 0
        for (k, key) in keys.enumerated() {
            let prepared = VerificationKey(key)
            XCTAssertEqual(prepared.key, key)
            for (b, block) in blocks.enumerated() {
                for d in [digest, SHA256Hasher.hash([2])] {
                    let plain = outcome { () throws(SignatureError) in try SignatureCheck.verify(block, key: key, digest: d) }
                    let fast = outcome { () throws(SignatureError) in try SignatureCheck.verify(block, key: prepared, digest: d) }
                    XCTAssertEqual(fast, plain, "key #\(k), block #\(b)")
                    if plain == nil { verified += 1 }
                }
            }
        }
        // The valid Ed25519 and composite signatures, each under its own key and digest.
        XCTAssertEqual(verified, 2)
    }

    private func flipped(_ bytes: [UInt8], _ bit: Int) -> [UInt8] {
        var out = bytes
        out[bit / 8] ^= 1 << UInt8(bit % 8)
        return out
    }
}

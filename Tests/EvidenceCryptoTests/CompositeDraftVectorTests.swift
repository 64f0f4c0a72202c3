import EvidenceCrypto
import XCTest

/// Composite id-MLDSA65-Ed25519-SHA512 against draft-ietf-lamps-pq-composite-sigs: the constants,
/// the Appendix D message-representative examples and the Appendix E test vector.
final class CompositeDraftVectorTests: XCTestCase {
    // MARK: constants

    func testPrefixLabelAndSizes() {
        XCTAssertEqual(
            Hex.encode(CompositeMLDSA65Ed25519.prefix),
            "436f6d706f73697465416c676f726974686d5369676e61747572657332303235")
        XCTAssertEqual(CompositeMLDSA65Ed25519.prefix.count, 32)
        XCTAssertEqual(
            Hex.encode(CompositeMLDSA65Ed25519.label),
            "434f4d505349472d4d4c44534136352d456432353531392d534841353132")  // COMPSIG-MLDSA65-Ed25519-SHA512
        XCTAssertEqual(CompositeMLDSA65Ed25519.label.count, 30)
        XCTAssertEqual(CompositeMLDSA65Ed25519.publicKeyBytes, 1984)
        XCTAssertEqual(CompositeMLDSA65Ed25519.signatureBytes, 3373)
        XCTAssertEqual(MLDSA65Component.publicKeyBytes, 1952)
        XCTAssertEqual(MLDSA65Component.signatureBytes, 3309)
    }

    // MARK: M'

    /// Appendix D gives M' for id-MLDSA65-ECDSA-P256-SHA512 over M = 00..09, without and with the
    /// 8-byte ctx 0813061205162623. The construction is the same for every composite; only the Label
    /// differs, so our M' must equal the draft's with its Label bytes replaced by ours.
    func testAppendixDExamplesWithOurLabel() throws {
        let draftLabel = Array("COMPSIG-MLDSA65-ECDSA-P256-SHA512".utf8)
        let examples: [(ctx: String, mPrime: String)] = [
            ("",
             "436f6d706f73697465416c676f726974686d5369676e61747572657332303235"
                + "434f4d505349472d4d4c44534136352d45434453412d503235362d534841353132"
                + "000f89ee1fcb7b0a4f7809d1267a029719004c5a5e5ec323a7c3523a20974f9a3f2"
                + "02f56fadba4cd9e8d654ab9f2e96dc5c795ea176fa20ede8d854c342f903533"),
            ("0813061205162623",
             "436f6d706f73697465416c676f726974686d5369676e61747572657332303235"
                + "434f4d505349472d4d4c44534136352d45434453412d503235362d534841353132"
                + "0808130612051626230f89ee1fcb7b0a4f7809d1267a029719004c5a5e5ec323a7c"
                + "3523a20974f9a3f202f56fadba4cd9e8d654ab9f2e96dc5c795ea176fa20ede8d85"
                + "4c342f903533"),
        ]
        let message = vectorHex("00010203040506070809")
        for example in examples {
            let draft = vectorHex(example.mPrime)
            XCTAssertEqual(Array(draft[32..<(32 + draftLabel.count)]), draftLabel)
            let expected = Array(draft[0..<32]) + CompositeMLDSA65Ed25519.label + Array(draft[(32 + draftLabel.count)...])
            let ours = try CompositeMLDSA65Ed25519.messageRepresentative(message: message, context: vectorHex(example.ctx))
            XCTAssertEqual(Hex.encode(ours), Hex.encode(expected), "ctx \(example.ctx)")
        }
    }

    func testRepresentativeLengthAndContextByte() throws {
        let empty = try CompositeMLDSA65Ed25519.messageRepresentative(message: [], context: [])
        XCTAssertEqual(empty.count, 127)
        XCTAssertEqual(empty[62], 0)
        let full = try CompositeMLDSA65Ed25519.messageRepresentative(
            message: [1, 2, 3], context: [UInt8](repeating: 7, count: 255))
        XCTAssertEqual(full.count, 127 + 255)
        XCTAssertEqual(full[62], 255)
        // SHA-512("") closes the representative of the empty message.
        XCTAssertEqual(
            Hex.encode(Array(empty.suffix(64))),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                + "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")
    }

    // MARK: Appendix E vector

    private func draftVector() throws -> CompositeDraftVector {
        let vector = try loadVectors("composite_mldsa65_ed25519_draft", as: CompositeDraftVector.self)
        XCTAssertEqual(vector.tcId, "id-MLDSA65-Ed25519-SHA512")
        return vector
    }

    func testDraftVectorVerifies() throws {
        let vector = try draftVector()
        let message = vectorBase64(vector.m)
        XCTAssertEqual(String(decoding: message, as: UTF8.self), "The quick brown fox jumps over the lazy dog.")
        XCTAssertNil(compositeCode(signature: vectorBase64(vector.s), message: message, publicKey: vectorBase64(vector.pk)))
        XCTAssertNoThrow(try CompositeMLDSA65Ed25519.validatePublicKey(vectorBase64(vector.pk)))
    }

    /// The draft's private key is mldsaSeed (32) || Ed25519 seed (32); both halves must derive
    /// exactly the published public key, and our signatures with it must verify.
    func testDraftPrivateKeyDerivesThePublicKeyAndSigns() throws {
        let vector = try draftVector()
        let sk = vectorBase64(vector.sk)
        XCTAssertEqual(sk.count, 64)
        let key = try CompositeSigningKey(mldsaSeed: Array(sk[0..<32]), ed25519Seed: Array(sk[32..<64]))
        XCTAssertEqual(key.publicKey, vectorBase64(vector.pk))
        let message = vectorBase64(vector.m)
        let signature = try key.sign(message)
        XCTAssertEqual(signature.count, 3373)
        XCTAssertNil(compositeCode(signature: signature, message: message, publicKey: key.publicKey))
        // The Ed25519 half is deterministic, so it equals the draft's byte for byte.
        XCTAssertEqual(Array(signature.suffix(64)), Array(vectorBase64(vector.s).suffix(64)))
    }

    /// The vector is over ctx = empty: any other context, even a single zero byte, must fail.
    func testDraftVectorUnderAnotherContextFails() throws {
        let vector = try draftVector()
        let message = vectorBase64(vector.m)
        for context: [UInt8] in [[0], Array("ctx".utf8), [UInt8](repeating: 0, count: 255)] {
            XCTAssertEqual(
                compositeCode(
                    signature: vectorBase64(vector.s), message: message, publicKey: vectorBase64(vector.pk),
                    context: context),
                .signatureInvalid)
        }
        XCTAssertEqual(
            compositeCode(
                signature: vectorBase64(vector.s), message: message + [0x0a], publicKey: vectorBase64(vector.pk)),
            .signatureInvalid)
    }
}

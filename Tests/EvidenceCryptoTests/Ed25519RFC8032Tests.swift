import EvidenceCrypto
import XCTest

/// RFC 8032 §7.1: seed -> public key, exact signatures, verification, and single-bit corruption.
final class Ed25519RFC8032Tests: XCTestCase {
    struct VectorFile: Decodable {
        let vectors: [Vector]
    }

    struct Vector: Decodable {
        let name: String
        let secretKey: String
        let publicKey: String
        let message: String
        let signature: String
    }

    private func vectors() throws -> [Vector] {
        let file = try loadVectors("rfc8032_ed25519", as: VectorFile.self)
        XCTAssertEqual(file.vectors.map(\.name), ["TEST 1", "TEST 2", "TEST 3", "TEST 1024", "TEST SHA(abc)"])
        return file.vectors
    }

    func testSeedGivesPublicKeyAndExactSignature() throws {
        for v in try vectors() {
            let key = try Ed25519SigningKey(seed: vectorHex(v.secretKey))
            XCTAssertEqual(Hex.encode(key.publicKey), v.publicKey, v.name)
            let message = vectorHex(v.message)
            XCTAssertEqual(Hex.encode(key.sign(message)), v.signature, v.name)
            XCTAssertNil(
                verifyCode(signature: vectorHex(v.signature), message: message, publicKey: vectorHex(v.publicKey)),
                v.name)
        }
    }

    func testTest1024MessageIs1023Bytes() throws {
        let v = try XCTUnwrap(try vectors().first { $0.name == "TEST 1024" })
        XCTAssertEqual(vectorHex(v.message).count, 1023)
    }

    func testEveryFlippedSignatureBitFails() throws {
        for v in try vectors() {
            let signature = vectorHex(v.signature)
            let message = vectorHex(v.message)
            let publicKey = vectorHex(v.publicKey)
            for bit in 0..<(signature.count * 8) {
                XCTAssertEqual(
                    verifyCode(signature: flippingBit(signature, bit), message: message, publicKey: publicKey),
                    .signatureInvalid, "\(v.name): signature bit \(bit)")
            }
        }
    }

    func testEveryFlippedPublicKeyBitFails() throws {
        for v in try vectors() {
            let signature = vectorHex(v.signature)
            let message = vectorHex(v.message)
            let publicKey = vectorHex(v.publicKey)
            for bit in 0..<(publicKey.count * 8) {
                XCTAssertEqual(
                    verifyCode(signature: signature, message: message, publicKey: flippingBit(publicKey, bit)),
                    .signatureInvalid, "\(v.name): public key bit \(bit)")
            }
        }
    }

    func testFlippedMessageBitsFail() throws {
        for v in try vectors() {
            let signature = vectorHex(v.signature)
            let message = vectorHex(v.message)
            let publicKey = vectorHex(v.publicKey)
            if message.isEmpty {
                // TEST 1 signs the empty message: any added byte must fail instead.
                for extra: UInt8 in [0x00, 0x01, 0x80, 0xff] {
                    XCTAssertEqual(
                        verifyCode(signature: signature, message: [extra], publicKey: publicKey),
                        .signatureInvalid, "\(v.name): appended byte \(extra)")
                }
                continue
            }
            // Every bit of short messages; the first, middle and last byte of TEST 1024.
            let bits: [Int]
            if message.count <= 64 {
                bits = Array(0..<(message.count * 8))
            } else {
                let bytes = [0, message.count / 2, message.count - 1]
                bits = bytes.flatMap { byte in (0..<8).map { byte * 8 + $0 } }
            }
            for bit in bits {
                XCTAssertEqual(
                    verifyCode(signature: signature, message: flippingBit(message, bit), publicKey: publicKey),
                    .signatureInvalid, "\(v.name): message bit \(bit)")
            }
            // Truncating or extending the message also fails.
            XCTAssertEqual(
                verifyCode(signature: signature, message: Array(message.dropLast()), publicKey: publicKey),
                .signatureInvalid, "\(v.name): truncated message")
            XCTAssertEqual(
                verifyCode(signature: signature, message: message + [0], publicKey: publicKey),
                .signatureInvalid, "\(v.name): extended message")
        }
    }

    func testSignatureOfOneVectorDoesNotVerifyUnderAnother() throws {
        let all = try vectors()
        for a in all {
            for b in all where a.name != b.name {
                XCTAssertEqual(
                    verifyCode(
                        signature: vectorHex(a.signature), message: vectorHex(a.message),
                        publicKey: vectorHex(b.publicKey)),
                    .signatureInvalid, "signature of \(a.name) under key of \(b.name)")
            }
        }
    }
}

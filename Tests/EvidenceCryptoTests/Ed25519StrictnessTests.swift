import EvidenceCrypto
import XCTest

/// The strict rules beyond the equation: lengths, key encoding, S range, R encoding, signing keys.
final class Ed25519StrictnessTests: XCTestCase {
    // RFC 8032 TEST 1.
    let seed1 = vectorHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    let publicKey1 = vectorHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    let signature1 = vectorHex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")

    /// L, little-endian.
    let groupOrder = vectorHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")

    /// The eight points of small order, canonically encoded.
    let smallOrderPoints: [(String, String)] = [
        ("identity (y = 1), order 1", "0100000000000000000000000000000000000000000000000000000000000000"),
        ("y = -1, order 2", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        ("y = 0, x positive, order 4", "0000000000000000000000000000000000000000000000000000000000000000"),
        ("y = 0, x negative, order 4", "0000000000000000000000000000000000000000000000000000000000000080"),
        ("order 8 (a)", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
        ("order 8 (a, negated x)", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
        ("order 8 (b)", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
        ("order 8 (b, negated x)", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
    ]

    /// Every encoding whose y (sign bit cleared) is >= p, with both sign bits, plus the two
    /// encodings with x = 0 and the sign bit set.
    var nonCanonicalPoints: [[UInt8]] {
        var out = [[UInt8]]()
        for low in 0xed...0xff {
            for top: UInt8 in [0x7f, 0xff] {
                out.append([UInt8(low)] + [UInt8](repeating: 0xff, count: 30) + [top])
            }
        }
        out.append(vectorHex("0100000000000000000000000000000000000000000000000000000000000080"))
        out.append(vectorHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"))
        return out
    }

    private func keyCode(_ key: [UInt8]) -> SignatureError.Code? {
        do {
            try Ed25519.validatePublicKey(key)
            return nil
        } catch {
            return error.code
        }
    }

    /// Little-endian a + b over 32 bytes (the carry out of the top byte is dropped).
    private func add(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var carry = 0
        for i in 0..<32 {
            let sum = Int(a[i]) + Int(b[i]) + carry
            out[i] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        return out
    }

    func testTest1Verifies() {
        XCTAssertNil(verifyCode(signature: signature1, message: [], publicKey: publicKey1))
        XCTAssertNil(keyCode(publicKey1))
    }

    // MARK: lengths (the drip-fed prefixes of a valid key and signature)

    func testEveryWrongPublicKeyLengthIsRejected() {
        for length in Array(0..<32) + [33, 64, 65] {
            let key = Array((publicKey1 + publicKey1 + [0])[0..<length])
            XCTAssertEqual(verifyCode(signature: signature1, message: [], publicKey: key), .keyLength, "length \(length)")
            XCTAssertEqual(keyCode(key), .keyLength, "length \(length)")
        }
    }

    func testEveryWrongSignatureLengthIsRejected() {
        for length in Array(0..<64) + [65, 96, 128] {
            let signature = Array((signature1 + signature1)[0..<length])
            XCTAssertEqual(
                verifyCode(signature: signature, message: [], publicKey: publicKey1), .signatureLength,
                "length \(length)")
        }
    }

    func testKeyLengthIsCheckedBeforeSignatureLength() {
        XCTAssertEqual(verifyCode(signature: [], message: [], publicKey: []), .keyLength)
    }

    // MARK: public keys

    func testSmallOrderPublicKeysAreRejected() {
        for (name, hex) in smallOrderPoints {
            let key = vectorHex(hex)
            XCTAssertEqual(keyCode(key), .keyInvalid, name)
            XCTAssertEqual(verifyCode(signature: signature1, message: [], publicKey: key), .keyInvalid, name)
        }
    }

    func testNonCanonicalPublicKeysAreRejected() {
        let keys = nonCanonicalPoints
        XCTAssertEqual(keys.count, 40)
        for key in keys {
            XCTAssertEqual(keyCode(key), .keyInvalid, Hex.encode(key))
            XCTAssertEqual(verifyCode(signature: signature1, message: [], publicKey: key), .keyInvalid, Hex.encode(key))
        }
    }

    func testLargestCanonicalNonSmallOrderEncodingPassesTheKeyRules() {
        // y = p - 2 with either sign: canonical and not of small order, so the key rules accept
        // it (whether it is on the curve is decided by libsodium during verification).
        for top: UInt8 in [0x7f, 0xff] {
            let key = [0xeb] + [UInt8](repeating: 0xff, count: 30) + [top]
            XCTAssertNil(keyCode(key), Hex.encode(key))
        }
    }

    func testSmallOrderKeyCannotBeUsedEvenWithATrivialSignature() {
        // With A = identity, S = 0 and R = identity satisfy [S]B = R + [k]A for every message:
        // exactly the forgery that rejecting small-order keys (and R) prevents.
        let identity = vectorHex("0100000000000000000000000000000000000000000000000000000000000000")
        let forged = identity + [UInt8](repeating: 0, count: 32)
        XCTAssertEqual(verifyCode(signature: forged, message: Array("anything".utf8), publicKey: identity), .keyInvalid)
    }

    // MARK: signatures

    func testNonCanonicalSIsRejected() {
        let r = Array(signature1[0..<32])
        let s = Array(signature1[32..<64])
        let candidates: [(String, [UInt8])] = [
            ("S + L", add(s, groupOrder)),
            ("S + 2L", add(add(s, groupOrder), groupOrder)),
            ("S = L", groupOrder),
            ("S = L + 1", add(groupOrder, [1] + [UInt8](repeating: 0, count: 31))),
            ("S = 2^256 - 1", [UInt8](repeating: 0xff, count: 32)),
        ]
        for (name, badS) in candidates {
            XCTAssertEqual(verifyCode(signature: r + badS, message: [], publicKey: publicKey1), .signatureInvalid, name)
        }
    }

    func testSmallOrderRIsRejected() {
        let s = Array(signature1[32..<64])
        for (name, hex) in smallOrderPoints {
            XCTAssertEqual(
                verifyCode(signature: vectorHex(hex) + s, message: [], publicKey: publicKey1), .signatureInvalid, name)
            XCTAssertEqual(
                verifyCode(signature: vectorHex(hex) + [UInt8](repeating: 0, count: 32), message: [], publicKey: publicKey1),
                .signatureInvalid, "\(name), S = 0")
        }
    }

    func testNonCanonicalRIsRejected() {
        let s = Array(signature1[32..<64])
        for r in nonCanonicalPoints {
            XCTAssertEqual(verifyCode(signature: r + s, message: [], publicKey: publicKey1), .signatureInvalid, Hex.encode(r))
        }
    }

    func testNegatedRIsRejected() {
        // Flipping only the sign bit of R gives the canonical encoding of -R: still rejected.
        var signature = signature1
        signature[31] ^= 0x80
        XCTAssertEqual(verifyCode(signature: signature, message: [], publicKey: publicKey1), .signatureInvalid)
    }

    // MARK: signing keys

    func testWrongSeedLengthsAreRejected() {
        for length in [0, 1, 31, 33, 64] {
            do {
                _ = try Ed25519SigningKey(seed: [UInt8](repeating: 7, count: length))
                XCTFail("seed of \(length) bytes accepted")
            } catch {
                XCTAssertEqual(error.code, .seedLength, "length \(length)")
            }
        }
    }

    func testSigningIsDeterministic() throws {
        let a = try Ed25519SigningKey(seed: seed1)
        let b = try Ed25519SigningKey(seed: seed1)
        XCTAssertEqual(a.publicKey, publicKey1)
        XCTAssertEqual(a.publicKey, b.publicKey)
        let message = Array("evidence".utf8)
        XCTAssertEqual(a.sign(message), b.sign(message))
        XCTAssertEqual(a.sign(message).count, Ed25519.signatureBytes)
        XCTAssertNil(verifyCode(signature: a.sign(message), message: message, publicKey: a.publicKey))
    }

    func testGeneratedKeysWorkAndDiffer() {
        let a = Ed25519SigningKey.generate()
        let b = Ed25519SigningKey.generate()
        XCTAssertNotEqual(a.publicKey, b.publicKey)
        XCTAssertEqual(a.publicKey.count, Ed25519.publicKeyBytes)
        XCTAssertNil(keyCode(a.publicKey))
        let message = Array("receipt".utf8)
        XCTAssertNil(verifyCode(signature: a.sign(message), message: message, publicKey: a.publicKey))
        XCTAssertEqual(verifyCode(signature: a.sign(message), message: message, publicKey: b.publicKey), .signatureInvalid)
    }

    func testDescriptionDoesNotRevealTheSeed() throws {
        let key = try Ed25519SigningKey(seed: seed1)
        let text = "\(key)"
        XCTAssertFalse(text.contains(Hex.encode(seed1)))
        XCTAssertTrue(text.contains(Hex.encode(publicKey1)))
    }

    // MARK: error type

    func testSignatureErrorCodes() {
        let codes = SignatureError.Code.allCases.map(\.rawValue)
        XCTAssertEqual(Set(codes).count, codes.count)
        for code in codes {
            XCTAssertTrue(code.hasPrefix("CRYPTO_"), code)
        }
        XCTAssertEqual(
            SignatureError(code: .keyInvalid, reason: "a"), SignatureError(code: .keyInvalid, reason: "b"))
        XCTAssertNotEqual(
            SignatureError(code: .keyInvalid, reason: "a"), SignatureError(code: .keyLength, reason: "a"))
    }
}

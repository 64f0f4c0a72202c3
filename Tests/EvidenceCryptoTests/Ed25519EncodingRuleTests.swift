import EvidenceCrypto
import XCTest

/// The Swift encoding rules on their own. Through `Ed25519.verify` a lax S or R rule would be
/// masked by libsodium's identical checks (same code), so the predicates are tested directly.
final class Ed25519EncodingRuleTests: XCTestCase {
    let one: [UInt8] = [1] + [UInt8](repeating: 0, count: 31)

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

    private func subtractOne(_ a: [UInt8]) -> [UInt8] {
        var out = a
        var i = 0
        while i < 32 {
            if out[i] > 0 { out[i] -= 1; break }
            out[i] = 0xff
            i += 1
        }
        return out
    }

    func testScalarBoundary() {
        let l = Ed25519Encoding.groupOrder
        XCTAssertEqual(Hex.encode(l), "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        XCTAssertTrue(Ed25519Encoding.isCanonicalScalar([UInt8](repeating: 0, count: 32)[...]))
        XCTAssertTrue(Ed25519Encoding.isCanonicalScalar(subtractOne(l)[...]))
        XCTAssertFalse(Ed25519Encoding.isCanonicalScalar(l[...]))
        XCTAssertFalse(Ed25519Encoding.isCanonicalScalar(add(l, one)[...]))
        XCTAssertFalse(Ed25519Encoding.isCanonicalScalar([UInt8](repeating: 0xff, count: 32)[...]))
        // Only a high byte of 0x10 with a smaller low part is below L; any bit above 2^252 + ... is not.
        var high = [UInt8](repeating: 0, count: 32)
        high[31] = 0x20
        XCTAssertFalse(Ed25519Encoding.isCanonicalScalar(high[...]))
        high[31] = 0x0f
        XCTAssertTrue(Ed25519Encoding.isCanonicalScalar(high[...]))
    }

    func testScalarRuleWorksOnSlicesOfASignature() {
        // The S half of a signature is a slice starting at index 32.
        let signature = [UInt8](repeating: 0, count: 32) + Ed25519Encoding.groupOrder
        XCTAssertFalse(Ed25519Encoding.isCanonicalScalar(signature[32..<64]))
        let good = [UInt8](repeating: 0xff, count: 32) + subtractOne(Ed25519Encoding.groupOrder)
        XCTAssertTrue(Ed25519Encoding.isCanonicalScalar(good[32..<64]))
    }

    func testPointEncodingBoundary() {
        let p = Ed25519Encoding.fieldPrime
        XCTAssertEqual(Hex.encode(p), "ed" + String(repeating: "ff", count: 30) + "7f")
        XCTAssertTrue(Ed25519Encoding.isCanonicalPoint(subtractOne(p)[...]))          // y = p - 1
        XCTAssertFalse(Ed25519Encoding.isCanonicalPoint(p[...]))                      // y = p
        var signed = subtractOne(subtractOne(p))                                       // y = p - 2
        signed[31] |= 0x80
        XCTAssertTrue(Ed25519Encoding.isCanonicalPoint(signed[...]))
        for low in 0xed...0xff {
            for top: UInt8 in [0x7f, 0xff] {
                let y = [UInt8(low)] + [UInt8](repeating: 0xff, count: 30) + [top]
                XCTAssertFalse(Ed25519Encoding.isCanonicalPoint(y[...]), Hex.encode(y))
            }
        }
        // x = 0 (y = 1 or y = -1) with the sign bit set is not canonical; without it, it is.
        var identity = one
        XCTAssertTrue(Ed25519Encoding.isCanonicalPoint(identity[...]))
        identity[31] |= 0x80
        XCTAssertFalse(Ed25519Encoding.isCanonicalPoint(identity[...]))
        var minusOne = subtractOne(p)
        minusOne[31] |= 0x80
        XCTAssertFalse(Ed25519Encoding.isCanonicalPoint(minusOne[...]))
    }

    func testSmallOrderEncodingsOfBothSigns() {
        XCTAssertEqual(Ed25519Encoding.smallOrderY.count, 7)
        for y in Ed25519Encoding.smallOrderY {
            XCTAssertEqual(y.count, 32)
            XCTAssertTrue(Ed25519Encoding.hasSmallOrder(y[...]), Hex.encode(y))
            var negated = y
            negated[31] |= 0x80
            XCTAssertTrue(Ed25519Encoding.hasSmallOrder(negated[...]), Hex.encode(negated))
            // Any one-bit change in the low 255 bits leaves the blacklist.
            var changed = y
            changed[7] ^= 0x10
            XCTAssertFalse(Ed25519Encoding.hasSmallOrder(changed[...]), Hex.encode(changed))
        }
    }

    func testOrdinaryKeysAreNotSmallOrder() throws {
        for seed in 0..<32 {
            let key = try Ed25519SigningKey(seed: [UInt8](repeating: UInt8(seed), count: 32))
            XCTAssertTrue(Ed25519Encoding.isCanonicalPoint(key.publicKey[...]), "seed \(seed)")
            XCTAssertFalse(Ed25519Encoding.hasSmallOrder(key.publicKey[...]), "seed \(seed)")
            let r = key.sign([UInt8(seed)])[0..<32]
            XCTAssertTrue(Ed25519Encoding.isCanonicalPoint(r), "seed \(seed)")
            XCTAssertFalse(Ed25519Encoding.hasSmallOrder(r), "seed \(seed)")
        }
    }
}

extension Ed25519EncodingRuleTests {
    func testWrongLengthsFailClosed() {
        for length in [0, 1, 31, 33, 64] {
            let bytes = [UInt8](repeating: 0x11, count: length)
            XCTAssertFalse(Ed25519Encoding.isCanonicalScalar(bytes[...]), "length \(length)")
            XCTAssertFalse(Ed25519Encoding.isCanonicalPoint(bytes[...]), "length \(length)")
            XCTAssertTrue(Ed25519Encoding.hasSmallOrder(bytes[...]), "length \(length)")
        }
    }
}

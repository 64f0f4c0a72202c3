import EvidenceCrypto
import XCTest

/// `Ed25519.verify` under a `ValidatedPublicKey` (the key rules checked once) against `verify`
/// with the raw key, and the in-place encoding predicates against their former definitions (which
/// copied the encoding), on every Wycheproof and RFC 8032 case and on seeded and boundary inputs.
final class Ed25519ValidatedKeyTests: XCTestCase {
    /// Outcome of a verification: nil, or the code and reason thrown.
    typealias Outcome = [String]?

    func outcome(_ body: () throws(SignatureError) -> Void) -> Outcome {
        do {
            try body()
            return nil
        } catch {
            return [error.code.rawValue, error.reason]
        }
    }

    /// Both entry points on one input: the same outcome, and the key is validated exactly when
    /// `validatePublicKey` accepts it (and otherwise fails with its error).
    func compare(signature: [UInt8], message: [UInt8], publicKey: [UInt8], _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
        let plain = outcome { () throws(SignatureError) in try Ed25519.verify(signature: signature, message: message, publicKey: publicKey) }
        let rules = outcome { () throws(SignatureError) in try Ed25519.validatePublicKey(publicKey) }
        let made = Result { () throws(SignatureError) -> Ed25519.ValidatedPublicKey in try Ed25519.ValidatedPublicKey(publicKey) }
        switch made {
        case .success(let key):
            XCTAssertNil(rules, what, file: file, line: line)
            XCTAssertEqual(key.bytes, publicKey, what, file: file, line: line)
            let validated = outcome { () throws(SignatureError) in try Ed25519.verify(signature: signature, message: message, publicKey: key) }
            XCTAssertEqual(validated, plain, what, file: file, line: line)
        case .failure(let error):
            XCTAssertEqual([error.code.rawValue, error.reason], rules, what, file: file, line: line)
            // The raw entry point fails on the key too, unless a length is judged first.
            if signature.count == Ed25519.signatureBytes { XCTAssertEqual(plain, rules, what, file: file, line: line) }
        }
    }

    func testWycheproofCases() throws {
        let file = try loadVectors("ed25519_test", as: Ed25519WycheproofTests.VectorFile.self)
        var count = 0
        for group in file.testGroups {
            let key = vectorHex(group.publicKey.pk)
            for test in group.tests {
                let signature = vectorHex(test.sig)
                let message = vectorHex(test.msg)
                compare(signature: signature, message: message, publicKey: key, "tcId \(test.tcId)")
                // And with a bit of the key flipped: most such keys are still canonical points.
                compare(signature: signature, message: message, publicKey: flippingBit(key, test.tcId % 256), "tcId \(test.tcId), key flipped")
                count += 1
            }
        }
        XCTAssertEqual(count, 151)
    }

    func testSmallOrderNonCanonicalAndWrongLengthKeys() throws {
        let signer = try Ed25519SigningKey(seed: [UInt8](repeating: 7, count: 32))
        let message: [UInt8] = Array("message".utf8)
        let signature = signer.sign(message)
        var keys: [[UInt8]] = [signer.publicKey, [], [UInt8](repeating: 0, count: 31), signer.publicKey + [0], Ed25519Encoding.fieldPrime]
        for y in Ed25519Encoding.smallOrderY {
            keys.append(y)
            keys.append(Array(y[..<31]) + [y[31] | 0x80])
        }
        for (k, key) in keys.enumerated() {
            for sig in [signature, Array(signature.dropLast()), flippingBit(signature, 3), flippingBit(signature, 500)] {
                compare(signature: sig, message: message, publicKey: key, "key #\(k), signature of \(sig.count) bytes")
            }
        }
    }

    // MARK: - The encoding predicates against their former definitions

    /// `isCanonicalPoint` as it was: the sign bit cleared in a copy, compared with p, 1 and p - 1.
    func formerIsCanonicalPoint(_ point: ArraySlice<UInt8>) -> Bool {
        guard point.count == 32 else { return false }
        var y = Array(point)
        let signBit = y[31] & 0x80
        y[31] &= 0x7f
        guard y.reversed().lexicographicallyPrecedes(Ed25519Encoding.fieldPrime.reversed()) else { return false }
        if signBit != 0 {
            let one = [0x01] + [UInt8](repeating: 0, count: 31)
            let minusOne = [0xec] + [UInt8](repeating: 0xff, count: 30) + [0x7f]
            if y == one || y == minusOne { return false }
        }
        return true
    }

    /// `hasSmallOrder` as it was.
    func formerHasSmallOrder(_ point: ArraySlice<UInt8>) -> Bool {
        guard point.count == 32 else { return true }
        var y = Array(point)
        y[31] &= 0x7f
        return Ed25519Encoding.smallOrderY.contains(y)
    }

    func testEncodingPredicatesAgainstFormerDefinitions() {
        var inputs: [[UInt8]] = []
        // Every small-order y, p and its neighbours, 0, 1 and p - 1, each of both signs and with
        // each byte nudged up and down.
        let p = Ed25519Encoding.fieldPrime
        var bases = Ed25519Encoding.smallOrderY + [p, [UInt8](repeating: 0xff, count: 32)]
        for k in 0..<32 {
            var up = p
            up[k] &+= 1
            var down = p
            down[k] &-= 1
            bases += [up, down]
        }
        for base in bases {
            for sign: UInt8 in [0, 0x80] {
                var signed = base
                signed[31] = base[31] & 0x7f | sign
                inputs.append(signed)
                for k in [0, 1, 15, 30, 31] {
                    var nudged = signed
                    nudged[k] &+= 1
                    inputs.append(nudged)
                    nudged[k] &-= 2
                    inputs.append(nudged)
                }
            }
        }
        for seed in 0..<2000 { inputs.append(deterministicBytes(count: 32, seed: UInt64(seed) &* 0x9E37_79B9)) }
        for length in [0, 31, 33, 64] { inputs.append(deterministicBytes(count: length, seed: UInt64(length))) }
        for (n, input) in inputs.enumerated() {
            // As an array slice and as a slice that does not start at 0.
            let padded = [0xAA] + input + [0x55]
            for slice in [input[...], padded[1..<(1 + input.count)]] {
                XCTAssertEqual(Ed25519Encoding.isCanonicalPoint(slice), formerIsCanonicalPoint(slice), "input #\(n) \(Hex.encode(input))")
                XCTAssertEqual(Ed25519Encoding.hasSmallOrder(slice), formerHasSmallOrder(slice), "input #\(n) \(Hex.encode(input))")
            }
        }
    }
}

import EvidenceCrypto
import Foundation
import XCTest

final class Base64URLTests: XCTestCase {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// An independent oracle: Foundation's standard base64, mapped to the URL alphabet, unpadded.
    private func foundationBase64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    func testRFC4648Vectors() throws {
        let vectors = [
            ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
        ]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64URL.encode(Array(plain.utf8)), encoded, plain)
            XCTAssertEqual(try Base64URL.decode(encoded), Array(plain.utf8), encoded)
        }
        // The two URL-safe characters.
        XCTAssertEqual(Base64URL.encode([0xfb, 0xff]), "-_8")
        XCTAssertEqual(try Base64URL.decode("-_8"), [0xfb, 0xff])
    }

    func testRoundTripsOfLengths0To64() throws {
        for length in 0...64 {
            for seed: UInt64 in [1, 0x9e37_79b9, 0xdead_beef] {
                let bytes = deterministicBytes(count: length, seed: seed &+ UInt64(length))
                let text = Base64URL.encode(bytes)
                XCTAssertEqual(text, foundationBase64URL(bytes), "length \(length)")
                XCTAssertEqual(text.utf8.count, (length * 4 + 2) / 3, "length \(length)")
                XCTAssertEqual(try Base64URL.decode(text), bytes, "length \(length)")
            }
            let zeros = [UInt8](repeating: 0, count: length)
            let ones = [UInt8](repeating: 0xff, count: length)
            XCTAssertEqual(try Base64URL.decode(Base64URL.encode(zeros)), zeros)
            XCTAssertEqual(try Base64URL.decode(Base64URL.encode(ones)), ones)
        }
    }

    func testPaddingIsRejected() {
        for (text, offset) in [("Zg==", 2), ("Zm8=", 3), ("=", 0), ("Zm9v====", 4), ("Zg=", 2)] {
            let error = base64Error(text)
            XCTAssertEqual(error?.code, .base64Padding, text)
            XCTAssertEqual(error?.offset, offset, text)
        }
    }

    func testStandardAlphabetIsRejected() {
        for (text, offset) in [("+_8", 0), ("-/8", 1), ("Zm9v+A", 4), ("/", 0)] {
            let error = base64Error(text)
            XCTAssertEqual(error?.code, .base64StandardAlphabet, text)
            XCTAssertEqual(error?.offset, offset, text)
        }
    }

    func testWhitespaceIsRejected() {
        for (text, offset) in [
            ("Zm9v\nYmFy", 4), ("Zm9v\r\nYmFy", 4), (" Zm9v", 0), ("Zm9v ", 4), ("Zm\t9v", 2),
            ("Zm9v\u{0B}", 4), ("Zm9v\u{0C}", 4), ("Zm9vYmFy\n", 8),
        ] {
            let error = base64Error(text)
            XCTAssertEqual(error?.code, .base64Whitespace, text.debugDescription)
            XCTAssertEqual(error?.offset, offset, text.debugDescription)
        }
    }

    func testEveryByteOutsideTheAlphabetIsRejectedWithItsCode() {
        let allowed = Set(alphabet)
        for value in 0...255 {
            let byte = UInt8(value)
            let input = Array("AAA".utf8) + [byte]
            let error = base64Error(input)
            if allowed.contains(byte) {
                XCTAssertNil(error, "byte \(value)")
                continue
            }
            let expected: EncodingError.Code
            switch byte {
            case UInt8(ascii: "="): expected = .base64Padding
            case UInt8(ascii: "+"), UInt8(ascii: "/"): expected = .base64StandardAlphabet
            case 0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d: expected = .base64Whitespace
            default: expected = .base64Character
            }
            XCTAssertEqual(error?.code, expected, "byte \(value)")
            XCTAssertEqual(error?.offset, 3, "byte \(value)")
        }
    }

    func testNonASCIIStringsAreRejected() {
        for (text, offset) in [("Zm9v\u{E9}", 4), ("\u{FEFF}Zm9v", 0), ("Zm\u{0}9v", 2), ("Zm9vＡ", 4), ("Zm9v\u{FFFD}", 4)] {
            let error = base64Error(text)
            XCTAssertEqual(error?.code, .base64Character, text.debugDescription)
            XCTAssertEqual(error?.offset, offset, text.debugDescription)
        }
    }

    func testFirstOffendingCharacterIsReported() {
        // Characters are checked before length: "A=" is padding, not a length error.
        XCTAssertEqual(base64Error("A=")?.code, .base64Padding)
        XCTAssertEqual(base64Error("A+ =")?.code, .base64StandardAlphabet)
        XCTAssertEqual(base64Error("A+ =")?.offset, 1)
    }

    func testLengthOneMod4IsRejected() {
        for text in ["A", "AAAAA", "Zm9vY", "Zm9vYmFyZ", String(repeating: "A", count: 4 * 16 + 1)] {
            let error = base64Error(text)
            XCTAssertEqual(error?.code, .base64Length, text)
        }
        // The other lengths are fine.
        for text in ["", "AA", "AAA", "AAAA", "AAAAAA", "AAAAAAA"] {
            XCTAssertNil(base64Error(text), text)
        }
    }

    /// One byte is 2 characters: 12 bits carry 8, so the low 4 bits of the second character must
    /// be zero. Every (first, second) character pair is tried.
    func testEveryOneByteTrailingBitPatternIsChecked() throws {
        var nonCanonical = 0
        for first in alphabet {
            for (value, second) in alphabet.enumerated() {
                let text = [first, second]
                if value & 0x0f == 0 {
                    let decoded = try Base64URL.decode(utf8: text)
                    XCTAssertEqual(decoded.count, 1)
                    XCTAssertEqual(Array(Base64URL.encode(decoded).utf8), text)
                } else {
                    nonCanonical += 1
                    let error = base64Error(text)
                    XCTAssertEqual(error?.code, .base64NonCanonical, String(decoding: text, as: UTF8.self))
                    XCTAssertEqual(error?.offset, 1)
                }
            }
        }
        XCTAssertEqual(nonCanonical, 64 * 60)
        // The example from the specification of the rule.
        XCTAssertEqual(try Base64URL.decode("AA"), [0])
        XCTAssertEqual(base64Error("AB")?.code, .base64NonCanonical)
    }

    /// Two bytes are 3 characters: 18 bits carry 16, so the low 2 bits of the third character
    /// must be zero. For every 2-byte value, each of the 3 non-canonical variants is rejected.
    func testEveryTwoByteNonCanonicalVariantIsRejected() throws {
        var checked = 0
        for value in 0..<65536 {
            let bytes = [UInt8(value >> 8), UInt8(value & 0xff)]
            let canonical = Array(Base64URL.encode(bytes).utf8)
            XCTAssertEqual(canonical.count, 3)
            guard let index = alphabet.firstIndex(of: canonical[2]) else {
                XCTFail("encoder produced a byte outside the alphabet")
                continue
            }
            XCTAssertEqual(index & 0x03, 0)
            for low in 1...3 {
                var variant = canonical
                variant[2] = alphabet[index | low]
                let error = base64Error(variant)
                if error?.code != .base64NonCanonical || error?.offset != 2 {
                    XCTFail("\(String(decoding: variant, as: UTF8.self)) not rejected as non-canonical")
                }
                checked += 1
            }
        }
        XCTAssertEqual(checked, 65536 * 3)
    }

    func testTrailingBitsAreCheckedAfterFullGroups() {
        XCTAssertEqual(base64Error("Zm9vYB")?.code, .base64NonCanonical)
        XCTAssertEqual(base64Error("Zm9vYB")?.offset, 5)
        XCTAssertEqual(base64Error("Zm9vYmF")?.code, .base64NonCanonical)
        XCTAssertEqual(base64Error("Zm9vYmF")?.offset, 6)
        XCTAssertNil(base64Error("Zm9vYmE"))
    }

    func testEncodingErrorCodesAndEquality() {
        let codes = EncodingError.Code.allCases.map(\.rawValue)
        XCTAssertEqual(Set(codes).count, codes.count)
        for code in codes {
            XCTAssertTrue(code.hasPrefix("ENC_"), code)
        }
        XCTAssertEqual(
            EncodingError(code: .base64Length, offset: 1, reason: "a"),
            EncodingError(code: .base64Length, offset: nil, reason: "b"))
        XCTAssertNotEqual(
            EncodingError(code: .base64Length, offset: 1, reason: "a"),
            EncodingError(code: .base64Padding, offset: 1, reason: "a"))
    }
}

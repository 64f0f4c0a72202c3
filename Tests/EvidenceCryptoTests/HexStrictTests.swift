import EvidenceCrypto
import XCTest

final class HexStrictTests: XCTestCase {
    func testLowercaseDecodes() throws {
        XCTAssertEqual(try Hex.decodeStrict("", expectedBytes: nil), [])
        XCTAssertEqual(try Hex.decodeStrict("00ff7f80", expectedBytes: nil), [0x00, 0xff, 0x7f, 0x80])
        XCTAssertEqual(try Hex.decodeStrict("0123456789abcdef", expectedBytes: 8),
                       [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef])
        for length in 0...40 {
            let bytes = deterministicBytes(count: length, seed: UInt64(length) + 5)
            XCTAssertEqual(try Hex.decodeStrict(Hex.encode(bytes), expectedBytes: length), bytes)
        }
    }

    func testUppercaseIsRejected() {
        for (text, offset) in [("AB", 0), ("abCd", 2), ("0F", 1), ("DEADBEEF", 0), ("deadbeeF", 7)] {
            let error = hexError(text)
            XCTAssertEqual(error?.code, .hexUppercase, text)
            XCTAssertEqual(error?.offset, offset, text)
        }
    }

    func testOddLengthIsRejected() {
        for text in ["a", "abc", "0123456", String(repeating: "0", count: 63)] {
            XCTAssertEqual(hexError(text)?.code, .hexOddLength, text)
        }
    }

    func testWrongExpectedLengthIsRejected() {
        XCTAssertEqual(hexError("abcd", expectedBytes: 3)?.code, .hexLength)
        XCTAssertEqual(hexError("abcd", expectedBytes: 1)?.code, .hexLength)
        XCTAssertEqual(hexError("", expectedBytes: 32)?.code, .hexLength)
        XCTAssertEqual(hexError(String(repeating: "0", count: 66), expectedBytes: 32)?.code, .hexLength)
        XCTAssertNil(hexError(String(repeating: "0", count: 64), expectedBytes: 32))
    }

    func testCharactersAreCheckedFirst() {
        XCTAssertEqual(hexError("ABC", expectedBytes: 5)?.code, .hexUppercase)
        XCTAssertEqual(hexError("zz", expectedBytes: 5)?.code, .hexCharacter)
        XCTAssertEqual(hexError("abc", expectedBytes: 5)?.code, .hexOddLength)
    }

    func testEveryNonHexByteIsRejected() {
        for value in 0...255 {
            let scalar = Unicode.Scalar(UInt8(value))
            let text = "ab" + String(Character(scalar)) + "0"
            let error = hexError(text)
            switch UInt8(value) {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"):
                XCTAssertNil(error, "byte \(value)")
            case UInt8(ascii: "A")...UInt8(ascii: "F"):
                XCTAssertEqual(error?.code, .hexUppercase, "byte \(value)")
                XCTAssertEqual(error?.offset, 2, "byte \(value)")
            default:
                // Scalars 0x80...0xFF are two UTF-8 bytes; the first is reported.
                XCTAssertEqual(error?.code, .hexCharacter, "byte \(value)")
                XCTAssertEqual(error?.offset, 2, "byte \(value)")
            }
        }
        for text in ["\u{FEFF}00", "00\u{FFFD}0", " 00", "00\n", "0x00", "+0"] {
            XCTAssertEqual(hexError(text)?.code, .hexCharacter, text.debugDescription)
        }
    }

    func testLenientDecodeIsUnchanged() {
        // The existing Hex.decode keeps its nil-on-anything-wrong behaviour.
        XCTAssertEqual(Hex.decode("00ff"), [0x00, 0xff])
        XCTAssertNil(Hex.decode("00FF"))
        XCTAssertNil(Hex.decode("0"))
    }
}

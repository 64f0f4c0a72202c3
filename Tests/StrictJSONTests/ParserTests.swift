import XCTest
import StrictJSON

final class ParserAcceptanceTests: XCTestCase {
    func testScalarsAndStructures() throws {
        XCTAssertEqual(parseOK("null"), .null)
        XCTAssertEqual(parseOK("true"), .bool(true))
        XCTAssertEqual(parseOK("false"), .bool(false))
        XCTAssertEqual(parseOK("0"), .int(0))
        XCTAssertEqual(parseOK("-17"), .int(-17))
        XCTAssertEqual(parseOK(#""""#), .string(""))
        XCTAssertEqual(parseOK("[]"), .array([]))
        XCTAssertEqual(parseOK("{}"), .object(JSONObject([])))
        XCTAssertEqual(parseOK(" \t\r\n[ 1 , \"x\" , { } , [ ] ]\n"), [1, "x", .object(JSONObject([])), []])

        let value = try XCTUnwrap(parseOK(#"{"b":[true,null],"a":{"c":"d"},"n":-5}"#))
        let object = try XCTUnwrap(value.objectValue)
        XCTAssertEqual(object.names, ["b", "a", "n"], "members keep their source order")
        XCTAssertEqual(value["b"], [true, nil])
        XCTAssertEqual(value["a"]?["c"]?.stringValue, "d")
        XCTAssertEqual(value["n"]?.integerValue, -5)
        XCTAssertNil(value["missing"])
    }

    func testStringEscapesDecode() {
        XCTAssertEqual(parseOK(#""\"\\\/\b\f\n\r\t""#), .string("\"\\/\u{8}\u{c}\n\r\t"))
        XCTAssertEqual(parseOK(#""\u0041\u00e9\u00E9\u20AC\ud83d\ude00\uD83D\uDE00""#),
                       .string("A\u{e9}\u{e9}\u{20ac}\u{1F600}\u{1F600}"))
        XCTAssertEqual(parseOK(#""\u0000""#), .string("\u{0}"))
        for scalar in 0..<0x20 {
            let hex = String(scalar, radix: 16)
            let text = "\"\\u" + String(repeating: "0", count: 4 - hex.count) + hex + "\""
            XCTAssertEqual(parseOK(text), .string(String(UnicodeScalar(UInt8(scalar)))), text)
        }
        // Raw non-ASCII, DEL, U+2028/2029, a BOM inside a string, and the extremes of each UTF-8 length.
        let raw = "\u{7f}\u{80}\u{7ff}\u{800}\u{d7ff}\u{e000}\u{feff}\u{fffd}\u{ffff}\u{10000}\u{10ffff}\u{2028}\u{2029}"
        XCTAssertEqual(parseOK("\"" + raw + "\""), .string(raw))
    }

    func testNamesAreDecoded() throws {
        let value = try XCTUnwrap(parseOK(#"{"\u0061b":1}"#))
        XCTAssertEqual(value.objectValue?.names, ["ab"])
        XCTAssertEqual(value["ab"], .int(1))
    }

    func testSliceOffsetsAreRelativeToTheSlice() {
        let data = bytes("xx[1,]")
        XCTAssertThrowsError(try JSONParser.parse(data[2...])) { error in
            XCTAssertEqual((error as? JSONError)?.code, .unexpectedByte)
            XCTAssertEqual((error as? JSONError)?.offset, 3)
        }
        XCTAssertEqual(try? JSONParser.parse(data[2...3] + [UInt8(ascii: "]")]), [1])
    }
}

final class ParserEncodingTests: XCTestCase {
    func testEmpty() {
        assertRejects("", .empty, offset: 0)
        assertRejects(" \t\r\n", .empty, offset: 4)
    }

    func testByteOrderMark() {
        assertRejects([0xEF, 0xBB, 0xBF] + bytes("{}"), .byteOrderMark, offset: 0)
        assertRejects([0xEF, 0xBB, 0xBF], .byteOrderMark, offset: 0)
        assertRejects([0xFE, 0xFF, 0x00, 0x7B, 0x00, 0x7D], .byteOrderMark, offset: 0)
        assertRejects([0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00], .byteOrderMark, offset: 0)
        // U+FEFF anywhere else outside a string is simply not JSON.
        assertRejects(bytes(" ") + [0xEF, 0xBB, 0xBF] + bytes("{}"), .unexpectedByte, offset: 1)
        assertRejects(bytes("{}") + [0xEF, 0xBB, 0xBF], .trailingData, offset: 2)
    }

    func testInvalidUTF8() {
        let cases: [(name: String, sequence: [UInt8], badAt: Int)] = [
            ("stray continuation", [0x80], 0),
            ("stray continuation 0xBF", [0xBF], 0),
            ("overlong 2-byte C0", [0xC0, 0x80], 0),
            ("overlong 2-byte C1", [0xC1, 0xBF], 0),
            ("overlong 3-byte", [0xE0, 0x80, 0x80], 1),
            ("overlong 3-byte U+07FF", [0xE0, 0x9F, 0xBF], 1),
            ("overlong 4-byte", [0xF0, 0x80, 0x80, 0x80], 1),
            ("overlong 4-byte U+FFFF", [0xF0, 0x8F, 0xBF, 0xBF], 1),
            ("surrogate U+D800", [0xED, 0xA0, 0x80], 1),
            ("surrogate U+DFFF", [0xED, 0xBF, 0xBF], 1),
            ("surrogate pair in CESU-8", [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80], 1),
            ("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80], 1),
            ("lead F5", [0xF5, 0x80, 0x80, 0x80], 0),
            ("lead FF", [0xFF], 0),
            ("lead FE", [0xFE], 0),
            ("truncated 2-byte", [0xC3, 0x22], 1),
            ("truncated 3-byte", [0xE2, 0x82, 0x22], 2),
            ("truncated 4-byte", [0xF0, 0x9F, 0x98, 0x22], 3),
            ("continuation missing before ASCII", [0xE2, 0x41, 0x82], 1),
        ]
        for c in cases {
            // Inside a string: offset 1 is the first byte of the sequence.
            assertRejects(bytes("\"") + c.sequence + bytes("\""), .invalidUTF8, offset: 1 + c.badAt, c.name)
            // Outside strings, UTF-8 is checked first as well.
            assertRejects(bytes("[1,") + c.sequence + bytes("]"), .invalidUTF8, offset: 3 + c.badAt, c.name)
        }
        // Truncated at the very end of the input: the offset is the input's length.
        assertRejects(bytes("\"") + [0xE2, 0x82], .invalidUTF8, offset: 3)
        assertRejects(bytes("\"") + [0xF0], .invalidUTF8, offset: 2)
    }

    /// Every 2-byte sequence, and every 3-byte sequence with a lead byte E0…EF and selected third
    /// bytes, inside a string: accepted exactly when the standard library's validating decoder
    /// accepts it.
    func testUTF8AgainstStandardLibraryOracle() {
        var checked = 0
        func check(_ sequence: [UInt8]) {
            let document = [UInt8(ascii: "\"")] + sequence + [UInt8(ascii: "\"")]
            let oracleValid = String(validating: sequence, as: UTF8.self) != nil
                && !sequence.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C })
            let parsed = try? JSONParser.parse(document)
            XCTAssertEqual(parsed != nil, oracleValid, show(document))
            if let parsed, case .string(let s) = parsed {
                XCTAssertEqual(Array(s.utf8), sequence)
            }
            checked += 1
        }
        for b0 in UInt8(0x80)...0xFF {
            for b1 in UInt8(0)...0xFF { check([b0, b1]) }
        }
        for b0 in UInt8(0xE0)...0xEF {
            for b1 in UInt8(0)...0xFF {
                for b2: UInt8 in [0x00, 0x41, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF] { check([b0, b1, b2]) }
            }
        }
        for b0 in UInt8(0xF0)...0xF7 {
            for b1 in UInt8(0x70)...0xCF { check([b0, b1, 0x80, 0x80]) }
        }
        XCTAssertGreaterThan(checked, 30_000)
    }

    func testWhitespaceIsOnlyTheFourRFC8259Bytes() {
        for ws in [" ", "\t", "\n", "\r"] {
            XCTAssertEqual(parseOK(ws + "[" + ws + "1" + ws + "," + ws + "2" + ws + "]" + ws), [1, 2])
            XCTAssertEqual(parseOK("{" + ws + "\"a\"" + ws + ":" + ws + "1" + ws + "}"), ["a": 1])
        }
        let notWhitespace: [(String, [UInt8])] = [
            ("form feed", [0x0C]), ("vertical tab", [0x0B]), ("NUL", [0x00]), ("NBSP", [0xC2, 0xA0]),
            ("U+2028", [0xE2, 0x80, 0xA8]), ("U+3000", [0xE3, 0x80, 0x80]), ("U+FEFF", [0xEF, 0xBB, 0xBF]),
        ]
        for (name, ws) in notWhitespace {
            assertRejects(bytes("[") + ws + bytes("1]"), .unexpectedByte, offset: 1, name)
            assertRejects(bytes("[1") + ws + bytes("]"), .unexpectedByte, offset: 2, name)
            assertRejects(bytes("1") + ws, .trailingData, offset: 1, name)
        }
        assertRejects([0x0C] + bytes("1"), .unexpectedByte, offset: 0)
    }
}

final class ParserByteSweepTests: XCTestCase {
    private func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    private func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }

    /// Every byte placed unescaped inside a string.
    func testEveryByteInsideAString() {
        for b in UInt8(0)...0xFF {
            let document = bytes("\"a") + [b] + bytes("b\"")
            switch b {
            case 0x00..<0x20:
                assertRejects(document, .controlCharacter, offset: 2)
            case UInt8(ascii: "\""):
                assertRejects(document, .trailingData, offset: 3)
            case UInt8(ascii: "\\"):
                XCTAssertEqual(parseOK(document), .string("a\u{8}"), "backslash-b is an escape")
            case 0x80...0xFF:
                assertRejects(document, .invalidUTF8, offset: utf8ErrorOffset(lead: b, at: 2))
            default:
                XCTAssertEqual(parseOK(document), .string("a" + String(UnicodeScalar(b)) + "b"))
            }
        }
    }

    /// Every byte after a backslash in a string.
    func testEveryByteAfterABackslash() {
        let valid: [UInt8: String] = [
            UInt8(ascii: "\""): "\"", UInt8(ascii: "\\"): "\\", UInt8(ascii: "/"): "/", UInt8(ascii: "b"): "\u{8}",
            UInt8(ascii: "f"): "\u{c}", UInt8(ascii: "n"): "\n", UInt8(ascii: "r"): "\r", UInt8(ascii: "t"): "\t",
        ]
        for b in UInt8(0)...0xFF {
            let document = bytes("\"\\") + [b] + bytes("\"")
            if let expected = valid[b] {
                XCTAssertEqual(parseOK(document), .string(expected))
            } else if b >= 0x80 {
                assertRejects(document, .invalidUTF8, offset: utf8ErrorOffset(lead: b, at: 2))
            } else if b == UInt8(ascii: "u") {
                assertRejects(document, .invalidEscape, offset: 3)  // the quote is not a hex digit
            } else {
                assertRejects(document, .invalidEscape, offset: 2)
            }
        }
    }

    /// Every byte as a hex digit of a \u escape.
    func testEveryByteInAUnicodeEscape() {
        for b in UInt8(0)...0xFF {
            let document = bytes("\"\\u00") + [b] + bytes("1\"")
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
                UInt8(ascii: "A")...UInt8(ascii: "F"):
                XCTAssertNotNil(parseOK(document))
            case 0x80...0xFF:
                assertRejects(document, .invalidUTF8, offset: utf8ErrorOffset(lead: b, at: 5))
            default:
                assertRejects(document, .invalidEscape, offset: 5)
            }
        }
    }

    /// Every byte where a value must start (inside an array).
    func testEveryByteAsAValue() {
        for b in UInt8(0)...0xFF {
            let document = bytes("[") + [b] + bytes("]")
            switch b {
            case _ where isDigit(b):
                XCTAssertEqual(parseOK(document), [.int(Int64(b - 0x30))])
            case _ where isWhitespace(b):
                XCTAssertEqual(parseOK(document), [])
            case UInt8(ascii: "\""):
                assertRejects(document, .unterminatedString, offset: 3)
            case UInt8(ascii: "["):
                assertRejects(document, .unexpectedEnd, offset: 3)
            case UInt8(ascii: "{"):
                assertRejects(document, .unexpectedByte, offset: 2)
            case UInt8(ascii: "]"):
                assertRejects(document, .trailingData, offset: 2)
            case UInt8(ascii: "-"):
                assertRejects(document, .invalidNumber, offset: 2)
            case UInt8(ascii: "+"), UInt8(ascii: "."):
                assertRejects(document, .invalidNumber, offset: 1)
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                assertRejects(document, .invalidLiteral, offset: 2)
            case 0x80...0xFF:
                assertRejects(document, .invalidUTF8, offset: utf8ErrorOffset(lead: b, at: 1))
            default:
                assertRejects(document, .unexpectedByte, offset: 1)
            }
        }
    }

    /// Every byte as a whole document.
    func testEveryByteAsTheDocument() {
        for b in UInt8(0)...0xFF {
            let document = [b]
            switch b {
            case _ where isDigit(b): XCTAssertEqual(parseOK(document), .int(Int64(b - 0x30)))
            case _ where isWhitespace(b): assertRejects(document, .empty, offset: 1)
            case UInt8(ascii: "\""): assertRejects(document, .unterminatedString, offset: 1)
            case UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                assertRejects(document, .unexpectedEnd, offset: 1)
            case UInt8(ascii: "-"): assertRejects(document, .invalidNumber, offset: 1)
            case UInt8(ascii: "+"), UInt8(ascii: "."): assertRejects(document, .invalidNumber, offset: 0)
            case 0x80...0xFF: assertRejects(document, .invalidUTF8, offset: b >= 0xC2 && b <= 0xF4 ? 1 : 0)
            default: assertRejects(document, .unexpectedByte, offset: 0)
            }
        }
    }

    /// Every byte after a complete value, inside an array and at the top level.
    func testEveryByteAfterAValue() {
        for b in UInt8(0)...0xFF {
            let inArray = bytes("[true") + [b] + bytes("]")
            let atTop = bytes("true") + [b]
            switch b {
            case _ where isWhitespace(b):
                XCTAssertEqual(parseOK(inArray), [true])
                XCTAssertEqual(parseOK(atTop), true)
            case UInt8(ascii: ","):
                assertRejects(inArray, .unexpectedByte, offset: 6)  // trailing comma
                assertRejects(atTop, .trailingData, offset: 4)
            case UInt8(ascii: "]"):
                assertRejects(inArray, .trailingData, offset: 6)
                assertRejects(atTop, .trailingData, offset: 4)
            case 0x80...0xFF:
                assertRejects(inArray, .invalidUTF8)
                assertRejects(atTop, .invalidUTF8)
            default:
                assertRejects(inArray, .unexpectedByte, offset: 5)
                assertRejects(atTop, .trailingData, offset: 4)
            }
        }
    }

    /// Every byte where a member name must start, and where the colon must be.
    func testEveryByteAroundAMemberName() {
        for b in UInt8(0)...0xFF {
            let asName = bytes("{") + [b] + bytes(":1}")
            let asColon = bytes("{\"a\"") + [b] + bytes("1}")
            if b >= 0x80 {
                assertRejects(asName, .invalidUTF8, offset: utf8ErrorOffset(lead: b, at: 1))
                assertRejects(asColon, .invalidUTF8, offset: utf8ErrorOffset(lead: b, at: 4))
                continue
            }
            if isWhitespace(b) {
                assertRejects(asName, .unexpectedByte, offset: 2)
                assertRejects(asColon, .unexpectedByte, offset: 5)
            } else if b == UInt8(ascii: "\"") {
                assertRejects(asName, .unterminatedString, offset: 5)
                assertRejects(asColon, .unexpectedByte, offset: 4)
            } else if b == UInt8(ascii: "}") {
                assertRejects(asName, .trailingData, offset: 2)
                assertRejects(asColon, .unexpectedByte, offset: 4)
            } else if b == UInt8(ascii: ":") {
                assertRejects(asName, .unexpectedByte, offset: 1)
                XCTAssertEqual(parseOK(asColon), ["a": 1])
            } else {
                assertRejects(asName, .unexpectedByte, offset: 1)
                assertRejects(asColon, .unexpectedByte, offset: 4)
            }
        }
    }

    /// Every byte right after a number's digits.
    func testEveryByteAfterANumber() {
        for b in UInt8(0)...0xFF {
            let document = bytes("[12") + [b] + bytes("]")
            switch b {
            case _ where isDigit(b): XCTAssertEqual(parseOK(document), [.int(120 + Int64(b - 0x30))])
            case _ where isWhitespace(b): XCTAssertEqual(parseOK(document), [12])
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                assertRejects(document, .invalidNumber, offset: 4)  // no digit after the marker
            case UInt8(ascii: ","): assertRejects(document, .unexpectedByte, offset: 4)
            case UInt8(ascii: "]"): assertRejects(document, .trailingData, offset: 4)
            case 0x80...0xFF: assertRejects(document, .invalidUTF8, offset: utf8ErrorOffset(lead: b, at: 3))
            default: assertRejects(document, .unexpectedByte, offset: 3)
            }
        }
    }
}

final class ParserRuleTests: XCTestCase {
    func testControlCharactersMustBeEscaped() {
        for b in UInt8(0)..<0x20 {
            assertRejects(bytes("{\"k") + [b] + bytes("\":1}"), .controlCharacter, offset: 3)
        }
        XCTAssertEqual(parseOK("\"\u{7f}\""), .string("\u{7f}"), "DEL needs no escape in JSON")
    }

    func testInvalidEscapes() {
        assertRejects(#""\x41""#, .invalidEscape, offset: 2)
        assertRejects(#""\'""#, .invalidEscape, offset: 2)
        assertRejects(#""\U0041""#, .invalidEscape, offset: 2)
        assertRejects(#""\u004""#, .invalidEscape, offset: 6)
        assertRejects(#""\u00g1""#, .invalidEscape, offset: 5)
        assertRejects(#""\u+041""#, .invalidEscape, offset: 3)
        assertRejects(#""\ ""#, .invalidEscape, offset: 2)
        assertRejects("\"\\\n\"", .invalidEscape, offset: 2)
        assertRejects(#""\"#, .unterminatedString, offset: 2)
        assertRejects(#""\u00"#, .unterminatedString, offset: 5)
    }

    func testLoneSurrogates() {
        assertRejects(#""\ud800""#, .loneSurrogate, offset: 1)
        assertRejects(#""\udbff""#, .loneSurrogate, offset: 1)
        assertRejects(#""\udc00""#, .loneSurrogate, offset: 1)
        assertRejects(#""\udfff""#, .loneSurrogate, offset: 1)
        assertRejects(#""ab\udc00\ud800""#, .loneSurrogate, offset: 3)  // low before high
        assertRejects(#""\ud800\ud800""#, .loneSurrogate, offset: 1)  // high, high
        assertRejects(#""\ud800x""#, .loneSurrogate, offset: 1)
        assertRejects(#""\ud800\n""#, .loneSurrogate, offset: 1)
        assertRejects(#""\ud800\u0041""#, .loneSurrogate, offset: 1)
        assertRejects(#""\ud83d\ude00\ude00""#, .loneSurrogate, offset: 13)
        assertRejects(#"{"\udc00":1}"#, .loneSurrogate, offset: 2)
        assertRejects(#""\ud800"#, .unterminatedString, offset: 7)
        assertRejects(#""\ud800\"#, .unterminatedString, offset: 8)
        assertRejects(#""\ud800\u12""#, .invalidEscape, offset: 11)
        // Raw (UTF-8 encoded) surrogates are invalid UTF-8.
        assertRejects(bytes("\"") + [0xED, 0xA0, 0x80] + bytes("\""), .invalidUTF8, offset: 2)
        assertRejects(bytes("\"") + [0xED, 0xB0, 0x80] + bytes("\""), .invalidUTF8, offset: 2)
        // Pairs are fine, in either hex case.
        XCTAssertEqual(parseOK(#""\udbff\udfff""#), .string("\u{10ffff}"))
        XCTAssertEqual(parseOK(#""\uD800\uDC00""#), .string("\u{10000}"))
    }

    func testLiterals() {
        assertRejects("True", .unexpectedByte, offset: 0)
        assertRejects("nul", .unexpectedEnd, offset: 3)
        assertRejects("nulL", .invalidLiteral, offset: 3)
        assertRejects("[fals]", .invalidLiteral, offset: 5)
        assertRejects("truex", .trailingData, offset: 4)
        assertRejects("undefined", .unexpectedByte, offset: 0)
        assertRejects("'a'", .unexpectedByte, offset: 0)
    }

    func testNonFiniteLiterals() {
        for options in [JSONParseOptions.evidence, .general] {
            assertRejects("NaN", .nonFiniteLiteral, offset: 0, options: options)
            assertRejects("Infinity", .nonFiniteLiteral, offset: 0, options: options)
            assertRejects("-Infinity", .nonFiniteLiteral, offset: 1, options: options)
            assertRejects("[1,NaN]", .nonFiniteLiteral, offset: 3, options: options)
            assertRejects(#"{"a":Infinity}"#, .nonFiniteLiteral, offset: 5, options: options)
            assertRejects("Nan", .unexpectedByte, offset: 0, options: options)
            assertRejects("-Inf", .invalidNumber, offset: 1, options: options)
            let overflow: JSONError.Code = options.integersOnly ? .numberNotInteger : .numberRange
            assertRejects("1e400", overflow, options: options)
            assertRejects("-1e400", overflow, options: options)
        }
    }

    func testNumberGrammar() {
        for options in [JSONParseOptions.evidence, .general] {
            assertRejects("01", .leadingZero, offset: 0, options: options)
            assertRejects("-01", .leadingZero, offset: 1, options: options)
            assertRejects("00", .leadingZero, offset: 0, options: options)
            assertRejects("[007]", .leadingZero, offset: 1, options: options)
            assertRejects("-", .invalidNumber, offset: 1, options: options)
            assertRejects("[-]", .invalidNumber, offset: 2, options: options)
            assertRejects("- 1", .invalidNumber, offset: 1, options: options)
            assertRejects("--1", .invalidNumber, offset: 1, options: options)
            assertRejects("1.", .invalidNumber, offset: 2, options: options)
            assertRejects("[1.]", .invalidNumber, offset: 3, options: options)
            assertRejects("1.e5", .invalidNumber, offset: 2, options: options)
            assertRejects(".5", .invalidNumber, offset: 0, options: options)
            assertRejects("-.5", .invalidNumber, offset: 1, options: options)
            assertRejects("+1", .invalidNumber, offset: 0, options: options)
            assertRejects("1e", .invalidNumber, offset: 2, options: options)
            assertRejects("1e+", .invalidNumber, offset: 3, options: options)
            assertRejects("1E-x", .invalidNumber, offset: 3, options: options)
            assertRejects("1e++1", .invalidNumber, offset: 3, options: options)
            assertRejects("0x10", .trailingData, offset: 1, options: options)
            assertRejects("1_000", .trailingData, offset: 1, options: options)
            assertRejects("[1 2]", .unexpectedByte, offset: 3, options: options)
        }
    }

    func testEvidenceModeIntegersOnly() {
        assertRejects("1.0", .numberNotInteger, offset: 1)
        assertRejects("1.5", .numberNotInteger, offset: 1)
        assertRejects("1e2", .numberNotInteger, offset: 1)
        assertRejects("1E2", .numberNotInteger, offset: 1)
        assertRejects("-0.0", .numberNotInteger, offset: 2)
        assertRejects(#"{"n":[7,2.5e1]}"#, .numberNotInteger, offset: 9)
        XCTAssertEqual(parseOK("-0"), .int(0))
    }

    func testIntegerRange() {
        XCTAssertEqual(parseOK("9007199254740991"), .int(9_007_199_254_740_991))
        XCTAssertEqual(parseOK("-9007199254740991"), .int(-9_007_199_254_740_991))
        assertRejects("9007199254740992", .integerRange, offset: 0)
        assertRejects("-9007199254740992", .integerRange, offset: 0)
        assertRejects("[9007199254740993]", .integerRange, offset: 1)
        assertRejects("9223372036854775807", .integerRange, offset: 0)
        assertRejects("9223372036854775808", .integerRange, offset: 0)
        assertRejects("-9223372036854775809", .integerRange, offset: 0)
        assertRejects(String(repeating: "9", count: 100), .integerRange, offset: 0)

        // General mode: out-of-range integer literals are doubles (rounded), in-range ones integers.
        XCTAssertEqual(parseOK("9007199254740991", options: .general), .int(9_007_199_254_740_991))
        XCTAssertEqual(parseOK("9007199254740993", options: .general), .double(9_007_199_254_740_992))
        XCTAssertEqual(parseOK("-9007199254740992", options: .general), .double(-9_007_199_254_740_992))
    }

    func testGeneralModeNumbers() {
        XCTAssertEqual(parseOK("1.5", options: .general), .double(1.5))
        XCTAssertEqual(parseOK("1e2", options: .general), .double(100))
        XCTAssertEqual(parseOK("1E+2", options: .general), .double(100))
        XCTAssertEqual(parseOK("-2.5e-3", options: .general), .double(-0.0025))
        XCTAssertEqual(parseOK("-0.0", options: .general), .double(-0.0))
        XCTAssertEqual(parseOK("0e0", options: .general), .double(0))
        XCTAssertEqual(parseOK("-0", options: .general), .int(0))
        XCTAssertEqual(parseOK("12", options: .general), .int(12))
        XCTAssertEqual(parseOK("1e-400", options: .general), .double(0), "underflow rounds to zero")
        XCTAssertEqual(parseOK("1.7976931348623157e308", options: .general), .double(.greatestFiniteMagnitude))
        assertRejects("1.7976931348623159e308", .numberRange, offset: 0, options: .general)
        // Correct rounding: halfway cases round to even.
        XCTAssertEqual(parseOK("9007199254740993.0", options: .general), .double(9_007_199_254_740_992))
        XCTAssertEqual(parseOK("9007199254740995.0", options: .general), .double(9_007_199_254_740_996))
        XCTAssertEqual(parseOK("0.1", options: .general), .double(0.1))
        XCTAssertEqual(parseOK("2.2250738585072014e-308", options: .general), .double(.leastNormalMagnitude))
        XCTAssertEqual(parseOK("5e-324", options: .general), .double(.leastNonzeroMagnitude))
    }

    func testNumberLengthLimit() {
        let limit = JSONParseOptions.general.maxNumberBytes
        let atLimit = "0." + String(repeating: "1", count: limit - 2)
        XCTAssertNotNil(parseOK(atLimit, options: .general))
        assertRejects(atLimit + "1", .numberTooLong, offset: 0, options: .general)
        assertRejects("[" + String(repeating: "1", count: limit + 1) + "]", .numberTooLong, offset: 1)
    }

    func testDuplicateNames() {
        assertRejects(#"{"a":1,"a":2}"#, .duplicateName, offset: 7)
        assertRejects(#"{"a":1,"b":2,"a":1}"#, .duplicateName, offset: 13)
        assertRejects(#"{"a":1,"\u0061":2}"#, .duplicateName, offset: 7)
        assertRejects(#"{"\u00e9":1,"é":2}"#, .duplicateName, offset: 12)
        assertRejects(#"{"\ud83d\ude00":1,"😀":2}"#, .duplicateName, offset: 18)
        assertRejects(#"{"":1,"":2}"#, .duplicateName, offset: 6)
        assertRejects(#"[{"x":{"y":1,"y":1}}]"#, .duplicateName, offset: 13)
        // Same names in different objects, and names differing only in case, are fine.
        XCTAssertNotNil(parseOK(#"{"a":{"a":1},"b":[{"a":1},{"a":2}]}"#))
        XCTAssertNotNil(parseOK(#"{"a":1,"A":2}"#))
    }

    /// Names that are canonically equivalent but different sequences of scalars are different
    /// names (RFC 8259 §8.3; RFC 8785 §3.1 preserves strings as is). Swift's `String ==` would
    /// call them equal, which is exactly why the parser must not use it.
    func testCanonicallyEquivalentNamesAreDistinct() throws {
        let precomposed = "\u{e9}"  // é
        let decomposed = "e\u{301}"  // e + combining acute
        XCTAssertEqual(precomposed, decomposed, "Swift String equality is canonical equivalence")

        let value = try XCTUnwrap(parseOK(#"{"\#(precomposed)":1,"\#(decomposed)":2}"#))
        let object = try XCTUnwrap(value.objectValue)
        XCTAssertEqual(object.count, 2)
        XCTAssertEqual(object[precomposed], .int(1))
        XCTAssertEqual(object[decomposed], .int(2))
        XCTAssertEqual(Array(object.names[0].utf8), [0xC3, 0xA9])
        XCTAssertEqual(Array(object.names[1].utf8), [0x65, 0xCC, 0x81])
        // The same via escapes, and Angstrom sign vs. A with ring above.
        XCTAssertEqual(parseOK(#"{"\u00e9":1,"e\u0301":2}"#)?.objectValue?.count, 2)
        XCTAssertEqual(parseOK(#"{"\u212b":1,"\u00c5":2,"A\u030a":3}"#)?.objectValue?.count, 3)
        // And the canonical form keeps both, sorted by UTF-16 code units ("e" < "é").
        XCTAssertEqual(canonicalString(value), #"{"\#(decomposed)":2,"\#(precomposed)":1}"#)
        XCTAssertEqual(Array(JCS.canonicalize(value)), bytes("{\"") + [0x65, 0xCC, 0x81] + bytes("\":2,\"") + [0xC3, 0xA9] + bytes("\":1}"))
        // String values compare exactly too.
        XCTAssertNotEqual(JSONValue.string(precomposed), JSONValue.string(decomposed))
    }

    func testStructuralErrors() {
        assertRejects("[1,]", .unexpectedByte, offset: 3)
        assertRejects(#"{"a":1,}"#, .unexpectedByte, offset: 7)
        assertRejects("[,1]", .unexpectedByte, offset: 1)
        assertRejects("{,}", .unexpectedByte, offset: 1)
        assertRejects(#"{"a" 1}"#, .unexpectedByte, offset: 5)
        assertRejects("{a:1}", .unexpectedByte, offset: 1)
        assertRejects("{'a':1}", .unexpectedByte, offset: 1)
        assertRejects(#"{"a":1 "b":2}"#, .unexpectedByte, offset: 7)
        assertRejects(#"{"a"::1}"#, .unexpectedByte, offset: 5)
        assertRejects(#"{"a":}"#, .unexpectedByte, offset: 5)
        assertRejects(#"{1:2}"#, .unexpectedByte, offset: 1)
        assertRejects("[1}", .unexpectedByte, offset: 2)
        assertRejects(#"{"a":1]"#, .unexpectedByte, offset: 6)
        assertRejects("/* c */ 1", .unexpectedByte, offset: 0)
        assertRejects("1 // c", .trailingData, offset: 2)
        assertRejects("[1", .unexpectedEnd, offset: 2)
        assertRejects(#"{"a":1"#, .unexpectedEnd, offset: 6)
        assertRejects(#"{"a""#, .unexpectedEnd, offset: 4)
        assertRejects(#"{"a":"#, .unexpectedEnd, offset: 5)
        assertRejects(#""abc"#, .unterminatedString, offset: 4)
    }

    func testTrailingData() {
        assertRejects("{} {}", .trailingData, offset: 3)
        assertRejects("1 2", .trailingData, offset: 2)
        assertRejects(#""a""b""#, .trailingData, offset: 3)
        assertRejects("[]]", .trailingData, offset: 2)
        assertRejects("null,", .trailingData, offset: 4)
        assertRejects(bytes("{}") + [0], .trailingData, offset: 2)
        XCTAssertNotNil(parseOK("{}\n"))
        XCTAssertNotNil(parseOK("{}\r\n\t "))
    }

    func testDepthLimit() {
        let limit = JSONParseOptions.evidence.maxDepth
        XCTAssertEqual(limit, 32)
        func arrays(_ n: Int) -> String { String(repeating: "[", count: n) + String(repeating: "]", count: n) }
        func objects(_ n: Int) -> String {
            String(repeating: #"{"a":"#, count: n - 1) + "{}" + String(repeating: "}", count: n - 1)
        }
        XCTAssertNotNil(parseOK(arrays(limit)))
        assertRejects(arrays(limit + 1), .depth, offset: limit)
        XCTAssertNotNil(parseOK(objects(limit)))
        assertRejects(objects(limit + 1), .depth, offset: 5 * limit)
        // Mixed, with scalars at the deepest level.
        let mixed = String(repeating: #"[{"k":"#, count: limit / 2) + "1" + String(repeating: "}]", count: limit / 2)
        XCTAssertNotNil(parseOK(mixed))
        assertRejects("[" + mixed + "]", .depth)
        // Limits are options; scalars have depth 0.
        var options = JSONParseOptions.evidence
        options.maxDepth = 1
        XCTAssertNotNil(parseOK("[1,2]", options: options))
        assertRejects("[1,[2]]", .depth, offset: 3, options: options)
        options.maxDepth = 0
        XCTAssertNotNil(parseOK("7", options: options))
        assertRejects("[]", .depth, offset: 0, options: options)
        // Very deep input is rejected without exhausting the stack.
        var huge = JSONParseOptions.evidence
        huge.maxBytes = 4 << 20
        assertRejects(String(repeating: "[", count: 1 << 21), .depth, offset: limit, options: huge)
        // No options go past the ceiling: values are released, compared and canonicalized recursively.
        huge.maxDepth = 200_000
        let ceiling = JSONParseOptions.depthCeiling
        XCTAssertEqual(ceiling, 1024)
        let deepest = parseOK(arrays(ceiling), options: huge)
        XCTAssertEqual(deepest.map { JCS.canonicalize($0) }, bytes(arrays(ceiling)))
        XCTAssertEqual(deepest, deepest)
        assertRejects(arrays(ceiling + 1), .depth, offset: ceiling, options: huge)
        assertRejects(arrays(200_000), .depth, offset: ceiling, options: huge)
    }

    func testSizeLimit() {
        let limit = JSONParseOptions.evidence.maxBytes
        XCTAssertEqual(limit, 1 << 20)
        // A document of exactly maxBytes: an array of short strings padded with spaces.
        var document = bytes("[")
        let element = bytes("\"" + String(repeating: "abcdef", count: 10) + "\",")
        while document.count < limit - 100 { document += element }
        document += bytes("1]")
        document += [UInt8](repeating: 0x20, count: limit - document.count)
        XCTAssertEqual(document.count, limit)
        XCTAssertNotNil(parseOK(document))
        assertRejects(document + [0x20], .tooLarge, offset: limit)

        var options = JSONParseOptions.evidence
        options.maxBytes = 10
        XCTAssertNotNil(parseOK("[1,2,3,45]", options: options))
        assertRejects("[1,2,3,456]", .tooLarge, offset: 10, options: options)
        assertRejects("           ", .tooLarge, offset: 10, options: options)
    }

    func testStringLimit() {
        let limit = JSONParseOptions.evidence.maxStringBytes
        let atLimit = String(repeating: "é", count: limit / 2)  // 2 bytes each
        XCTAssertNotNil(parseOK("\"" + atLimit + "\""))
        assertRejects("\"" + atLimit + "x\"", .stringTooLong, offset: limit + 1)
        assertRejects(#"{""# + atLimit + #"x":1}"#, .stringTooLong, offset: limit + 2)
        // The limit applies to the decoded bytes: six escape bytes are one string byte.
        var options = JSONParseOptions.evidence
        options.maxStringBytes = 3
        XCTAssertNotNil(parseOK(#""\u0041\u0042\u0043""#, options: options))
        assertRejects(#""\u0041\u0042\u0043\u0044""#, .stringTooLong, offset: 19, options: options)
        assertRejects(#""\u20ac\u20ac""#, .stringTooLong, options: options)
    }

    func testMemberAndElementLimits() {
        var options = JSONParseOptions.evidence
        options.maxMembers = 3
        options.maxElements = 4
        XCTAssertNotNil(parseOK(#"{"a":1,"b":2,"c":3}"#, options: options))
        assertRejects(#"{"a":1,"b":2,"c":3,"d":4}"#, .tooManyMembers, offset: 19, options: options)
        XCTAssertNotNil(parseOK("[1,2,3,4]", options: options))
        assertRejects("[1,2,3,4,5]", .tooManyElements, offset: 9, options: options)
        XCTAssertNotNil(parseOK("[[1,2,3,4],[1,2,3,4]]", options: options), "the limit is per array")
        options.maxElements = 0
        options.maxMembers = 0
        XCTAssertNotNil(parseOK("[[],{}]", options: JSONParseOptions.evidence))
        assertRejects("[1]", .tooManyElements, offset: 1, options: options)
        assertRejects(#"{"a":1}"#, .tooManyMembers, offset: 1, options: options)
        XCTAssertEqual(JSONParseOptions.evidence.maxMembers, 4096)
        XCTAssertEqual(JSONParseOptions.evidence.maxElements, 65536)
        // Default limits hold a full-size array.
        let full = "[" + Array(repeating: "0", count: 65536).joined(separator: ",") + "]"
        XCTAssertNotNil(parseOK(full))
        assertRejects("[0," + full.dropFirst(), .tooManyElements)
        let members = (0..<4096).map { #""m\#($0)":\#($0)"# }
        XCTAssertEqual(parseOK("{" + members.joined(separator: ",") + "}")?.objectValue?.count, 4096)
        assertRejects("{" + (members + [#""x":1"#]).joined(separator: ",") + "}", .tooManyMembers)
    }

    func testOptionsProfiles() {
        XCTAssertTrue(JSONParseOptions.evidence.integersOnly)
        XCTAssertFalse(JSONParseOptions.general.integersOnly)
        XCTAssertEqual(JSONParseOptions.general.maxDepth, JSONParseOptions.evidence.maxDepth)
        XCTAssertEqual(JSONParseOptions.general.maxBytes, JSONParseOptions.evidence.maxBytes)
    }

    func testErrorEqualityIsByCodeOnly() {
        XCTAssertEqual(JSONError(.depth, at: 1, "x"), JSONError(.depth, at: 9, "y"))
        XCTAssertNotEqual(JSONError(.depth, at: 1, "x"), JSONError(.empty, at: 1, "x"))
        for code in JSONError.Code.allCases {
            XCTAssertTrue(code.rawValue.hasPrefix("JSON_"), code.rawValue)
            XCTAssertEqual(code.rawValue, code.rawValue.uppercased())
        }
        XCTAssertEqual(Set(JSONError.Code.allCases.map(\.rawValue)).count, JSONError.Code.allCases.count)
    }
}

final class ParserDripFeedTests: XCTestCase {
    /// A document touching every construct: every strict prefix of it must be rejected (like
    /// swift-asn1's testRejectDripFedASN1SPKIP256), whatever the error, and never crash.
    static let document = #"""
    {"type":"receipt","seq":0,"neg":-12,"nested":{"a":[1,[2,[3,{}]],[],"x"],"t":true,"f":false,"n":null},
     "esc":"q\"b\\s\/\b\f\n\r\tu\u00e9\uD83D\uDE00","raw":"é€😀 \u007f","empty":"","zero":0}
    """#

    func testEveryTruncatedPrefixFails() throws {
        let full = bytes(Self.document)
        for options in [JSONParseOptions.evidence, .general] {
            XCTAssertNotNil(parseOK(full, options: options))
            for length in 0..<full.count {
                XCTAssertThrowsError(try JSONParser.parse(full[0..<length], options: options),
                                     "prefix of length \(length) was accepted")
            }
        }
    }

    func testEveryTruncatedPrefixFailsGeneralNumbers() throws {
        let full = bytes(#"[1.5,-0.25e-3,1E+30,2e5,0.0,-0]"#)
        XCTAssertNotNil(parseOK(full, options: .general))
        for length in 0..<full.count {
            XCTAssertThrowsError(try JSONParser.parse(full[0..<length], options: .general), "length \(length)")
        }
    }

    /// Random byte replacements, insertions and deletions: never a crash; whatever is accepted
    /// has a canonical form that is canonical and stable.
    func testRandomMutationsAreHandled() throws {
        let full = bytes(Self.document)
        var rng = SplitMix64(seed: 8259)
        let interesting: [UInt8] = Array(#"{}[]",:\/u0123456789-+.eEtfnrNI "#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xED, 0xEF, 0xF0, 0xFF]
        var accepted = 0
        for _ in 0..<20_000 {
            var mutated = full
            for _ in 0...rng.below(3) {
                let i = rng.below(mutated.count)
                let b = rng.below(2) == 0 ? interesting[rng.below(interesting.count)] : UInt8(rng.below(256))
                switch rng.below(3) {
                case 0: mutated[i] = b
                case 1: mutated.insert(b, at: i)
                default: mutated.remove(at: i)
                }
            }
            for options in [JSONParseOptions.evidence, .general] {
                guard let value = try? JSONParser.parse(mutated, options: options) else { continue }
                accepted += 1
                let canonical = JCS.canonicalize(value)
                XCTAssertEqual(try JCS.canonicalize(JCS.isCanonical(canonical, options: options)), canonical)
            }
        }
        XCTAssertGreaterThan(accepted, 0)
    }

    /// Every single-byte deletion of the document is rejected or parses to a different value; it
    /// never crashes. (Not all of them fail: deleting a space, or a digit, can leave valid JSON.)
    func testEverySingleByteDeletionIsHandled() throws {
        let full = bytes(Self.document)
        let original = try JSONParser.parse(full)
        for i in full.indices {
            var mutated = full
            mutated.remove(at: i)
            if let value = try? JSONParser.parse(mutated), value == original {
                // Only whitespace, or the backslash of "\/", can go without changing the value.
                let harmless = full[i] == 0x20 || full[i] == 0x0A
                    || (full[i] == UInt8(ascii: "\\") && full[i + 1] == UInt8(ascii: "/"))
                XCTAssertTrue(harmless, "deleting byte \(i) left the value unchanged")
            }
        }
    }
}

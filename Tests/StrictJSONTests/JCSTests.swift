import XCTest
import StrictJSON

final class JCSVectorTests: XCTestCase {
    func testRFC8785SampleObject() throws {
        let value = try JSONParser.parse(bytes(rfc8785SampleInput), options: .general)
        let canonical = JCS.canonicalize(value)
        XCTAssertEqual(String(decoding: canonical, as: UTF8.self), rfc8785SampleOutput)
        let hexBytes = rfc8785SampleHex.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16) }
        XCTAssertEqual(canonical, hexBytes.compactMap { $0 })
        XCTAssertEqual(hexBytes.count, 118)
        let reparsed = try JCS.isCanonical(canonical, options: .general)
        XCTAssertEqual(reparsed.objectValue?.names, ["literals", "numbers", "string"])
        XCTAssertEqual(reparsed["numbers"], value["numbers"])
        XCTAssertEqual(reparsed["string"], value["string"])
        // In evidence mode the same document is refused: it holds non-integers.
        XCTAssertThrowsError(try JSONParser.parse(bytes(rfc8785SampleInput))) {
            XCTAssertEqual(($0 as? JSONError)?.code, .numberNotInteger)
        }
    }

    func testRFC8785SortingExample() throws {
        let value = try JSONParser.parse(bytes(rfc8785SortingInput))
        let canonical = try JSONParser.parse(JCS.canonicalize(value))
        let names = try XCTUnwrap(canonical.objectValue?.names)
        XCTAssertEqual(names.map { Array($0.unicodeScalars) }, rfc8785SortingOrder.map { Array($0.unicodeScalars) })
        XCTAssertEqual(canonical["\r"], "Carriage Return")
        XCTAssertTrue(canonicalString(value).hasPrefix(#"{"\r":"Carriage Return","1":"One","#))
    }

    func testRFC8785AppendixBEveryRow() {
        XCTAssertEqual(rfc8785AppendixB.count, 24)
        for row in rfc8785AppendixB {
            let d = double(bits: row.bits)
            XCTAssertEqual(JCS.formatNumber(d), row.expected, "bits \(String(row.bits, radix: 16))")
            XCTAssertEqual(canonicalString(.double(d)), row.expected)
            // The text reads back as the same double (−0 reads back as +0).
            XCTAssertEqual(Double(row.expected)?.bitPattern, d == 0 ? 0 : row.bits)
        }
        // The two rows without a serialization.
        XCTAssertNil(JCS.formatNumber(double(bits: 0x7fffffffffffffff)))
        XCTAssertNil(JCS.formatNumber(double(bits: 0x7ff0000000000000)))
        XCTAssertNil(JCS.formatNumber(-.infinity))
        XCTAssertNil(JCS.formatNumber(.signalingNaN))
    }

    func testCyberphoneTestData() throws {
        XCTAssertEqual(cyberphoneVectors.count, 7)
        for vector in cyberphoneVectors {
            let value = try JSONParser.parse(bytes(vector.input), options: .general)
            XCTAssertEqual(canonicalString(value), vector.output, vector.name)
            XCTAssertNoThrow(try JCS.isCanonical(bytes(vector.output), options: .general), vector.name)
            if vector.input != vector.output {
                XCTAssertThrowsError(try JCS.isCanonical(bytes(vector.input), options: .general)) {
                    XCTAssertEqual(($0 as? JSONError)?.code, .notCanonical, vector.name)
                }
            }
        }
    }

    /// Node.js's `String(x)` for ~3,900 doubles: random bit patterns, values around the layout
    /// thresholds, short decimals, powers of ten and their neighbours, 2^53, subnormals, extremes.
    func testECMAScriptReferenceVectors() {
        var count = 0
        for line in ecmaScriptNumberVectors.split(separator: "\n") {
            let fields = line.split(separator: ",")
            guard fields.count == 2, let bits = UInt64(fields[0], radix: 16) else {
                XCTFail("bad vector line \(line)")
                continue
            }
            XCTAssertEqual(JCS.formatNumber(double(bits: bits)), String(fields[1]), "bits \(fields[0])")
            count += 1
        }
        XCTAssertGreaterThan(count, 3000)
    }
}

final class JCSNumberTests: XCTestCase {
    func testLayoutThresholds() {
        let cases: [(Double, String)] = [
            (0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (0.5, "0.5"), (100, "100"), (123.456, "123.456"),
            (1e20, "100000000000000000000"), (1e21, "1e+21"), (1.5e21, "1.5e+21"), (123e19, "1.23e+21"),
            (dbl("999999999999999900000"), "999999999999999900000"),
            (1e-6, "0.000001"), (1.5e-6, "0.0000015"), (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (-1e-7, "-1e-7"),
            (0.1, "0.1"), (0.2 + 0.1, "0.30000000000000004"), (1 / 3.0, "0.3333333333333333"),
            (dbl("2e-323"), "2e-323"), (1e300, "1e+300"), (-1.25e-300, "-1.25e-300"),
            (dbl("9007199254740993"), "9007199254740992"), (4.35, "4.35"), (0.000001234, "0.000001234"),
            (1e16, "10000000000000000"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        ]
        for (d, expected) in cases {
            XCTAssertEqual(JCS.formatNumber(d), expected, "\(d)")
        }
    }

    /// For many pseudo-random doubles: the text reads back as the same double, uses exponent
    /// form exactly outside [1e-6, 1e21), and no shorter digit string reads back the same.
    func testRoundTripAndShortestOnRandomDoubles() {
        var rng = SplitMix64(seed: 0x5eed_1234)
        for _ in 0..<20_000 {
            let d = Double(bitPattern: rng.next())
            guard d.isFinite else { continue }
            guard let text = JCS.formatNumber(d) else {
                XCTFail("no text for \(d)")
                continue
            }
            guard let back = Double(text) else {
                XCTFail("\(text) is not a number")
                continue
            }
            XCTAssertEqual(back, d == 0 ? 0 : d, text)
            let magnitude = d.magnitude
            let exponentForm = text.contains("e")
            XCTAssertEqual(exponentForm, magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21), text)
            // Shortest: the significant digits, one fewer, rounded either way, never round-trip.
            let digits = significantDigits(text)
            if digits.digits.count > 1 {
                for candidate in shorterCandidates(digits) {
                    XCTAssertNotEqual(Double(candidate).map { $0.magnitude }, magnitude, "\(candidate) is shorter than \(text)")
                }
            }
        }
    }

    func testIntegersPrintAsPlainDecimal() {
        XCTAssertEqual(canonicalString(.int(0)), "0")
        XCTAssertEqual(canonicalString(.int(-42)), "-42")
        XCTAssertEqual(canonicalString(.int(9_007_199_254_740_991)), "9007199254740991")
        XCTAssertEqual(canonicalString(.int(-9_007_199_254_740_991)), "-9007199254740991")
        // Built in code beyond the I-JSON range: formatted as the nearest double, as RFC 8785 does.
        XCTAssertEqual(canonicalString(.int(9_007_199_254_740_993)), "9007199254740992")
        XCTAssertEqual(canonicalString(.int(Int64.max)), "9223372036854776000")
        XCTAssertEqual(canonicalString(.int(Int64.min)), "-9223372036854776000")
        XCTAssertEqual(canonicalString(.double(5)), "5")
        XCTAssertEqual(canonicalString(.double(-0.0)), "0")
    }
}

final class JCSStringTests: XCTestCase {
    func testEscapingOfEveryASCIIByte() {
        for b in UInt8(0)..<0x80 {
            let s = String(UnicodeScalar(b))
            let expected: String
            switch b {
            case 0x08: expected = #"\b"#
            case 0x09: expected = #"\t"#
            case 0x0A: expected = #"\n"#
            case 0x0C: expected = #"\f"#
            case 0x0D: expected = #"\r"#
            case 0x22: expected = #"\""#
            case 0x5C: expected = #"\\"#
            case 0x00..<0x20: expected = "\\u00" + hexByte(b)
            default: expected = s  // includes "/" and DEL
            }
            XCTAssertEqual(canonicalString(.string(s)), "\"" + expected + "\"", "byte \(b)")
        }
        XCTAssertEqual(canonicalString(.string("\u{1f}")), #""\u001f""#, "lowercase hex")
    }

    func testNonASCIIIsWrittenAsUTF8() {
        let s = "\u{80}\u{e9}\u{2028}\u{2029}\u{feff}\u{fffd}\u{ffff}\u{1F600}\u{10ffff}"
        XCTAssertEqual(JCS.canonicalize(.string(s)), [0x22] + Array(s.utf8) + [0x22])
        XCTAssertEqual(try JSONParser.parse(bytes(#""\u2028\u2029\u00e9\ud83d\ude00""#)).stringValue,
                       "\u{2028}\u{2029}\u{e9}\u{1F600}")
        XCTAssertEqual(canonicalString(.string("e\u{301}")), "\"e\u{301}\"", "no normalization")
        XCTAssertEqual(Array(canonicalString(.string("e\u{301}")).utf8), [0x22, 0x65, 0xCC, 0x81, 0x22])
    }

    func testMemberOrderIsByUTF16CodeUnits() {
        // U+FB33 sorts after U+1F600 in UTF-16 (0xFB33 > 0xD83D) but before it in UTF-8 and scalars.
        let value: JSONValue = ["\u{fb33}": 1, "\u{1F600}": 2, "\u{e000}": 3, "a": 4, "": 5, "aa": 6, "B": 7]
        XCTAssertEqual(canonicalString(value), "{\"\":5,\"B\":7,\"a\":4,\"aa\":6,\"\u{1F600}\":2,\"\u{e000}\":3,\"\u{fb33}\":1}")
        // Nested objects are sorted too; arrays keep their order.
        let nested: JSONValue = ["z": [["b": 1, "a": 2], 3, ["d": nil, "c": true]], "y": false]
        XCTAssertEqual(canonicalString(nested), #"{"y":false,"z":[{"a":2,"b":1},3,{"c":true,"d":null}]}"#)
    }
}

final class JCSCanonicalCheckTests: XCTestCase {
    private func assertNotCanonical(
        _ text: String, offset: Int, options: JSONParseOptions = .evidence,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try JCS.isCanonical(bytes(text), options: options), text, file: file, line: line) {
            XCTAssertEqual(($0 as? JSONError)?.code, .notCanonical, text, file: file, line: line)
            XCTAssertEqual(($0 as? JSONError)?.offset, offset, text, file: file, line: line)
        }
    }

    func testNonCanonicalInputsAreDetected() {
        assertNotCanonical(#"{ "a":1}"#, offset: 1)
        assertNotCanonical(#"{"a": 1}"#, offset: 5)
        assertNotCanonical(#"[1, 2]"#, offset: 3)
        assertNotCanonical("{}\n", offset: 2)
        assertNotCanonical(" {}", offset: 0)
        assertNotCanonical(#"{"b":1,"a":2}"#, offset: 2)
        assertNotCanonical(#"{"\u0041":1}"#, offset: 2)
        assertNotCanonical(#""\u0041""#, offset: 1)
        assertNotCanonical(#""\u00e9""#, offset: 1)
        assertNotCanonical(#""\/""#, offset: 1)
        assertNotCanonical(#""\u001F""#, offset: 6)
        assertNotCanonical(#""\u000a""#, offset: 2)
        assertNotCanonical(#""\u007f""#, offset: 1)
        assertNotCanonical(#""\u2028""#, offset: 1)
        assertNotCanonical("-0", offset: 0)
        assertNotCanonical("[-0]", offset: 1)
        assertNotCanonical("1.0", offset: 1, options: .general)
        assertNotCanonical("1e2", offset: 1, options: .general)
        assertNotCanonical("1E+30", offset: 1, options: .general)
        assertNotCanonical("0.0000001", offset: 0, options: .general)
        assertNotCanonical("100000000000000000000000", offset: 1, options: .general)
        assertNotCanonical("-0.0", offset: 0, options: .general)
        assertNotCanonical("4.50", offset: 3, options: .general)
        // Sorted by UTF-8 bytes (or scalars) instead of UTF-16 code units.
        assertNotCanonical("{\"\u{fb33}\":1,\"\u{1F600}\":2}", offset: 2)
    }

    func testParseErrorsComeFirst() {
        XCTAssertThrowsError(try JCS.isCanonical(bytes(#"{"a":1,"a":1}"#))) {
            XCTAssertEqual(($0 as? JSONError)?.code, .duplicateName)
        }
        XCTAssertThrowsError(try JCS.isCanonical(bytes("1.5"))) {
            XCTAssertEqual(($0 as? JSONError)?.code, .numberNotInteger)
        }
        XCTAssertThrowsError(try JCS.isCanonical(bytes(#""\ud800""#))) {
            XCTAssertEqual(($0 as? JSONError)?.code, .loneSurrogate)
        }
    }

    func testCanonicalSamplesRoundTrip() throws {
        let samples = [
            "null", "true", "false", "0", "-1", "9007199254740991", #""""#, #""\u0000\u001f\b\t\n\f\r\"\\/""#,
            "[]", "{}", "[[],{}]", #"{"":"","a":[1,2,{"b":null}],"c":{"d":{"e":"x"}}}"#, "\"\u{7f}\"",
            "{\"\u{1F600}\":2,\"\u{fb33}\":1}", "\"\u{2028}\u{e9}e\u{301}\"",
            #"{"alg":"ed25519","key_id":"00ff","sig":"AQID"}"#, rfc8785SampleOutput,
        ] + cyberphoneVectors.map(\.output)
        for sample in samples {
            let options = JSONParseOptions.general
            let value = try JCS.isCanonical(bytes(sample), options: options)
            XCTAssertEqual(canonicalString(value), sample)
            XCTAssertEqual(JCS.canonicalize(try JSONParser.parse(bytes(sample), options: options)), bytes(sample))
        }
    }
}

final class JCSBuilderTests: XCTestCase {
    func testValuesBuiltInCode() throws {
        let signature: JSONValue = ["alg": "ed25519", "key_id": "ab", "sig": "c2ln"]
        let receipt = JSONValue.object([
            ("type", "receipt"), ("seq", .int(3)), ("ok", true), ("none", nil), ("list", [1, "two"]),
            ("signature", signature),
        ])
        XCTAssertEqual(
            canonicalString(receipt),
            #"{"list":[1,"two"],"none":null,"ok":true,"seq":3,"signature":{"alg":"ed25519","key_id":"ab","sig":"c2ln"},"type":"receipt"}"#
        )
        let unsigned = try XCTUnwrap(receipt.objectValue?.removing("signature"))
        XCTAssertEqual(canonicalString(.object(unsigned)), #"{"list":[1,"two"],"none":null,"ok":true,"seq":3,"type":"receipt"}"#)
        XCTAssertEqual(unsigned.names, ["type", "seq", "ok", "none", "list"])
        // Built and parsed values agree exactly.
        XCTAssertEqual(try JSONParser.parse(JCS.canonicalize(receipt)), .object(JSONObject(
            try XCTUnwrap(receipt.objectValue).members.sorted { $0.name.utf16.lexicographicallyPrecedes($1.name.utf16) })))
        let object: JSONObject = ["x": 1]
        XCTAssertEqual(object["x"], .int(1))
        XCTAssertNil(object["X"])
    }
}

final class JCSIdempotenceTests: XCTestCase {
    /// A large pseudo-random document, written with random whitespace and random (legal) escapes,
    /// must parse to exactly the value it was written from; its canonical form must be canonical,
    /// and canonicalizing is idempotent.
    func testLargeRandomDocument() throws {
        var options = JSONParseOptions.general
        options.maxBytes = 4 << 20
        var rng = SplitMix64(seed: 2020_8785)
        var generator = RandomJSON(rng: rng)
        let value = generator.value(depth: 0)
        rng = generator.rng
        var writer = NoisyWriter(rng: rng)
        writer.write(value)
        let noisy = writer.out
        XCTAssertGreaterThan(noisy.count, 200_000, "the document should be large")
        XCTAssertLessThan(noisy.count, options.maxBytes)

        let parsed = try JSONParser.parse(noisy, options: options)
        XCTAssertEqual(parsed, value, "the parser reads back exactly what was written")
        let c1 = JCS.canonicalize(parsed)
        XCTAssertEqual(c1, JCS.canonicalize(value))
        let reparsed = try JCS.isCanonical(c1, options: options)
        let c2 = JCS.canonicalize(reparsed)
        XCTAssertEqual(c1, c2)
        XCTAssertLessThan(c1.count, noisy.count)
        XCTAssertThrowsError(try JCS.isCanonical(noisy, options: options))
    }
}

// MARK: - Helpers

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Random values: nested objects and arrays, strings over all of Unicode (controls, quotes,
/// backslashes, astral characters), integers and finite doubles.
struct RandomJSON {
    var rng: SplitMix64

    mutating func value(depth: Int) -> JSONValue {
        let kind = depth == 0 ? 6 : rng.below(depth > 6 ? 5 : 8)
        switch kind {
        case 0: return .null
        case 1: return .bool(rng.below(2) == 0)
        case 2: return .string(string())
        case 3:
            let i = Int64(bitPattern: rng.next()) % JSONNumber.maxSafeInteger
            return .int(rng.below(3) == 0 ? i % 1000 : i)
        case 4:
            var d: Double
            // Integral doubles below 2^53 would read back as `.integer`; leave them out.
            repeat {
                d = Double(bitPattern: rng.next())
            } while !d.isFinite || (d == d.rounded() && d.magnitude < 9_007_199_254_740_992)
            return .double(rng.below(2) == 0 ? d : (Double(rng.below(100_000)) + 0.5) / 64)
        case 5: return .string(String(repeating: "x", count: rng.below(4)))
        case 6:
            var members: [(String, JSONValue)] = []
            var seen = Set<[UInt8]>()
            for _ in 0..<(depth == 0 ? 2000 : rng.below(8)) {
                let name = string()
                guard seen.insert(Array(name.utf8)).inserted else { continue }
                members.append((name, value(depth: depth + 1)))
            }
            return .object(members)
        default:
            return .array((0..<rng.below(8)).map { _ in value(depth: depth + 1) })
        }
    }

    mutating func string() -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<rng.below(10) {
            let pick = rng.below(10)
            let v: UInt32
            switch pick {
            case 0: v = UInt32(rng.below(0x20))
            case 1: v = [0x22, 0x5C, 0x2F, 0x7F, 0x2028, 0x2029, 0xFEFF][rng.below(7)]
            case 2: v = 0x80 + UInt32(rng.below(0x780))
            case 3: v = 0x10000 + UInt32(rng.below(0x100000))
            case 4: v = 0xE000 + UInt32(rng.below(0x2000))
            default: v = 0x20 + UInt32(rng.below(0x5F))
            }
            if let scalar = Unicode.Scalar(v) { scalars.append(scalar) }
        }
        return String(scalars)
    }
}

/// Writes legal but non-canonical JSON: random whitespace, random \u escapes (with surrogate
/// pairs and either hex case), numbers in varying spellings.
struct NoisyWriter {
    var rng: SplitMix64
    var out: [UInt8] = []

    mutating func ws() {
        for _ in 0..<rng.below(3) { out.append([0x20, 0x09, 0x0A, 0x0D][rng.below(4)]) }
    }

    mutating func write(_ value: JSONValue) {
        ws()
        switch value {
        case .null: out += bytes("null")
        case .bool(let b): out += bytes(b ? "true" : "false")
        case .number(.integer(let i)): out += bytes(String(i))
        case .number(.double(let d)):
            // Shortest text, or its exponent form with a redundant fraction; both read back exactly.
            let text = JCS.formatNumber(d) ?? "0"
            out += bytes(rng.below(2) == 0 || text.contains("e") ? text : text + "e0")
        case .string(let s): writeString(s)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, e) in elements.enumerated() {
                if i > 0 { ws(); out.append(UInt8(ascii: ",")) }
                write(e)
            }
            ws()
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, m) in o.members.enumerated() {
                if i > 0 { ws(); out.append(UInt8(ascii: ",")) }
                ws()
                writeString(m.name)
                ws()
                out.append(UInt8(ascii: ":"))
                write(m.value)
            }
            ws()
            out.append(UInt8(ascii: "}"))
        }
        ws()
    }

    mutating func writeString(_ s: String) {
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            let v = scalar.value
            let mustEscape = v < 0x20 || v == 0x22 || v == 0x5C
            if mustEscape || rng.below(4) == 0 {
                if v == 0x22 && rng.below(2) == 0 { out += bytes("\\\""); continue }
                if v == 0x5C && rng.below(2) == 0 { out += bytes("\\\\"); continue }
                if v == 0x2F && rng.below(2) == 0 { out += bytes("\\/"); continue }
                if v == 0x0A && rng.below(2) == 0 { out += bytes("\\n"); continue }
                if v < 0x10000 {
                    escape(UInt16(v))
                } else {
                    let u = v - 0x10000
                    escape(UInt16(0xD800 + (u >> 10)))
                    escape(UInt16(0xDC00 + (u & 0x3FF)))
                }
            } else {
                out += Array(String(scalar).utf8)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    mutating func escape(_ unit: UInt16) {
        var text = String(unit, radix: 16, uppercase: rng.below(2) == 0)
        text = String(repeating: "0", count: 4 - text.count) + text
        out += bytes("\\u" + text)
    }
}

func significantDigits(_ text: String) -> (digits: [UInt8], exponent: Int) {
    // Parses our own output: [-]digits[.digits][e±exp] into digits and decimal exponent of the last digit.
    var mantissa = Substring(text)
    var exponent = 0
    if let e = mantissa.firstIndex(of: "e") {
        exponent = Int(mantissa[mantissa.index(after: e)...]) ?? 0
        mantissa = mantissa[..<e]
    }
    if mantissa.hasPrefix("-") { mantissa = mantissa.dropFirst() }
    var digits: [UInt8] = []
    var fraction = 0
    var seenDot = false
    for c in mantissa.utf8 {
        if c == UInt8(ascii: ".") { seenDot = true; continue }
        digits.append(c - 0x30)
        if seenDot { fraction += 1 }
    }
    while digits.first == 0 && digits.count > 1 { digits.removeFirst() }
    var exp = exponent - fraction
    while digits.last == 0 && digits.count > 1 { digits.removeLast(); exp += 1 }
    return (digits, exp)
}

/// The two decimals with one digit fewer that bracket `digits` (rounded down and up).
func shorterCandidates(_ d: (digits: [UInt8], exponent: Int)) -> [String] {
    let truncated = Array(d.digits.dropLast())
    var up = truncated
    var i = up.count - 1
    while i >= 0 {
        if up[i] == 9 { up[i] = 0; i -= 1 } else { up[i] += 1; break }
    }
    if i < 0 { up.insert(1, at: 0) }
    return [truncated, up].map { digits in
        String(decoding: digits.map { $0 + 0x30 }, as: UTF8.self) + "e" + String(d.exponent + 1)
    }
}

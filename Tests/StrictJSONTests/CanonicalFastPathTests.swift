import XCTest
import StrictJSON

/// Differential tests of the one-pass canonical parser (`JCS.parseCanonical`,
/// `JCS.parseCanonicalObject`, the scanner alone `JCS.scanCanonical`) against the reference
/// definition `JCS.isCanonicalBySerialization` (parse, canonicalize, compare). For every input:
/// the same value, or the same error (code, offset and reason); whatever the scanner alone
/// accepts, the reference accepts with an equal value; the reported `signature` range spliced
/// out gives exactly the canonical form of the object without that member. All randomness is
/// seeded.
final class CanonicalFastPathTests: XCTestCase {
    struct Outcome {
        /// The reference accepted the input.
        var accepted: Bool
        /// The scanner accepted it on its own (no fallback).
        var scanned: Bool
    }

    /// Evidence mode, general mode, and a profile with small limits that inputs reach.
    static let profiles: [JSONParseOptions] = {
        var tight = JSONParseOptions.general
        tight.maxDepth = 3
        tight.maxMembers = 3
        tight.maxElements = 3
        tight.maxStringBytes = 6
        tight.maxNumberBytes = 5
        return [.evidence, .general, tight]
    }()

    @discardableResult
    func check(
        _ input: [UInt8], _ options: JSONParseOptions, _ context: @autoclosure () -> String = "",
        file: StaticString = #filePath, line: UInt = #line
    ) -> Outcome {
        let reference = Result { () throws(JSONError) -> JSONValue in try JCS.isCanonicalBySerialization(input[...], options: options) }
        let what = "\(show(input)) \(context())"

        // The public entry points agree with the reference, on an array and on a slice that does
        // not start at index 0 (offsets are relative to the slice, ranges are its indices).
        var padded: [UInt8] = [UInt8(ascii: " "), 0xFF, UInt8(ascii: "{")]
        padded += input
        padded += [UInt8(ascii: "}"), 0x00]
        let slice = padded[3..<(3 + input.count)]
        assertSame(Result { () throws(JSONError) -> JSONValue in try JCS.isCanonical(input, options: options) }, reference, "isCanonical " + what, file, line)
        assertSame(Result { () throws(JSONError) -> JSONValue in try JCS.parseCanonical(input[...], options: options) }, reference, "parseCanonical " + what, file, line)
        assertSame(Result { () throws(JSONError) -> JSONValue in try JCS.parseCanonical(slice, options: options) }, reference, "parseCanonical(slice) " + what, file, line)
        for (bytes, label) in [(input[...], "array"), (slice, "slice")] {
            let withRange = Result { () throws(JSONError) -> (value: JSONValue, excluded: Range<Int>?) in
                try JCS.parseCanonicalObject(bytes, options: options, excluding: "signature")
            }
            assertSame(withRange.map { $0.value }, reference, "parseCanonicalObject(\(label)) " + what, file, line)
            if case .success(let (value, excluded)) = withRange {
                checkExcluded(bytes, value, excluded, "signature", what, file, line)
            }
        }

        // The scanner alone: whatever it accepts, the reference accepts with an equal value.
        let scanned = JCS.scanCanonical(input[...], options: options, excluding: "signature")
        if let scanned {
            switch reference {
            case .success(let value):
                XCTAssertEqual(scanned.value, value, "scanner value " + what, file: file, line: line)
                checkExcluded(input[...], scanned.value, scanned.excluded, "signature", what, file, line)
            case .failure(let error):
                XCTFail("the scanner accepted what the reference rejects (\(error)): " + what, file: file, line: line)
            }
        }
        if case .success = reference { return Outcome(accepted: true, scanned: scanned != nil) }
        return Outcome(accepted: false, scanned: scanned != nil)
    }

    func assertSame(
        _ fast: Result<JSONValue, JSONError>, _ reference: Result<JSONValue, JSONError>, _ what: String,
        _ file: StaticString, _ line: UInt
    ) {
        switch (fast, reference) {
        case (.success(let a), .success(let b)):
            XCTAssertEqual(a, b, what, file: file, line: line)
        case (.failure(let a), .failure(let b)):
            XCTAssertEqual(a.code, b.code, what, file: file, line: line)
            XCTAssertEqual(a.offset, b.offset, "offset: " + what, file: file, line: line)
            XCTAssertEqual(a.reason, b.reason, "reason: " + what, file: file, line: line)
        case (.success, .failure(let e)):
            XCTFail("fast path accepted, reference threw \(e): " + what, file: file, line: line)
        case (.failure(let e), .success):
            XCTFail("fast path threw \(e), reference accepted: " + what, file: file, line: line)
        }
    }

    /// `excluded` is the member `name` with one adjacent comma: the bytes without it are the
    /// canonical form of the object without the member; nil exactly when there is no such member.
    func checkExcluded(
        _ bytes: ArraySlice<UInt8>, _ value: JSONValue, _ excluded: Range<Int>?, _ name: String, _ what: String,
        _ file: StaticString, _ line: UInt
    ) {
        guard case .object(let object) = value, object[name] != nil else {
            XCTAssertNil(excluded, "range without a member: " + what, file: file, line: line)
            return
        }
        guard let excluded else {
            XCTFail("no range for member \(name): " + what, file: file, line: line)
            return
        }
        guard excluded.lowerBound >= bytes.startIndex, excluded.upperBound <= bytes.endIndex else {
            XCTFail("range \(excluded) outside \(bytes.indices): " + what, file: file, line: line)
            return
        }
        let spliced = Array(bytes[..<excluded.lowerBound]) + Array(bytes[excluded.upperBound...])
        XCTAssertEqual(spliced, JCS.canonicalize(.object(object.removing(name))), "splice: " + what, file: file, line: line)
    }

    func checkAll(_ input: [UInt8], _ context: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
        for options in Self.profiles { check(input, options, context(), file: file, line: line) }
    }

    // MARK: - Corpora

    static let samples: [String] = [
        "null", "true", "false", "0", "-1", "9007199254740991", "-9007199254740991", #""""#,
        #""\u0000\u001f\b\t\n\f\r\"\\/""#, "[]", "{}", "[[],{}]", #"{"":"","a":[1,2,{"b":null}],"c":{"d":{"e":"x"}}}"#,
        "\"\u{7f}\"", "{\"\u{1F600}\":2,\"\u{fb33}\":1}", "\"\u{2028}\u{e9}e\u{301}\"",
        #"{"alg":"ed25519","key_id":"00ff","sig":"AQID"}"#, rfc8785SampleOutput, rfc8785SampleInput,
        rfc8785SortingInput, #"{"signature":1}"#, #"{"a":1,"signature":{"x":[1,{"signature":2}]}}"#,
        #"{"signature":{},"z":"signature"}"#, #"{"a":"signature","b":{"signature":1},"c":["signature"]}"#,
        #"[{"signature":1}]"#, #""signature""#, #"{"signatur":1,"signature":2,"signaturf":3}"#,
        #"{"signature":1,"signature":2}"#, #"{"signatur\u0065":1}"#, #"{"\u0000":1,"signature":[]}"#,
        ParserDripFeedTests.document,
    ]

    func testSamplesAndPublishedVectors() {
        for sample in Self.samples { checkAll(bytes(sample)) }
        for vector in cyberphoneVectors {
            checkAll(bytes(vector.input), vector.name)
            let outcome = check(bytes(vector.output), .general, vector.name)
            XCTAssertTrue(outcome.accepted && outcome.scanned, "canonical vector \(vector.name) not scanned")
        }
        // Every canonical sample is accepted by the scanner itself, not by the fallback.
        for sample in Self.samples {
            let input = bytes(sample)
            if (try? JCS.isCanonicalBySerialization(input[...], options: .general)) != nil {
                XCTAssertNotNil(JCS.scanCanonical(input[...], options: .general), "declined canonical \(sample)")
            }
        }
    }

    /// ~3,900 doubles as ECMAScript prints them (canonical in general mode), and respellings of
    /// each (exponent case and sign, trailing zeros, a leading zero, a fraction) that are not.
    func testECMAScriptNumbers() {
        var scanned = 0
        for line in ecmaScriptNumberVectors.split(separator: "\n") {
            let fields = line.split(separator: ",")
            guard fields.count == 2 else { continue }
            let text = String(fields[1])
            let outcome = check(bytes("[\(text)]"), .general, text)
            if outcome.scanned { scanned += 1 }
            XCTAssertTrue(outcome.accepted, text)
            check(bytes(text), .evidence, text)
            var variants = [text.replacingOccurrences(of: "e", with: "E"), text.replacingOccurrences(of: "e+", with: "e"),
                            text + "0", "0" + text, text.replacingOccurrences(of: "e", with: "0e")]
            if !text.contains(".") && !text.contains("e") { variants += [text + ".0", text + "e0", text + "e+0"] }
            if text.hasPrefix("-") { variants.append(String(text.dropFirst())) } else { variants.append("-" + text) }
            for v in variants where v != text { check(bytes("{\"n\":\(v)}"), .general, v) }
        }
        XCTAssertGreaterThan(scanned, 3000)
    }

    func testNumberSpellings() {
        let literals = [
            "0", "-0", "1", "-1", "01", "-01", "00", "1.0", "1.5", "-1.5", "1e2", "1E2", "1e+2", "1e-2", "100", "0.01",
            "1.", ".5", "-", "+1", "1e", "1e+", "-.5", "0.0", "-0.0", "0e0", "1e21", "1e+21", "1e20", "100000000000000000000",
            "1000000000000000000000", "1e-6", "0.000001", "1e-7", "1e-07", "0.0000001", "9007199254740991", "9007199254740992",
            "9007199254740993", "-9007199254740991", "-9007199254740992", "18446744073709551616", "99999999999999999999999",
            "5e-324", "4.9406564584124654e-324", "1.7976931348623157e+308", "1.7976931348623157e308", "1e309", "1e400",
            "-1e400", "1e-400", "2.5", "2.50", "333333333.3333333", "333333333.33333333", "123456789012345680000",
            "0.1", "0.10", ".1", "1e0", "12345678901234567890", "4.5", "4.50", "1.25e+25", "NaN", "Infinity", "-Infinity",
            String(repeating: "9", count: 127), String(repeating: "9", count: 128), String(repeating: "9", count: 129),
            "1" + String(repeating: "0", count: 127), "0." + String(repeating: "0", count: 125) + "1",
        ]
        for literal in literals {
            for template in ["%", "[%]", "[1,%]", "{\"a\":%}", "{\"a\":%,\"b\":1}", "[%,%]", "[% ]", "{\"signature\":%}"] {
                checkAll(bytes(template.replacingOccurrences(of: "%", with: literal)), literal)
            }
        }
        // Every small integer, both signs, through every profile.
        for i in -1100...1100 { checkAll(bytes("[\(i)]")) }
    }

    /// Every escape JCS writes, every escape it does not, every raw byte inside a string.
    func testStringEscapes() {
        let hexCases: [(String) -> String] = [{ $0 }, { $0.uppercased() }]
        for v in 0..<0x100 {
            for spell in hexCases {
                let hex = spell(String(v, radix: 16))
                let esc = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                checkAll(bytes("\"\(esc)\""), esc)
                checkAll(bytes("{\"\(esc)\":1}"), esc)
                checkAll(bytes("[\"a\(esc)b\",\"\(esc)\(esc)\"]"), esc)
            }
        }
        for b in 0..<256 {
            checkAll([0x22, 0x5C, UInt8(b), 0x22], "escape byte \(b)")
            checkAll([0x22, 0x61, UInt8(b), 0x62, 0x22], "raw byte \(b)")
            checkAll([0x7B, 0x22, UInt8(b), 0x22, 0x3A, 0x31, 0x7D], "raw byte \(b) in a name")
        }
        for esc in ["\\uD83D\\uDE00", "\\ud83d\\ude00", "\\uD800", "\\uDC00", "\\uD800\\u0041", "\\uDBFF\\uDFFF", "\\u2028",
                    "\\u007F", "\\u007f", "\\u0080", "\\u00e9", "\\uFFFF", "\\u12", "\\u", "\\x41", "\\'", "\\/", "\\ "] {
            checkAll(bytes("\"\(esc)\""), esc)
        }
        // Multi-byte UTF-8: every lead byte with boundary continuation bytes.
        for lead in 0xC0...0xFF {
            for second in [0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0] {
                checkAll([0x22, UInt8(lead), UInt8(second), 0x80, 0x80, 0x22])
                checkAll([0x22, UInt8(lead), UInt8(second), 0x80, 0x22])
                checkAll([0x22, UInt8(lead), UInt8(second), 0x22])
            }
        }
    }

    /// Member order is by UTF-16 code units: pairs of names in both orders, escaped and not.
    func testMemberOrder() {
        let names = ["", "a", "b", "A", "aa", "ab", "a\u{0}", "\u{7f}", "\u{80}", "\u{e9}", "e\u{301}", "\u{7ff}", "\u{800}",
                     "\u{d7ff}", "\u{e000}", "\u{fb33}", "\u{ffff}", "\u{10000}", "\u{1f600}", "\u{10ffff}", "\u{e000}a",
                     "\u{1f600}a", "\"", "\\", "\n", "\u{1f}", " ", "signature", "signaturf", "signatur"]
        let encoded = names.map { String(decoding: JCS.canonicalize(.string($0)), as: UTF8.self) }
        var scanned = 0
        for (i, a) in encoded.enumerated() {
            for (j, b) in encoded.enumerated() {
                let doc = bytes("{\(a):1,\(b):2}")
                let outcome = check(doc, .evidence, "\(names[i]) / \(names[j])")
                // Canonical exactly when a sorts strictly before b by UTF-16 code units.
                let less = names[i].utf16.lexicographicallyPrecedes(names[j].utf16)
                XCTAssertEqual(outcome.accepted, less, "\(names[i].unicodeScalars.map(\.value)) / \(names[j].unicodeScalars.map(\.value))")
                if outcome.scanned { scanned += 1 }
                check(bytes("{\(a):{\(b):[]},\(b):{\(a):{}}}"), .evidence)
            }
        }
        XCTAssertEqual(scanned, names.count * (names.count - 1) / 2, "every canonical pair is scanned")
    }

    /// Each limit at, below and above its value, with the fast path's own recursion bound (128)
    /// around and beyond the depth limit.
    func testLimits() {
        for maxDepth in [0, 1, 2, 3, 127, 128, 129, 200, 1024, 5000] {
            var options = JSONParseOptions.evidence
            options.maxDepth = maxDepth
            for depth in [0, 1, 2, 3, 4, 126, 127, 128, 129, 130, 200, 201, 1024, 1025] {
                let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
                check(bytes(arrays), options, "arrays \(depth)")
                let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
                check(bytes(objects), options, "objects \(depth)")
                if depth >= 1 {
                    // A signature after a deep member: the fallback path must locate it too.
                    let inner = depth == 1 ? "0" : String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1)
                    let doc = #"{"a":"# + inner + #","signature":{"k":["\"}",{"}":"]"}]},"z":1}"#
                    let outcome = check(bytes(doc), options, "signed \(depth)")
                    if outcome.accepted, depth - 1 < 127 { XCTAssertTrue(outcome.scanned, "depth \(depth)") }
                    // The signature first (the comma after it goes), alone, and last.
                    check(bytes(#"{"signature":"# + inner + #","z":{"signature":1}}"#), options, "signed first \(depth)")
                    check(bytes(#"{"signature":"# + inner + "}"), options, "signed alone \(depth)")
                    check(bytes(#"{"a":"# + inner + #","signature":"# + inner + "}"), options, "signed last \(depth)")
                }
            }
        }
        for limit in 0...4 {
            var options = JSONParseOptions.general
            options.maxMembers = limit
            options.maxElements = limit
            options.maxStringBytes = limit
            options.maxNumberBytes = max(limit, 1)
            for count in 0...5 {
                let members = (0..<count).map { "\"\(Character(Unicode.Scalar(UInt8(97 + $0))))\":\($0)" }.joined(separator: ",")
                check(bytes("{\(members)}"), options)
                check(bytes("[" + (0..<count).map(String.init).joined(separator: ",") + "]"), options)
                check(bytes("\"" + String(repeating: "x", count: count) + "\""), options)
                check(bytes("\"" + String(repeating: "\\n", count: count) + "\""), options)
                check(bytes("\"" + String(repeating: "\\u0001", count: count) + "\""), options)
                check(bytes("\"" + String(repeating: "\u{e9}", count: count) + "\""), options)
                check(bytes("{\"" + String(repeating: "k", count: count) + "\":1}"), options)
                check(bytes("{\"" + String(repeating: "\\\"", count: count) + "\":1}"), options)
                check(bytes(count == 0 ? "0" : "-" + String(repeating: "7", count: count)), options)
                check(bytes(String(repeating: "1", count: count + 1)), options)
                check(bytes("1.5" + String(repeating: "1", count: count)), options)
            }
        }
        let doc = bytes(#"{"a":[1,2,3],"signature":{"b":"c"}}"#)
        for maxBytes in [0, 1, doc.count - 1, doc.count, doc.count + 1] {
            var options = JSONParseOptions.evidence
            options.maxBytes = maxBytes
            check(doc, options)
            check([], options)
        }
    }

    /// Any member name can be excluded, also one that canonical form escapes; the range covers
    /// exactly that member, wherever it is, and is nil when the object has no such member.
    func testExcludingAnyName() throws {
        let names = ["", "a", "a\"b", "\\", "\u{1}", "\n", "\u{7f}", "\u{e9}", "e\u{301}", "\u{1f600}", "\u{fb33}", "signature", "z"]
        let object = JSONObject(names.enumerated().map { (name: $0.element, value: JSONValue.int($0.offset)) })
        let canonical = JCS.canonicalize(.object(object))
        for name in names + ["absent", "\u{e9}\u{301}", "\u{0}"] {
            for options in [JSONParseOptions.evidence, .general] {
                let (value, excluded) = try JCS.parseCanonicalObject(canonical[...], options: options, excluding: name)
                checkExcluded(canonical[...], value, excluded, name, name, #filePath, #line)
                let scanned = try XCTUnwrap(JCS.scanCanonical(canonical[...], options: options, excluding: name))
                XCTAssertEqual(scanned.excluded, excluded, name)
            }
            // Beyond the scanner's depth bound the fallback locates the member.
            var deep = JSONParseOptions.evidence
            deep.maxDepth = 300
            let nested = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
            let doc = JCS.canonicalize(.object(JSONObject(object.members.map { (name: $0.name, value: $0.name == "z" ? .null : $0.value) })))
            var text = String(decoding: doc, as: UTF8.self)
            text = text.replacingOccurrences(of: #""z":null"#, with: #""z":"# + nested)
            let (value, excluded) = try JCS.parseCanonicalObject(Array(text.utf8)[...], options: deep, excluding: name)
            XCTAssertNil(JCS.scanCanonical(Array(text.utf8)[...], options: deep, excluding: name))
            checkExcluded(Array(text.utf8)[...], value, excluded, name, "deep " + name, #filePath, #line)
        }
    }

    // MARK: - Random documents and mutations

    /// Random values, written canonically: the scanner accepts every one (depth permitting) with
    /// the reference's value, in general mode and in evidence mode wherever they hold integers only.
    func testRandomCanonicalDocuments() throws {
        var generator = RandomJSON(rng: SplitMix64(seed: 0x5EED_F457))
        var scanned = 0
        for round in 0..<600 {
            var value = generator.value(depth: 1 + round % 4)
            if round % 3 == 0 {
                // A signed object: the excluded range in every position among the members.
                let signature: JSONValue = .object([("alg", "ed25519"), ("sig", .string(generator.string()))])
                var members = value.objectValue?.members ?? [(name: "v", value: value)]
                members.removeAll { $0.name == "signature" }
                members.append((name: "signature", value: signature))
                value = .object(JSONObject(members))
            }
            let canonical = JCS.canonicalize(value)
            for options in [JSONParseOptions.general, .evidence] {
                let outcome = check(canonical, options, "round \(round)")
                if options.integersOnly == false {
                    XCTAssertTrue(outcome.accepted, "round \(round)")
                    XCTAssertTrue(outcome.scanned, "round \(round): the scanner declined canonical input")
                    if outcome.scanned { scanned += 1 }
                }
            }
        }
        XCTAssertEqual(scanned, 600)
    }

    /// Canonical documents mutated at random (a byte replaced, inserted, deleted; a range
    /// duplicated, dropped or moved; whitespace; an escape spelled differently): the same answer,
    /// value or error, from both paths.
    func testRandomMutations() {
        var rng = SplitMix64(seed: 0xC0FF_EE11)
        var generator = RandomJSON(rng: SplitMix64(seed: 0xBADC_0DE5))
        let interesting: [UInt8] = Array(#"{}[]",:\/u0123456789-+.eEtfnrNI "#.utf8)
            + [0x00, 0x08, 0x09, 0x0A, 0x0D, 0x1F, 0x7F, 0x80, 0xBF, 0xC2, 0xC3, 0xE0, 0xED, 0xEE, 0xEF, 0xF0, 0xF4, 0xFF]
        let respellings: [(String, String)] = [
            ("\\n", "\\u000a"), ("\\n", "\\u000A"), ("\\\\", "\\u005c"), ("\\\"", "\\u0022"), ("/", "\\/"), ("a", "\\u0061"),
            ("\\u001f", "\\u001F"), ("\\b", "\\u0008"), (":0", ":-0"), (":1", ":1.0"), (":1", ":1e0"), (":1", ":01"),
            (",", ", "), (":", ": "), ("{", "{ "), ("}", " }"), ("true", "True"), ("null", "nul"), ("e", "\\u0065"),
            ("\u{e9}", "\\u00e9"), ("\u{1f600}", "\\ud83d\\ude00"), ("\"", "'"),
        ]
        var documents = Self.samples.map(bytes)
        for round in 0..<150 { documents.append(JCS.canonicalize(generator.value(depth: 1 + round % 3))) }
        var accepted = 0
        for document in documents where !document.isEmpty {
            for _ in 0..<25 {
                var m = document
                for _ in 0...rng.below(2) {
                    let i = rng.below(m.count + 1)
                    let b = rng.below(2) == 0 ? interesting[rng.below(interesting.count)] : UInt8(rng.below(256))
                    switch rng.below(7) {
                    case 0 where i < m.count: m[i] = b
                    case 1: m.insert(b, at: i)
                    case 2 where i < m.count: m.remove(at: i)
                    case 3:
                        let j = min(m.count, i + rng.below(8))
                        m.insert(contentsOf: m[i..<j], at: j)
                    case 4:
                        let j = min(m.count, i + rng.below(8))
                        m.removeSubrange(i..<j)
                    case 5:
                        let j = min(m.count, i + rng.below(12))
                        let piece = Array(m[i..<j])
                        m.removeSubrange(i..<j)
                        m.insert(contentsOf: piece, at: rng.below(m.count + 1))
                    default:
                        let (old, new) = respellings[rng.below(respellings.count)]
                        var text = String(decoding: m, as: UTF8.self)
                        if let r = text.range(of: old) { text.replaceSubrange(r, with: new) }
                        m = Array(text.utf8)
                    }
                }
                for options in Self.profiles where check(m, options).accepted { accepted += 1 }
            }
        }
        XCTAssertGreaterThan(accepted, 100, "some mutations stay canonical")
    }

    /// Objects whose members are out of order (two swapped), or where one name is repeated.
    func testSwappedAndDuplicatedMembers() {
        var generator = RandomJSON(rng: SplitMix64(seed: 0x50_4A_50))
        for _ in 0..<200 {
            guard case .object(let object) = generator.value(depth: 1), object.count >= 2 else { continue }
            let sorted = JSONObject(object.members.sorted { $0.name.utf16.lexicographicallyPrecedes($1.name.utf16) })
            var swapped = sorted.members
            let i = Int(UInt(bitPattern: sorted.count &* 7919) % UInt(sorted.count - 1))
            swapped.swapAt(i, i + 1)
            check(writeInOrder(swapped), .general)
            var repeated = sorted.members
            repeated.insert(repeated[i], at: i + 1)
            check(writeInOrder(repeated), .general)
        }
    }

    /// Every truncation and every single-byte replacement of a small signed document.
    func testByteSweep() {
        let doc = bytes(#"{"a":[1,-2,{"b":"\u0001\n\"é"}],"n":null,"signature":{"alg":"x","t":true},"z":false}"#)
        for options in Self.profiles {
            XCTAssertTrue(check(doc, .evidence).scanned)
            for length in 0...doc.count { check(Array(doc[..<length]), options) }
            for i in doc.indices {
                for b in 0...255 {
                    var m = doc
                    m[i] = UInt8(b)
                    check(m, options)
                }
            }
        }
    }

    /// The tuned writer gives exactly the bytes of the reference writer: random values (members
    /// in random order, strings over all of Unicode, integers, doubles), the samples, and every
    /// ECMAScript number vector.
    func testCanonicalizeMatchesTheReferenceWriter() throws {
        var generator = RandomJSON(rng: SplitMix64(seed: 0x0DD_BA11))
        var values: [JSONValue] = [generator.value(depth: 0)]
        for round in 0..<3000 { values.append(generator.value(depth: 1 + round % 5)) }
        for sample in Self.samples {
            if let v = try? JSONParser.parse(bytes(sample), options: .general) { values.append(v) }
        }
        for line in ecmaScriptNumberVectors.split(separator: "\n") {
            guard let bits = UInt64(line.split(separator: ",")[0], radix: 16) else { continue }
            values.append(.double(double(bits: bits)))
        }
        values += [.int(Int64.max), .int(Int64.min), .int(JSONNumber.maxSafeInteger + 1), .int(-JSONNumber.maxSafeInteger - 1), .double(-0.0)]
        for value in values {
            var shuffled = value
            if case .object(let o) = value {
                // The same members in reverse order must give the same bytes.
                shuffled = .object(JSONObject(o.members.reversed()))
            }
            let expected = ReferenceJCS.canonicalize(value)
            XCTAssertEqual(JCS.canonicalize(value), expected)
            XCTAssertEqual(JCS.canonicalize(shuffled), expected)
        }
    }

    /// Members written in the given order, each name and value in canonical form.
    func writeInOrder(_ members: [(name: String, value: JSONValue)]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (k, m) in members.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out += JCS.canonicalize(.string(m.name))
            out.append(UInt8(ascii: ":"))
            out += JCS.canonicalize(m.value)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

// MARK: - The reference canonicalizer (JCS.canonicalize before it was tuned)

/// `JCS.canonicalize` as it was before it was tuned (member sort, string escaping, number
/// writing), kept verbatim as the reference for `testCanonicalizeMatchesTheReferenceWriter`.
enum ReferenceJCS {
    static func canonicalize(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, to: &out)
        return out
    }

    static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let number): writeNumber(number, to: &out)
        case .string(let s): writeString(s, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            let sorted = sortedMembers(object)
            out.append(UInt8(ascii: "{"))
            for (i, member) in sorted.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.name, to: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Members ordered by the UTF-16 code units of their names (RFC 8785 §3.2.3).
    static func sortedMembers(_ object: JSONObject) -> [(name: String, value: JSONValue)] {
        let sorted = object.members.sorted { $0.name.utf16.lexicographicallyPrecedes($1.name.utf16) }
        for i in sorted.indices.dropFirst() {
            // Our own invariant, not an input check: parsed objects never hold duplicate names,
            // and code that builds objects must not create them (no canonical form exists).
            precondition(!sorted[i - 1].name.utf16.elementsEqual(sorted[i].name.utf16),
                         "JCS: object has duplicate member names")
        }
        return sorted
    }

    static func writeNumber(_ number: JSONNumber, to out: inout [UInt8]) {
        switch number {
        case .integer(let i) where i.magnitude <= JSONNumber.maxSafeInteger.magnitude:
            out += Array(String(i).utf8)
        case .integer(let i):
            writeDouble(Double(i), to: &out)
        case .double(let d):
            writeDouble(d, to: &out)
        }
    }

    static func writeDouble(_ d: Double, to out: inout [UInt8]) {
        // Our own invariant: the parser never yields NaN or ±Infinity, and code that builds values
        // must not; RFC 8785 §3.2.2.3 gives them no serialization.
        guard let text = JCS.formatNumber(d) else {
            preconditionFailure("JCS: NaN and Infinity have no canonical form")
        }
        out += Array(text.utf8)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// RFC 8785 §3.2.2.2, byte by byte over the UTF-8 form: only ASCII bytes are ever escaped, and
    /// bytes of multi-byte sequences are all ≥ 0x80, so they are copied unchanged.
    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x00..<0x20:
                out += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                        hexDigits[Int(b >> 4)], hexDigits[Int(b & 0x0F)]]
            default:
                out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

import EvidenceCrypto
import EvidenceFormat
import Merkle
import StrictJSON
@testable import Verifier
import XCTest

/// Differential tests of `Receipt.decodeCanonicalLine`, the verifier's decoder of receipt lines
/// straight from their bytes, against the reference path it stands in for:
/// `JCS.parseCanonicalObject(_:options:excluding: "signature")` then `Receipt(_:)`.
///
/// For every input: whatever the fast decoder accepts, the reference accepts with an identical
/// receipt (strings compared byte for byte) and the same `signature` range; and with the
/// verifier's options the two accept exactly the same lines, so that the fast decoder is also
/// known to take every well-formed receipt (it declines only what the reference rejects). The
/// inputs: every document and line of TestVectors/ and Fixtures/, and seeded mutations of every
/// receipt line among them (byte flips, insertions, deletions, truncations, duplicated, dropped
/// and reordered members, number edge cases, escapes, non-ASCII, every member's value replaced).
/// `ParseStage.parseReceiptLine` (fast decoder first) is compared with the reference path alone:
/// the same receipt, signing input, hashes and failure (code, file, line, message).
final class ReceiptLineDecoderTests: XCTestCase {
    /// The options the verifier parses receipt lines with.
    static let verifierOptions = ParseStage.jsonOptions

    /// Receipt lines of the corpus that the reference accepts, in corpus order.
    static let receiptLines: [[UInt8]] = EvidenceFastPathTests.corpus.filter {
        guard case .success = reference($0[...], verifierOptions) else { return false }
        return true
    }

    // MARK: - The comparison

    /// The reference path: the receipt and the range of its signature member, or the error.
    /// The receipt is decoded by `referenceReceipt` (the object reader as it was before it was
    /// tuned, with the strict hex and base64url decoders, which share no code with the fast
    /// decoder), and `Receipt(_:)`, the verifier's fallback, must agree with it.
    static func reference(_ bytes: ArraySlice<UInt8>, _ options: JSONParseOptions) -> Result<(Receipt, Range<Int>?), ReferenceError> {
        let value: JSONValue
        let excluded: Range<Int>?
        do {
            (value, excluded) = try JCS.parseCanonicalObject(bytes, options: options, excluding: "signature")
        } catch {
            return .failure(ReferenceError(code: error.code.rawValue))
        }
        let strict = Result { () throws(FormatError) -> Receipt in try referenceReceipt(value) }
        let fallback = Result { () throws(FormatError) -> Receipt in try Receipt(value) }
        switch (strict, fallback) {
        case (.success(let a), .success(let b)) where a == b:
            return .success((a, excluded))
        case (.failure(let a), .failure(let b)) where [a.code, a.field, a.reason] == [b.code, b.field, b.reason]:
            return .failure(ReferenceError(code: a.code))
        default:
            return .failure(ReferenceError(code: "the reference decoder and Receipt(_:) disagree: \(strict) / \(fallback)"))
        }
    }

    struct ReferenceError: Error { let code: String }

    /// Compares the fast decoder with the reference on `line` (as an array and as a slice that
    /// does not start at 0). With `exact`, both must accept or both decline. Returns whether the
    /// fast decoder accepted.
    @discardableResult
    func check(_ line: [UInt8], _ what: @autoclosure () -> String, options: JSONParseOptions = verifierOptions, exact: Bool = true,
               file: StaticString = #filePath, line number: UInt = #line) -> Bool {
        var padded: [UInt8] = [UInt8(ascii: "{"), UInt8(ascii: "\"")]
        padded += line
        padded += [UInt8(ascii: "}"), 0x0A]
        var accepted: Bool? = nil
        for bytes in [line[...], padded[2..<(2 + line.count)]] {
            let fast = Receipt.decodeCanonicalLine(bytes, options: options)
            let reference = Self.reference(bytes, options)
            switch (fast, reference) {
            case (let fast?, .success(let (receipt, excluded))):
                assertIdentical(fast.receipt, receipt, what(), file: file, line: number)
                XCTAssertEqual(fast.excluded, excluded, "signature range: \(what())", file: file, line: number)
            case (let fast?, .failure(let error)):
                XCTFail("the fast decoder accepted \(fast.receipt) where the reference fails with \(error.code): \(what())",
                        file: file, line: number)
            case (nil, .success):
                if exact { XCTFail("the fast decoder declined a line the reference accepts: \(what())", file: file, line: number) }
            case (nil, .failure):
                break
            }
            if let accepted { XCTAssertEqual(accepted, fast != nil, "array and slice differ: \(what())", file: file, line: number) }
            accepted = fast != nil
        }
        return accepted ?? false
    }

    /// Equal receipts, with every string equal byte for byte (Swift's `==` on String is canonical
    /// equivalence).
    func assertIdentical(_ a: Receipt, _ b: Receipt, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a, b, what, file: file, line: line)
        for (x, y) in [(a.sessionID, b.sessionID), (a.tool ?? "-", b.tool ?? "-"), (a.limit ?? "-", b.limit ?? "-")] {
            XCTAssertEqual(Array(x.utf8), Array(y.utf8), what, file: file, line: line)
        }
        XCTAssertEqual(a.tool == nil, b.tool == nil, what, file: file, line: line)
        XCTAssertEqual(a.limit == nil, b.limit == nil, what, file: file, line: line)
    }

    // MARK: - The corpus

    func testEveryCorpusDocument() {
        var accepted = 0
        for (i, doc) in EvidenceFastPathTests.corpus.enumerated() {
            for options in [Self.verifierOptions, .general] {
                if check(doc, "corpus #\(i) \(String(decoding: doc.prefix(80), as: UTF8.self))", options: options) { accepted += 1 }
            }
        }
        // Every receipt line, in both profiles.
        XCTAssertEqual(accepted, 2 * Self.receiptLines.count)
        XCTAssertGreaterThan(Self.receiptLines.count, 100)
    }

    /// Composite (ML-DSA-65 + Ed25519) receipts are among them: their 3373-byte signatures go the
    /// same way.
    func testCorpusHoldsBothProfiles() {
        let profiles = Set(Self.receiptLines.compactMap { line -> Profile? in
            guard case .success(let (receipt, _)) = Self.reference(line[...], Self.verifierOptions) else { return nil }
            return receipt.signature?.profile
        })
        XCTAssertEqual(profiles, Set(Profile.allCases))
    }

    /// The verifier's per-line function, fast decoder first, against the reference path alone.
    func testParseReceiptLineAgainstReferencePath() {
        var rng = SeededRandom(seed: 0x5EED_11E5)
        var inputs = EvidenceFastPathTests.corpus
        for line in Self.receiptLines.prefix(200) {
            inputs.append(mutate(line, &rng))
        }
        for (n, bytes) in inputs.enumerated() {
            let slice = bytes[...]
            let (line, failure) = ParseStage.parseReceiptLine(number: n + 1, bytes: slice, file: BundlePath.receiptsName)
            var (receipt, digest, expectedFailure): (Receipt?, Hash256?, Failure?) = (nil, nil, nil)
            if slice.count <= FormatLimits.maxLineBytes {
                (receipt, digest, expectedFailure) = ParseStage.decodeReceipt(number: n + 1, bytes: slice, file: BundlePath.receiptsName)
            }
            let what = "input #\(n) \(String(decoding: bytes.prefix(80), as: UTF8.self))"
            XCTAssertEqual(failure, expectedFailure, what)
            XCTAssertEqual(failure?.detail, expectedFailure?.detail, what)
            XCTAssertEqual(line.receipt == nil, receipt == nil, what)
            if let a = line.receipt, let b = receipt { assertIdentical(a, b, what) }
            XCTAssertEqual(line.signingDigest, digest, what)
            XCTAssertEqual(line.receiptHash, SHA256Hasher.hash(slice), what)
            XCTAssertEqual(line.leafHash, MerkleHash.leaf(slice), what)
            XCTAssertEqual(line.line, n + 1, what)
        }
    }

    // MARK: - Mutations

    func testSeededByteMutations() {
        var rng = SeededRandom(seed: 0x00C0_FFEE)
        var accepted = 0
        var total = 0
        for (n, line) in Self.receiptLines.enumerated() {
            for k in 0..<12 {
                let m = mutate(line, &rng)
                if check(m, "byte mutation \(k) of receipt #\(n): \(String(decoding: m, as: UTF8.self))") { accepted += 1 }
                total += 1
            }
        }
        XCTAssertGreaterThan(total, 10000)
        // Mutations inside hashes and signatures keep a line well formed.
        XCTAssertGreaterThan(accepted, 100)
    }

    /// Every prefix of some lines, and lines with bytes after them.
    func testTruncationsAndTrailingBytes() {
        for (n, line) in Self.receiptLines.enumerated() where n % 25 == 0 {
            for end in 0..<line.count {
                XCTAssertFalse(check(Array(line[..<end]), "receipt #\(n) cut at \(end)"))
            }
            for tail in ["\n", " ", "}", ",", "x", "\u{0}", "\u{e9}", "{}"] {
                XCTAssertFalse(check(line + Array(tail.utf8), "receipt #\(n) followed by \(tail.debugDescription)"))
            }
            XCTAssertFalse(check(Array(" ".utf8) + line, "receipt #\(n) after a space"))
        }
    }

    /// Members dropped, duplicated, swapped, renamed or added, and extra whitespace.
    func testMemberMutations() throws {
        var rng = SeededRandom(seed: 0x3E3B_E125)
        for (n, line) in Self.receiptLines.enumerated() where n % 3 == 0 {
            let members = try XCTUnwrap(try JSONParser.parse(line).objectValue).members.map { ($0.name, JCS.canonicalize($0.value)) }
            XCTAssertEqual(write(members), line, "re-serialization of receipt #\(n)")
            let i = rng.below(members.count)
            var variants: [[(String, [UInt8])]] = []
            var dropped = members
            dropped.remove(at: i)
            variants.append(dropped)
            var duplicated = members
            duplicated.insert(members[i], at: i + 1)
            variants.append(duplicated)
            var swapped = members
            let j = (i + 1) % members.count
            swapped.swapAt(i, j)
            variants.append(swapped)
            for name in [members[i].0 + "x", members[i].0.uppercased(), String(members[i].0.dropLast()), "extra", "\u{e9}"] {
                var renamed = members
                renamed[i].0 = name
                variants.append(renamed.sorted { $0.0.utf16.lexicographicallyPrecedes($1.0.utf16) })
            }
            for (k, variant) in variants.enumerated() {
                XCTAssertFalse(check(write(variant), "member mutation \(k) of receipt #\(n) at member \(members[i].0)"))
            }
            // Whitespace after a colon or a comma.
            for target in [UInt8(ascii: ":"), UInt8(ascii: ",")] {
                guard let at = line.firstIndex(of: target) else { continue }
                var spaced = line
                spaced.insert(UInt8(ascii: " "), at: at + 1)
                XCTAssertFalse(check(spaced, "receipt #\(n) with a space after \(Character(UnicodeScalar(target)))"))
            }
        }
    }

    /// Every member's value (and every signature member's value) replaced by values chosen to
    /// sit on each rule's edge, written as raw JSON text (escapes and non-canonical numbers
    /// included).
    func testValueReplacements() throws {
        let hex = String(repeating: "0123456789abcdef", count: 4)
        let b64 = String(repeating: "A", count: 86)
        var texts: [String] = [
            // numbers
            "0", "1", "00", "01", "-0", "-1", "1.0", "1e2", "1E2", "0.5", "9007199254740991", "9007199254740992",
            "9999999999999999", "10000000000000000", "12345678901234567", "18446744073709551616", "2147483647", "2147483648",
            // literals and containers
            "null", "true", "false", "[]", "{}", "[1]", #"{"a":1}"#,
            // strings
            #""""#, #""x""#, #""\u0041""#, #""a\/b""#, #""a\"b""#, #""a\\b""#, #""a\nb""#, #""\u001f""#, "\"\u{e9}\"", #""\u00e9""#,
            #""a b""#, #""a+b""#, #""a~b""#, "\"" + String(repeating: "t", count: 128) + "\"", "\"" + String(repeating: "t", count: 129) + "\"",
            // enumerations and types
            #""receipt""#, #""checkpoint""#, #""tool_call""#, #""tool_result""#, #""measurement""#, #""allow""#, #""deny""#,
            #""phantom""#, #""record""#, #""ok""#, #""rate_limited""#, #""artifact_expired""#, #""artifact_not_yet_valid""#,
            #""runtime_drift""#, #""behavioral_drift""#, #""upstream_error""#, #""tool_not_allowed""#, #""Allow""#, #""allow ""#,
            #""ed25519""#, #""mldsa65-ed25519""#, #""ED25519""#, #""read_file""#, #""per_minute""#,
            // hashes
            "\"\(hex)\"", "\"\(hex.uppercased())\"", "\"\(hex.dropLast())\"", "\"\(hex)0\"", "\"\(hex.dropLast())g\"",
            "\"\(hex.dropLast())\\u0066\"", "\"\(hex.dropLast())\u{e9}\"",
            // base64url
            "\"\(b64)\"", "\"\(b64.dropLast())B\"", "\"\(b64.dropLast())Q\"", "\"\(b64.dropLast(2))==\"", "\"\(b64.dropLast())+\"",
            "\"\(b64.dropLast())/\"", "\"\(b64)A\"", "\"\(b64.dropLast())\"", "\"\(b64.dropLast())\\u0041\"",
            "\"" + String(repeating: "_", count: 86) + "\"", "\"" + String(repeating: "-", count: 84) + "AA\"",
        ]
        texts.append(#"{"alg":"ed25519","key_id":"\#(hex)","sig":"\#(b64)"}"#)
        texts.append(#"{"alg":"ed25519","key_id":"\#(hex)","sig":"\#(b64)","x":1}"#)
        texts.append(#"{"key_id":"\#(hex)","sig":"\#(b64)"}"#)
        texts.append(#"{"alg":"mldsa65-ed25519","key_id":"\#(hex)","sig":"\#(b64)"}"#)
        var accepted = 0
        var checked = 0
        for (n, line) in Self.receiptLines.enumerated() where n % 32 == 0 {
            let object = try XCTUnwrap(try JSONParser.parse(line).objectValue)
            let members = object.members.map { ($0.name, JCS.canonicalize($0.value)) }
            for index in members.indices {
                for text in texts {
                    var replaced = members
                    replaced[index].1 = Array(text.utf8)
                    if check(write(replaced), "receipt #\(n) \(members[index].0) = \(text)") { accepted += 1 }
                    checked += 1
                }
            }
            // The signature's members.
            guard let s = members.firstIndex(where: { $0.0 == "signature" }),
                  let signature = object["signature"]?.objectValue else { continue }
            let inner = signature.members.map { ($0.name, JCS.canonicalize($0.value)) }
            for index in inner.indices {
                for text in texts {
                    var replacedInner = inner
                    replacedInner[index].1 = Array(text.utf8)
                    var replaced = members
                    replaced[s].1 = write(replacedInner)
                    if check(write(replaced), "receipt #\(n) signature.\(inner[index].0) = \(text)") { accepted += 1 }
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 50000)
        // Coherent replacements (another tool, seq, time, hash, decision …) are accepted by both.
        XCTAssertGreaterThan(accepted, 2000)
    }

    /// Options whose limits a receipt line reaches: the fast decoder must never accept what the
    /// reference rejects under them.
    func testTightOptions() {
        var variants: [JSONParseOptions] = []
        for change in 0..<7 {
            var o = Self.verifierOptions
            switch change {
            case 0: o.maxStringBytes = 127
            case 1: o.maxStringBytes = 1000  // below a composite signature's 4498 characters
            case 2: o.maxNumberBytes = 13
            case 3: o.maxDepth = 1
            case 4: o.maxMembers = 13
            case 5: o.maxBytes = 600
            default: o.integersOnly = false
            }
            variants.append(o)
        }
        for (n, line) in Self.receiptLines.enumerated() {
            for (k, options) in variants.enumerated() {
                check(line, "receipt #\(n) under option variant \(k)", options: options, exact: false)
            }
        }
    }

    // MARK: - Helpers

    /// One seeded byte-level mutation: a byte replaced, inserted or removed, or a range
    /// duplicated or removed.
    func mutate(_ line: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        let interesting: [UInt8] = Array(#"{}[]",:\/u0123456789abcdefABCDEF-+.eE _="#.utf8) + [0x00, 0x0A, 0x1F, 0x7F, 0x80, 0xC3, 0xA9, 0xED, 0xF0, 0xFF]
        var m = line
        let i = rng.below(m.count)
        let b = rng.below(3) > 0 ? interesting[rng.below(interesting.count)] : UInt8(rng.below(256))
        switch rng.below(5) {
        case 0: m[i] = b
        case 1: m.insert(b, at: i)
        case 2: m.remove(at: i)
        case 3:
            let end = min(m.count, i + 1 + rng.below(40))
            m.insert(contentsOf: line[i..<end], at: end)
        default:
            let end = min(m.count, i + 1 + rng.below(40))
            m.removeSubrange(i..<end)
        }
        return m
    }

    /// An object from members whose values are already JSON text, in the order given.
    func write(_ members: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (k, member) in members.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out += JCS.canonicalize(.string(member.0))
            out.append(UInt8(ascii: ":"))
            out += member.1
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

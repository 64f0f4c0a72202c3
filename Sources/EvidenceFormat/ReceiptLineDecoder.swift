import EvidenceCrypto
import StrictJSON

extension Receipt {
    /// `JCS.parseCanonicalObject(bytes, options: options, excluding: "signature")` then
    /// `Receipt(_:)`, straight from the bytes of a receipts.jsonl line, for the common case only:
    /// the receipt and the range of its `signature` member (with the comma before it; indices of
    /// `bytes`), or nil for anything the decoder is not sure of, in which case the caller runs
    /// that reference path, whose result (receipt or error) stands.
    ///
    /// What it accepts is one shape: the canonical form of a well-formed receipt, whose members
    /// can only come in one order (RFC 8785 sorts them; the format requires exactly these), with
    /// every string a token, a hash (64 lowercase hex digits) or base64url, none of which has
    /// anything to escape, and every number a plain non-negative integer within 2^53 − 1. Such a
    /// line is canonical JSON and decodes to exactly the receipt built here: the same values, read
    /// with the same rules (`Repertoire.isTokenByte`, `FastDecode`, `checkCoherence`). Anything
    /// else, an error included, is declined. Tests/VerifierTests/ReceiptLineDecoderTests.swift
    /// ties it to the reference path on every receipt line of the test vectors and fixtures and
    /// on seeded mutations of them.
    package static func decodeCanonicalLine(_ bytes: ArraySlice<UInt8>, options: JSONParseOptions)
        -> (receipt: Receipt, excluded: Range<Int>)?
    {
        // The options' limits that an accepted line could reach: two levels of objects, 14
        // members, names and tokens up to 128 bytes (the signature's length is checked as it is
        // read), integers of up to 16 digits.
        guard bytes.count <= options.maxBytes, options.maxDepth >= 2, options.maxMembers >= members.count,
              options.maxStringBytes >= ObjectReader.defaultMaxStringBytes, options.maxNumberBytes >= 16
        else { return nil }
        return bytes.withUnsafeBufferPointer { input -> (receipt: Receipt, excluded: Range<Int>)? in
            var line = ReceiptLineDecoder(input, options: options)
            guard let (receipt, excluded) = line.receipt() else { return nil }
            return (receipt, (bytes.startIndex + excluded.lowerBound)..<(bytes.startIndex + excluded.upperBound))
        }
    }
}

/// The reader behind `Receipt.decodeCanonicalLine`: a cursor that matches the fixed parts of the
/// line byte for byte and reads each value in between. Every read checks its bounds first; every
/// method returns nil (or false) where it declines, and the line is then declined as a whole.
struct ReceiptLineDecoder {
    private let p: UnsafeBufferPointer<UInt8>
    private let n: Int
    private var i = 0
    private let maxStringBytes: Int

    init(_ input: UnsafeBufferPointer<UInt8>, options: JSONParseOptions) {
        p = input
        n = input.count
        maxStringBytes = options.maxStringBytes
    }

    /// The whole line: the receipt, and the offsets of `,"signature":{…}`.
    mutating func receipt() -> (Receipt, Range<Int>)? {
        // The members in canonical order; each literal ends where the value begins (after the
        // opening quote of a string value, which the value's reader consumes with its closing one).
        guard expect(#"{"artifact_ref":""#), let artifactRef = hash(),
              expect(#","decision":""#), let decision = enumeration(Receipt.Decision.self),
              expect(#","event":""#), let event = enumeration(Receipt.Event.self),
              expect(#","limit":"#), let limit = nullOrToken(),
              expect(#","payload_hash":""#), let payloadHash = hash(),
              expect(#","prev":""#), let prev = hash(),
              expect(#","reason":""#), let reason = enumeration(Receipt.Reason.self),
              expect(#","seq":"#), let seq = integer(),
              expect(#","session_id":""#), let sessionID = token()
        else { return nil }
        let signatureStart = i
        guard expect(#","signature":{"alg":""#), let profile = enumeration(Profile.self),
              expect(#","key_id":""#), let keyID = hash(),
              expect(#","sig":""#), let sig = base64url(), sig.count == profile.signatureBytes,
              expect("}")
        else { return nil }
        let signatureEnd = i
        guard expect(#","time_ms":"#), let timeMS = integer(),
              expect(#","tool":"#), let tool = nullOrToken(),
              expect(#","type":"receipt","version":1}"#), i == n
        else { return nil }
        var receipt = Receipt(artifactRef: artifactRef, sessionID: sessionID, seq: seq, timeMS: timeMS, event: event,
                              tool: tool, decision: decision, reason: reason, limit: limit, payloadHash: payloadHash, prev: prev)
        receipt.signature = SignatureBlock(profile: profile, keyID: keyID, sig: sig)
        // An incoherent receipt is the reference path's to report.
        guard (try? receipt.checkCoherence()) != nil else { return nil }
        return (receipt, signatureStart..<signatureEnd)
    }

    /// The bytes of `text` at the cursor, which moves past them.
    private mutating func expect(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard count <= n - i, let base = p.baseAddress else { return false }
        let expected = UnsafeRawPointer(text.utf8Start)
        let actual = UnsafeRawPointer(base + i)
        // Eight bytes at a time, then one at a time (k + 8 <= count keeps both loads in bounds).
        var k = 0
        while k + 8 <= count {
            guard actual.loadUnaligned(fromByteOffset: k, as: UInt64.self) == expected.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            else { return false }
            k += 8
        }
        while k < count {
            guard actual.load(fromByteOffset: k, as: UInt8.self) == expected.load(fromByteOffset: k, as: UInt8.self) else { return false }
            k += 1
        }
        i += count
        return true
    }

    /// The content of a string whose opening quote is behind the cursor, up to its closing quote
    /// (the cursor moves past it), if every byte satisfies `allowed` and there are at most
    /// `maxStringBytes` (the JSON limit) of them. Such a string has no escapes.
    private mutating func content(_ allowed: (UInt8) -> Bool) -> UnsafeBufferPointer<UInt8>? {
        let start = i
        while i < n, p[i] != UInt8(ascii: "\"") {
            guard allowed(p[i]) else { return nil }
            i += 1
        }
        guard i < n, i - start <= maxStringBytes else { return nil }
        i += 1
        return UnsafeBufferPointer(rebasing: p[start..<(i - 1)])
    }

    /// A token string (`Repertoire.token`, 1 to `ObjectReader.defaultMaxStringBytes` bytes).
    private mutating func tokenBytes() -> UnsafeBufferPointer<UInt8>? {
        guard let text = content(Repertoire.isTokenByte), !text.isEmpty,
              text.count <= ObjectReader.defaultMaxStringBytes else { return nil }
        return text
    }

    private mutating func token() -> String? {
        tokenBytes().map { String(decoding: $0, as: UTF8.self) }
    }

    /// `null`, or `"` and a token: `.some(nil)` for null, nil where declined.
    private mutating func nullOrToken() -> String?? {
        if expect("null") { return .some(nil) }
        guard expect("\""), let token = token() else { return nil }
        return .some(token)
    }

    /// A token that is the raw value of a case of `E` (compared byte for byte, as `E(rawValue:)`
    /// compares these ASCII strings).
    private mutating func enumeration<E: CaseIterable & RawRepresentable>(_: E.Type) -> E? where E.RawValue == String {
        guard let text = tokenBytes() else { return nil }
        for candidate in E.allCases {
            var raw = candidate.rawValue
            if raw.withUTF8({ Self.equal($0, text) }) { return candidate }
        }
        return nil
    }

    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for k in 0..<a.count where a[k] != b[k] { return false }
        return true
    }

    /// 64 lowercase hex digits and the closing quote.
    private mutating func hash() -> Hash256? {
        let length = 2 * Hash256.byteCount
        guard length < n - i, p[i + length] == UInt8(ascii: "\""),
              let h = FastDecode.hash(hex: UnsafeBufferPointer(rebasing: p[i..<(i + length)])) else { return nil }
        i += length + 1
        return h
    }

    /// Canonical base64url and the closing quote. (The decoder rejects every byte outside the
    /// alphabet, `\\` included, so the content is found by its closing quote alone.)
    private mutating func base64url() -> [UInt8]? {
        content { _ in true }.flatMap(FastDecode.base64url(text:))
    }

    /// A plain non-negative decimal integer (no sign, no leading zero) within 2^53 − 1. The byte
    /// after it is the next literal's to match, which no digit, `.`, `e` or `E` does.
    private mutating func integer() -> Int64? {
        let start = i
        var value: Int64 = 0
        while i < n, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") {
            // 16 digits hold every value up to 2^53 − 1 and cannot overflow.
            guard i - start < 16 else { return nil }
            value = value * 10 + Int64(p[i] - UInt8(ascii: "0"))
            i += 1
        }
        let digits = i - start
        guard digits > 0, digits == 1 || p[start] != UInt8(ascii: "0"),
              value <= maxSafeInteger else { return nil }
        return value
    }
}

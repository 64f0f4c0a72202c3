import EvidenceCrypto
import EvidenceFormat
import Foundation
import StrictJSON
import XCTest

/// Differential tests of the verifier's fast per-line path against the reference definitions, on
/// every document of the conformance vectors and fixtures and on seeded mutations of them:
///
/// - `JCS.parseCanonical` / `JCS.parseCanonicalObject` against `JCS.isCanonicalBySerialization`
///   (the same value, or the same error code, offset and reason);
/// - `SigningInput.digest(canonicalBytes:excluding:)` against `SigningInput.digest(of:)`;
/// - `Receipt(_:)` and `ObjectReader` against `ReferenceReader` below, a copy of the object reader
///   as it was before it was tuned (the same decoded value, or the same error code, field and
///   reason), including its accessors' hex and base64url decoding.
final class EvidenceFastPathTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The verifier's parse options, and the general profile.
    static let profiles: [JSONParseOptions] = {
        var verifier = JSONParseOptions.evidence
        verifier.maxBytes = FormatLimits.maxJSONFileBytes
        verifier.maxDepth = FormatLimits.maxDepth
        verifier.maxElements = FormatLimits.maxManifestElements
        return [verifier, .general]
    }()

    // MARK: - Corpus

    /// Every JSON document and JSON Lines line reachable in TestVectors/ and Fixtures/: the files
    /// inside every bundle (read leniently, hostile archives included), expectations, keys,
    /// indexes. Distinct byte strings only, in a fixed order.
    static let corpus: [[UInt8]] = {
        var seen = Set<[UInt8]>()
        var out: [[UInt8]] = []
        func add(_ bytes: [UInt8], name: String) {
            var pieces: [[UInt8]] = [bytes]
            if name.hasSuffix(".jsonl") {
                pieces = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Array($0) }
                if pieces.last == [] { pieces.removeLast() }
            }
            for piece in pieces where piece.count <= 1 << 20 && seen.insert(piece).inserted { out.append(piece) }
        }
        let fm = FileManager.default
        var files: [String] = []
        for dir in ["TestVectors", "Fixtures"] {
            let base = root.appendingPathComponent(dir).path
            for relative in (fm.enumerator(atPath: base)?.compactMap { $0 as? String } ?? []).sorted() {
                files.append(base + "/" + relative)
            }
        }
        for path in files {
            guard let data = fm.contents(atPath: path) else { continue }
            let bytes = [UInt8](data)
            if path.hasSuffix(".tar") {
                for (name, contents) in lenientTarEntries(bytes) { add(contents, name: name) }
            } else if path.hasSuffix(".json") || path.hasSuffix(".jsonl") || path.hasSuffix(".trust") || path.hasSuffix(".pub") {
                add(bytes, name: path)
            }
        }
        return out
    }()

    /// Regular-file contents of a ustar archive, as far as its headers make sense.
    static func lenientTarEntries(_ tar: [UInt8]) -> [(String, [UInt8])] {
        var entries: [(String, [UInt8])] = []
        var offset = 0
        while offset + 512 <= tar.count {
            let header = tar[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { break }
            let nameBytes = header.prefix(100).prefix { $0 != 0 }
            let sizeField = tar[(offset + 124)..<(offset + 136)].filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }
            guard let size = Int(String(decoding: sizeField, as: UTF8.self), radix: 8), offset + 512 + size <= tar.count else { break }
            entries.append((String(decoding: nameBytes, as: UTF8.self), Array(tar[(offset + 512)..<(offset + 512 + size)])))
            offset += 512 + (size + 511) / 512 * 512
        }
        return entries
    }

    func testCorpusIsLarge() {
        XCTAssertGreaterThan(Self.corpus.count, 1000)
        let receipts = Self.corpus.filter { (try? JSONParser.parse($0))?["type"] == "receipt" }
        XCTAssertGreaterThan(receipts.count, 100)
    }

    // MARK: - Canonical parsing and the signing input

    /// The fast path and the reference agree on `bytes`; the spliced signing input equals the
    /// reference's; receipts decode the same way. Returns the accepted value.
    @discardableResult
    func check(_ bytes: [UInt8], _ options: JSONParseOptions, _ what: @autoclosure () -> String,
               file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
        let reference = Result { () throws(JSONError) -> JSONValue in try JCS.isCanonicalBySerialization(bytes[...], options: options) }
        let fast = Result { () throws(JSONError) -> (value: JSONValue, excluded: Range<Int>?) in
            try JCS.parseCanonicalObject(bytes[...], options: options, excluding: "signature")
        }
        let plain = Result { () throws(JSONError) -> JSONValue in try JCS.parseCanonical(bytes[...], options: options) }
        for (candidate, label) in [(fast.map { $0.value }, "parseCanonicalObject"), (plain, "parseCanonical")] {
            switch (candidate, reference) {
            case (.success(let a), .success(let b)):
                XCTAssertEqual(a, b, "\(label) value: \(what())", file: file, line: line)
            case (.failure(let a), .failure(let b)):
                XCTAssertEqual([a.code.rawValue, String(a.offset), a.reason], [b.code.rawValue, String(b.offset), b.reason],
                               "\(label) error: \(what())", file: file, line: line)
            default:
                XCTFail("\(label) \(candidate) but reference \(reference): \(what())", file: file, line: line)
            }
        }
        guard case .success(let (value, excluded)) = fast else { return nil }
        if case .object(let object) = value {
            XCTAssertEqual(SigningInput.digest(canonicalBytes: bytes[...], excluding: excluded), SigningInput.digest(of: object),
                           "signing input: \(what())", file: file, line: line)
            XCTAssertEqual(excluded == nil, object["signature"] == nil, what(), file: file, line: line)
            // The same on a slice that does not start at 0.
            let padded = [UInt8(ascii: "x")] + bytes + [UInt8(ascii: "y")]
            if let (_, shifted) = try? JCS.parseCanonicalObject(padded[1..<(1 + bytes.count)], options: options, excluding: "signature") {
                XCTAssertEqual(SigningInput.digest(canonicalBytes: padded[1..<(1 + bytes.count)], excluding: shifted),
                               SigningInput.digest(of: object), "shifted signing input: \(what())", file: file, line: line)
            } else {
                XCTFail("the shifted slice was rejected: \(what())", file: file, line: line)
            }
        }
        compareReceipt(value, what(), file: file, line: line)
        return value
    }

    func testEveryCorpusDocument() {
        var accepted = 0
        var signed = 0
        for (i, doc) in Self.corpus.enumerated() {
            for options in Self.profiles {
                guard let value = check(doc, options, "corpus #\(i) \(String(decoding: doc.prefix(60), as: UTF8.self))") else { continue }
                accepted += 1
                if value["signature"] != nil { signed += 1 }
                // Every object in the document through both object readers.
                if options.integersOnly, i % 7 == 0 { forEachObject(value) { compareReaders($0, "corpus #\(i)") } }
            }
        }
        XCTAssertGreaterThan(accepted, 1000)
        XCTAssertGreaterThan(signed, 500)
    }

    /// Seeded byte-level mutations of every distinct signed line and document of the corpus.
    func testMutatedCorpusDocuments() throws {
        var rng = SeededRandom(seed: 0x00F4_57AA)
        // Every fourth signed document of the corpus (receipts, checkpoints, artifacts, manifests).
        let signed = Self.corpus.filter { (try? JCS.isCanonical($0))?["signature"] != nil }.enumerated().filter { $0.offset % 4 == 0 }.map(\.element)
        XCTAssertGreaterThan(signed.count, 1000)
        let interesting: [UInt8] = Array(#"{}[]",:\/u0123456789-+.eE "#.utf8) + [0x00, 0x0A, 0x1F, 0x7F, 0x80, 0xC3, 0xED, 0xF0, 0xFF]
        var accepted = 0
        for (n, doc) in signed.enumerated() {
            for k in 0..<6 {
                var m = doc
                let i = rng.below(m.count)
                let b = rng.below(2) == 0 ? interesting[rng.below(interesting.count)] : UInt8(rng.below(256))
                switch (n + k) % 4 {
                case 0: m[i] = b
                case 1: m.insert(b, at: i)
                case 2: m.remove(at: i)
                default:
                    // Move the signature member to another place among the members.
                    guard case .object(let o)? = try? JSONParser.parse(doc) else { continue }
                    var members = o.members.sorted { $0.name.utf16.lexicographicallyPrecedes($1.name.utf16) }
                    guard let s = members.firstIndex(where: { $0.name == "signature" }) else { continue }
                    let member = members.remove(at: s)
                    members.insert(member, at: rng.below(members.count + 1))
                    m = writeInOrder(members)
                }
                if check(m, Self.profiles[0], "mutation \(k) of signed #\(n)") != nil { accepted += 1 }
            }
        }
        XCTAssertGreaterThan(accepted, 0)
    }

    /// The signature member in every position (first, middle, last, alone), with nested objects
    /// that have their own `signature`, and names around it that sort just before and after.
    func testSignatureInEveryPosition() throws {
        let signature: JSONValue = .obj([("alg", "ed25519"), ("key_id", .str(String(repeating: "ab", count: 32))), ("sig", "AAAA")])
        let others: [(String, JSONValue)] = [
            ("a", .obj([("signature", 1)])), ("signatur", 2), ("signaturd", "x"), ("signaturf", .array([.obj([("signature", .null)])])),
            ("signature0", true), ("signaturez", .null), ("z", "signature"),
        ]
        for count in 0...others.count {
            for start in 0..<max(1, others.count - count + 1) {
                let members = Array(others[start..<(start + count)]) + [("signature", signature)]
                let canonical = JCS.canonicalize(.obj(members))
                let value = check(canonical, Self.profiles[1], String(decoding: canonical, as: UTF8.self))
                XCTAssertNotNil(value)
                XCTAssertNotNil(JCS.scanCanonical(canonical[...], options: Self.profiles[1], excluding: "signature")?.excluded)
            }
        }
    }

    // MARK: - Receipts and the object reader

    func compareReceipt(_ value: JSONValue, _ what: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) {
        let fast = Result { () throws(FormatError) -> Receipt in try Receipt(value) }
        let reference = Result { () throws(FormatError) -> Receipt in try referenceReceipt(value) }
        assertSameDecoding(fast, reference, "Receipt: " + what(), file: file, line: line)
    }

    func assertSameDecoding<T: Equatable>(_ fast: Result<T, FormatError>, _ reference: Result<T, FormatError>, _ what: String,
                                          file: StaticString = #filePath, line: UInt = #line) {
        switch (fast, reference) {
        case (.success(let a), .success(let b)):
            XCTAssertEqual(a, b, what, file: file, line: line)
        case (.failure(let a), .failure(let b)):
            XCTAssertEqual([a.code, a.field, a.reason], [b.code, b.field, b.reason], what, file: file, line: line)
        default:
            XCTFail("\(fast) but reference \(reference): \(what)", file: file, line: line)
        }
    }

    /// Receipts with one member replaced, removed, added or renamed, in every way that matters to
    /// the decoder: both decoders give the same receipt or the same (code, field, reason).
    func testMutatedReceipts() throws {
        let receipts: [JSONObject] = Self.corpus.compactMap {
            guard case .object(let o)? = try? JCS.isCanonical($0), o["type"] == "receipt" else { return nil }
            return o
        }
        XCTAssertGreaterThan(receipts.count, 100)
        let hex = String(repeating: "0123456789abcdef", count: 4)
        var rng = SeededRandom(seed: 0x2EC3_1197)
        var replacements: [JSONValue] = [
            .null, true, 0, -1, .int(maxSafeInteger), .int(maxSafeInteger + 1), .double(1.5), "", "x", .array([]), .obj([]),
            .str(hex), .str(hex.uppercased()), .str(String(hex.dropLast())), .str(hex + "0"), .str(hex + "00"),
            .str(String(hex.dropLast()) + "g"), .str("g" + String(hex.dropFirst())), .str(String(hex.dropLast()) + "\u{e9}"),
            .str(String(repeating: "0", count: 1025)), "receipt", "checkpoint", "nonsense", "tool_call", "tool_result",
            "measurement", "allow", "deny", "phantom", "record", "ok", "rate_limited", "runtime_drift", "upstream_error",
            "tool_not_allowed", "artifact_expired", "read_file", "a b", "a\u{e9}", .str(String(repeating: "t", count: 129)),
            .str(String(repeating: "t", count: 128)), "ed25519", "mldsa65-ed25519", "ED25519",
        ]
        for (k, b64) in ["", "A", "AA", "AB", "AAA", "AAB", "AA==", "A+/A", "AA AA", "AA\tA", "AA\u{e9}", String(repeating: "A", count: 86),
                         String(repeating: "A", count: 85) + "B", String(repeating: "A", count: 85) + "Q", String(repeating: "_", count: 86),
                         String(repeating: "-", count: 87), String(repeating: "A", count: 10924)].enumerated() {
            replacements.append(.str(b64))
            replacements.append(.obj([("alg", k % 2 == 0 ? "ed25519" : "mldsa65-ed25519"), ("key_id", .str(hex)), ("sig", .str(b64))]))
        }
        var checked = 0
        for (n, receipt) in receipts.prefix(120).enumerated() {
            for (index, member) in receipt.members.enumerated() {
                for _ in 0..<6 {
                    var members = receipt.members
                    switch rng.below(6) {
                    case 0, 1, 2:
                        members[index].value = replacements[rng.below(replacements.count)]
                    case 3:
                        members.remove(at: index)
                    case 4:
                        // A name that differs only in ways Swift's String equality ignores, or by case.
                        let renames = [member.name + "\u{301}", member.name.uppercased(), member.name + " ", "e\u{301}", "\u{e9}",
                                       "K", "\u{212A}", "a\u{301}\u{316}", "a\u{316}\u{301}", String(member.name.dropLast())]
                        members[index].name = renames[rng.below(renames.count)]
                    default:
                        // A duplicate (only code can build one), or an extra member.
                        members.append(rng.below(2) == 0 ? member : (name: "extra", value: member.value))
                    }
                    if case .object(var signature)? = members.first(where: { $0.name == "signature" })?.value, rng.below(3) == 0 {
                        let s = rng.below(signature.members.count)
                        signature.members[s].value = replacements[rng.below(replacements.count)]
                        if let i = members.firstIndex(where: { $0.name == "signature" }) { members[i].value = .object(signature) }
                    }
                    compareReceipt(.object(JSONObject(members)), "receipt #\(n) member \(member.name)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 5000)
    }

    /// The object reader on tricky member sets and values: canonically equivalent but different
    /// names (of equal and of different lengths), long names, repeated names in the object or in
    /// the member list, and every accessor on every member.
    func testObjectReaderAgainstReference() throws {
        let equivalentNames = ["\u{e9}", "e\u{301}", "a\u{301}\u{316}", "a\u{316}\u{301}", "K", "\u{212A}", "\u{3a9}", "\u{2126}"]
        let long = String(repeating: "long_member_name_", count: 3)
        let names = ["type", "version", "alg", "sig", "key_id", long, long + "x", String(long.dropLast()) + "-", "", "a"] + equivalentNames
        var rng = SeededRandom(seed: 0x0B1E_C7)
        var values: [JSONValue] = [
            .null, true, 0, 7, -3, .int(maxSafeInteger), "receipt", "checkpoint", "bogus", "ed25519", "tool_call",
            .str(String(repeating: "0f", count: 32)), .str(String(repeating: "0F", count: 32)), .str(String(repeating: "0f", count: 31)),
            "AAAA", "AAA=", "A", .str(String(repeating: "A", count: 86)), .array([1]), .obj([("alg", "ed25519")]),
            .str(String(repeating: "\u{e9}", count: 40)), "printable~", "has space",
        ]
        for _ in 0..<40 {
            var bytes = [UInt8](repeating: 0, count: rng.below(70))
            for i in bytes.indices { bytes[i] = UInt8(rng.below(256)) }
            values.append(.str(Base64URL.encode(bytes)))
            values.append(.str(Hex.encode(bytes)))
        }
        for round in 0..<1500 {
            let count = rng.below(5)
            var members: [(name: String, value: JSONValue)] = []
            for _ in 0..<count { members.append((name: names[rng.below(names.count)], value: values[rng.below(values.count)])) }
            var list = members.map(\.name)
            switch rng.below(5) {
            case 0: list.shuffle(using: &rng)
            case 1: list.append(names[rng.below(names.count)])
            case 2: if !list.isEmpty { list.remove(at: rng.below(list.count)) }
            case 3: list = (0..<rng.below(4)).map { _ in names[rng.below(names.count)] }
            default: list += list
            }
            compareReaders(JSONObject(members), "round \(round)", members: list)
        }
        // More than 64 defined members (the reader's bit set does not cover them).
        let many = (0..<70).map { "m\($0)" }
        let full = JSONObject(many.map { (name: $0, value: JSONValue.int(1)) })
        compareReaders(full, "70 members", members: many)
        compareReaders(full.removing("m69"), "70 members, last missing", members: many)
        compareReaders(full.removing("m3"), "70 members, one missing", members: many)
        compareReaders(JSONObject(full.members + [(name: "m68", value: .null)]).removing("m69"), "repeated", members: many)
    }

    /// Both readers on `object` with the member list `members` (default: its own names), every
    /// object type, then every accessor on every name.
    func compareReaders(_ object: JSONObject, _ what: String, members: [String]? = nil,
                        file: StaticString = #filePath, line: UInt = #line) {
        let list = members ?? object.names
        for type in [nil, ObjectType.receipt, .checkpoint] {
            let fast = Result { () throws(FormatError) -> ObjectReader in try ObjectReader(.object(object), path: "p", members: list, type: type) }
            let reference = Result { () throws(FormatError) -> ReferenceReader in try ReferenceReader(.object(object), path: "p", members: list, type: type) }
            assertSameDecoding(fast.map { _ in 0 }, reference.map { _ in 0 }, "init \(what) \(list) \(type?.rawValue ?? "")", file: file, line: line)
            guard type == nil, case .success(let r) = fast, case .success(let ref) = reference else { continue }
            for name in Set(list + object.names + ["type", "absent"]).sorted() {
                let w = "\(what) member \(name.unicodeScalars.map(\.value))"
                func same<T: Equatable>(_ a: () throws(FormatError) -> T, _ b: () throws(FormatError) -> T, _ label: String) {
                    assertSameDecoding(Result(catching: a), Result(catching: b), label + " " + w, file: file, line: line)
                }
                same({ () throws(FormatError) in try r.value(name) }, { () throws(FormatError) in try ref.value(name) }, "value")
                for rep in [Repertoire.token, .printable, .any] {
                    for maxBytes in [0, 5, 128, 1024] {
                        same({ () throws(FormatError) in try r.string(name, repertoire: rep, maxBytes: maxBytes) },
                             { () throws(FormatError) in try ref.string(name, repertoire: rep, maxBytes: maxBytes) }, "string")
                    }
                    same({ () throws(FormatError) in try r.optionalString(name, repertoire: rep) },
                         { () throws(FormatError) in try ref.optionalString(name, repertoire: rep) }, "optionalString")
                }
                same({ () throws(FormatError) in try r.int(name, min: 0) }, { () throws(FormatError) in try ref.int(name, min: 0) }, "int")
                same({ () throws(FormatError) in try r.hash(name) }, { () throws(FormatError) in try ref.hash(name) }, "hash")
                same({ () throws(FormatError) in try r.optionalHash(name) }, { () throws(FormatError) in try ref.optionalHash(name) }, "optionalHash")
                for maxBytes in [2, 64, 8192] {
                    same({ () throws(FormatError) in try r.base64url(name, maxBytes: maxBytes) },
                         { () throws(FormatError) in try ref.base64url(name, maxBytes: maxBytes) }, "base64url")
                }
                same({ () throws(FormatError) in try r.enumeration(name, Receipt.Event.self) },
                     { () throws(FormatError) in try ref.enumeration(name, Receipt.Event.self) }, "enumeration")
                same({ () throws(FormatError) in try r.object(name, members: ["alg"]).path },
                     { () throws(FormatError) in try ref.object(name, members: ["alg"]).path }, "object")
                same({ () throws(FormatError) in r.field(name) }, { () throws(FormatError) in ref.field(name) }, "field")
            }
            same2(r, ref, what, file: file, line: line)
        }
    }

    private func same2(_ r: ObjectReader, _ ref: ReferenceReader, _ what: String, file: StaticString, line: UInt) {
        assertSameDecoding(Result { () throws(FormatError) in try r.expectType(.receipt) }.map { _ in 0 },
                           Result { () throws(FormatError) in try ref.expectType(.receipt) }.map { _ in 0 }, "expectType \(what)", file: file, line: line)
    }

    func forEachObject(_ value: JSONValue, _ body: (JSONObject) -> Void) {
        switch value {
        case .object(let o):
            body(o)
            for m in o.members { forEachObject(m.value, body) }
        case .array(let a):
            for e in a { forEachObject(e, body) }
        default:
            break
        }
    }

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

// MARK: - The reference decoder (the object reader before tuning)

/// `Receipt(_:)` as written with the reference reader (the same steps as `Receipt.init`).
func referenceReceipt(_ value: JSONValue) throws(FormatError) -> Receipt {
    let r = try ReferenceReader(value, members: Receipt.members, type: .receipt)
    try r.expectType(.receipt)
    var receipt = Receipt(
        artifactRef: try r.hash("artifact_ref"), sessionID: try r.string("session_id", repertoire: .token),
        seq: try r.int("seq", min: 0), timeMS: try r.int("time_ms", min: 0), event: try r.enumeration("event", Receipt.Event.self),
        tool: try r.optionalString("tool", repertoire: .token), decision: try r.enumeration("decision", Receipt.Decision.self),
        reason: try r.enumeration("reason", Receipt.Reason.self), limit: try r.optionalString("limit", repertoire: .token),
        payloadHash: try r.hash("payload_hash"), prev: try r.hash("prev"))
    let s = try r.object("signature", members: SignatureBlock.members)
    let alg = try s.string("alg", repertoire: .token)
    guard let profile = Profile(rawValue: alg) else {
        throw FormatError(.unknownAlgorithm, field: s.field("alg"), "unknown signature algorithm \"\(alg)\"")
    }
    let keyID = try s.hash("key_id")
    let sig = try s.base64url("sig", maxBytes: 8192)
    guard sig.count == profile.signatureBytes else {
        throw FormatError(.signatureLength, field: s.field("sig"), "\(profile.rawValue) signatures are \(profile.signatureBytes) bytes, found \(sig.count)")
    }
    receipt.signature = SignatureBlock(profile: profile, keyID: keyID, sig: sig)
    try referenceCoherence(receipt)
    return receipt
}

/// Receipt's coherence rules, as `Receipt.checkCoherence` states them.
func referenceCoherence(_ r: Receipt) throws(FormatError) {
    switch r.event {
    case .toolCall, .toolResult:
        guard r.tool != nil else { throw FormatError(.value, field: "tool", "a \(r.event.rawValue) receipt names its tool") }
    case .measurement:
        guard r.tool == nil else { throw FormatError(.value, field: "tool", "a measurement receipt names no tool") }
    }
    let allowed: Bool
    switch (r.event, r.decision) {
    case (.toolCall, .allow), (.measurement, .allow), (.toolResult, .record):
        allowed = r.reason == .ok
    case (.toolCall, .deny):
        allowed = r.reason != .ok && r.reason != .upstreamError
    case (.toolResult, .deny):
        allowed = r.reason == .artifactExpired || r.reason == .upstreamError
    case (.measurement, .deny), (.measurement, .phantom), (.toolCall, .phantom):
        allowed = r.reason == .runtimeDrift || r.reason == .behavioralDrift
    default:
        allowed = false
    }
    guard allowed else {
        throw FormatError(.value, field: "reason", "\(r.event.rawValue) with decision \(r.decision.rawValue) cannot have reason \(r.reason.rawValue)")
    }
    guard (r.reason == .rateLimited) == (r.limit != nil) else {
        throw FormatError(.value, field: "limit", "limit is set exactly when the reason is rate_limited")
    }
}

/// The object reader as it was before it was tuned, kept verbatim (less the accessors the
/// receipt does not use) as the reference for differential tests.
struct ReferenceReader {
    let object: JSONObject
    let path: String

    init(_ value: JSONValue, path: String = "", members: [String], type: ObjectType? = nil) throws(FormatError) {
        guard case .object(let object) = value else {
            throw FormatError(.notObject, field: path, "expected a JSON object")
        }
        if let type, case .string(let name)? = object["type"] {
            guard let found = ObjectType(rawValue: name) else {
                throw FormatError(.unknownType, field: Self.join(path, "type"), "unknown object type \"\(name)\"")
            }
            guard found == type else {
                throw FormatError(.wrongType, field: Self.join(path, "type"), "expected \"\(type.rawValue)\", found \"\(name)\"")
            }
        }
        let allowed = members.map { Array($0.utf8) }
        for name in object.names where !allowed.contains(Array(name.utf8)) {
            throw FormatError(.unknownMember, field: Self.join(path, name), "member is not defined for this object")
        }
        for name in members where object[name] == nil {
            throw FormatError(.missingMember, field: Self.join(path, name), "required member is missing")
        }
        self.object = object
        self.path = path
    }

    static func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    func field(_ name: String) -> String { Self.join(path, name) }

    func value(_ name: String) throws(FormatError) -> JSONValue {
        guard let v = object[name] else {
            throw FormatError(.missingMember, field: field(name), "required member is missing")
        }
        return v
    }

    func expectType(_ type: ObjectType) throws(FormatError) {
        let name = try string("type", repertoire: .token)
        guard let found = ObjectType(rawValue: name) else {
            throw FormatError(.unknownType, field: field("type"), "unknown object type \"\(name)\"")
        }
        guard found == type else {
            throw FormatError(.wrongType, field: field("type"), "expected \"\(type.rawValue)\", found \"\(name)\"")
        }
        let version = try int("version", min: 0, max: Int64(Int32.max))
        guard version == 1 else {
            throw FormatError(.version, field: field("version"), "unsupported version \(version); this verifier knows version 1")
        }
    }

    func string(_ name: String, repertoire: Repertoire, maxBytes: Int = 128) throws(FormatError) -> String {
        guard case .string(let s) = try value(name) else {
            throw FormatError(.memberType, field: field(name), "expected a string")
        }
        try Self.check(repertoire, s, field: field(name), maxBytes: maxBytes)
        return s
    }

    func optionalString(_ name: String, repertoire: Repertoire, maxBytes: Int = 128) throws(FormatError) -> String? {
        if case .null = try value(name) { return nil }
        return try string(name, repertoire: repertoire, maxBytes: maxBytes)
    }

    func int(_ name: String, min: Int64, max: Int64 = maxSafeInteger) throws(FormatError) -> Int64 {
        guard case .number(let n) = try value(name), case .integer(let i) = n else {
            throw FormatError(.memberType, field: field(name), "expected an integer")
        }
        guard i >= min, i <= max else {
            throw FormatError(.value, field: field(name), "\(i) is outside \(min)...\(max)")
        }
        return i
    }

    func hash(_ name: String) throws(FormatError) -> Hash256 {
        let s = try string(name, repertoire: .any, maxBytes: 1024)
        return try Self.parseHash(s, field: field(name))
    }

    func optionalHash(_ name: String) throws(FormatError) -> Hash256? {
        if case .null = try value(name) { return nil }
        return try hash(name)
    }

    static func parseHash(_ s: String, field: String) throws(FormatError) -> Hash256 {
        let bytes: [UInt8]
        do {
            bytes = try Hex.decodeStrict(s, expectedBytes: Hash256.byteCount)
        } catch {
            throw FormatError(rawCode: error.code.rawValue, field: field, error.reason)
        }
        guard let h = Hash256(bytes: bytes) else {
            throw FormatError(.value, field: field, "a hash is 32 bytes")
        }
        return h
    }

    func base64url(_ name: String, maxBytes: Int) throws(FormatError) -> [UInt8] {
        let s = try string(name, repertoire: .any, maxBytes: (maxBytes * 4 + 2) / 3)
        do {
            return try Base64URL.decode(s)
        } catch {
            throw FormatError(rawCode: error.code.rawValue, field: field(name), error.reason)
        }
    }

    func object(_ name: String, members: [String]) throws(FormatError) -> ReferenceReader {
        try ReferenceReader(try value(name), path: field(name), members: members)
    }

    func enumeration<E: RawRepresentable>(_ name: String, _: E.Type) throws(FormatError) -> E where E.RawValue == String {
        let s = try string(name, repertoire: .token)
        guard let e = E(rawValue: s) else {
            throw FormatError(.value, field: field(name), "\"\(s)\" is not an allowed value")
        }
        return e
    }

    static func check(_ repertoire: Repertoire, _ s: String, field: String, maxBytes: Int) throws(FormatError) {
        let utf8 = s.utf8
        guard utf8.count <= maxBytes else {
            throw FormatError(.value, field: field, "longer than \(maxBytes) bytes")
        }
        switch repertoire {
        case .any:
            return
        case .token:
            guard !utf8.isEmpty, utf8.allSatisfy(Repertoire.isTokenByte) else {
                throw FormatError(.value, field: field, "must be 1 to \(maxBytes) characters of A-Z a-z 0-9 . _ : / -")
            }
        case .printable:
            guard !utf8.isEmpty, utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7e }) else {
                throw FormatError(.value, field: field, "must be 1 to \(maxBytes) printable ASCII characters without spaces")
            }
        }
    }
}

/// Seeded randomness (SeededRandom), usable with `shuffle(using:)`.
struct SeededRandom: RandomNumberGenerator {
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

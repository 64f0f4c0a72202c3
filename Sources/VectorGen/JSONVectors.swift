import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// Strict JSON, canonical form, JSON Lines framing, base64url and hex malleability, and the schema
/// of every object. Mutations land in files whose failure has no side effect: the key file under
/// keys/ (information only), a checkpoint line (a checkpoint that does not parse is left out of
/// the later stages), a disclosure, or the manifest itself (nothing is checked against a manifest
/// that does not parse).
enum JSONVectors {
    static func add(to suite: Suite) {
        let base = Base("json", Bases.singleSpec("json", 2, tier: 2), suite: suite)
        let pub = Base64URL.encode(Keys.issuer.publicKey.bytes)
        let keyText = #"{"alg":"ed25519","public":"\#(pub)"}"#

        func keyFile(_ content: [UInt8]) -> [UInt8] { base.make(files: { f, _ in f.edit(f.keyPath) { $0 = content } }) }
        func k(_ name: String, _ bug: BugClass, _ code: String, _ d: String, _ content: [UInt8]) {
            suite.neg(name, bug, [code], "keys/ file: " + d, keyFile(content))
        }
        func kt(_ name: String, _ bug: BugClass, _ code: String, _ d: String, _ text: String) { k(name, bug, code, d, bytes(text)) }
        /// The key object with an extra member spliced in before "public" (so the names stay sorted).
        func extra(_ member: String) -> String { #"{"alg":"ed25519","public":"\#(pub)",\#(member)}"# }
        func extraBytes(_ member: [UInt8]) -> [UInt8] { bytes(#"{"alg":"ed25519","public":"\#(pub)","#) + member + bytes("}") }

        // Byte-order marks and encodings.
        k("json-bom-key", .jsonStrictness, "JSON_BOM", "a UTF-8 byte-order mark", [0xef, 0xbb, 0xbf] + bytes(keyText))
        k("json-bom-utf16-be", .jsonStrictness, "JSON_BOM", "a UTF-16 big-endian byte-order mark", [0xfe, 0xff] + bytes(keyText))
        k("json-bom-utf16-le", .jsonStrictness, "JSON_BOM", "a UTF-16 little-endian byte-order mark", [0xff, 0xfe] + bytes(keyText))
        k("json-empty", .jsonStrictness, "JSON_EMPTY", "an empty file", [])
        kt("json-whitespace-only", .jsonStrictness, "JSON_EMPTY", "only whitespace", "  \n ")
        k("json-utf8-overlong", .jsonStrictness, "JSON_INVALID_UTF8", "an overlong UTF-8 sequence (C0 AF) in a string", extraBytes(bytes(#""x":""#) + [0xc0, 0xaf] + bytes(#"""#)))
        k("json-utf8-encoded-surrogate", .jsonStrictness, "JSON_INVALID_UTF8", "a UTF-8-encoded surrogate (ED A0 80): a raw lone surrogate", extraBytes(bytes(#""x":""#) + [0xed, 0xa0, 0x80] + bytes(#"""#)))
        k("json-utf8-stray-continuation", .jsonStrictness, "JSON_INVALID_UTF8", "a stray continuation byte", extraBytes(bytes(#""x":""#) + [0x80] + bytes(#"""#)))
        k("json-utf8-truncated-sequence", .jsonStrictness, "JSON_INVALID_UTF8", "a three-byte sequence cut after two bytes", extraBytes(bytes(#""x":""#) + [0xe2, 0x82] + bytes(#"""#)))
        k("json-utf8-above-max", .jsonStrictness, "JSON_INVALID_UTF8", "a code point above U+10FFFF (F4 90 80 80)", extraBytes(bytes(#""x":""#) + [0xf4, 0x90, 0x80, 0x80] + bytes(#"""#)))
        k("json-utf8-byte-ff", .jsonStrictness, "JSON_INVALID_UTF8", "the byte FF", extraBytes(bytes(#""x":""#) + [0xff] + bytes(#"""#)))

        // Grammar.
        kt("json-trailing-comma", .jsonStrictness, "JSON_UNEXPECTED_BYTE", "a trailing comma", #"{"alg":"ed25519","public":"\#(pub)",}"#)
        kt("json-comment", .jsonStrictness, "JSON_UNEXPECTED_BYTE", "a comment before the object", "/*x*/" + keyText)
        kt("json-single-quotes", .jsonStrictness, "JSON_UNEXPECTED_BYTE", "a single-quoted name", #"{'alg':"ed25519","public":"\#(pub)"}"#)
        kt("json-unquoted-name", .jsonStrictness, "JSON_UNEXPECTED_BYTE", "an unquoted name", #"{alg:"ed25519","public":"\#(pub)"}"#)
        kt("json-vertical-tab", .jsonStrictness, "JSON_UNEXPECTED_BYTE", "a vertical tab used as whitespace", "\u{0B}" + keyText)
        kt("json-unexpected-end", .jsonStrictness, "JSON_UNEXPECTED_END", "the object is not closed", #"{"alg":"ed25519","public":"\#(pub)""#)
        kt("json-trailing-data", .jsonStrictness, "JSON_TRAILING_DATA", "a second value after the object", keyText + "{}")
        kt("json-trailing-garbage", .jsonStrictness, "JSON_TRAILING_DATA", "text after the object", keyText + " x")
        kt("json-invalid-literal", .jsonStrictness, "JSON_INVALID_LITERAL", "the literal tru", extra(#""x":tru"#))
        kt("json-invalid-literal-null", .jsonStrictness, "JSON_INVALID_LITERAL", "the literal nul", extra(#""x":nul"#))
        kt("json-nan", .jsonStrictness, "JSON_NONFINITE_LITERAL", "NaN", extra(#""x":NaN"#))
        kt("json-infinity", .jsonStrictness, "JSON_NONFINITE_LITERAL", "-Infinity", extra(#""x":-Infinity"#))
        kt("json-unterminated-string", .jsonStrictness, "JSON_UNTERMINATED_STRING", "the input ends inside a string", #"{"alg":"ed25519","public":"\#(pub)"#)
        kt("json-control-character", .jsonStrictness, "JSON_CONTROL_CHARACTER", "a raw tab inside a string", extra("\"x\":\"a\tb\""))
        kt("json-invalid-escape", .jsonStrictness, "JSON_INVALID_ESCAPE", "the escape \\x41", extra(#""x":"\x41""#))
        kt("json-short-unicode-escape", .jsonStrictness, "JSON_INVALID_ESCAPE", "\\u followed by two hex digits", extra(#""x":"\u12""#))
        kt("json-lone-high-surrogate", .jsonStrictness, "JSON_LONE_SURROGATE", "an escaped high surrogate alone", extra(#""x":"\ud800""#))
        kt("json-lone-low-surrogate", .jsonStrictness, "JSON_LONE_SURROGATE", "an escaped low surrogate alone", extra(#""x":"\udc00""#))
        kt("json-reversed-surrogates", .jsonStrictness, "JSON_LONE_SURROGATE", "a low surrogate before a high one", extra(#""x":"\udc00\ud800""#))
        kt("json-high-surrogate-then-letter", .jsonStrictness, "JSON_LONE_SURROGATE", "a high surrogate followed by a plain letter", extra(#""x":"\ud83dA""#))
        kt("json-duplicate-name", .jsonStrictness, "JSON_DUPLICATE_NAME", "the member alg twice", #"{"alg":"ed25519","alg":"ed25519","public":"\#(pub)"}"#)
        kt("json-duplicate-name-escaped", .jsonStrictness, "JSON_DUPLICATE_NAME", "alg and \\u0061lg: the same name after unescaping", #"{"alg":"ed25519","public":"\#(pub)","\u0061lg":"ed25519"}"#)
        kt("json-invalid-number-plus", .jsonStrictness, "JSON_INVALID_NUMBER", "the number +1", extra(#""x":+1"#))
        kt("json-invalid-number-dot", .jsonStrictness, "JSON_INVALID_NUMBER", "the number .5", extra(#""x":.5"#))
        kt("json-invalid-number-minus", .jsonStrictness, "JSON_INVALID_NUMBER", "a lone minus sign", extra(#""x":-"#))
        kt("json-invalid-number-exponent", .jsonStrictness, "JSON_INVALID_NUMBER", "the number 1e", extra(#""x":1e"#))
        kt("json-leading-zero", .jsonStrictness, "JSON_LEADING_ZERO", "the number 01", extra(#""x":01"#))
        kt("json-number-not-integer", .jsonStrictness, "JSON_NUMBER_NOT_INTEGER", "the number 1.5", extra(#""x":1.5"#))
        kt("json-number-integral-fraction", .jsonStrictness, "JSON_NUMBER_NOT_INTEGER", "the number 1.0: integral, but not an integer literal", extra(#""x":1.0"#))
        kt("json-number-exponent", .jsonStrictness, "JSON_NUMBER_NOT_INTEGER", "the number 1e2", extra(#""x":1e2"#))
        kt("json-big-integer", .jsonStrictness, "JSON_INTEGER_RANGE", "2^53, one past the largest exact integer", extra(#""x":9007199254740992"#))
        kt("json-big-negative-integer", .jsonStrictness, "JSON_INTEGER_RANGE", "-2^53", extra(#""x":-9007199254740992"#))
        kt("json-number-too-long", .jsonBounds, "JSON_NUMBER_TOO_LONG", "a number literal of 129 digits", extra(#""x":1"# + String(repeating: "0", count: 128)))

        // Bounds.
        kt("json-depth-17", .jsonBounds, "JSON_DEPTH", "nesting 17 deep (the limit is 16)", extra(#""x":"# + String(repeating: "[", count: 16) + String(repeating: "]", count: 16)))
        kt("json-depth-16-ok", .schema, "FORMAT_UNKNOWN_MEMBER", "nesting exactly 16 deep parses; the extra member is then refused", extra(#""x":"# + String(repeating: "[", count: 15) + String(repeating: "]", count: 15)))
        kt("json-too-many-members", .jsonBounds, "JSON_TOO_MANY_MEMBERS", "an object with 4099 members (the limit is 4096)",
           extra((0..<4097).map { #""m\#(pad4($0))":0"# }.joined(separator: ",")))
        kt("json-too-many-elements", .jsonBounds, "JSON_TOO_MANY_ELEMENTS", "an array of 65537 elements (the limit is 65536)",
           extra(#""x":["# + [String](repeating: "0", count: 65537).joined(separator: ",") + "]"))
        kt("json-string-too-long", .jsonBounds, "JSON_STRING_TOO_LONG", "a string of 65537 bytes (the limit is 65536)", extra(#""x":""# + String(repeating: "a", count: 65537) + "\""))

        // Canonical form.
        kt("json-noncanonical-whitespace", .jsonCanonical, "JSON_NOT_CANONICAL", "a space after a colon", #"{"alg": "ed25519","public":"\#(pub)"}"#)
        kt("json-noncanonical-order", .jsonCanonical, "JSON_NOT_CANONICAL", "members not in sorted order", #"{"public":"\#(pub)","alg":"ed25519"}"#)
        kt("json-noncanonical-escaped-letter", .jsonCanonical, "JSON_NOT_CANONICAL", "an escaped letter (\\u0065) where JCS writes the letter", #"{"alg":"\u0065d25519","public":"\#(pub)"}"#)
        kt("json-noncanonical-trailing-newline", .jsonCanonical, "JSON_NOT_CANONICAL", "a newline after the object", keyText + "\n")
        kt("json-noncanonical-leading-space", .jsonCanonical, "JSON_NOT_CANONICAL", "a space before the object", " " + keyText)
        kt("json-noncanonical-negative-zero", .jsonCanonical, "JSON_NOT_CANONICAL", "the number -0 (canonically 0)", extra(#""x":-0"#))
        kt("json-noncanonical-uppercase-escape", .jsonCanonical, "JSON_NOT_CANONICAL", "a control character escaped with uppercase hex (\\u001F)", extra(#""x":"\u001F""#))
        kt("json-noncanonical-short-escape", .jsonCanonical, "JSON_NOT_CANONICAL", "a newline written \\u000a where JCS writes \\n", extra(#""x":"\u000a""#))
        kt("json-noncanonical-utf16-order", .jsonCanonical, "JSON_NOT_CANONICAL", "names sorted by code point, not by UTF-16 code unit (U+FB33 before U+1F600)",
           extra("\"x\":{\"\u{FB33}\":0,\"\u{1F600}\":0}"))

        // The same rules on other files.
        let manifestBytes = base.entries()[0].bytes
        func manifestRaw(_ b: [UInt8]) -> [UInt8] { base.make(raw: { e in e[0].bytes = b }) }
        suite.neg("json-bom-manifest", .jsonStrictness, ["JSON_BOM"], "manifest.json starts with a byte-order mark", manifestRaw([0xef, 0xbb, 0xbf] + manifestBytes))
        suite.neg("json-noncanonical-manifest", .jsonCanonical, ["JSON_NOT_CANONICAL"], "manifest.json pretty-printed with a trailing newline", manifestRaw(manifestBytes + [0x0a]))
        suite.neg("json-duplicate-name-manifest", .jsonStrictness, ["JSON_DUPLICATE_NAME"], "manifest.json with tier twice",
                  manifestRaw(replacing(manifestBytes, #""tier":2"#, #""tier":2,"tier":1"#)))
        suite.neg("json-big-integer-manifest", .jsonStrictness, ["JSON_INTEGER_RANGE"], "manifest.json: a file size of 2^53",
                  manifestRaw(replacing(manifestBytes, #""size":"#, #""size":9007199254740992"#).filterFirstNumberAfter(#""size":9007199254740992"#)))
        func checkpointLine(_ b: [UInt8]) -> [UInt8] { base.make(files: { f, _ in f.editLines(checkpointsPath) { $0[0] = b } }) }
        let cp = base.built.checkpointDocs[0]
        suite.neg("json-bom-checkpoint-line", .jsonStrictness, ["JSON_BOM"], "a checkpoint line starting with a byte-order mark", checkpointLine([0xef, 0xbb, 0xbf] + cp))
        suite.neg("json-noncanonical-checkpoint-line", .jsonCanonical, ["JSON_NOT_CANONICAL"], "a checkpoint line with a space after the first comma",
                  checkpointLine(replacing(cp, ",", ", ")))
        suite.neg("json-big-integer-checkpoint", .jsonStrictness, ["JSON_INTEGER_RANGE"], "a checkpoint whose time_ms is 2^53 + 1, inside a signed object",
                  checkpointLine(editObject(cp) { $0 = $0.setting("time_ms", .number(.double(9007199254740994))) }))
        suite.neg("json-float-checkpoint", .jsonStrictness, ["JSON_NUMBER_NOT_INTEGER"], "a checkpoint whose tree_size is 2.5",
                  checkpointLine(editObject(cp) { $0 = $0.setting("tree_size", .number(.double(2.5))) }))
        let disclosurePath = base.built.files.first { $0.path.hasPrefix("payloads/") }!.path
        let disclosure = base.built.files.first { $0.path.hasPrefix("payloads/") }!.bytes
        func disclosureFile(_ b: [UInt8]) -> [UInt8] { base.make(files: { f, _ in f.edit(disclosurePath) { $0 = b } }) }
        suite.neg("json-bom-disclosure", .jsonStrictness, ["JSON_BOM"], "a disclosure starting with a byte-order mark", disclosureFile([0xef, 0xbb, 0xbf] + disclosure))
        suite.neg("json-lone-surrogate-disclosure", .jsonStrictness, ["JSON_LONE_SURROGATE"], "a disclosure with an escaped lone surrogate in an extra member",
                  disclosureFile(replacing(disclosure, #""payload":"#, #""p":"\udfff","payload":"#)))
        suite.neg("json-truncated-disclosure", .jsonStrictness, ["JSON_UNEXPECTED_END"], "a disclosure cut short after its first member",
                  disclosureFile(Array(disclosure.prefix(disclosure.firstIndex(of: UInt8(ascii: ","))!))))

        // JSON Lines framing.
        suite.neg("jsonl-blank-line-end", .jsonStrictness, ["JSONL_BLANK_LINE"], "checkpoints.jsonl ends with an empty line",
                  base.make(files: { f, _ in f.edit(checkpointsPath) { $0 += [0x0a] } }))
        suite.neg("jsonl-blank-line-start", .jsonStrictness, ["JSONL_BLANK_LINE"], "checkpoints.jsonl starts with an empty line",
                  base.make(files: { f, _ in f.edit(checkpointsPath) { $0 = [0x0a] + $0 } }))
        suite.neg("jsonl-no-final-newline", .jsonStrictness, ["JSONL_NO_FINAL_NEWLINE"], "the last line of checkpoints.jsonl has no newline",
                  base.make(files: { f, _ in f.edit(checkpointsPath) { $0.removeLast() } }))
        suite.neg("jsonl-crlf", .jsonCanonical, ["JSON_NOT_CANONICAL"], "checkpoints.jsonl with CRLF line ends (the CR is trailing whitespace)",
                  base.make(files: { f, _ in f.edit(checkpointsPath) { $0.insert(0x0d, at: $0.count - 1) } }))
        suite.neg("jsonl-empty-checkpoints", .jsonStrictness, ["JSONL_EMPTY"], "checkpoints.jsonl is empty",
                  base.make(files: { f, _ in f.edit(checkpointsPath) { $0 = [] } }))
        suite.neg("jsonl-empty-receipts", .jsonStrictness, ["JSONL_EMPTY"], "receipts.jsonl is empty",
                  base.make(spec: { $0.tier = 1 }, files: { f, _ in f.edit(receiptsPath) { $0 = [] } }))
        suite.neg("jsonl-line-too-long", .jsonBounds, ["JSONL_LINE_TOO_LONG"], "a checkpoint line of more than 64 KiB",
                  base.make(files: { f, _ in f.editObjectLine(checkpointsPath, 0) { $0 = $0.setting("pad", .string(String(repeating: "a", count: 65_600))) } }))
        suite.neg("jsonl-two-objects-one-line", .jsonStrictness, ["JSON_TRAILING_DATA"], "two checkpoints on one line",
                  base.make(files: { f, _ in f.editLines(checkpointsPath) { $0[0] = $0[0] + $0[0] } }))

        // A document over the 8 MiB limit, supplied beside the bundle (inside a bundle the archive
        // stage's per-file cap catches it first).
        let tier1 = Base("json-tier1", Bases.singleSpec("json", 2), suite: suite)
        suite.neg("json-too-large-external", .jsonBounds, ["JSON_TOO_LARGE"], "a disclosure file beside the bundle of 8 MiB + 1 bytes",
                  tier1.bundle(), payloads: [("\(tier1.receipts[0].hash.hex).json", [UInt8](repeating: 0x20, count: (8 << 20) + 1))])

        EncodingVectors.add(to: suite, base: base)
        SchemaVectors.add(to: suite, base: base)
    }
}

func pad4(_ n: Int) -> String {
    let s = String(n)
    return String(repeating: "0", count: max(0, 4 - s.count)) + s
}

extension Array where Element == UInt8 {
    /// After `marker`, drops the digits of the number that followed the original `"size":`.
    func filterFirstNumberAfter(_ marker: String) -> [UInt8] {
        let m = Array(marker.utf8)
        guard let s = (0...(count - m.count)).first(where: { self[$0..<($0 + m.count)].elementsEqual(m) }) else { return self }
        var out = self
        var i = s + m.count
        while i < out.count, (0x30...0x39).contains(out[i]) { out.remove(at: i) }
        i = s + m.count
        return out
    }
}

import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

/// The same bytes in a non-canonical base64url text: the last character's unused bits set.
func base64Tweak(_ s: String) -> String {
    var c = Array(s)
    guard let last = c.last, let i = base64Alphabet.firstIndex(of: last) else { return s }
    c[c.count - 1] = base64Alphabet[i + 1]
    return String(c)
}

func insert(_ s: String, _ x: String, at i: Int) -> String {
    var c = Array(s)
    c.insert(contentsOf: Array(x), at: i)
    return String(c)
}

func replaceChar(_ s: String, at i: Int, with x: Character) -> String {
    var c = Array(s)
    c[i] = x
    return String(c)
}

/// Hex and base64url malleability: every other spelling of the same bytes is refused.
enum EncodingVectors {
    static func add(to suite: Suite, base: Base) {
        let cp = base.built.checkpointDocs[0]
        func checkpoint(_ change: @escaping (inout JSONObject) -> Void) -> [UInt8] {
            base.make(files: { f, _ in f.editLines(checkpointsPath) { $0[0] = editObject(cp, change) } })
        }
        func cpField(_ name: String, _ bug: BugClass, _ codes: [String], _ d: String, _ change: @escaping (inout JSONObject) -> Void) {
            suite.neg(name, bug, codes, "checkpoint: " + d, checkpoint(change))
        }
        guard case .object(let cpObject)? = try? JSONParser.parse(cp, options: .evidence),
              case .string(let root)? = cpObject["root_hash"], case .object(let sigObject)? = cpObject["signature"],
              case .string(let sig)? = sigObject["sig"], case .string(let keyID)? = sigObject["key_id"] else {
            fatalErrorInGenerator("checkpoint shape")
        }
        func setRoot(_ v: String) -> (inout JSONObject) -> Void { { $0 = $0.setting("root_hash", .string(v)) } }
        func setSig(_ name: String, _ v: String) -> (inout JSONObject) -> Void {
            { $0 = $0.setting("signature", .object(sigObject.setting(name, .string(v)))) }
        }

        cpField("enc-hex-uppercase", .encodingMalleability, ["ENC_HEX_UPPERCASE"], "root_hash in uppercase hex", setRoot(root.uppercased()))
        cpField("enc-hex-mixed-case", .encodingMalleability, ["ENC_HEX_UPPERCASE"], "root_hash with one uppercase digit", setRoot(replaceChar(root, at: 63, with: "F")))
        cpField("enc-hex-character", .encodingMalleability, ["ENC_HEX_CHARACTER"], "root_hash with a g", setRoot(replaceChar(root, at: 10, with: "g")))
        cpField("enc-hex-0x-prefix", .encodingMalleability, ["ENC_HEX_CHARACTER"], "root_hash with a 0x prefix (and 62 digits)", setRoot("0x" + root.dropLast(2)))
        cpField("enc-hex-whitespace", .encodingMalleability, ["ENC_HEX_CHARACTER"], "root_hash with a space", setRoot(replaceChar(root, at: 32, with: " ")))
        cpField("enc-hex-odd-length", .encodingMalleability, ["ENC_HEX_ODD_LENGTH"], "root_hash of 63 digits", setRoot(String(root.dropLast())))
        cpField("enc-hex-short", .encodingMalleability, ["ENC_HEX_LENGTH"], "root_hash of 62 digits (31 bytes)", setRoot(String(root.dropLast(2))))
        cpField("enc-hex-empty", .encodingMalleability, ["ENC_HEX_LENGTH"], "an empty root_hash", setRoot(""))
        cpField("enc-hex-too-long", .encodingMalleability, ["ENC_HEX_LENGTH"], "root_hash of 66 digits (longer than any hash)", setRoot(root + "00"))
        cpField("enc-hex-key-id-uppercase", .encodingMalleability, ["ENC_HEX_UPPERCASE"], "signature.key_id in uppercase", setSig("key_id", keyID.uppercased()))
        cpField("enc-base64-padding", .encodingMalleability, ["ENC_BASE64_PADDING"], "signature.sig with == padding", setSig("sig", sig + "=="))
        cpField("enc-base64-plus", .encodingMalleability, ["ENC_BASE64_STANDARD_ALPHABET"], "signature.sig with + (standard alphabet)", setSig("sig", replaceChar(sig, at: 0, with: "+")))
        cpField("enc-base64-slash", .encodingMalleability, ["ENC_BASE64_STANDARD_ALPHABET"], "signature.sig with / (standard alphabet)", setSig("sig", replaceChar(sig, at: 3, with: "/")))
        cpField("enc-base64-whitespace", .encodingMalleability, ["ENC_BASE64_WHITESPACE"], "signature.sig wrapped with a space", setSig("sig", insert(sig, " ", at: 40)))
        cpField("enc-base64-newline", .encodingMalleability, ["ENC_BASE64_WHITESPACE"], "signature.sig wrapped with a newline", setSig("sig", insert(sig, "\n", at: 40)))
        cpField("enc-base64-character", .encodingMalleability, ["ENC_BASE64_CHARACTER"], "signature.sig with a dot", setSig("sig", replaceChar(sig, at: 20, with: ".")))
        cpField("enc-base64-length", .encodingMalleability, ["ENC_BASE64_LENGTH"], "signature.sig of 85 characters (length 1 mod 4)", setSig("sig", String(sig.dropLast())))
        cpField("enc-base64-noncanonical", .encodingMalleability, ["ENC_BASE64_NONCANONICAL"], "signature.sig whose last character has non-zero unused bits: the same 64 bytes, another text", setSig("sig", base64Tweak(sig)))
        cpField("enc-signature-short", .encodingMalleability, ["FORMAT_SIGNATURE_LENGTH"], "signature.sig of 63 bytes", setSig("sig", Base64URL.encode(Array((try? Base64URL.decode(sig)) ?? []).dropLast())))
        cpField("enc-signature-long", .encodingMalleability, ["FORMAT_SIGNATURE_LENGTH"], "signature.sig of 65 bytes", setSig("sig", Base64URL.encode(((try? Base64URL.decode(sig)) ?? []) + [0])))
        cpField("enc-signature-empty", .encodingMalleability, ["FORMAT_SIGNATURE_LENGTH"], "an empty signature.sig", setSig("sig", ""))

        // The key file's public member.
        let pub = Base64URL.encode(Keys.issuer.publicKey.bytes)
        func key(_ name: String, _ bug: BugClass, _ code: String, _ d: String, _ p: String) {
            suite.neg(name, bug, [code], "keys/ file: " + d,
                      base.make(files: { f, _ in f.edit(f.keyPath) { $0 = bytes(#"{"alg":"ed25519","public":"\#(p)"}"#) } }))
        }
        key("enc-key-padding", .encodingMalleability, "ENC_BASE64_PADDING", "public with = padding", pub + "=")
        key("enc-key-standard-alphabet", .encodingMalleability, "ENC_BASE64_STANDARD_ALPHABET", "public with +", replaceChar(pub, at: 1, with: "+"))
        key("enc-key-noncanonical", .encodingMalleability, "ENC_BASE64_NONCANONICAL", "public whose last character has non-zero unused bits", base64Tweak(pub))
        key("enc-key-length", .encodingMalleability, "ENC_BASE64_LENGTH", "public of 41 characters", String(pub.dropLast(2)))
        key("key-length-31", .schema, "FORMAT_KEY_LENGTH", "an Ed25519 public key of 31 bytes", Base64URL.encode(Array(Keys.issuer.publicKey.bytes.dropLast())))
        key("key-length-33", .schema, "FORMAT_KEY_LENGTH", "an Ed25519 public key of 33 bytes", Base64URL.encode(Keys.issuer.publicKey.bytes + [0]))
        key("key-small-order-zero", .signatureForgery, "CRYPTO_KEY_INVALID", "the all-zero key, a point of small order", Base64URL.encode([UInt8](repeating: 0, count: 32)))
        key("key-small-order-identity", .signatureForgery, "CRYPTO_KEY_INVALID", "the identity point (01 00 ... 00), of small order: every signature with S = 0 would verify",
            Base64URL.encode([1] + [UInt8](repeating: 0, count: 31)))
        key("key-noncanonical-y", .signatureForgery, "CRYPTO_KEY_INVALID", "a key encoding with y >= p (non-canonical)",
            Base64URL.encode([0xee] + [UInt8](repeating: 0xff, count: 30) + [0x7f]))

        // Disclosure salt and payload.
        let dPath = base.built.files.first { $0.path.hasPrefix("payloads/") }!.path
        func disclosure(_ name: String, _ codes: [String], _ d: String, _ change: @escaping (inout JSONObject) -> Void) {
            suite.neg(name, .encodingMalleability, codes, "disclosure: " + d, base.make(files: { f, _ in f.editDocument(dPath, change) }))
        }
        let salt = Base64URL.encode(base.receipts[0].salt)
        disclosure("enc-salt-noncanonical", ["ENC_BASE64_NONCANONICAL"], "salt whose last character has non-zero unused bits") { $0 = $0.setting("salt", .string(base64Tweak(salt))) }
        disclosure("enc-salt-padding", ["ENC_BASE64_PADDING"], "salt with = padding") { $0 = $0.setting("salt", .string(salt + "=")) }
        disclosure("enc-salt-short", ["FORMAT_VALUE"], "a salt of 31 bytes") { $0 = $0.setting("salt", .string(Base64URL.encode(Array(base.receipts[0].salt.dropLast())))) }
        disclosure("enc-payload-whitespace", ["ENC_BASE64_WHITESPACE"], "payload with a space") { o in
            if case .string(let p)? = o["payload"] { o = o.setting("payload", .string(insert(p, " ", at: 4))) }
        }
        disclosure("enc-receipt-hash-uppercase", ["ENC_HEX_UPPERCASE"], "receipt_hash in uppercase") { o in
            o = o.setting("receipt_hash", .string(base.receipts[0].hash.hex.uppercased()))
        }
    }
}

/// The schema of every object: exact member sets, types, ranges, sorted sets, coherent receipts.
enum SchemaVectors {
    static func add(to suite: Suite, base: Base) {
        let cp = base.built.checkpointDocs[0]
        func checkpointLine(_ name: String, _ code: String, _ d: String, bug: BugClass = .schema, _ line: [UInt8]) {
            suite.neg(name, bug, [code], "checkpoint: " + d, base.make(files: { f, _ in f.editLines(checkpointsPath) { $0[0] = line } }))
        }
        func cpEdit(_ name: String, _ code: String, _ d: String, bug: BugClass = .schema, _ change: @escaping (inout JSONObject) -> Void) {
            checkpointLine(name, code, d, bug: bug, editObject(cp, change))
        }
        checkpointLine("format-not-object-array", "FORMAT_NOT_OBJECT", "a line holding an array", bytes("[]"))
        checkpointLine("format-not-object-string", "FORMAT_NOT_OBJECT", "a line holding a string", bytes(#""checkpoint""#))
        checkpointLine("format-not-object-null", "FORMAT_NOT_OBJECT", "a line holding null", bytes("null"))
        cpEdit("format-wrong-type", "FORMAT_WRONG_TYPE", "type \"manifest\" in checkpoints.jsonl", bug: .typeConfusion) { $0 = $0.setting("type", .string("manifest")) }
        cpEdit("format-unknown-type", "FORMAT_UNKNOWN_TYPE", "type \"checkpoint_v2\"", bug: .unknownAlgorithm) { $0 = $0.setting("type", .string("checkpoint_v2")) }
        cpEdit("format-type-not-string", "FORMAT_MEMBER_TYPE", "type is a number") { $0 = $0.setting("type", .int(1)) }
        cpEdit("format-version-2", "FORMAT_VERSION", "version 2", bug: .unknownAlgorithm) { $0 = $0.setting("version", .int(2)) }
        cpEdit("format-version-0", "FORMAT_VERSION", "version 0") { $0 = $0.setting("version", .int(0)) }
        cpEdit("format-version-string", "FORMAT_MEMBER_TYPE", "version \"1\"") { $0 = $0.setting("version", .string("1")) }
        cpEdit("format-missing-member", "FORMAT_MISSING_MEMBER", "no time_ms") { $0 = $0.removing("time_ms") }
        cpEdit("format-missing-signature", "FORMAT_MISSING_MEMBER", "no signature member") { $0 = $0.removing("signature") }
        cpEdit("format-unknown-member", "FORMAT_UNKNOWN_MEMBER", "an extra member \"note\"") { $0 = $0.setting("note", .string("x")) }
        cpEdit("format-member-type-string-int", "FORMAT_MEMBER_TYPE", "tree_size as a string") { $0 = $0.setting("tree_size", .string("2")) }
        cpEdit("format-member-type-hash-null", "FORMAT_MEMBER_TYPE", "root_hash null") { $0 = $0.setting("root_hash", .null) }
        cpEdit("format-member-type-bool", "FORMAT_MEMBER_TYPE", "time_ms true") { $0 = $0.setting("time_ms", .bool(true)) }
        cpEdit("format-value-tree-size-0", "FORMAT_VALUE", "tree_size 0") { $0 = $0.setting("tree_size", .int(0)) }
        cpEdit("format-value-negative-time", "FORMAT_VALUE", "time_ms -1") { $0 = $0.setting("time_ms", .int(-1)) }
        cpEdit("format-signature-not-object", "FORMAT_NOT_OBJECT", "signature is a string") { o in
            if case .object(let s)? = o["signature"], case .string(let sig)? = s["sig"] { o = o.setting("signature", .string(sig)) }
        }
        cpEdit("format-signature-unknown-member", "FORMAT_UNKNOWN_MEMBER", "signature with an extra member") { o in
            if case .object(let s)? = o["signature"] { o = o.setting("signature", .object(s.setting("kid", .string("x")))) }
        }
        cpEdit("alg-unknown-signature", "FORMAT_UNKNOWN_ALG", "signature.alg \"ed448\"", bug: .unknownAlgorithm) { o in
            if case .object(let s)? = o["signature"] { o = o.setting("signature", .object(s.setting("alg", .string("ed448")))) }
        }
        cpEdit("alg-case-variant", "FORMAT_UNKNOWN_ALG", "signature.alg \"Ed25519\" (names are exact)", bug: .unknownAlgorithm) { o in
            if case .object(let s)? = o["signature"] { o = o.setting("signature", .object(s.setting("alg", .string("Ed25519")))) }
        }
        cpEdit("alg-composite-stripped", "FORMAT_SIGNATURE_LENGTH", "signature.alg \"mldsa65-ed25519\" with only a 64-byte Ed25519 component: a composite signature stripped to one part", bug: .signatureForgery) { o in
            if case .object(let s)? = o["signature"] { o = o.setting("signature", .object(s.setting("alg", .string("mldsa65-ed25519")))) }
        }
        let pub = Base64URL.encode(Keys.issuer.publicKey.bytes)
        func keyFile(_ name: String, _ code: String, _ d: String, bug: BugClass = .schema, _ text: String) {
            suite.neg(name, bug, [code], "keys/ file: " + d, base.make(files: { f, _ in f.edit(f.keyPath) { $0 = bytes(text) } }))
        }
        keyFile("alg-unknown-key", "FORMAT_UNKNOWN_ALG", "alg \"rsa\"", bug: .unknownAlgorithm, #"{"alg":"rsa","public":"\#(pub)"}"#)
        keyFile("format-key-missing-public", "FORMAT_MISSING_MEMBER", "no public member", #"{"alg":"ed25519"}"#)
        keyFile("format-key-not-object", "FORMAT_NOT_OBJECT", "an array", #"["ed25519","\#(pub)"]"#)

        // The manifest (not resealed: it is the manifest itself that breaks the rule).
        let manifest = base.entries()[0].bytes
        func man(_ name: String, _ code: String, _ d: String, bug: BugClass = .schema, knownVerifierBug: String? = nil, _ change: @escaping (inout JSONObject) -> Void) {
            suite.neg(name, bug, [code], "manifest: " + d, knownVerifierBug: knownVerifierBug, base.make(raw: { e in e[0].bytes = editObject(manifest, change) }))
        }
        man("format-manifest-wrong-type", "FORMAT_WRONG_TYPE", "type \"checkpoint\"", bug: .typeConfusion) { $0 = $0.setting("type", .string("checkpoint")) }
        man("format-manifest-tier-3", "FORMAT_VALUE", "tier 3") { $0 = $0.setting("tier", .int(3)) }
        man("format-manifest-tier-0", "FORMAT_VALUE", "tier 0") { $0 = $0.setting("tier", .int(0)) }
        man("format-manifest-scope", "FORMAT_VALUE", "scope \"partial\"") { $0 = $0.setting("scope", .string("partial")) }
        man("format-profile-unknown", "FORMAT_UNKNOWN_PROFILE", "profile \"ed448\", which the format does not define", bug: .unknownAlgorithm) {
            $0 = $0.setting("profile", .string("ed448"))
        }
        man("format-manifest-files-unsorted", "FORMAT_ORDER", "files not sorted by path") { o in
            if case .array(let f)? = o["files"] { o = o.setting("files", .array(f.reversed())) }
        }
        man("format-manifest-files-duplicate", "FORMAT_ORDER", "the same file listed twice") { o in
            if case .array(let f)? = o["files"] { o = o.setting("files", .array([f[0]] + f)) }
        }
        man("format-manifest-sessions-duplicate", "FORMAT_ORDER", "the same session listed twice") { o in
            if case .array(let s)? = o["sessions"] { o = o.setting("sessions", .array(s + s)) }
        }
        man("format-manifest-path-not-token", "FORMAT_VALUE", "a file path with a space") { o in
            if case .array(var f)? = o["files"], case .object(let first) = f[0] { f[0] = .object(first.setting("path", .string("keys/a b.json"))); o = o.setting("files", .array(f)) }
        }
        man("format-manifest-missing-complete-through", "FORMAT_MISSING_MEMBER", "no complete_through") { $0 = $0.removing("complete_through") }
        man("format-manifest-session-zero-receipts", "FORMAT_VALUE", "a session with 0 receipts") { o in
            if case .array(var s)? = o["sessions"], case .object(let first) = s[0] { s[0] = .object(first.setting("receipts", .int(0))); o = o.setting("sessions", .array(s)) }
        }

        // Disclosures.
        let dPath = base.built.files.first { $0.path.hasPrefix("payloads/") }!.path
        func disc(_ name: String, _ code: String, _ d: String, bug: BugClass = .schema, _ change: @escaping (inout JSONObject) -> Void) {
            suite.neg(name, bug, [code], "disclosure: " + d, base.make(files: { f, _ in f.editDocument(dPath, change) }))
        }
        disc("format-disclosure-wrong-type", "FORMAT_WRONG_TYPE", "type \"receipt\"", bug: .typeConfusion) { $0 = $0.setting("type", .string("receipt")) }
        disc("format-disclosure-version", "FORMAT_UNKNOWN_MEMBER", "a version member (disclosures are unversioned)") { $0 = $0.setting("version", .int(1)) }
        disc("format-disclosure-missing-salt", "FORMAT_MISSING_MEMBER", "no salt") { $0 = $0.removing("salt") }

        // Receipts: the rule-breaking receipt is signed and sealed into the log by the Portal, as the
        // last receipt of its session, so that nothing else depends on it.
        let tier1 = Base("schema-receipts", Bases.singleSpec("schema", 2), suite: suite)
        func receipt(_ name: String, _ codes: [String], _ d: String, bug: BugClass = .schema, _ change: @escaping (inout JSONObject) -> Void) {
            suite.neg(name, bug, codes, "receipt (last of its session, signed and logged): " + d, tier1.make(spec: { $0.receipts[1].seal.edit = change }))
        }
        receipt("receipt-measurement-with-tool", ["FORMAT_VALUE"], "a measurement naming a tool") { $0 = $0.setting("event", .string("measurement")).setting("decision", .string("allow")) }
        receipt("receipt-call-without-tool", ["FORMAT_VALUE"], "a tool_call with tool null") { $0 = $0.setting("event", .string("tool_call")).setting("decision", .string("allow")).setting("tool", .null) }
        receipt("receipt-allow-with-denial-reason", ["FORMAT_VALUE"], "allow with reason tool_not_allowed") { $0 = $0.setting("event", .string("tool_call")).setting("decision", .string("allow")).setting("reason", .string("tool_not_allowed")) }
        receipt("receipt-deny-with-ok", ["FORMAT_VALUE"], "deny with reason ok") { $0 = $0.setting("event", .string("tool_call")).setting("decision", .string("deny")) }
        receipt("receipt-rate-limited-without-limit", ["FORMAT_VALUE"], "rate_limited with limit null") { $0 = $0.setting("event", .string("tool_call")).setting("decision", .string("deny")).setting("reason", .string("rate_limited")) }
        receipt("receipt-limit-without-rate-limited", ["FORMAT_VALUE"], "a limit on an allow") { $0 = $0.setting("limit", .string("search-burst")) }
        receipt("receipt-result-allowed", ["FORMAT_VALUE"], "a tool_result with decision allow") { $0 = $0.setting("decision", .string("allow")) }
        receipt("receipt-unknown-decision", ["FORMAT_VALUE"], "decision \"maybe\"", bug: .unknownAlgorithm) { $0 = $0.setting("decision", .string("maybe")) }
        receipt("receipt-unknown-event", ["FORMAT_VALUE"], "event \"prompt\"", bug: .unknownAlgorithm) { $0 = $0.setting("event", .string("prompt")) }
        receipt("receipt-unknown-reason", ["FORMAT_VALUE"], "reason \"because\"", bug: .unknownAlgorithm) { $0 = $0.setting("reason", .string("because")) }
        receipt("receipt-session-id-space", ["FORMAT_VALUE"], "a session_id with a space") { $0 = $0.setting("session_id", .string("so lo")) }
        receipt("receipt-session-id-empty", ["FORMAT_VALUE"], "an empty session_id") { $0 = $0.setting("session_id", .string("")) }
        receipt("receipt-tool-too-long", ["FORMAT_VALUE"], "a tool name of 129 bytes") { $0 = $0.setting("tool", .string(String(repeating: "t", count: 129))) }
        receipt("receipt-seq-negative", ["FORMAT_VALUE"], "seq -1") { $0 = $0.setting("seq", .int(-1)) }
        receipt("receipt-seq-string", ["FORMAT_MEMBER_TYPE"], "seq \"1\"") { $0 = $0.setting("seq", .string("1")) }
        receipt("receipt-wrong-type", ["FORMAT_WRONG_TYPE"], "type \"checkpoint\" in receipts.jsonl", bug: .typeConfusion) { $0 = $0.setting("type", .string("checkpoint")) }
        receipt("receipt-unknown-type", ["FORMAT_UNKNOWN_TYPE"], "type \"receipt_v2\"", bug: .unknownAlgorithm) { $0 = $0.setting("type", .string("receipt_v2")) }
        receipt("receipt-version-2", ["FORMAT_VERSION"], "version 2", bug: .unknownAlgorithm) { $0 = $0.setting("version", .int(2)) }
        receipt("receipt-unknown-member", ["FORMAT_UNKNOWN_MEMBER"], "an extra member \"arguments\" (a payload leaking into the receipt)") { $0 = $0.setting("arguments", .string("{}")) }
        receipt("receipt-missing-prev", ["FORMAT_MISSING_MEMBER"], "no prev") { $0 = $0.removing("prev") }
        receipt("receipt-payload-hash-uppercase", ["ENC_HEX_UPPERCASE"], "payload_hash in uppercase", bug: .encodingMalleability) { o in
            if case .string(let p)? = o["payload_hash"] { o = o.setting("payload_hash", .string(p.uppercased())) }
        }
        receipt("receipt-prev-odd-length", ["ENC_HEX_ODD_LENGTH"], "prev of 63 digits", bug: .encodingMalleability) { o in
            if case .string(let p)? = o["prev"] { o = o.setting("prev", .string(String(p.dropLast()))) }
        }
        receipt("receipt-big-time", ["JSON_INTEGER_RANGE"], "time_ms 2^53", bug: .jsonStrictness) { $0 = $0.setting("time_ms", .number(.double(9007199254740992))) }
        receipt("receipt-fractional-seq", ["JSON_NUMBER_NOT_INTEGER"], "seq 1.5", bug: .jsonStrictness) { $0 = $0.setting("seq", .number(.double(1.5))) }
    }
}

import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// Sub-mandates that widen their parent, and the schema of the artifact itself.
enum ArtifactVectors {
    static func add(to suite: Suite) {
        let main = Base("artifact-main", Bases.mainSpec(), suite: suite)
        func child(_ name: String, _ codes: [String], _ d: String, bug: BugClass = .submandateWidening, _ change: @escaping (inout PolicyArtifact) -> Void) {
            suite.neg(name, bug, codes, "the sub-mandate (session beta's artifact), signed by the issuer: " + d,
                      main.make(spec: { change(&$0.artifacts[1].artifact) }))
        }
        child("submandate-extra-tool", ["SUBMANDATE_TOOLS"], "adds a tool the parent does not allow") { $0.tools.append(.init(name: "x_admin", requiredParams: [])) }
        child("submandate-tool-swapped", ["SUBMANDATE_TOOLS"], "replaces read_file by delete_file") { $0.tools[0] = .init(name: "delete_file", requiredParams: ["path"]) }
        child("submandate-tool-case", ["SUBMANDATE_RATE_LIMIT", "SUBMANDATE_TOOLS"], "allows Search (and limits Search), a different tool than the parent's search") {
            $0.tools[1].name = "Search"
            $0.tools.sort { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
            $0.rateLimits[0].tool = "Search"
        }
        child("submandate-drops-param", ["SUBMANDATE_PARAMS"], "read_file without its required path parameter") { $0.tools[0].requiredParams = [] }
        child("submandate-loosens-max-calls", ["SUBMANDATE_RATE_LIMIT"], "search-burst allows 3 calls where the parent allows 2") { $0.rateLimits[0].maxCalls = 3 }
        child("submandate-shortens-window", ["SUBMANDATE_RATE_LIMIT"], "search-burst counted over 30 s instead of 60 s") { $0.rateLimits[0].windowMS = 30_000 }
        child("submandate-limit-other-tool", ["SUBMANDATE_RATE_LIMIT"], "search-burst applied to read_file instead of search") { $0.rateLimits[0].tool = "read_file" }
        child("submandate-drops-limit", ["RECEIPT_UNKNOWN_LIMIT", "SUBMANDATE_RATE_LIMIT"], "drops the parent's rate limit (and its denial names the limit it no longer has)") { $0.rateLimits = [] }
        child("submandate-more-denials", ["SUBMANDATE_RATE_LIMIT"], "a behavioral baseline of 6 denials where the parent allows 5") { $0.maxSessionDenials = 6 }
        child("submandate-outlives-parent", ["SUBMANDATE_WINDOW"], "expires 1 ms after its parent") { $0.notAfterMS = Clock.t0 + 24 * Clock.hour + 1 }
        child("submandate-starts-before-parent", ["SUBMANDATE_WINDOW"], "starts 1 ms before its parent") { $0.notBeforeMS = Clock.t0 - 1 }
        child("submandate-upstream-url", ["SUBMANDATE_BINDING"], "another upstream URL") { $0.upstream.url = "https://shadow.example/mcp" }
        child("submandate-upstream-spki", ["SUBMANDATE_BINDING"], "another upstream TLS key") { $0.upstream.tlsSPKISHA256 = h("other spki") }
        child("submandate-upstream-mesh", ["SUBMANDATE_BINDING"], "no mesh identity") { $0.upstream.meshIdentity = nil }
        child("submandate-runtime", ["SUBMANDATE_BINDING"], "another runtime reference hash") { $0.runtime.referenceHash = h("other image") }
        child("submandate-measurement-interval", ["SUBMANDATE_BINDING"], "a longer measurement interval") { $0.runtime.measurementIntervalMS = 3_600_000 }
        child("submandate-on-drift", ["SUBMANDATE_BINDING"], "on_drift deny where the parent says phantom") { $0.onDrift = .deny }
        child("submandate-portal-key", ["SUBMANDATE_PORTAL_KEYS"], "names a second Portal key the parent does not") {
            $0.portalKeys = [Keys.portal.publicKey, Keys.portal2.publicKey].sorted { $0.keyID.bytes.lexicographicallyPrecedes($1.keyID.bytes) }
        }
        child("submandate-several", ["SUBMANDATE_BINDING", "SUBMANDATE_TOOLS", "SUBMANDATE_WINDOW"], "widens the tools, outlives the parent and changes the upstream") {
            $0.tools.append(.init(name: "x_admin", requiredParams: []))
            $0.notAfterMS = Clock.t0 + 25 * Clock.hour
            $0.upstream.url = "https://shadow.example/mcp"
        }
        suite.neg("submandate-parent-missing", .submandateWidening, ["ARTIFACT_PARENT_MISSING"], "a sub-mandate whose parent is not in the bundle",
                  main.make(spec: { $0.artifacts[1].parent = nil; $0.artifacts[1].artifact.parent = h("absent parent") }))
        suite.neg("submandate-parent-left-out", .submandateWidening, ["ARTIFACT_PARENT_MISSING"] + Array(repeating: "RECEIPT_UNKNOWN_ARTIFACT", count: 4),
                  "the root artifact left out: the sub-mandate's parent is missing and session alpha's receipts name an unknown artifact",
                  main.make(spec: { $0.artifacts[0].included = false }))
        suite.neg("submandate-depth-9", .submandateWidening, ["SUBMANDATE_DEPTH"], "a chain of 9 sub-mandates (the limit is 8)",
                  Base("depth9-base", PositiveVectors.chainSpec(levels: 8), suite: suite).make(spec: { s in
                      var a = Artifacts.root()
                      a.artifactID = "level-9"
                      s.artifacts.append(ArtifactSpec(artifact: a, parent: 8))
                  }))
        suite.neg("submandate-grandchild-widens", .submandateWidening, ["SUBMANDATE_TOOLS"], "a grandchild re-adds a tool its parent (the child) dropped",
                  main.make(spec: { s in
                      var g = s.artifacts[1].artifact
                      g.artifactID = "grandchild"
                      g.tools.append(.init(name: "write_file", requiredParams: ["content", "path"]))
                      s.artifacts.append(ArtifactSpec(artifact: g, parent: 1))
                  }))

        // Profiles: every object of a bundle uses the profile its manifest declares.
        suite.neg("profile-artifact-mismatch", .unknownAlgorithm, ["PROFILE_MISMATCH"], "an extra root artifact declaring profile mldsa65-ed25519 in an ed25519 bundle",
                  main.make(spec: { s in
                      var a = Artifacts.root()
                      a.artifactID = "composite"
                      a.profile = .mldsa65Ed25519
                      s.artifacts.append(ArtifactSpec(artifact: a))
                  }))
        suite.neg("profile-signature-mismatch", .unknownAlgorithm, ["PROFILE_MISMATCH", "SIG_INVALID"],
                  "a checkpoint whose signature claims the composite profile (with a signature of the composite length) in an ed25519 bundle; the Portal key it names is an Ed25519 key",
                  main.make(spec: { s in
                      s.checkpoints[0].seal.postEdit = { o in
                          o = o.setting("signature", .object(JSONObject([
                              (name: "alg", value: .string("mldsa65-ed25519")), (name: "key_id", value: .string(Keys.portal.keyID.hex)),
                              (name: "sig", value: .string(Base64URL.encode([UInt8](repeating: 7, count: Profile.mldsa65Ed25519.signatureBytes)))),
                          ])))
                      }
                  }))

        // More artifacts than a bundle may hold: 4097 (the limit is 4096); the one last in path
        // order is left out. None of the extra artifacts is used by a receipt.
        let bulk = Base("artifact-bulk", Bases.singleSpec("bulk", 1), suite: suite)
        suite.neg("artifact-too-many", .jsonBounds, ["BUNDLE_TOO_MANY_ARTIFACTS"], "4097 artifacts in one bundle (the limit is 4096)",
                  bulk.make(spec: { s in
                      for i in 0..<4096 {
                          var a = Artifacts.root()
                          a.artifactID = "bulk-\(i)"
                          a.tools = []
                          a.rateLimits = []
                          a.upstream = .init(url: "https://u", tlsSPKISHA256: nil, meshIdentity: nil)
                          s.artifacts.append(ArtifactSpec(artifact: a))
                      }
                  }))

        // The artifact's own schema, on an extra artifact that no receipt uses (so nothing else fails).
        func extra(_ name: String, _ codes: [String], _ d: String, bug: BugClass = .schema, knownBug: String? = nil, _ change: @escaping (inout JSONObject) -> Void) {
            suite.neg(name, bug, codes, "an extra, unused sub-mandate: " + d, knownVerifierBug: knownBug, main.make(spec: { s in
                var a = s.artifacts[1]
                a.artifact.artifactID = "unused"
                a.seal.edit = change
                s.artifacts.append(a)
            }))
        }
        func tools(_ o: JSONObject) -> [JSONValue] { if case .array(let t)? = o["tools"] { return t } else { return [] } }
        extra("artifact-tools-unsorted", ["FORMAT_ORDER"], "tools not sorted by name") { $0 = $0.setting("tools", .array(tools($0).reversed())) }
        extra("artifact-tools-duplicate", ["FORMAT_ORDER"], "the same tool twice") { $0 = $0.setting("tools", .array([tools($0)[0]] + tools($0))) }
        extra("artifact-params-unsorted", ["FORMAT_ORDER"], "required_params not sorted") { o in
            o = o.setting("tools", .array([.object([("name", "write_file"), ("required_params", ["path", "content"])])]))
            o = o.setting("rate_limits", .array([]))
        }
        extra("artifact-portal-keys-empty", ["FORMAT_VALUE"], "no Portal key") { $0 = $0.setting("portal_keys", .array([])) }
        extra("artifact-portal-keys-duplicate", ["FORMAT_ORDER"], "the same Portal key twice") { o in
            if case .array(let k)? = o["portal_keys"] { o = o.setting("portal_keys", .array(k + k)) }
        }
        extra("artifact-portal-key-small-order", ["CRYPTO_KEY_INVALID"], "a Portal key of small order", bug: .signatureForgery) { o in
            o = o.setting("portal_keys", .array([PublicKey(profile: .ed25519, bytes: [UInt8](repeating: 0, count: 32)).json]))
        }
        extra("artifact-portal-key-unknown-alg", ["FORMAT_UNKNOWN_ALG"], "a Portal key with alg \"p256\"", bug: .unknownAlgorithm) { o in
            o = o.setting("portal_keys", .array([.object([("alg", "p256"), ("public", .string(Base64URL.encode(Keys.portal.publicKey.bytes)))])]))
        }
        extra("artifact-window-empty", ["FORMAT_VALUE"], "not_before_ms equal to not_after_ms") { o in o = o.setting("not_after_ms", o["not_before_ms"] ?? .int(0)) }
        extra("artifact-limit-unknown-tool", ["FORMAT_VALUE"], "a rate limit on a tool not in the allowlist") { o in
            o = o.setting("rate_limits", .array([.object([("id", "x"), ("max_calls", .int(1)), ("tool", "write_file"), ("window_ms", .int(1000))])]))
        }
        extra("artifact-limit-zero-calls", ["FORMAT_VALUE"], "a rate limit of 0 calls") { o in
            o = o.setting("rate_limits", .array([.object([("id", "x"), ("max_calls", .int(0)), ("tool", "search"), ("window_ms", .int(1000))])]))
        }
        extra("artifact-on-drift-unknown", ["FORMAT_VALUE"], "on_drift \"ignore\"", bug: .unknownAlgorithm) { $0 = $0.setting("on_drift", .string("ignore")) }
        extra("artifact-on-expiry-allow", ["FORMAT_VALUE"], "on_expiry \"allow\" (the only action on expiry is deny)") { $0 = $0.setting("on_expiry", .string("allow")) }
        extra("artifact-id-space", ["FORMAT_VALUE"], "an artifact_id with a space") { $0 = $0.setting("artifact_id", .string("un used")) }
        extra("artifact-url-space", ["FORMAT_VALUE"], "an upstream URL with a space") { o in
            if case .object(let u)? = o["upstream"] { o = o.setting("upstream", .object(u.setting("url", .string("https://a b/")))) }
        }
        extra("artifact-interval-zero", ["FORMAT_VALUE"], "a measurement interval of 0") { o in
            if case .object(let r)? = o["runtime"] { o = o.setting("runtime", .object(r.setting("measurement_interval_ms", .int(0)))) }
        }
        extra("artifact-unknown-member", ["FORMAT_UNKNOWN_MEMBER"], "an extra member \"admin\"") { $0 = $0.setting("admin", .bool(true)) }
        extra("artifact-missing-baseline", ["FORMAT_MISSING_MEMBER"], "no baseline") { $0 = $0.removing("baseline") }
        extra("artifact-tools-not-array", ["FORMAT_MEMBER_TYPE"], "tools is an object") { $0 = $0.setting("tools", .object([])) }
        extra("artifact-unknown-type", ["FORMAT_UNKNOWN_TYPE"], "type \"policy\"", bug: .unknownAlgorithm) { $0 = $0.setting("type", .string("policy")) }
        extra("artifact-version-2", ["FORMAT_VERSION"], "version 2", bug: .unknownAlgorithm) { $0 = $0.setting("version", .int(2)) }
        extra("artifact-profile-unknown", ["FORMAT_UNKNOWN_PROFILE"], "profile \"ed448\", which the format does not define", bug: .unknownAlgorithm) { $0 = $0.setting("profile", .string("ed448")) }
        extra("artifact-parent-uppercase", ["ENC_HEX_UPPERCASE"], "parent in uppercase hex", bug: .encodingMalleability) { o in
            if case .string(let p)? = o["parent"] { o = o.setting("parent", .string(p.uppercased())) }
        }
        extra("artifact-negative-time", ["FORMAT_VALUE"], "issued_at_ms -1") { $0 = $0.setting("issued_at_ms", .int(-1)) }
    }
}

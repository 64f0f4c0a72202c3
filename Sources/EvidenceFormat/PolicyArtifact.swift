import EvidenceCrypto
import StrictJSON

/// The sealed policy artifact: what the issuer authorizes a subject to do through the Portal.
/// Its reference, `artifact_ref`, is SHA-256 of the JCS form of the whole artifact, signature
/// included, which is SHA-256 of its file's bytes.
package struct PolicyArtifact: Sendable, Equatable {
    package struct Subject: Sendable, Equatable {
        /// SHA-256 of the subject's normalized bytes.
        package var idHash: Hash256
        /// SHA-256 of the subject's canonical metadata.
        package var metadataHash: Hash256
    
        package init(idHash: Hash256, metadataHash: Hash256) {
            self.idHash = idHash
            self.metadataHash = metadataHash
        }
    }

    package struct Tool: Sendable, Equatable {
        package var name: String
        /// Sorted, unique parameter names that every call of this tool must carry.
        package var requiredParams: [String]
    
        package init(name: String, requiredParams: [String]) {
            self.name = name
            self.requiredParams = requiredParams
        }
    }

    package struct RateLimit: Sendable, Equatable {
        /// The limit's name, quoted by a DENY receipt that enforces it.
        package var id: String
        /// A tool name, or `*` for all tools.
        package var tool: String
        package var maxCalls: Int64
        package var windowMS: Int64
    
        package init(id: String, tool: String, maxCalls: Int64, windowMS: Int64) {
            self.id = id
            self.tool = tool
            self.maxCalls = maxCalls
            self.windowMS = windowMS
        }
    }

    package struct Upstream: Sendable, Equatable {
        package var url: String
        /// SHA-256 of the upstream's TLS SubjectPublicKeyInfo, if it is reached over TLS.
        package var tlsSPKISHA256: Hash256?
        /// A service-mesh identity such as a SPIFFE ID, if any.
        package var meshIdentity: String?
    
        package init(url: String, tlsSPKISHA256: Hash256?, meshIdentity: String?) {
            self.url = url
            self.tlsSPKISHA256 = tlsSPKISHA256
            self.meshIdentity = meshIdentity
        }
    }

    package struct Runtime: Sendable, Equatable {
        /// The sealed runtime reference hash (SHA-256 of the upstream server's binary or image).
        package var referenceHash: Hash256
        /// How often the Portal measures the runtime against the reference.
        package var measurementIntervalMS: Int64
    
        package init(referenceHash: Hash256, measurementIntervalMS: Int64) {
            self.referenceHash = referenceHash
            self.measurementIntervalMS = measurementIntervalMS
        }
    }

    package enum DriftAction: String, Sendable, CaseIterable { case deny, phantom }
    package enum ExpiryAction: String, Sendable, CaseIterable { case deny }

    package var profile: Profile
    package var artifactID: String
    package var parent: Hash256?
    package var issuedAtMS: Int64
    package var notBeforeMS: Int64
    package var notAfterMS: Int64
    package var subject: Subject
    package var tools: [Tool]
    package var rateLimits: [RateLimit]
    package var upstream: Upstream
    package var runtime: Runtime
    /// Behavioral baseline: the most denials a session may accumulate before the Portal treats
    /// the session as drifting and applies `on_drift`.
    package var maxSessionDenials: Int64
    package var onDrift: DriftAction
    package var onExpiry: ExpiryAction
    /// Keys allowed to sign this artifact's receipts (and the log's checkpoints and manifests).
    package var portalKeys: [PublicKey]
    package var signature: SignatureBlock?

    package static let members = [
        "type", "version", "profile", "artifact_id", "parent", "issued_at_ms", "not_before_ms", "not_after_ms",
        "subject", "tools", "rate_limits", "upstream", "runtime", "baseline", "on_drift", "on_expiry",
        "portal_keys", "signature",
    ]
    static let maxTools = 1024
    static let maxRateLimits = 256
    static let maxPortalKeys = 16

    package init(
        profile: Profile, artifactID: String, parent: Hash256?, issuedAtMS: Int64, notBeforeMS: Int64,
        notAfterMS: Int64, subject: Subject, tools: [Tool], rateLimits: [RateLimit], upstream: Upstream,
        runtime: Runtime, maxSessionDenials: Int64, onDrift: DriftAction, onExpiry: ExpiryAction,
        portalKeys: [PublicKey]
    ) {
        self.profile = profile
        self.artifactID = artifactID
        self.parent = parent
        self.issuedAtMS = issuedAtMS
        self.notBeforeMS = notBeforeMS
        self.notAfterMS = notAfterMS
        self.subject = subject
        self.tools = tools
        self.rateLimits = rateLimits
        self.upstream = upstream
        self.runtime = runtime
        self.maxSessionDenials = maxSessionDenials
        self.onDrift = onDrift
        self.onExpiry = onExpiry
        self.portalKeys = portalKeys
        self.signature = nil
    }

    package init(_ value: JSONValue) throws(FormatError) {
        let r = try ObjectReader(value, members: Self.members, type: .policyArtifact)
        try r.expectType(.policyArtifact)
        profile = try r.profile("profile")
        artifactID = try r.string("artifact_id", repertoire: .token)
        parent = try r.optionalHash("parent")
        issuedAtMS = try r.int("issued_at_ms", min: 0)
        notBeforeMS = try r.int("not_before_ms", min: 0)
        notAfterMS = try r.int("not_after_ms", min: 0)
        guard notBeforeMS < notAfterMS else {
            throw FormatError(.value, field: "not_after_ms", "the validity window is empty: not_after_ms must exceed not_before_ms")
        }
        let s = try r.object("subject", members: ["id_hash", "metadata_hash"])
        subject = Subject(idHash: try s.hash("id_hash"), metadataHash: try s.hash("metadata_hash"))

        var tools: [Tool] = []
        for (i, item) in try r.array("tools", maxCount: Self.maxTools).enumerated() {
            let t = try ObjectReader(item, path: "tools[\(i)]", members: ["name", "required_params"])
            tools.append(Tool(
                name: try t.string("name", repertoire: .token),
                requiredParams: try t.stringArray("required_params", repertoire: .token, maxCount: 64)))
        }
        try requireStrictlySorted(tools.map { Array($0.name.utf8) }, field: "tools")
        self.tools = tools

        var limits: [RateLimit] = []
        for (i, item) in try r.array("rate_limits", maxCount: Self.maxRateLimits).enumerated() {
            let l = try ObjectReader(item, path: "rate_limits[\(i)]", members: ["id", "tool", "max_calls", "window_ms"])
            // `tool` is a tool name, or "*" for every tool (the only place "*" is allowed).
            let tool: String
            if case .string("*")? = l.object["tool"] { tool = "*" } else { tool = try l.string("tool", repertoire: .token) }
            let limit = RateLimit(
                id: try l.string("id", repertoire: .token),
                tool: tool,
                maxCalls: try l.int("max_calls", min: 1),
                windowMS: try l.int("window_ms", min: 1))
            guard limit.tool == "*" || tools.contains(where: { $0.name == limit.tool }) else {
                throw FormatError(.value, field: l.field("tool"), "rate limit names a tool that is not in the allowlist")
            }
            limits.append(limit)
        }
        try requireStrictlySorted(limits.map { Array($0.id.utf8) }, field: "rate_limits")
        rateLimits = limits

        let u = try r.object("upstream", members: ["url", "tls_spki_sha256", "mesh_identity"])
        upstream = Upstream(
            url: try u.string("url", repertoire: .printable, maxBytes: 2048),
            tlsSPKISHA256: try u.optionalHash("tls_spki_sha256"),
            meshIdentity: try u.optionalString("mesh_identity", repertoire: .printable, maxBytes: 2048))

        let rt = try r.object("runtime", members: ["reference_hash", "measurement_interval_ms"])
        runtime = Runtime(
            referenceHash: try rt.hash("reference_hash"),
            measurementIntervalMS: try rt.int("measurement_interval_ms", min: 1))

        let b = try r.object("baseline", members: ["max_session_denials"])
        maxSessionDenials = try b.int("max_session_denials", min: 0)
        onDrift = try r.enumeration("on_drift", DriftAction.self)
        onExpiry = try r.enumeration("on_expiry", ExpiryAction.self)

        var keys: [PublicKey] = []
        for (i, item) in try r.array("portal_keys", maxCount: Self.maxPortalKeys).enumerated() {
            keys.append(try PublicKey(item, path: "portal_keys[\(i)]"))
        }
        guard !keys.isEmpty else {
            throw FormatError(.value, field: "portal_keys", "an artifact names at least one Portal key")
        }
        try requireStrictlySorted(keys.map { $0.keyID.bytes }, field: "portal_keys")
        portalKeys = keys
        signature = try SignatureBlock(r)
    }

    /// The object without its signature: what the issuer signs.
    package var body: JSONObject {
        let members: [(String, JSONValue)] = [
            ("type", .str(ObjectType.policyArtifact.rawValue)),
            ("version", .int(1)),
            ("profile", .str(profile.rawValue)),
            ("artifact_id", .str(artifactID)),
            ("parent", .optionalHash(parent)),
            ("issued_at_ms", .int(issuedAtMS)),
            ("not_before_ms", .int(notBeforeMS)),
            ("not_after_ms", .int(notAfterMS)),
            ("subject", .obj([("id_hash", .hash(subject.idHash)), ("metadata_hash", .hash(subject.metadataHash))])),
            ("tools", .array(tools.map { .obj([("name", .str($0.name)), ("required_params", .strings($0.requiredParams))]) })),
            ("rate_limits", .array(rateLimits.map {
                .obj([("id", .str($0.id)), ("tool", .str($0.tool)), ("max_calls", .int($0.maxCalls)), ("window_ms", .int($0.windowMS))])
            })),
            ("upstream", .obj([
                ("url", .str(upstream.url)), ("tls_spki_sha256", .optionalHash(upstream.tlsSPKISHA256)),
                ("mesh_identity", .optional(upstream.meshIdentity)),
            ])),
            ("runtime", .obj([
                ("reference_hash", .hash(runtime.referenceHash)),
                ("measurement_interval_ms", .int(runtime.measurementIntervalMS)),
            ])),
            ("baseline", .obj([("max_session_denials", .int(maxSessionDenials))])),
            ("on_drift", .str(onDrift.rawValue)),
            ("on_expiry", .str(onExpiry.rawValue)),
            ("portal_keys", .array(portalKeys.map(\.json))),
        ]
        return JSONObject(members.map { (name: $0.0, value: $0.1) })
    }

    package func tool(named name: String) -> Tool? { tools.first { $0.name == name } }
}

import EvidenceCrypto
import EvidenceFormat

/// The sample evidence of `Fixtures/`: two sessions under a root artifact and a sub-mandate,
/// allows and denies (tool not allowed, missing parameter, rate limit), a measurement, tool results,
/// three checkpoints. Everything derives from fixed labels, so it is the same on every machine.
package struct SampleEvidence {
    package static let t0: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
    package static let hour: Int64 = 3_600_000

    package let issuer: SigningIdentity
    package let portal: SigningIdentity
    package let root: PolicyArtifact
    package let rootSealed: SealedDocument
    package let reader: PolicyArtifact
    package let readerSealed: SealedDocument
    package let log: EvidenceLog

    /// - Parameters:
    ///   - profile: the signature profile of every key (the default sample is Ed25519; the
    ///     post-quantum sample uses the composite profile and other labels).
    ///   - pins: committed composite signatures to reuse, for byte-identical output.
    package init(profile: Profile = .ed25519, pins: PinnedSignatures? = nil) {
        let prefix = profile == .ed25519 ? "fixture" : "fixture/\(profile.rawValue)"
        issuer = SigningIdentity.derived(label: "\(prefix)/issuer", profile: profile, pins: pins)
        portal = SigningIdentity.derived(label: "\(prefix)/portal", profile: profile, pins: pins)
        let t0 = Self.t0
        func h(_ label: String) -> Hash256 { SHA256Hasher.hash(Array(label.utf8)) }
        let root = PolicyArtifact(
            profile: profile, artifactID: "agent-root", parent: nil, issuedAtMS: t0 - Self.hour,
            notBeforeMS: t0, notAfterMS: t0 + 24 * Self.hour,
            subject: .init(idHash: h("subject/agent-7"), metadataHash: h("subject/agent-7/metadata")),
            tools: [
                .init(name: "read_file", requiredParams: ["path"]),
                .init(name: "search", requiredParams: ["query"]),
                .init(name: "write_file", requiredParams: ["content", "path"]),
            ],
            rateLimits: [.init(id: "search-burst", tool: "search", maxCalls: 2, windowMS: 60_000)],
            upstream: .init(url: "https://tools.internal.example/mcp", tlsSPKISHA256: h("upstream/spki"),
                            meshIdentity: "spiffe://example.org/ns/tools/sa/mcp"),
            runtime: .init(referenceHash: h("mcp-server-image:1.4.2"), measurementIntervalMS: 60_000),
            maxSessionDenials: 5, onDrift: .phantom, onExpiry: .deny, portalKeys: [portal.publicKey])
        rootSealed = root.sealed(by: issuer)
        self.root = root

        var reader = root
        reader.artifactID = "agent-reader"
        reader.parent = rootSealed.hash
        reader.issuedAtMS = t0
        reader.notBeforeMS = t0 + Self.hour
        reader.notAfterMS = t0 + 2 * Self.hour
        reader.tools = [.init(name: "read_file", requiredParams: ["path"]), .init(name: "search", requiredParams: ["query"])]
        reader.rateLimits = [.init(id: "search-burst", tool: "search", maxCalls: 1, windowMS: 60_000)]
        reader.maxSessionDenials = 3
        readerSealed = reader.sealed(by: issuer)
        self.reader = reader

        let log = EvidenceLog(logID: h("fixture/log"), portal: portal)
        var counter = 0
        func salt() -> [UInt8] {
            counter += 1
            return SHA256Hasher.hash(Array("fixture/salt/\(counter)".utf8)).bytes
        }
        func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
        let a = rootSealed.hash, b = readerSealed.hash
        let alpha = "session-alpha", beta = "session-beta"
        let m = 60_000 as Int64

        log.append(artifactRef: a, sessionID: alpha, timeMS: t0 + m, event: .toolCall, tool: "read_file", decision: .allow, reason: .ok,
                   payload: bytes(#"{"arguments":{"path":"/srv/reports/q3.txt"},"name":"read_file"}"#), salt: salt())
        log.append(artifactRef: a, sessionID: alpha, timeMS: t0 + m + 40, event: .toolResult, tool: "read_file", decision: .record, reason: .ok,
                   payload: bytes(#"{"content":[{"text":"Q3 revenue grew 4%.","type":"text"}]}"#), salt: salt())
        log.append(artifactRef: a, sessionID: alpha, timeMS: t0 + 2 * m, event: .toolCall, tool: "delete_file", decision: .deny, reason: .toolNotAllowed,
                   payload: bytes(#"{"arguments":{"path":"/srv/reports"},"name":"delete_file"}"#), salt: salt())
        log.append(artifactRef: a, sessionID: alpha, timeMS: t0 + 3 * m, event: .toolCall, tool: "write_file", decision: .deny, reason: .missingParameter,
                   payload: bytes(#"{"arguments":{"path":"/srv/out.txt"},"name":"write_file"}"#), salt: salt())
        log.append(artifactRef: a, sessionID: alpha, timeMS: t0 + 4 * m, event: .measurement, tool: nil, decision: .allow, reason: .ok,
                   payload: h("mcp-server-image:1.4.2").bytes, salt: salt())
        log.checkpoint(timeMS: t0 + 4 * m + 1)

        let h1 = t0 + Self.hour
        log.append(artifactRef: b, sessionID: beta, timeMS: h1 + m, event: .toolCall, tool: "search", decision: .allow, reason: .ok,
                   payload: bytes(#"{"arguments":{"query":"incident 4711"},"name":"search"}"#), salt: salt())
        log.append(artifactRef: b, sessionID: beta, timeMS: h1 + m + 25, event: .toolResult, tool: "search", decision: .record, reason: .ok,
                   payload: bytes(#"{"content":[{"text":"2 matches","type":"text"}]}"#), salt: salt())
        log.append(artifactRef: b, sessionID: beta, timeMS: h1 + m + 9_000, event: .toolCall, tool: "search", decision: .deny, reason: .rateLimited,
                   limit: "search-burst", payload: bytes(#"{"arguments":{"query":"incident 4712"},"name":"search"}"#), salt: salt())
        log.append(artifactRef: a, sessionID: alpha, timeMS: h1 + 2 * m, event: .toolCall, tool: "search", decision: .allow, reason: .ok,
                   payload: bytes(#"{"arguments":{"query":"quarterly"},"name":"search"}"#), salt: salt())
        log.append(artifactRef: b, sessionID: beta, timeMS: h1 + 3 * m, event: .toolCall, tool: "read_file", decision: .allow, reason: .ok,
                   payload: bytes(#"{"arguments":{"path":"/srv/incidents/4711.md"},"name":"read_file"}"#), salt: salt())
        log.checkpoint(timeMS: h1 + 3 * m + 1)

        log.append(artifactRef: b, sessionID: beta, timeMS: h1 + 3 * m + 30, event: .toolResult, tool: "read_file", decision: .record, reason: .ok,
                   payload: bytes(##"{"content":[{"text":"# Incident 4711","type":"text"}]}"##), salt: salt())
        log.append(artifactRef: a, sessionID: alpha, timeMS: h1 + 4 * m, event: .toolResult, tool: "search", decision: .record, reason: .ok,
                   payload: bytes(#"{"content":[{"text":"3 matches","type":"text"}]}"#), salt: salt())
        log.checkpoint(timeMS: h1 + 4 * m + 1)
        self.log = log
    }

    /// The full tier-2 bundle: every receipt, payloads disclosed for the first receipt of each
    /// session and the two rate-limit-related search calls.
    package func fullRequest(tier: Int64 = 2) -> BundleRequest {
        var req = BundleRequest(log: log, artifacts: [rootSealed, readerSealed])
        req.issuerKeys = [issuer.publicKey]
        req.tier = tier
        let e = log.entries
        req.disclose = [e[0].receiptHash, e[1].receiptHash, e[5].receiptHash, e[7].receiptHash]
        return req
    }

    /// A selective tier-1 bundle of one session, with inclusion proofs.
    package func sessionRequest(_ session: String = "session-beta") -> BundleRequest {
        var req = BundleRequest(log: log, artifacts: [rootSealed, readerSealed])
        req.issuerKeys = [issuer.publicKey]
        req.tier = 1
        req.sessions = [session]
        return req
    }

    /// The trust anchor file for the sample: the issuer key in canonical JSON and a newline.
    package var trustFile: [UInt8] { SealedDocument(issuer.publicKey.json).bytes + [UInt8(ascii: "\n")] }
}

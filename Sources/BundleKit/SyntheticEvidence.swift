import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// Deterministic evidence of any size, for benchmarks and streaming tests: one root artifact,
/// `sessions` interleaved sessions of alternating tool calls and tool results, a checkpoint every
/// `checkpointEvery` receipts and after the last, every key of one profile. Keys derive from fixed
/// labels and salts from the receipt index, so the same size gives the same bytes on every machine
/// (Ed25519; the composite profile's ML-DSA-65 signatures are hedged, so there only sizes repeat).
package struct SyntheticEvidence {
    package static let t0: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
    package static let hour: Int64 = 3_600_000

    package let profile: Profile
    package let issuer: SigningIdentity
    package let portal: SigningIdentity
    package let sessions: Int
    package let checkpointEvery: Int
    /// The artifact every receipt is sealed under, sealed once: composite signatures are hedged,
    /// so sealing it again would give another artifact_ref.
    package let artifact: SealedDocument

    package init(profile: Profile = .ed25519, sessions: Int = 16, checkpointEvery: Int = 1000) {
        self.profile = profile
        issuer = SigningIdentity.derived(label: "bench/issuer", profile: profile)
        portal = SigningIdentity.derived(label: "bench/portal", profile: profile)
        self.sessions = sessions
        self.checkpointEvery = checkpointEvery
        artifact = Self.rootArtifact(profile: profile, issuer: issuer, portal: portal)
    }

    /// Its window covers a whole log (one receipt per millisecond: 10^6 receipts take under 17
    /// minutes of log time).
    static func rootArtifact(profile: Profile, issuer: SigningIdentity, portal: SigningIdentity) -> SealedDocument {
        func h(_ label: String) -> Hash256 { SHA256Hasher.hash(Array(label.utf8)) }
        let root = PolicyArtifact(
            profile: profile, artifactID: "bench-root", parent: nil, issuedAtMS: Self.t0 - Self.hour,
            notBeforeMS: Self.t0, notAfterMS: Self.t0 + 24 * Self.hour,
            subject: .init(idHash: h("bench/subject"), metadataHash: h("bench/subject/metadata")),
            tools: [
                .init(name: "read_file", requiredParams: ["path"]),
                .init(name: "search", requiredParams: ["query"]),
            ],
            rateLimits: [],
            upstream: .init(url: "https://tools.internal.example/mcp", tlsSPKISHA256: h("bench/upstream/spki"),
                            meshIdentity: nil),
            runtime: .init(referenceHash: h("bench/image"), measurementIntervalMS: 60_000),
            maxSessionDenials: 5, onDrift: .phantom, onExpiry: .deny, portalKeys: [portal.publicKey])
        return root.sealed(by: issuer)
    }

    /// The trust anchor file for the issuer.
    package var trustFile: [UInt8] { SealedDocument(issuer.publicKey.json).bytes + [UInt8(ascii: "\n")] }

    /// Seals `count` receipts into a fresh log, with its checkpoints.
    package func seal(count: Int) -> EvidenceLog {
        let art = artifact
        let log = EvidenceLog(logID: SHA256Hasher.hash(Array("bench/log".utf8)), portal: portal)
        let sessionIDs = (0..<sessions).map { "bench-session-\($0)" }
        for i in 0..<count {
            let time = Self.t0 + Int64(i)
            // Each session alternates a call and its result: receipts i and i + sessions.
            let session = i % sessions
            let round = i / sessions
            let isCall = round % 2 == 0
            let salt = SHA256Hasher.hash(Array("bench/salt/\(i)".utf8)).bytes
            let payload: [UInt8] = isCall
                ? Array(#"{"arguments":{"path":"/srv/data/\#(round / 2).txt"},"name":"read_file"}"#.utf8)
                : Array(#"{"content":[{"text":"line \#(round / 2)","type":"text"}]}"#.utf8)
            log.append(artifactRef: art.hash, sessionID: sessionIDs[session], timeMS: time,
                       event: isCall ? .toolCall : .toolResult, tool: "read_file",
                       decision: isCall ? .allow : .record, reason: .ok, payload: payload, salt: salt)
            if (i + 1) % checkpointEvery == 0 { log.checkpoint(timeMS: time) }
        }
        log.checkpoint(timeMS: Self.t0 + Int64(count))
        return log
    }

    /// A tier-1 (or tier-2), full-scope bundle of the log, manifest first, in the writer's order.
    package func entries(_ log: EvidenceLog, tier: Int64 = 1) throws -> [BundleEntry] {
        var req = BundleRequest(log: log, artifacts: [artifact])
        req.issuerKeys = [issuer.publicKey]
        req.tier = tier
        let files = try BundleWriter.contentFiles(req)
        let manifest = try BundleWriter.manifest(for: files, req)
        return [BundleEntry(path: BundlePath.manifestName, bytes: manifest.bytes)] + files
    }
}

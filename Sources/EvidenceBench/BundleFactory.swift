import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// Deterministic benchmark bundles: one root artifact, `sessions` interleaved sessions of
/// alternating tool calls and tool results, a checkpoint every `checkpointEvery` receipts and after
/// the last, tier 1, full scope, every key of one profile. Keys derive from fixed labels and salts
/// from the receipt index, so the same size gives the same bytes on every machine (Ed25519; the
/// composite profile's ML-DSA-65 signatures are hedged, so there only the sizes repeat exactly).
struct BundleFactory {
    static let t0: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
    static let hour: Int64 = 3_600_000

    let profile: Profile
    let issuer: SigningIdentity
    let portal: SigningIdentity
    let sessions: Int
    let checkpointEvery: Int

    init(profile: Profile = .ed25519, sessions: Int = 16, checkpointEvery: Int = 1000) {
        self.profile = profile
        issuer = SigningIdentity.derived(label: "bench/issuer", profile: profile)
        portal = SigningIdentity.derived(label: "bench/portal", profile: profile)
        self.sessions = sessions
        self.checkpointEvery = checkpointEvery
    }

    /// The artifact every receipt is sealed under; its window covers a whole bench log (one receipt
    /// per millisecond: 10^6 receipts take under 17 minutes of log time).
    var artifact: SealedDocument {
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

    /// The trust anchor file for the bench issuer.
    var trustFile: [UInt8] { SealedDocument(issuer.publicKey.json).bytes + [UInt8(ascii: "\n")] }

    struct Built {
        var tar: [UInt8]
        /// receipts.jsonl as written into the bundle (for the in-process stage breakdown).
        var receiptsJSONL: [UInt8]
        var sealSeconds: Double
        var sealCPU: Double
        var writeSeconds: Double
        var checkpoints: Int
    }

    /// Seals `count` receipts into a fresh log, then writes the bundle.
    func build(count: Int) throws -> Built {
        let art = artifact
        let log = EvidenceLog(logID: SHA256Hasher.hash(Array("bench/log".utf8)), portal: portal)
        let sessionIDs = (0..<sessions).map { "bench-session-\($0)" }
        let cpu0 = Clock.processCPU()
        let start = Clock.now()
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
        let sealSeconds = Clock.now() - start
        let sealCPU = Clock.processCPU() - cpu0

        let writeStart = Clock.now()
        var req = BundleRequest(log: log, artifacts: [art])
        req.issuerKeys = [issuer.publicKey]
        req.tier = 1
        let files = try BundleWriter.contentFiles(req)
        let manifest = try BundleWriter.manifest(for: files, req)
        let tar = try BundleWriter.tar([BundleEntry(path: BundlePath.manifestName, bytes: manifest.bytes)] + files)
        let writeSeconds = Clock.now() - writeStart
        let receipts = files.first { $0.path == BundlePath.receiptsName }?.bytes ?? []
        return Built(tar: tar, receiptsJSONL: receipts, sealSeconds: sealSeconds, sealCPU: sealCPU,
                     writeSeconds: writeSeconds, checkpoints: log.checkpoints.count)
    }
}

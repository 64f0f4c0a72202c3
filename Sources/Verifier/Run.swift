import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// One file read from the archive.
struct BundleFile {
    let path: String
    let kind: BundlePath?
    /// The contents; empty for unexpected files, which are only hashed.
    let bytes: [UInt8]
    let size: Int64
    let sha256: Hash256
}

/// One line of receipts.jsonl: its raw bytes are hashed whether or not it parses, so that the
/// chain and the Merkle tree are judged on the bytes the bundle actually holds.
struct ReceiptLine: Sendable {
    let line: Int
    let receiptHash: Hash256
    let leafHash: Hash256
    let receipt: Receipt?
    /// SHA-256 of the JCS form of the receipt without its signature, computed while parsing so the
    /// parsed JSON tree need not be kept.
    let signingDigest: Hash256?
}

struct Parsed<T: Sendable>: Sendable {
    let file: String
    let line: Int?
    let value: T
    let object: JSONObject
}

/// The state of one verification: what was read, what was parsed, what failed.
final class Run {
    let options: VerifyOptions
    /// The failures of each stage, in `Stage.allCases` order.
    private var logs: [StageLog] = Stage.allCases.map { _ in StageLog() }

    // archive
    var files: [BundleFile] = []
    var archiveIntact = false
    /// Set when reading the bundle failed at the I/O level: the evidence was not evaluated.
    var ioFailure: String?
    // parse
    var manifest: Parsed<Manifest>?
    var bundleKeys: [Hash256: PublicKey] = [:]
    var delegations: [Parsed<KeyDelegation>] = []
    var artifacts: [Hash256: Parsed<PolicyArtifact>] = [:]
    var artifactOrder: [Hash256] = []
    /// Set once ParseStage has parsed the documents (every file but receipts.jsonl).
    var documentsParsed = false
    /// What the receipt stream found; nil when the bundle has no receipts.jsonl.
    var stream: ReceiptStream.Result?
    var receiptsParsedCleanly: Bool { stream?.parsedCleanly ?? true }
    var receiptCount: Int { stream?.leaves ?? 0 }
    var sessionsOverflowed: Bool { stream?.sessionsOverflowed ?? false }
    var checkpoints: [Parsed<Checkpoint>] = []
    var checkpointsParsedCleanly = true
    var inclusion: [Parsed<InclusionProof>] = []
    var inclusionParsedCleanly = true
    var consistency: [Parsed<ConsistencyProof>] = []
    var consistencyParsedCleanly = true
    var disclosures: [Parsed<PayloadDisclosure>] = []
    /// Disclosures supplied beside the bundle (`--payloads`), parsed with the documents.
    var externalDisclosures: [Parsed<PayloadDisclosure>] = []
    /// A bundle file (not an unexpected one) came after receipts.jsonl in the archive, so the
    /// receipts were streamed before everything they are checked against was known.
    var bundleFileAfterReceipts = false
    // trust
    var originPinned = false
    var issuerKeysUsed: Set<Hash256> = []
    var trustedArtifacts: Set<Hash256> = []
    // results
    var sessionCount = 0
    var confirmedPayloads: [(receiptHash: Hash256, session: String, seq: Int64, source: String)] = []

    init(options: VerifyOptions) { self.options = options }

    func fail(_ f: Failure) {
        logs[f.stage.index].append(f)
    }

    /// Places what the receipt stream found for `stage` at this point of the stage's log.
    func attach(_ bucket: FailureBucket, _ stage: Stage) {
        logs[stage.index].append(bucket)
    }

    /// The number of failures of every stage up to `reached`.
    func failureCount(through reached: Stage) -> Int {
        Stage.allCases.filter { $0 <= reached }.reduce(0) { $0 + logs[$1.index].count }
    }

    /// The first `limit` failures of every stage up to `reached`, in stage order.
    func failures(through reached: Stage, limit: Int) -> [Failure] {
        var out: [Failure] = []
        for stage in Stage.allCases where stage <= reached && out.count < limit {
            out += logs[stage.index].listed(limit: limit - out.count)
        }
        return out
    }

    /// A copy holding only what the archive stage found: used when the receipts must be read again
    /// because a bundle file came after receipts.jsonl in the archive.
    func restartedAfterArchive() -> Run {
        let fresh = Run(options: options)
        fresh.logs[Stage.archive.index] = logs[Stage.archive.index]
        fresh.files = files
        fresh.archiveIntact = archiveIntact
        fresh.ioFailure = ioFailure
        return fresh
    }

    func fail(_ code: VerifyCode, _ stage: Stage, file: String? = nil, line: Int? = nil,
              session: String? = nil, seq: Int64? = nil, _ detail: String) {
        fail(Failure(code, stage, file: file, line: line, session: session, seq: seq, detail))
    }

    func failed(_ stage: Stage) -> Bool { logs[stage.index].count > 0 }

    var declaredProfile: Profile? { manifest?.value.profile }

    /// Every Portal key named by any artifact of the bundle, by key id.
    lazy var portalKeys: [Hash256: PublicKey] = {
        var keys: [Hash256: PublicKey] = [:]
        for ref in artifactOrder {
            for key in artifacts[ref]?.value.portalKeys ?? [] { keys[key.keyID] = key }
        }
        return keys
    }()
}

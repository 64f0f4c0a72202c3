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
    private(set) var failures: [Failure] = []
    /// Stages that found at least one failure.
    private(set) var failedStages: Set<String> = []

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
    var receipts: [ReceiptLine] = []
    var receiptsParsedCleanly = true
    var checkpoints: [Parsed<Checkpoint>] = []
    var checkpointsParsedCleanly = true
    var inclusion: [Parsed<InclusionProof>] = []
    var inclusionParsedCleanly = true
    var consistency: [Parsed<ConsistencyProof>] = []
    var consistencyParsedCleanly = true
    var disclosures: [Parsed<PayloadDisclosure>] = []
    // trust
    var originPinned = false
    var issuerKeysUsed: Set<Hash256> = []
    var trustedArtifacts: Set<Hash256> = []
    // results
    var sessionCount = 0
    var confirmedPayloads: [(receiptHash: Hash256, session: String, seq: Int64, source: String)] = []

    init(options: VerifyOptions) { self.options = options }

    func fail(_ f: Failure) {
        failures.append(f)
        failedStages.insert(f.stage.rawValue)
    }

    func fail(_ code: VerifyCode, _ stage: Stage, file: String? = nil, line: Int? = nil,
              session: String? = nil, seq: Int64? = nil, _ detail: String) {
        fail(Failure(code, stage, file: file, line: line, session: session, seq: seq, detail))
    }

    func failed(_ stage: Stage) -> Bool { failedStages.contains(stage.rawValue) }

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

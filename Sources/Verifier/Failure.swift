/// The stages of verification, in the order they run.
package enum Stage: String, Sendable, CaseIterable, Comparable {
    case archive, parse, trust, signature, manifest, artifact, chain, inclusion, checkpoint, payload

    package static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.index < rhs.index }

    /// The position in `allCases`.
    var index: Int { Stage.allCases.firstIndex(of: self) ?? 0 }  // every case is in allCases
}

/// One reason the evidence does not verify: a stable code, the stage that found it, and where.
package struct Failure: Error, Sendable, Equatable {
    package var code: String
    package var stage: Stage
    /// The file inside the bundle (or `payloads-dir/<name>` for a disclosure supplied beside it).
    package var file: String?
    /// 1-based line of a JSON Lines file.
    package var line: Int?
    package var sessionID: String?
    package var seq: Int64?
    /// A human explanation; not part of the stable interface.
    package var detail: String

    package init(_ code: String, _ stage: Stage, file: String? = nil, line: Int? = nil,
                 session: String? = nil, seq: Int64? = nil, _ detail: String) {
        self.code = code
        self.stage = stage
        self.file = file
        self.line = line
        self.sessionID = session
        self.seq = seq
        self.detail = detail
    }

    package init(_ code: VerifyCode, _ stage: Stage, file: String? = nil, line: Int? = nil,
                 session: String? = nil, seq: Int64? = nil, _ detail: String) {
        self.init(code.rawValue, stage, file: file, line: line, session: session, seq: seq, detail)
    }
}

/// The failure codes that the pipeline itself raises. Codes of the strict parsers and primitives
/// (JSON_*, FORMAT_*, ENC_*, ARCHIVE_*, MERKLE_*, CRYPTO_*) pass through unchanged.
package enum VerifyCode: String, Sendable, CaseIterable {
    // archive stage: the layout
    case unexpectedFile = "BUNDLE_UNEXPECTED_FILE"
    case missingFile = "BUNDLE_MISSING_FILE"
    case nameMismatch = "BUNDLE_NAME_MISMATCH"
    case tooManyArtifacts = "BUNDLE_TOO_MANY_ARTIFACTS"
    // parse stage: JSON Lines framing and profile
    case jsonlBlankLine = "JSONL_BLANK_LINE"
    case jsonlNoFinalNewline = "JSONL_NO_FINAL_NEWLINE"
    case jsonlLineTooLong = "JSONL_LINE_TOO_LONG"
    case jsonlEmpty = "JSONL_EMPTY"
    case profileMismatch = "PROFILE_MISMATCH"
    // trust stage
    case noTrustAnchor = "TRUST_NO_ANCHOR"
    case issuerUntrusted = "TRUST_ISSUER_UNTRUSTED"
    case delegationSigner = "TRUST_DELEGATION_UNTRUSTED"
    case delegationWindow = "TRUST_DELEGATION_WINDOW"
    case noIssuerKey = "TRUST_ISSUER_KEY_UNKNOWN"
    // signature stage
    case signatureInvalid = "SIG_INVALID"
    case keyNotAuthorized = "SIG_KEY_NOT_AUTHORIZED"
    case unknownArtifact = "RECEIPT_UNKNOWN_ARTIFACT"
    // manifest stage
    case manifestFileMissing = "MANIFEST_FILE_MISSING"
    case manifestFileUnlisted = "MANIFEST_FILE_UNLISTED"
    case manifestFileMismatch = "MANIFEST_FILE_MISMATCH"
    case manifestCheckpoint = "MANIFEST_CHECKPOINT"
    case manifestReceiptCount = "MANIFEST_RECEIPT_COUNT"
    case manifestSessionMismatch = "MANIFEST_SESSION_MISMATCH"
    case manifestSessionUnlisted = "MANIFEST_SESSION_UNLISTED"
    case manifestSessionMissing = "MANIFEST_SESSION_MISSING"
    case manifestLogID = "MANIFEST_LOG_ID"
    case scopeFile = "MANIFEST_SCOPE_FILE"
    // artifact stage
    case parentMissing = "ARTIFACT_PARENT_MISSING"
    case submandateDepth = "SUBMANDATE_DEPTH"
    case submandateWindow = "SUBMANDATE_WINDOW"
    case submandateTools = "SUBMANDATE_TOOLS"
    case submandateParams = "SUBMANDATE_PARAMS"
    case submandateRateLimit = "SUBMANDATE_RATE_LIMIT"
    case submandateBinding = "SUBMANDATE_BINDING"
    case submandatePortalKeys = "SUBMANDATE_PORTAL_KEYS"
    // chain stage
    case chainSeq = "CHAIN_SEQ"
    case chainGenesis = "CHAIN_GENESIS_MISMATCH"
    case chainPrev = "CHAIN_PREV_MISMATCH"
    case chainArtifactChanged = "CHAIN_ARTIFACT_CHANGED"
    case chainTimeRegression = "CHAIN_TIME_REGRESSION"
    case outsideWindow = "RECEIPT_OUTSIDE_WINDOW"
    case unknownLimit = "RECEIPT_UNKNOWN_LIMIT"
    case tooManySessions = "CHAIN_TOO_MANY_SESSIONS"
    // inclusion stage
    case inclusionCount = "INCLUSION_COUNT"
    case inclusionReceipt = "INCLUSION_RECEIPT_MISMATCH"
    case inclusionTreeSize = "INCLUSION_TREE_SIZE"
    case inclusionOrder = "INCLUSION_ORDER"
    // checkpoint stage
    case checkpointOrder = "CHECKPOINT_ORDER"
    case checkpointTimeRegression = "CHECKPOINT_TIME_REGRESSION"
    case checkpointLogID = "CHECKPOINT_LOG_ID"
    case checkpointRoot = "CHECKPOINT_ROOT_MISMATCH"
    case checkpointBeyondLog = "CHECKPOINT_BEYOND_LOG"
    case checkpointBeforeReceipts = "CHECKPOINT_TIME_BEFORE_RECEIPT"
    case consistencyMissing = "CONSISTENCY_PROOF_MISSING"
    case consistencyUnexpected = "CONSISTENCY_PROOF_UNEXPECTED"
    // payload stage
    case payloadInTier1 = "PAYLOAD_IN_TIER1"
    case payloadUnknownReceipt = "PAYLOAD_UNKNOWN_RECEIPT"
    case payloadMismatch = "PAYLOAD_MISMATCH"
    case payloadName = "PAYLOAD_NAME"
}

import EvidenceCrypto
import EvidenceFormat

/// Stage 7: walk every session's hash chain in log order. `seq` counts from 0 without gaps, `prev`
/// is the previous receipt's hash (the genesis value for seq 0), the artifact never changes, time
/// never goes backwards, and every receipt lies inside its artifact's window unless it is a denial
/// recording that the artifact expired (or is not yet valid): the safe state.
enum ChainStage {
    /// The chains were walked as the receipts streamed (ReceiptStream.follow calls `check`).
    static func run(_ run: Run) {
        guard let stream = run.stream else { return }
        run.attach(stream.chain, .chain)
        run.sessionCount = stream.sessions.count
    }

    /// One receipt against its session's chain head (`state`, nil for the session's first receipt)
    /// and its artifact, if the bundle holds it.
    static func check(_ r: Receipt, line: Int, state: ReceiptStream.Session?, artifact: ArtifactInfo?,
                      _ report: (Failure) -> Void) {
        func fail(_ code: VerifyCode, _ detail: String) {
            report(Failure(code, .chain, file: BundlePath.receiptsName, line: line, session: r.sessionID, seq: r.seq, detail))
        }
        let expectedSeq = state?.nextSeq ?? 0
        if r.seq != expectedSeq {
            fail(.chainSeq, "expected seq \(expectedSeq) in this session, found \(r.seq)")
        }
        if let state {
            if r.artifactRef != state.artifactRef {
                fail(.chainArtifactChanged, "the session began under artifact \(state.artifactRef.hex)")
            }
            if r.prev != state.lastHash {
                fail(.chainPrev, "prev is \(r.prev.hex); the previous receipt of this session hashes to \(state.lastHash.hex)")
            }
            if r.timeMS < state.lastTime {
                fail(.chainTimeRegression, "time \(r.timeMS) is before the previous receipt's \(state.lastTime)")
            }
        } else {
            let genesis = Receipt.genesis(artifactRef: r.artifactRef, sessionID: r.sessionID)
            if r.prev != genesis {
                fail(.chainGenesis, "the first receipt of a session has prev = genesis(artifact_ref, session_id) = \(genesis.hex)")
            }
        }
        if let artifact {
            checkWindow(r, artifact, fail)
            if let limit = r.limit, !artifact.value.rateLimits.contains(where: { $0.id == limit }) {
                fail(.unknownLimit, "names rate limit \(limit), which its artifact does not define")
            }
        }
    }

    /// The receipt's time against the artifact's validity window. (Only the two bounds are read:
    /// a copy of the whole `PolicyArtifact` per receipt would cost more than the check.)
    static func checkWindow(_ r: Receipt, _ artifact: ArtifactInfo, _ fail: (VerifyCode, String) -> Void) {
        let notBeforeMS = artifact.value.notBeforeMS
        let notAfterMS = artifact.value.notAfterMS
        if r.timeMS >= notAfterMS {
            guard r.decision == .deny, r.reason == .artifactExpired else {
                fail(.outsideWindow, "time \(r.timeMS) is at or after the artifact's not_after_ms \(notAfterMS); only denials with reason artifact_expired may follow expiry")
                return
            }
        } else if r.timeMS < notBeforeMS {
            guard r.decision == .deny, r.reason == .artifactNotYetValid else {
                fail(.outsideWindow, "time \(r.timeMS) is before the artifact's not_before_ms \(notBeforeMS); only denials with reason artifact_not_yet_valid may precede it")
                return
            }
        } else if r.reason == .artifactExpired || r.reason == .artifactNotYetValid {
            fail(.outsideWindow, "reason \(r.reason.rawValue) at time \(r.timeMS), inside the artifact's window")
        }
    }
}

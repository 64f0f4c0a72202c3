import BundleKit
import EvidenceCrypto
import EvidenceFormat

/// Builds bundles from a Portal's records with BundleWriter: reproducible (the same records give
/// the same bytes), complete through the last signed checkpoint.
package enum Exporter {
    package struct Options {
        package var tier: Int64 = 1
        /// nil: the whole log; otherwise one session, with inclusion proofs (scope selective).
        package var session: String? = nil
        /// Issuer keys to carry in `keys/` (information only; auditors pin their own).
        package var issuerKeys: [PublicKey] = []
        package init() {}
    }

    package struct Result {
        package var bundle: [UInt8]
        package var receipts: Int
        /// Receipts left out because no checkpoint covers them yet.
        package var uncovered: Int
    }

    package static func bundle(logID: Hash256, portal: SigningIdentity, receipts: [LoggedReceipt],
                               checkpoints: [(checkpoint: Checkpoint, document: SealedDocument)],
                               artifacts: [SealedArtifact], options: Options) throws(PortalError) -> Result {
        guard let last = checkpoints.last?.checkpoint else {
            throw PortalError(.nothingToExport, "", "no signed checkpoint yet: nothing is exportable")
        }
        let covered = Int(last.treeSize)
        guard covered <= receipts.count else {
            throw PortalError(.stateCorrupt, StateStore.journalName, "the last checkpoint covers \(covered) receipts, the log holds \(receipts.count)")
        }
        let log: EvidenceLog
        do {
            log = try EvidenceLog(logID: logID, portal: portal, restoring: Array(receipts.prefix(covered)), checkpoints: checkpoints)
        } catch {
            throw PortalError(.stateCorrupt, StateStore.journalName, error.reason)
        }
        let byRef = Dictionary(artifacts.map { ($0.ref, $0) }, uniquingKeysWith: { a, _ in a })
        var needed: [Hash256] = []
        var selected = log.entries
        if let session = options.session {
            selected = log.entries.filter { $0.receipt.sessionID == session }
            guard !selected.isEmpty else {
                throw PortalError(.nothingToExport, "--session", "no checkpointed receipt of session \(session)")
            }
        }
        // Each artifact the selected receipts name, and its ancestors, in first-use order.
        for e in selected where !needed.contains(e.receipt.artifactRef) {
            var ref: Hash256? = e.receipt.artifactRef
            while let r = ref, !needed.contains(r) {
                guard let a = byRef[r] else {
                    throw PortalError(.stateCorrupt, "artifacts/\(r.hex).json", "an artifact that receipts name is not stored")
                }
                needed.append(r)
                ref = a.artifact.parent
            }
        }
        let chosen = options.session == nil ? artifacts.map(\.ref).filter { !needed.contains($0) } + needed : needed
        for ref in chosen { try byRef[ref]?.requireProfile(portal.profile) }
        var req = BundleRequest(log: log, artifacts: chosen.compactMap { byRef[$0]?.document })
        req.issuerKeys = options.issuerKeys
        req.tier = options.tier
        req.sessions = options.session.map { [$0] }
        if options.tier == 2 {
            req.disclose = Set(selected.filter {
                $0.salt.count == PayloadCommitment.saltBytes && $0.payload.count <= PayloadDisclosure.maxPayloadBytes
                    && PayloadCommitment.hash(salt: $0.salt, payload: $0.payload) == $0.receipt.payloadHash
            }.map(\.receiptHash))
        }
        do {
            return Result(bundle: try BundleWriter.bundle(req), receipts: selected.count, uncovered: receipts.count - covered)
        } catch {
            throw PortalError(.export, "", error.reason)
        }
    }
}

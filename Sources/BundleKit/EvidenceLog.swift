import EvidenceCrypto
import EvidenceFormat
import Merkle

/// One receipt of the log, with what a tier-2 export discloses about it.
package struct LoggedReceipt: Sendable {
    package let receipt: Receipt
    package let document: SealedDocument
    package let leafHash: Hash256
    package let salt: [UInt8]
    package let payload: [UInt8]
    package var receiptHash: Hash256 { document.hash }

    package init(receipt: Receipt, document: SealedDocument, leafHash: Hash256, salt: [UInt8], payload: [UInt8]) {
        self.receipt = receipt
        self.document = document
        self.leafHash = leafHash
        self.salt = salt
        self.payload = payload
    }
}

/// A Portal's append-only log held in memory: per-session hash chains, one Merkle tree over all
/// receipts in sealing order, and signed checkpoints. The Portal persists the same records; fixtures,
/// vectors and `simulate` build bundles from it directly.
package final class EvidenceLog {
    package let logID: Hash256
    package let portal: SigningIdentity
    package private(set) var entries: [LoggedReceipt] = []
    package private(set) var checkpoints: [(checkpoint: Checkpoint, document: SealedDocument)] = []
    private var tree = IncrementalMerkleTree()
    private var sessions: [String: (artifactRef: Hash256, nextSeq: Int64, last: Hash256)] = [:]
    /// Session ids in the order they first appeared.
    package private(set) var sessionOrder: [String] = []

    package init(logID: Hash256, portal: SigningIdentity) {
        self.logID = logID
        self.portal = portal
    }

    /// Rebuilds a log from records a Portal stored durably (receipts in sealing order, then the
    /// checkpoints signed over them): chains, tree and session order are recomputed, nothing is
    /// re-signed. Fails when a checkpoint covers more receipts than there are or disagrees with them.
    package init(logID: Hash256, portal: SigningIdentity, restoring entries: [LoggedReceipt],
                 checkpoints: [(checkpoint: Checkpoint, document: SealedDocument)]) throws(BundleWriterError) {
        self.logID = logID
        self.portal = portal
        var roots: [UInt64: Hash256] = [:]
        let wanted = Set(checkpoints.map { UInt64($0.checkpoint.treeSize) })
        for e in entries {
            let state = sessions[e.receipt.sessionID]
            if state == nil { sessionOrder.append(e.receipt.sessionID) }
            sessions[e.receipt.sessionID] = (state?.artifactRef ?? e.receipt.artifactRef, e.receipt.seq + 1, e.receiptHash)
            self.entries.append(e)
            tree.append(leafHash: e.leafHash)
            if wanted.contains(tree.size) { roots[tree.size] = tree.root() }
        }
        for c in checkpoints {
            guard roots[UInt64(c.checkpoint.treeSize)] == c.checkpoint.rootHash else {
                throw BundleWriterError(reason: "checkpoint at tree size \(c.checkpoint.treeSize) does not match the stored receipts")
            }
        }
        self.checkpoints = checkpoints
    }

    /// Seals the next receipt of `sessionID`, chaining it to the previous one.
    @discardableResult
    package func append(
        artifactRef: Hash256, sessionID: String, timeMS: Int64, event: Receipt.Event, tool: String?,
        decision: Receipt.Decision, reason: Receipt.Reason, limit: String? = nil, payload: [UInt8], salt: [UInt8]
    ) -> LoggedReceipt {
        let state = sessions[sessionID]
        let receipt = Receipt(
            artifactRef: artifactRef, sessionID: sessionID, seq: state?.nextSeq ?? 0, timeMS: timeMS, event: event,
            tool: tool, decision: decision, reason: reason, limit: limit,
            payloadHash: PayloadCommitment.hash(salt: salt, payload: payload),
            prev: state?.last ?? Receipt.genesis(artifactRef: artifactRef, sessionID: sessionID))
        let document = portal.sign(receipt.body)
        let logged = LoggedReceipt(receipt: receipt, document: document, leafHash: MerkleHash.leaf(document.bytes),
                                   salt: salt, payload: payload)
        if state == nil { sessionOrder.append(sessionID) }
        sessions[sessionID] = (state?.artifactRef ?? artifactRef, receipt.seq + 1, document.hash)
        entries.append(logged)
        tree.append(leafHash: logged.leafHash)
        return logged
    }

    /// Seals `receipt` exactly as given: no chaining, no seq. For negative tests and conformance
    /// vectors that need a validly signed receipt which breaks the rules on purpose.
    @discardableResult
    package func appendUnchained(_ receipt: Receipt, payload: [UInt8], salt: [UInt8]) -> LoggedReceipt {
        let document = portal.sign(receipt.body)
        let logged = LoggedReceipt(receipt: receipt, document: document, leafHash: MerkleHash.leaf(document.bytes),
                                   salt: salt, payload: payload)
        if sessions[receipt.sessionID] == nil { sessionOrder.append(receipt.sessionID) }
        sessions[receipt.sessionID] = (sessions[receipt.sessionID]?.artifactRef ?? receipt.artifactRef, receipt.seq + 1, document.hash)
        entries.append(logged)
        tree.append(leafHash: logged.leafHash)
        return logged
    }

    /// Signs a checkpoint over every receipt sealed so far. Nothing to sign for an empty log.
    @discardableResult
    package func checkpoint(timeMS: Int64) -> Checkpoint? {
        guard tree.size > 0, checkpoints.last?.checkpoint.treeSize != Int64(tree.size) else { return checkpoints.last?.checkpoint }
        let c = Checkpoint(logID: logID, treeSize: Int64(tree.size), rootHash: tree.root(), timeMS: timeMS)
        checkpoints.append((c, portal.sign(c.body)))
        return c
    }

    package var leafHashes: [Hash256] { entries.map(\.leafHash) }
}

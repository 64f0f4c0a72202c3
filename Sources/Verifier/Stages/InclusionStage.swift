import EvidenceCrypto
import EvidenceFormat
import Merkle

/// Stage 8 (selective bundles): every receipt carries an RFC 9162 inclusion proof against the
/// checkpoint the manifest claims completeness through, in log order.
enum InclusionStage {
    static func run(_ run: Run) {
        guard let manifest = run.manifest?.value, manifest.scope == .selective else { return }
        guard run.receiptsParsedCleanly, run.inclusionParsedCleanly, !run.inclusion.isEmpty else { return }
        let file = BundlePath.inclusionName
        guard run.inclusion.count == run.receipts.count else {
            run.fail(.inclusionCount, .inclusion, file: file,
                     "\(run.inclusion.count) inclusion proofs for \(run.receipts.count) receipts; a selective bundle carries exactly one per receipt")
            return
        }
        let target = manifest.completeThrough
        var previousIndex: Int64 = -1
        for (proof, receipt) in zip(run.inclusion, run.receipts) {
            let p = proof.value
            let session = receipt.receipt?.sessionID
            let seq = receipt.receipt?.seq
            func fail(_ code: String, _ detail: String) {
                run.fail(Failure(code, .inclusion, file: file, line: proof.line, session: session, seq: seq, detail))
            }
            if p.receiptHash != receipt.receiptHash {
                fail(VerifyCode.inclusionReceipt.rawValue, "proves receipt \(p.receiptHash.hex) but line \(receipt.line) of receipts.jsonl hashes to \(receipt.receiptHash.hex)")
                continue
            }
            if p.leafIndex <= previousIndex {
                fail(VerifyCode.inclusionOrder.rawValue, "leaf index \(p.leafIndex) does not increase; receipts are stored in log order")
            }
            previousIndex = p.leafIndex
            if p.treeSize != target.treeSize {
                fail(VerifyCode.inclusionTreeSize.rawValue, "proves inclusion at tree size \(p.treeSize); the bundle claims completeness through \(target.treeSize)")
                continue
            }
            do {
                try MerkleVerifier.verifyInclusion(leafHash: receipt.leafHash, index: UInt64(p.leafIndex),
                                                   treeSize: UInt64(p.treeSize), proof: p.path, root: target.rootHash)
            } catch {
                fail(error.code.rawValue, error.reason)
            }
        }
    }
}

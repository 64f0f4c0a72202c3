import EvidenceCrypto
import EvidenceFormat
import Merkle

/// Stage 8 (selective bundles): every receipt carries an RFC 9162 inclusion proof against the
/// checkpoint the manifest claims completeness through, in log order.
enum InclusionStage {
    static func run(_ run: Run) {
        guard let manifest = run.manifest?.value, manifest.scope == .selective else { return }
        guard run.receiptsParsedCleanly, run.inclusionParsedCleanly, !run.inclusion.isEmpty else { return }
        guard run.inclusion.count == run.receiptCount else {
            run.fail(.inclusionCount, .inclusion, file: BundlePath.inclusionName,
                     "\(run.inclusion.count) inclusion proofs for \(run.receiptCount) receipts; a selective bundle carries exactly one per receipt")
            return
        }
        // Each proof was checked against its receipt as the receipts streamed (ReceiptStream.checkInclusion).
        if let stream = run.stream { run.attach(stream.inclusion, .inclusion) }
    }
}

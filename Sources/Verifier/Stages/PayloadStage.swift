import EvidenceCrypto
import EvidenceFormat

/// Stage 10: tier-2 payload confirmation. Each disclosure (in the bundle, or supplied beside it)
/// names a receipt of the bundle, and SHA-256(salt ‖ payload) equals that receipt's payload_hash.
enum PayloadStage {
    static func run(_ run: Run, external: [Parsed<PayloadDisclosure>]) {
        let tier = run.manifest?.value.tier
        if tier == 1 {
            for d in run.disclosures {
                run.fail(.payloadInTier1, .payload, file: d.file, "a tier-1 bundle carries no payloads or salts")
            }
        }
        // The receipts these disclosures name were picked out as the receipts streamed.
        let byHash = run.stream?.disclosed ?? [:]
        let inBundle = tier == 1 ? [] : run.disclosures
        for d in inBundle + external {
            guard let r = byHash[d.value.receiptHash] else {
                run.fail(.payloadUnknownReceipt, .payload, file: d.file, "discloses a payload for receipt \(d.value.receiptHash.hex), which the bundle does not hold")
                continue
            }
            let computed = PayloadCommitment.hash(salt: d.value.salt, payload: d.value.payload)
            guard ConstantTime.equal(computed.bytes, r.payloadHash.bytes) else {
                run.fail(.payloadMismatch, .payload, file: d.file, session: r.sessionID, seq: r.seq,
                         "SHA-256(salt ‖ payload) is \(computed.hex); the receipt commits to \(r.payloadHash.hex)")
                continue
            }
            run.confirmedPayloads.append((d.value.receiptHash, r.sessionID, r.seq, d.file))
        }
    }
}

import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// Stage 4: every receipt is signed by a Portal key its own artifact names; every checkpoint and
/// the manifest by a Portal key some artifact of the bundle names. Receipt signatures are checked
/// on every core as the receipts stream (ReceiptStream); failures keep line order.
enum SignatureStage {
    static func run(_ run: Run) {
        if let m = run.manifest, let sig = m.value.signature {
            check(run, sig, object: m.object, keys: run.portalKeys, file: m.file, line: nil, what: "the manifest")
        }
        for c in run.checkpoints {
            guard let sig = c.value.signature else { continue }
            check(run, sig, object: c.object, keys: run.portalKeys, file: c.file, line: c.line, what: "the checkpoint")
        }
        checkReceipts(run)
    }

    static func check(_ run: Run, _ sig: SignatureBlock, object: JSONObject, keys: [Hash256: PublicKey],
                      file: String, line: Int?, what: String) {
        guard let key = keys[sig.keyID] else {
            run.fail(.keyNotAuthorized, .signature, file: file, line: line,
                     "\(what) is signed by key \(sig.keyID.hex), which no artifact of the bundle names as a Portal key")
            return
        }
        do {
            try SignatureCheck.verify(sig, key: key, digest: SigningInput.digest(of: object))
        } catch {
            run.fail(.signatureInvalid, .signature, file: file, line: line, "\(what)'s signature does not verify: \(error.reason)")
        }
    }

    /// Receipt signatures were checked by the workers of ReceiptStream, as the lines streamed.
    static func checkReceipts(_ run: Run) {
        if let stream = run.stream { run.attach(stream.signature, .signature) }
    }

    /// One receipt against its artifact (nil: the bundle does not hold it); called by the workers
    /// of ReceiptStream.
    static func checkReceipt(_ line: ReceiptLine, artifact: ArtifactInfo?) -> Failure? {
        guard let r = line.receipt, let digest = line.signingDigest, let sig = r.signature else { return nil }
        let file = BundlePath.receiptsName
        guard let artifact else {
            return Failure(.unknownArtifact, .signature, file: file, line: line.line, session: r.sessionID, seq: r.seq,
                           "names artifact \(r.artifactRef.hex), which the bundle does not hold")
        }
        guard let key = artifact.portalKeys[sig.keyID] else {
            return Failure(.keyNotAuthorized, .signature, file: file, line: line.line, session: r.sessionID, seq: r.seq,
                           "signed by key \(sig.keyID.hex), which its artifact does not name as a Portal key")
        }
        do {
            try SignatureCheck.verify(sig, key: key, digest: digest)
            return nil
        } catch {
            return Failure(.signatureInvalid, .signature, file: file, line: line.line, session: r.sessionID, seq: r.seq,
                           "the receipt's signature does not verify: \(error.reason)")
        }
    }
}

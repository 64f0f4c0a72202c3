import EvidenceCrypto
import EvidenceFormat

/// Stage 3: who issued the artifacts. Trust anchors come only from the caller. Without one, the
/// issuer keys carried in `keys/` are used to check the signatures, and the report says the origin
/// is unverified (or, with `requireTrust`, that is a failure).
enum TrustStage {
    static func run(_ run: Run) {
        var issuers: [Hash256: PublicKey] = [:]
        if run.options.trustAnchors.isEmpty {
            run.originPinned = false
            if run.options.requireTrust {
                run.fail(.noTrustAnchor, .trust, "no trust anchor was given and --require-trust is set")
            }
            issuers = run.bundleKeys
        } else {
            run.originPinned = true
            for key in run.options.trustAnchors { issuers[key.keyID] = key }
        }

        // Delegations: signed by an issuer key (a trust anchor), one level deep.
        var delegates: [Hash256: KeyDelegation] = [:]
        for d in run.delegations {
            guard let sig = d.value.signature else { continue }
            guard let signer = issuers[sig.keyID] else {
                run.fail(.delegationSigner, .trust, file: d.file, "signed by key \(sig.keyID.hex), which is not a trust anchor")
                continue
            }
            do {
                try SignatureCheck.verify(sig, key: signer, digest: SigningInput.digest(of: d.object))
            } catch {
                run.fail(.signatureInvalid, .trust, file: d.file, "the delegation's signature does not verify: \(error.reason)")
                continue
            }
            run.issuerKeysUsed.insert(sig.keyID)
            delegates[d.value.delegate.keyID] = d.value
        }

        for ref in run.artifactOrder {
            guard let a = run.artifacts[ref], let sig = a.value.signature else { continue }
            let key: PublicKey
            if let anchor = issuers[sig.keyID] {
                key = anchor
            } else if let delegation = delegates[sig.keyID] {
                guard delegation.notBeforeMS <= a.value.issuedAtMS, a.value.issuedAtMS < delegation.notAfterMS else {
                    run.fail(.delegationWindow, .trust, file: a.file,
                             "issued at \(a.value.issuedAtMS), outside the delegation window of key \(sig.keyID.hex)")
                    continue
                }
                key = delegation.delegate
            } else if run.originPinned {
                run.fail(.issuerUntrusted, .trust, file: a.file,
                         "signed by key \(sig.keyID.hex), which is neither a trust anchor nor delegated by one")
                continue
            } else {
                run.fail(.noIssuerKey, .trust, file: a.file,
                         "signed by key \(sig.keyID.hex), which the bundle does not carry and no trust anchor names")
                continue
            }
            do {
                try SignatureCheck.verify(sig, key: key, digest: SigningInput.digest(of: a.object))
            } catch {
                run.fail(.signatureInvalid, .trust, file: a.file, "the artifact's signature does not verify: \(error.reason)")
                continue
            }
            run.issuerKeysUsed.insert(sig.keyID)
            run.trustedArtifacts.insert(ref)
        }
    }
}

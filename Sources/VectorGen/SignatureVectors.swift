import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// Signatures, keys and trust: forged and malleable signatures, keys that are not authorized,
/// issuers that are not the trust anchor, delegations, and signatures moved between object types.
enum SignatureVectors {
    static func add(to suite: Suite) {
        let main = Base("sig-main", Bases.mainSpec(), suite: suite)
        let single = Base("sig-single", Bases.singleSpec("sig", 2), suite: suite)
        let t0 = Clock.t0

        // Invalid signatures, sealed into the log as they are (so nothing else changes).
        suite.neg("sig-receipt-bit-flip", .signatureForgery, ["SIG_INVALID"], "a receipt whose signature has one bit flipped",
                  main.make(spec: { $0.receipts[2].seal.sigTransform = Sig.flip }))
        suite.neg("sig-receipt-first-bit-flip", .signatureForgery, ["SIG_INVALID"], "the first receipt of the log with a bad signature",
                  main.make(spec: { $0.receipts[0].seal.sigTransform = Sig.flip }))
        suite.neg("sig-receipt-zero", .signatureForgery, ["SIG_INVALID"], "a receipt whose signature is 64 zero bytes",
                  main.make(spec: { $0.receipts[7].seal.sigTransform = Sig.zero }))
        suite.neg("sig-receipt-malleable-s", .signatureForgery, ["SIG_INVALID"], "a receipt signature with S + L: valid under lax Ed25519, non-canonical under strict",
                  main.make(spec: { $0.receipts[3].seal.sigTransform = Sig.plusL }))
        suite.neg("sig-checkpoint-malleable-s", .signatureForgery, ["SIG_INVALID"], "a checkpoint signature with S + L",
                  main.make(spec: { $0.checkpoints[1].seal.sigTransform = Sig.plusL }))
        suite.neg("sig-checkpoint-bit-flip", .signatureForgery, ["SIG_INVALID"], "a checkpoint with a bad signature",
                  main.make(spec: { $0.checkpoints[0].seal.sigTransform = Sig.flip }))
        suite.neg("sig-artifact-bit-flip", .signatureForgery, ["SIG_INVALID"], "the root artifact with a bad signature (its artifact_ref is of the bytes as stored)",
                  main.make(spec: { $0.artifacts[0].seal.sigTransform = Sig.flip }))
        suite.neg("sig-artifact-malleable-s", .signatureForgery, ["SIG_INVALID"], "the sub-mandate's signature with S + L",
                  main.make(spec: { $0.artifacts[1].seal.sigTransform = Sig.plusL }))
        suite.neg("sig-manifest-bit-flip", .signatureForgery, ["SIG_INVALID"], "the manifest with a bad signature",
                  main.make(raw: { e in e[0].bytes = seal(manifestBody(e[0].bytes), by: Keys.portal, SealOptions(sigTransform: Sig.flip)) }))
        suite.neg("sig-receipt-field-altered", .signatureForgery, ["SIG_INVALID"], "a receipt whose time was changed after signing (and logged as changed)",
                  main.make(spec: { $0.receipts[7].seal.postEdit = { o in o = o.setting("time_ms", .int(Bases.h1 + 3 * Clock.minute + 1)) } }))

        // Type confusion: a signature made over the same members with another type.
        suite.neg("type-confusion-receipt-signed-as-checkpoint", .typeConfusion, ["SIG_INVALID"], "a receipt whose signature was made over the object with type \"checkpoint\"",
                  main.make(spec: { $0.receipts[4].seal.signedAs = "checkpoint" }))
        suite.neg("type-confusion-checkpoint-signed-as-manifest", .typeConfusion, ["SIG_INVALID"], "a checkpoint signed as if it were a manifest",
                  main.make(spec: { $0.checkpoints[2].seal.signedAs = "manifest" }))
        suite.neg("type-confusion-artifact-signed-as-delegation", .typeConfusion, ["SIG_INVALID"], "an artifact signed over type \"key_delegation\"",
                  main.make(spec: { $0.artifacts[1].seal.signedAs = "key_delegation" }))
        suite.neg("type-confusion-manifest-signed-as-receipt", .typeConfusion, ["SIG_INVALID"], "the manifest signed over type \"receipt\"",
                  main.make(raw: { e in e[0].bytes = seal(manifestBody(e[0].bytes), by: Keys.portal, SealOptions(signedAs: "receipt")) }))
        suite.neg("type-confusion-receipt-in-checkpoints", .typeConfusion, ["FORMAT_WRONG_TYPE"], "a validly signed receipt placed in checkpoints.jsonl (its type is checked before its member set)",
                  main.make(files: { f, b in f.editLines(checkpointsPath) { $0.insert(b.receipts[0].bytes, at: 0) } }))
        let delegated = Base("sig-delegated", PositiveVectors.delegatedSpec(), suite: suite)
        suite.neg("type-confusion-delegation-signed-as-artifact", .typeConfusion, ["SIG_INVALID", "TRUST_ISSUER_UNTRUSTED"],
                  "a key delegation signed over type \"policy_artifact\": it does not verify, so the delegate's artifact has no trusted signer",
                  delegated.make(spec: { s in
                      let d = KeyDelegation(delegate: Keys.delegate.publicKey, notBeforeMS: t0 - 2 * Clock.hour, notAfterMS: t0 + 48 * Clock.hour)
                      s.delegations = [seal(d.body, by: Keys.issuer, SealOptions(signedAs: "policy_artifact"))]
                  }))

        // Valid signatures by keys that are not authorized.
        suite.neg("key-receipt-by-rogue-portal", .unauthorizedKey, ["SIG_KEY_NOT_AUTHORIZED"], "one receipt validly signed by a Portal key no artifact names",
                  main.make(spec: { $0.receipts[1].signer = Keys.attackerPortal }))
        suite.neg("key-receipt-by-issuer", .unauthorizedKey, ["SIG_KEY_NOT_AUTHORIZED"], "a receipt validly signed by the issuer key, which is not a Portal key",
                  main.make(spec: { $0.receipts[6].signer = Keys.issuer }))
        suite.neg("key-checkpoint-by-rogue-portal", .unauthorizedKey, ["SIG_KEY_NOT_AUTHORIZED"], "a checkpoint validly signed by an unnamed key",
                  main.make(spec: { $0.checkpoints[1].signer = Keys.attackerPortal }))
        suite.neg("key-manifest-by-rogue-portal", .unauthorizedKey, ["SIG_KEY_NOT_AUTHORIZED"], "the manifest validly signed by an unnamed key",
                  main.make(spec: { $0.manifestSigner = Keys.attackerPortal }))
        suite.neg("key-manifest-by-issuer", .unauthorizedKey, ["SIG_KEY_NOT_AUTHORIZED"], "the manifest validly signed by the issuer key",
                  main.make(spec: { $0.manifestSigner = Keys.issuer }))
        suite.neg("key-rogue-portal-everything", .unauthorizedKey, Array(repeating: "SIG_KEY_NOT_AUTHORIZED", count: 4),
                  "a Portal key not named in the artifact signs both receipts, the checkpoint and the manifest",
                  single.make(spec: { $0.portal = Keys.attackerPortal }))
        var twoArtifacts = Bases.singleSpec("sig-two", 2)
        var second = Artifacts.root(portalKeys: [Keys.portal2.publicKey])
        second.artifactID = "second"
        twoArtifacts.artifacts.append(ArtifactSpec(artifact: second))
        twoArtifacts.receipts.append(Bases.call(1, "other", t0 + 5 * Clock.minute))
        twoArtifacts.receipts[2].signer = Keys.portal2
        twoArtifacts.checkpoints = [CheckpointSpec(size: 3)]
        let two = Base("sig-two-artifacts", twoArtifacts, suite: suite)
        suite.neg("key-of-another-artifact", .unauthorizedKey, ["SIG_KEY_NOT_AUTHORIZED"], "a receipt signed by a Portal key that another artifact of the bundle names, not its own",
                  two.make(spec: { $0.receipts[1].signer = Keys.portal2 }))

        // Issuers and trust anchors.
        suite.neg("trust-issuer-not-anchor", .trustAnchor, ["TRUST_ISSUER_UNTRUSTED", "TRUST_ISSUER_UNTRUSTED"], "a genuine bundle checked against an unrelated trust anchor: both artifacts fail",
                  main.bundle(), trust: [Keys.otherTrust])
        suite.neg("trust-attacker-anchor", .trustAnchor, ["TRUST_ISSUER_UNTRUSTED", "TRUST_ISSUER_UNTRUSTED"], "a genuine bundle checked against the attacker's key",
                  main.bundle(), trust: [Keys.attackerTrust])
        let attacker: (inout Spec) -> Void = { s in
            for i in s.artifacts.indices {
                s.artifacts[i].sealer = Keys.attackerIssuer
                s.artifacts[i].artifact.portalKeys = [Keys.attackerPortal.publicKey]
            }
            s.portal = Keys.attackerPortal
            s.issuerKeys = [Keys.attackerIssuer.publicKey]
        }
        suite.neg("trust-attacker-resigns-everything", .keyInBundleTrusted, ["TRUST_ISSUER_UNTRUSTED", "TRUST_ISSUER_UNTRUSTED"],
                  "an attacker's own issuer and Portal keys sign a complete, internally consistent bundle and carry the issuer key in keys/; the pinned anchor rejects both artifacts",
                  main.make(spec: attacker))
        suite.neg("trust-attacker-resigns-require-trust", .keyInBundleTrusted, ["TRUST_NO_ANCHOR"],
                  "the attacker's self-consistent bundle with no anchor and --require-trust: the in-bundle key is never trust",
                  main.make(spec: attacker), trust: [], requireTrust: true)
        suite.neg("trust-no-anchor-require", .trustAnchor, ["TRUST_NO_ANCHOR"], "a genuine bundle, no trust anchor, --require-trust", main.bundle(), trust: [], requireTrust: true)
        suite.neg("trust-issuer-key-unknown", .trustAnchor, ["TRUST_ISSUER_KEY_UNKNOWN", "TRUST_ISSUER_KEY_UNKNOWN"], "no trust anchor and no issuer key in keys/: the artifacts cannot be checked",
                  main.make(spec: { $0.issuerKeys = [] }), trust: [])
        suite.neg("trust-issuer-key-unknown-other-carried", .trustAnchor, ["TRUST_ISSUER_KEY_UNKNOWN", "TRUST_ISSUER_KEY_UNKNOWN"], "no trust anchor; keys/ carries only an unrelated key",
                  main.make(spec: { $0.issuerKeys = [Keys.other.publicKey] }), trust: [])
        suite.neg("trust-no-anchor-require-and-unknown", .trustAnchor, ["TRUST_ISSUER_KEY_UNKNOWN", "TRUST_ISSUER_KEY_UNKNOWN", "TRUST_NO_ANCHOR"], "--require-trust without an anchor, and no issuer key carried",
                  main.make(spec: { $0.issuerKeys = [] }), trust: [], requireTrust: true)
        suite.neg("trust-artifact-signed-by-portal", .unauthorizedKey, ["TRUST_ISSUER_UNTRUSTED"], "the sub-mandate signed by the Portal key instead of the issuer",
                  main.make(spec: { $0.artifacts[1].sealer = Keys.portal }))

        // Delegations.
        func delegation(_ nb: Int64, _ na: Int64, by key: SigningIdentity = Keys.issuer, delegate: SigningIdentity = Keys.delegate) -> [UInt8] {
            seal(KeyDelegation(delegate: delegate.publicKey, notBeforeMS: nb, notAfterMS: na).body, by: key)
        }
        let issued = t0 - Clock.hour
        suite.neg("delegation-missing", .trustAnchor, ["TRUST_ISSUER_UNTRUSTED"], "an artifact signed by a delegate key with no delegation in the bundle",
                  delegated.make(spec: { $0.delegations = [] }))
        suite.neg("delegation-self-signed", .trustAnchor, ["TRUST_DELEGATION_UNTRUSTED", "TRUST_ISSUER_UNTRUSTED"], "the delegate signs its own delegation",
                  delegated.make(spec: { $0.delegations = [delegation(t0 - 2 * Clock.hour, t0 + Clock.hour, by: Keys.delegate)] }))
        suite.neg("delegation-by-other", .trustAnchor, ["TRUST_DELEGATION_UNTRUSTED", "TRUST_ISSUER_UNTRUSTED"], "a delegation signed by a key that is not a trust anchor",
                  delegated.make(spec: { $0.delegations = [delegation(t0 - 2 * Clock.hour, t0 + Clock.hour, by: Keys.other)] }))
        suite.neg("delegation-two-levels", .trustAnchor, ["TRUST_DELEGATION_UNTRUSTED", "TRUST_ISSUER_UNTRUSTED"], "a delegate delegating further (delegations are one level deep)",
                  delegated.make(spec: { s in
                      s.delegations = [delegation(t0 - 2 * Clock.hour, t0 + Clock.hour), delegation(t0 - 2 * Clock.hour, t0 + Clock.hour, by: Keys.delegate, delegate: Keys.other)]
                      s.artifacts[0].sealer = Keys.other
                  }))
        suite.neg("delegation-window-not-yet", .trustAnchor, ["TRUST_DELEGATION_WINDOW"], "the artifact was issued before the delegation's window",
                  delegated.make(spec: { $0.delegations = [delegation(issued + 1, t0 + Clock.hour)] }))
        suite.neg("delegation-window-expired", .trustAnchor, ["TRUST_DELEGATION_WINDOW"], "the artifact was issued exactly at the delegation's not_after_ms (exclusive)",
                  delegated.make(spec: { $0.delegations = [delegation(t0 - 2 * Clock.hour, issued)] }))
        suite.neg("delegation-bad-signature", .signatureForgery, ["SIG_INVALID", "TRUST_ISSUER_UNTRUSTED"], "a delegation whose signature does not verify",
                  delegated.make(spec: { $0.delegations = [seal(KeyDelegation(delegate: Keys.delegate.publicKey, notBeforeMS: t0 - 2 * Clock.hour, notAfterMS: t0 + Clock.hour).body, by: Keys.issuer, SealOptions(sigTransform: Sig.flip))] }))
        suite.neg("delegation-empty-window", .schema, ["FORMAT_VALUE", "TRUST_ISSUER_UNTRUSTED"], "a delegation whose window is empty does not parse, so the delegate is not trusted",
                  delegated.make(spec: { $0.delegations = [delegation(issued, issued)] }))
        suite.neg("delegation-small-order-delegate", .signatureForgery, ["CRYPTO_KEY_INVALID", "TRUST_ISSUER_UNTRUSTED"], "a delegation to a small-order key",
                  delegated.make(spec: { $0.delegations = [seal(KeyDelegation(delegate: PublicKey(profile: .ed25519, bytes: [1] + [UInt8](repeating: 0, count: 31)), notBeforeMS: t0 - 2 * Clock.hour, notAfterMS: t0 + Clock.hour).body, by: Keys.issuer)] }))
        suite.neg("delegation-unknown-member", .schema, ["FORMAT_UNKNOWN_MEMBER", "TRUST_ISSUER_UNTRUSTED"], "a delegation with an extra member (a scope the format does not define)",
                  delegated.make(spec: { $0.delegations = [seal(KeyDelegation(delegate: Keys.delegate.publicKey, notBeforeMS: t0 - 2 * Clock.hour, notAfterMS: t0 + Clock.hour).body.setting("scope", .string("all")), by: Keys.issuer)] }))

        // A Portal key of small order in an artifact: the artifact does not parse.
        suite.neg("key-small-order-portal-key", .signatureForgery, ["CRYPTO_KEY_INVALID", "RECEIPT_UNKNOWN_ARTIFACT", "RECEIPT_UNKNOWN_ARTIFACT", "SIG_KEY_NOT_AUTHORIZED", "SIG_KEY_NOT_AUTHORIZED"],
                  "the only artifact names a small-order Portal key: it does not parse, so its receipts name an unknown artifact and no artifact names the key of the checkpoint and manifest",
                  single.make(spec: { $0.artifacts[0].artifact.portalKeys = [PublicKey(profile: .ed25519, bytes: [UInt8](repeating: 0, count: 32))] }))
    }

    /// The manifest's body (signature removed) from its bytes.
    static func manifestBody(_ b: [UInt8]) -> JSONObject {
        guard case .object(let o)? = try? JSONParser.parse(b, options: .evidence) else { fatalErrorInGenerator("manifest") }
        return o.removing("signature")
    }
}

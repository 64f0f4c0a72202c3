import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// The composite profile mldsa65-ed25519 (ML-DSA-65 + Ed25519; both components must verify):
/// valid composite bundles, and every way a composite signature or key can be broken, stripped,
/// swapped or spliced, made with another context or message, or mixed with the ed25519 profile.
/// Composite signatures are 3373 bytes, so the bases are small.
enum PQVectors {
    static let mldsaBytes = MLDSA65Component.signatureBytes  // 3309
    static let edBytes = Ed25519.signatureBytes  // 64

    /// `spec` in the composite profile: the issuer, the Portal and every artifact composite.
    static func pq(_ spec: Spec) -> Spec {
        var s = spec
        s.label = "pq/\(spec.label)"
        s.logID = h("vectors/log/pq/\(spec.label)")
        s.profile = .mldsa65Ed25519
        s.portal = Keys.pqPortal
        s.issuerKeys = [Keys.pqIssuer.publicKey]
        for i in s.artifacts.indices {
            s.artifacts[i].sealer = Keys.pqIssuer
            s.artifacts[i].artifact.profile = .mldsa65Ed25519
            s.artifacts[i].artifact.portalKeys = [Keys.pqPortal.publicKey]
        }
        return s
    }

    /// A composite delegation of artifact signing to `delegate`, by the composite issuer.
    static func delegation(to delegate: PublicKey, by key: SigningIdentity = Keys.pqIssuer, _ o: SealOptions = SealOptions()) -> [UInt8] {
        seal(KeyDelegation(delegate: delegate, notBeforeMS: Clock.t0 - 2 * Clock.hour, notAfterMS: Clock.t0 + 48 * Clock.hour).body, by: key, o)
    }

    /// A composite key: the composite issuer's ML-DSA-65 half with another Ed25519 half, or other bytes.
    static func compositeKey(_ bytes: [UInt8]) -> PublicKey { PublicKey(profile: .mldsa65Ed25519, bytes: bytes) }

    /// The signature bytes of a signed object.
    static func sigOf(_ doc: [UInt8]) -> [UInt8] {
        guard case .object(let o)? = try? JSONParser.parse(doc, options: .evidence), case .object(let s)? = o["signature"],
              case .string(let sig)? = s["sig"], let b = try? Base64URL.decode(sig) else { fatalErrorInGenerator("no signature") }
        return b
    }

    // Signature transforms on the composite encoding mldsaSig (3309) || ed25519Sig (64).
    static func zeroMLDSA(_ s: [UInt8]) -> [UInt8] { [UInt8](repeating: 0, count: mldsaBytes) + s[mldsaBytes...] }
    static func zeroEd25519(_ s: [UInt8]) -> [UInt8] { Array(s[..<mldsaBytes]) + [UInt8](repeating: 0, count: edBytes) }
    /// One bit of the ML-DSA-65 response z (past the 48-byte commitment hash).
    static func flipMLDSA(_ s: [UInt8]) -> [UInt8] { var s = s; s[1000] ^= 0x01; return s }
    /// One bit of the Ed25519 S half.
    static func flipEd25519(_ s: [UInt8]) -> [UInt8] { var s = s; s[mldsaBytes + 40] ^= 0x01; return s }
    static func swapped(_ s: [UInt8]) -> [UInt8] { Array(s[mldsaBytes...]) + Array(s[..<mldsaBytes]) }
    static func mldsaOnly(_ s: [UInt8]) -> [UInt8] { Array(s[..<mldsaBytes]) }
    static func ed25519Only(_ s: [UInt8]) -> [UInt8] { Array(s[mldsaBytes...]) }

    /// Which components of a composite signature verify over the format's M' (empty context).
    struct Components: Equatable, CustomStringConvertible {
        var mldsa: Bool
        var ed25519: Bool
        var description: String { "ML-DSA-65 \(mldsa ? "valid" : "invalid"), Ed25519 \(ed25519 ? "valid" : "invalid")" }
    }

    static func components(_ sig: [UInt8], _ digest: Hash256, _ key: PublicKey) -> Components {
        guard sig.count == CompositeMLDSA65Ed25519.signatureBytes, key.bytes.count == CompositeMLDSA65Ed25519.publicKeyBytes,
              let m = try? CompositeMLDSA65Ed25519.messageRepresentative(message: digest.bytes, context: []) else {
            fatalErrorInGenerator("not a composite signature and key")
        }
        let pkSplit = MLDSA65Component.publicKeyBytes
        let mldsa = (try? MLDSA65Component.verify(signature: Array(sig[..<mldsaBytes]), message: m, publicKey: Array(key.bytes[..<pkSplit]),
                                                  context: CompositeMLDSA65Ed25519.label)) != nil
        let ed = (try? Ed25519.verify(signature: Array(sig[mldsaBytes...]), message: m, publicKey: Array(key.bytes[pkSplit...]))) != nil
        return Components(mldsa: mldsa, ed25519: ed)
    }

    /// A context string the format never uses.
    static let otherContext = Array("evidence-bundle".utf8)

    static func add(to suite: Suite) {
        let trust = [Keys.pqIssuerTrust]
        func pos(_ name: String, _ d: String, _ bundle: [UInt8], trust t: [String] = trust, requireTrust: Bool = false) {
            suite.pos(name, d, bundle, trust: t, requireTrust: requireTrust)
        }
        func neg(_ name: String, _ bug: BugClass, _ codes: [String], _ d: String, _ bundle: [UInt8], trust t: [String] = trust, requireTrust: Bool = false) {
            suite.neg(name, bug, codes, d, bundle, trust: t, requireTrust: requireTrust)
        }

        // Positive: the main evidence (two sessions, one under a sub-mandate, tier 2), a selective
        // bundle of one session, a delegated issuer, a chain of sub-mandates, several log sizes.
        let main = Base("pq-main", pq(Bases.mainSpec()), trust: trust, suite: suite)
        pos("pq-pos-main-tier2", "composite profile: two sessions (one under a sub-mandate), 8 receipts, 3 checkpoints, 3 payloads disclosed", main.bundle())
        let session = Base("pq-session", pq(Bases.sessionSpec()), trust: trust, suite: suite)
        pos("pq-pos-selective-beta", "composite profile: selective tier-1 bundle of session beta (under the sub-mandate) with inclusion and consistency proofs", session.bundle())
        pos("pq-pos-submandate-depth-2", "composite profile: a chain of 2 composite sub-mandates, receipts under the deepest",
            Base("pq-depth2", pq(PositiveVectors.chainSpec(levels: 2)), trust: trust, suite: suite).bundle())
        let delegated = Base("pq-delegated", delegatedSpec(), trust: trust, suite: suite)
        pos("pq-pos-delegated-issuer", "composite profile: the artifact is signed by a composite key the composite trust anchor delegated to", delegated.bundle())
        for n in [1, 3, 8] {
            let b = Base("pq-single-\(n)", pq(Bases.singleSpec("single-\(n)", n)), trust: trust, suite: suite)
            pos("pq-pos-receipts-\(n)", "composite profile: one session of \(n) receipt(s), one checkpoint over all of them", b.bundle())
        }
        // The base of most negative vectors: two receipts, checkpoints after 1 and 2.
        let small = Base("pq-small", pq(Bases.singleSpec("small", 2, cuts: [1, 2])), trust: trust, suite: suite)
        pos("pq-pos-two-checkpoints", "composite profile: two receipts, checkpoints after 1 and 2 (the base of the pq- negative vectors)", small.bundle())
        pos("pq-pos-no-trust-anchor", "composite profile, no trust anchor: PASS with the origin unverified (the composite issuer key taken from keys/)", small.bundle(), trust: [])

        // Each component broken on its own: the other one verifying never makes up for it.
        let r = 1, c = 1  // the last receipt and the last checkpoint of `small`
        // A signature made by `make`, checked to break exactly the components the vector says
        // (the verifier's code, SIG_INVALID, does not tell which one failed).
        var building = ""  // the vector being built, for the generator's own message
        func broken(_ want: Components, _ make: @escaping (SigningIdentity, Hash256) -> [UInt8]) -> SealOptions {
            SealOptions(sigFor: { id, d in
                let sig = make(id, d)
                let got = components(sig, d, id.publicKey)
                if got != want { suite.problems.append("\(building): a composite signature meant to have \(want) has \(got)") }
                return sig
            })
        }
        let mldsaBroken = Components(mldsa: false, ed25519: true), edBroken = Components(mldsa: true, ed25519: false)
        let bothBroken = Components(mldsa: false, ed25519: false)
        func transformed(_ want: Components, _ f: @escaping ([UInt8]) -> [UInt8]) -> SealOptions {
            broken(want) { id, d in f(signatureBytes(id, d)) }
        }

        func receipt(_ name: String, _ bug: BugClass = .signatureForgery, codes: [String] = ["SIG_INVALID"], d: String, _ o: SealOptions) {
            building = "pq-sig-receipt-\(name)"
            neg(building, bug, codes, "composite receipt signature: " + d, small.make(spec: { $0.receipts[r].seal = o }))
        }
        func checkpoint(_ name: String, codes: [String] = ["SIG_INVALID"], d: String, index: Int = c, _ o: SealOptions) {
            building = "pq-sig-checkpoint-\(name)"
            neg(building, .signatureForgery, codes, "composite checkpoint signature: " + d, small.make(spec: { $0.checkpoints[index].seal = o }))
        }
        func manifest(_ name: String, codes: [String] = ["SIG_INVALID"], d: String, _ o: SealOptions) {
            building = "pq-sig-manifest-\(name)"
            neg(building, .signatureForgery, codes, "composite manifest signature: " + d,
                small.make(raw: { e in e[0].bytes = seal(SignatureVectors.manifestBody(e[0].bytes), by: Keys.pqPortal, o) }))
        }
        func artifact(_ name: String, codes: [String] = ["SIG_INVALID"], d: String, _ o: SealOptions) {
            building = "pq-sig-artifact-\(name)"
            neg(building, .signatureForgery, codes, "composite artifact signature: " + d, small.make(spec: { $0.artifacts[0].seal = o }))
        }
        receipt("mldsa-zero", d: "the ML-DSA-65 component is 3309 zero bytes, the Ed25519 component valid", transformed(mldsaBroken, zeroMLDSA))
        receipt("ed25519-zero", d: "the Ed25519 component is 64 zero bytes, the ML-DSA-65 component valid", transformed(edBroken, zeroEd25519))
        receipt("mldsa-bit-flip", d: "one bit of the ML-DSA-65 component flipped", transformed(mldsaBroken, flipMLDSA))
        receipt("ed25519-bit-flip", d: "one bit of the Ed25519 component flipped", transformed(edBroken, flipEd25519))
        receipt("swapped", d: "the components in the wrong order (Ed25519 first): the right length, neither part verifies", transformed(bothBroken, swapped))
        receipt("mldsa-only", codes: ["FORMAT_SIGNATURE_LENGTH"], d: "stripped to the ML-DSA-65 component (3309 bytes): the receipt does not parse",
                SealOptions(sigTransform: mldsaOnly))
        receipt("ed25519-only", codes: ["FORMAT_SIGNATURE_LENGTH"], d: "stripped to the Ed25519 component (64 bytes, an ed25519-profile length under alg mldsa65-ed25519)",
                SealOptions(sigTransform: ed25519Only))
        checkpoint("mldsa-zero", d: "the ML-DSA-65 component zeroed", transformed(mldsaBroken, zeroMLDSA))
        checkpoint("ed25519-bit-flip", d: "one bit of the Ed25519 component flipped", transformed(edBroken, flipEd25519))
        checkpoint("mldsa-only", codes: ["FORMAT_SIGNATURE_LENGTH"], d: "the first checkpoint stripped to the ML-DSA-65 component: it does not parse", index: 0, SealOptions(sigTransform: mldsaOnly))
        manifest("mldsa-bit-flip", d: "one bit of the ML-DSA-65 component flipped", transformed(mldsaBroken, flipMLDSA))
        manifest("ed25519-zero", d: "the Ed25519 component zeroed", transformed(edBroken, zeroEd25519))
        manifest("ed25519-only", codes: ["FORMAT_SIGNATURE_LENGTH"], d: "stripped to the Ed25519 component: the manifest does not parse", SealOptions(sigTransform: ed25519Only))
        artifact("mldsa-bit-flip", d: "one bit of the ML-DSA-65 component flipped", transformed(mldsaBroken, flipMLDSA))
        artifact("ed25519-zero", d: "the Ed25519 component zeroed", transformed(edBroken, zeroEd25519))
        artifact("swapped", d: "the components in the wrong order", transformed(bothBroken, swapped))
        building = "pq-sig-delegation-mldsa-zero"
        neg(building, .signatureForgery, ["SIG_INVALID", "TRUST_ISSUER_UNTRUSTED"],
            "a composite delegation whose ML-DSA-65 component is zeroed: it does not verify, so the delegate's artifact has no trusted signer",
            delegated.make(spec: { $0.delegations = [delegation(to: Keys.pqDelegate.publicKey, transformed(mldsaBroken, zeroMLDSA))] }))

        // Components made over the wrong message: another context string, the raw signing input,
        // or spliced from another object's valid signature.
        let store = PinStore.shared
        receipt("other-context", d: "a valid composite signature made with the context string \"evidence-bundle\" (the format's context is empty)",
                broken(bothBroken) { id, d in store.signature(id, d, context: otherContext) })
        receipt("mldsa-other-context", d: "the ML-DSA-65 component made over M' with the context \"evidence-bundle\", the Ed25519 component valid",
                broken(mldsaBroken) { id, d in Array(store.signature(id, d, context: otherContext)[..<mldsaBytes]) + signatureBytes(id, d)[mldsaBytes...] })
        receipt("ed25519-other-context", d: "the Ed25519 component made over M' with the context \"evidence-bundle\", the ML-DSA-65 component valid",
                broken(edBroken) { id, d in Array(signatureBytes(id, d)[..<mldsaBytes]) + store.signature(id, d, context: otherContext)[mldsaBytes...] })
        let portalEd = store.ed25519Half("vectors/pq/portal")
        receipt("ed25519-over-signing-input", d: "the Ed25519 component made over the 32-byte signing input itself (as the ed25519 profile signs), not over M'",
                broken(edBroken) { id, d in Array(signatureBytes(id, d)[..<mldsaBytes]) + portalEd.sign(d.bytes) })
        let firstSig = sigOf(small.receipts[0].bytes)
        receipt("mldsa-from-another-receipt", d: "the ML-DSA-65 component taken from the valid signature of the previous receipt, the Ed25519 component valid",
                broken(mldsaBroken) { id, d in Array(firstSig[..<mldsaBytes]) + signatureBytes(id, d)[mldsaBytes...] })
        receipt("ed25519-from-another-receipt", d: "the Ed25519 component taken from the valid signature of the previous receipt, the ML-DSA-65 component valid",
                broken(edBroken) { id, d in Array(signatureBytes(id, d)[..<mldsaBytes]) + firstSig[mldsaBytes...] })
        receipt("signed-as-checkpoint", .typeConfusion, d: "a valid composite signature over the receipt with type \"checkpoint\"", SealOptions(signedAs: "checkpoint"))

        // Valid composite signatures by keys that are not authorized or not trusted.
        neg("pq-key-receipt-by-issuer", .unauthorizedKey, ["SIG_KEY_NOT_AUTHORIZED"], "a receipt validly signed by the composite issuer key, which is not a Portal key",
            small.make(spec: { $0.receipts[r].signer = Keys.pqIssuer }))
        neg("pq-key-manifest-by-other", .unauthorizedKey, ["SIG_KEY_NOT_AUTHORIZED"], "the manifest validly signed by a composite key no artifact names",
            small.make(spec: { $0.manifestSigner = Keys.pqOther }))
        neg("pq-trust-issuer-not-anchor", .trustAnchor, ["TRUST_ISSUER_UNTRUSTED"], "a genuine composite bundle checked against another composite trust anchor",
            small.bundle(), trust: [Keys.pqOtherTrust])
        neg("pq-trust-ed25519-anchor", .trustAnchor, ["TRUST_ISSUER_UNTRUSTED"], "a genuine composite bundle checked against the ed25519 issuer's anchor",
            small.bundle(), trust: [Keys.issuerTrust])
        neg("pq-trust-other-issuer", .keyInBundleTrusted, ["TRUST_ISSUER_UNTRUSTED"],
            "the artifact validly signed by another composite key, carried in keys/; the pinned anchor is the composite issuer",
            small.make(spec: { $0.artifacts[0].sealer = Keys.pqOther; $0.issuerKeys = [Keys.pqOther.publicKey] }))
        neg("pq-trust-no-anchor-require", .trustAnchor, ["TRUST_NO_ANCHOR"], "a genuine composite bundle, no trust anchor, --require-trust",
            small.bundle(), trust: [], requireTrust: true)
        neg("pq-delegation-by-other", .trustAnchor, ["TRUST_DELEGATION_UNTRUSTED", "TRUST_ISSUER_UNTRUSTED"], "a composite delegation signed by a composite key that is not a trust anchor",
            delegated.make(spec: { $0.delegations = [delegation(to: Keys.pqDelegate.publicKey, by: Keys.pqOther)] }))

        // Keys: the Ed25519 half of small order, wrong lengths.
        let mldsaHalf = Array(Keys.pqIssuer.publicKey.bytes[..<MLDSA65Component.publicKeyBytes])
        let identityPoint = [UInt8(1)] + [UInt8](repeating: 0, count: 31)
        let smallOrder = compositeKey(mldsaHalf + identityPoint)
        neg("pq-key-small-order-ed25519-half", .signatureForgery, ["CRYPTO_KEY_INVALID"],
            "keys/ carries a composite key whose Ed25519 half is the identity point (small order): refused where it is read",
            small.make(spec: { $0.issuerKeys = [smallOrder] }))
        neg("pq-key-small-order-ed25519-half-portal", .signatureForgery,
            ["CRYPTO_KEY_INVALID", "RECEIPT_UNKNOWN_ARTIFACT", "RECEIPT_UNKNOWN_ARTIFACT", "SIG_KEY_NOT_AUTHORIZED", "SIG_KEY_NOT_AUTHORIZED", "SIG_KEY_NOT_AUTHORIZED"],
            "the only artifact names a composite Portal key whose Ed25519 half is of small order: it does not parse, so its receipts name an unknown artifact and no artifact names the key of the checkpoints and manifest",
            small.make(spec: { $0.artifacts[0].artifact.portalKeys = [compositeKey(Array(Keys.pqPortal.publicKey.bytes[..<MLDSA65Component.publicKeyBytes]) + identityPoint)] }))
        neg("pq-key-small-order-ed25519-half-delegate", .signatureForgery, ["CRYPTO_KEY_INVALID", "TRUST_ISSUER_UNTRUSTED"],
            "a composite delegation to a key whose Ed25519 half is of small order",
            delegated.make(spec: { $0.delegations = [delegation(to: compositeKey(mldsaHalf + identityPoint))] }))
        neg("pq-key-length-short", .encodingMalleability, ["FORMAT_KEY_LENGTH"], "keys/ carries a composite key of 1983 bytes (its last byte cut)",
            small.make(spec: { $0.issuerKeys = [compositeKey(Array(Keys.pqIssuer.publicKey.bytes.dropLast()))] }))
        neg("pq-key-length-ed25519-half-only", .encodingMalleability, ["FORMAT_KEY_LENGTH"], "keys/ carries alg mldsa65-ed25519 with only the 32-byte Ed25519 half",
            small.make(spec: { $0.issuerKeys = [compositeKey(Array(Keys.pqIssuer.publicKey.bytes.suffix(32)))] }))
        neg("pq-key-length-mldsa-half-only-delegate", .encodingMalleability, ["FORMAT_KEY_LENGTH", "TRUST_ISSUER_UNTRUSTED"],
            "a composite delegation whose delegate key is only the 1952-byte ML-DSA-65 half",
            delegated.make(spec: { $0.delegations = [delegation(to: compositeKey(Array(Keys.pqDelegate.publicKey.bytes[..<MLDSA65Component.publicKeyBytes])))] }))

        // Profiles: one bundle, one profile.
        neg("pq-profile-ed25519-receipt", .unknownAlgorithm, ["PROFILE_MISMATCH", "SIG_KEY_NOT_AUTHORIZED"],
            "a composite bundle with one receipt validly signed by an ed25519 key (not a Portal key of its artifact)",
            small.make(spec: { $0.receipts[r].signer = Keys.portal }))
        neg("pq-profile-ed25519-portal-key", .unknownAlgorithm, ["PROFILE_MISMATCH", "PROFILE_MISMATCH"],
            "a composite artifact that also names an ed25519 Portal key, and a receipt validly signed by it",
            small.make(spec: { s in
                s.artifacts[0].artifact.portalKeys = [Keys.pqPortal.publicKey, Keys.portal.publicKey].sorted { $0.keyID.bytes.lexicographicallyPrecedes($1.keyID.bytes) }
                s.receipts[r].signer = Keys.portal
            }))
        neg("pq-profile-ed25519-artifact", .unknownAlgorithm, ["PROFILE_MISMATCH"], "an extra root artifact declaring profile ed25519 (composite-signed, composite Portal key) in a composite bundle",
            small.make(spec: { s in
                var a = s.artifacts[0].artifact
                a.artifactID = "ed25519"
                a.profile = .ed25519
                s.artifacts.append(ArtifactSpec(artifact: a, sealer: Keys.pqIssuer))
            }))
        neg("pq-profile-ed25519-delegate", .unknownAlgorithm, ["PROFILE_MISMATCH", "PROFILE_MISMATCH"],
            "a composite delegation to an ed25519 key, which signs the artifact: the delegate key and the artifact signature are of the other profile",
            delegated.make(spec: { s in
                s.delegations = [delegation(to: Keys.delegate.publicKey)]
                s.artifacts[0].sealer = Keys.delegate
            }))
        neg("pq-profile-manifest-declares-ed25519", .unknownAlgorithm, Array(repeating: "PROFILE_MISMATCH", count: 8),
            "a composite bundle whose manifest declares profile ed25519: the manifest, artifact, Portal key, receipt and checkpoint signatures all differ",
            small.make(manifest: { $0.profile = .ed25519 }))
        let edSmall = Base("pq-ed25519-small", Bases.singleSpec("pq-ed25519-small", 2, cuts: [1, 2]), suite: suite)
        neg("pq-profile-composite-receipt-in-ed25519", .unknownAlgorithm, ["PROFILE_MISMATCH", "SIG_KEY_NOT_AUTHORIZED"],
            "an ed25519 bundle with one receipt validly signed by a composite key (not a Portal key of its artifact)",
            edSmall.make(spec: { $0.receipts[r].signer = Keys.pqPortal }), trust: [Keys.issuerTrust])
        neg("pq-profile-composite-portal-key-in-ed25519", .unknownAlgorithm, ["PROFILE_MISMATCH", "PROFILE_MISMATCH"],
            "an ed25519 artifact that also names a composite Portal key, and a receipt validly signed by it",
            edSmall.make(spec: { s in
                s.artifacts[0].artifact.portalKeys = [Keys.pqPortal.publicKey, Keys.portal.publicKey].sorted { $0.keyID.bytes.lexicographicallyPrecedes($1.keyID.bytes) }
                s.receipts[r].signer = Keys.pqPortal
            }), trust: [Keys.issuerTrust])
        neg("pq-profile-composite-artifact-in-ed25519", .unknownAlgorithm, ["PROFILE_MISMATCH", "PROFILE_MISMATCH", "PROFILE_MISMATCH", "TRUST_ISSUER_UNTRUSTED"],
            "an ed25519 bundle with an extra composite root artifact signed by the composite issuer: its profile, signature and Portal key differ, and its issuer is not the anchor",
            edSmall.make(spec: { s in
                var a = Artifacts.root(portalKeys: [Keys.pqPortal.publicKey])
                a.artifactID = "composite"
                a.profile = .mldsa65Ed25519
                s.artifacts.append(ArtifactSpec(artifact: a, sealer: Keys.pqIssuer))
            }), trust: [Keys.issuerTrust])
    }

    /// A composite issuer delegates to a composite key, which signs the artifact.
    static func delegatedSpec() -> Spec {
        var s = pq(Bases.singleSpec("delegated", 2))
        s.artifacts[0].sealer = Keys.pqDelegate
        s.delegations = [delegation(to: Keys.pqDelegate.publicKey)]
        return s
    }
}

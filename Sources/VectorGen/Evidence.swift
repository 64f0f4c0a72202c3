import BundleKit
import EvidenceCrypto
import EvidenceFormat
import Merkle
import StrictJSON

/// Every key of the suite, derived from fixed labels.
enum Keys {
    static let issuer = SigningIdentity.derived(label: "vectors/issuer")
    static let portal = SigningIdentity.derived(label: "vectors/portal")
    static let portal2 = SigningIdentity.derived(label: "vectors/portal-2")
    static let delegate = SigningIdentity.derived(label: "vectors/delegate")
    static let other = SigningIdentity.derived(label: "vectors/other")
    static let attackerIssuer = SigningIdentity.derived(label: "vectors/attacker-issuer")
    static let attackerPortal = SigningIdentity.derived(label: "vectors/attacker-portal")

    /// Composite (mldsa65-ed25519) identities; their signatures come from the pin store.
    static var pqIssuer: SigningIdentity { PinStore.shared.identity("vectors/pq/issuer") }
    static var pqPortal: SigningIdentity { PinStore.shared.identity("vectors/pq/portal") }
    static var pqDelegate: SigningIdentity { PinStore.shared.identity("vectors/pq/delegate") }
    static var pqOther: SigningIdentity { PinStore.shared.identity("vectors/pq/other") }

    /// Shared trust files: path relative to the suite root, and the key they pin.
    static let trustFiles: [(path: String, key: PublicKey)] = [
        ("keys/attacker.trust", attackerIssuer.publicKey),
        ("keys/issuer.trust", issuer.publicKey),
        ("keys/other.trust", other.publicKey),
        ("keys/pq-issuer.trust", pqIssuer.publicKey),
        ("keys/pq-other.trust", pqOther.publicKey),
    ]
    static let issuerTrust = "keys/issuer.trust"
    static let otherTrust = "keys/other.trust"
    static let attackerTrust = "keys/attacker.trust"
    static let pqIssuerTrust = "keys/pq-issuer.trust"
    static let pqOtherTrust = "keys/pq-other.trust"

    static func trustFileBytes(_ key: PublicKey) -> [UInt8] { JCS.canonicalize(key.json) + [0x0a] }
}

enum Clock {
    static let t0: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
}

func h(_ label: String) -> Hash256 { SHA256Hasher.hash(Array(label.utf8)) }
func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// The policy artifacts the vectors are built from.
enum Artifacts {
    static func root(portalKeys: [PublicKey] = [Keys.portal.publicKey]) -> PolicyArtifact {
        PolicyArtifact(
            profile: .ed25519, artifactID: "vectors-root", parent: nil, issuedAtMS: Clock.t0 - Clock.hour,
            notBeforeMS: Clock.t0, notAfterMS: Clock.t0 + 24 * Clock.hour,
            subject: .init(idHash: h("vectors/subject"), metadataHash: h("vectors/subject/metadata")),
            tools: [
                .init(name: "read_file", requiredParams: ["path"]),
                .init(name: "search", requiredParams: ["query"]),
                .init(name: "write_file", requiredParams: ["content", "path"]),
            ],
            rateLimits: [.init(id: "search-burst", tool: "search", maxCalls: 2, windowMS: 60_000)],
            upstream: .init(url: "https://tools.internal.example/mcp", tlsSPKISHA256: h("vectors/upstream/spki"),
                            meshIdentity: "spiffe://example.org/ns/tools/sa/mcp"),
            runtime: .init(referenceHash: h("vectors/runtime-image"), measurementIntervalMS: 60_000),
            maxSessionDenials: 5, onDrift: .phantom, onExpiry: .deny,
            portalKeys: portalKeys.sorted { $0.keyID.bytes.lexicographicallyPrecedes($1.keyID.bytes) })
    }

    /// A sub-mandate of `root`: a narrower window, two of the tools, a tighter limit.
    static func reader(of root: PolicyArtifact = root(), id: String = "vectors-reader") -> PolicyArtifact {
        var r = root
        r.artifactID = id
        r.issuedAtMS = Clock.t0
        r.notBeforeMS = Clock.t0 + Clock.hour
        r.notAfterMS = Clock.t0 + 2 * Clock.hour
        r.tools = [.init(name: "read_file", requiredParams: ["path"]), .init(name: "search", requiredParams: ["query"])]
        r.rateLimits = [.init(id: "search-burst", tool: "search", maxCalls: 1, windowMS: 60_000)]
        r.maxSessionDenials = 3
        return r
    }
}

// MARK: the evidence specification

struct ArtifactSpec {
    var artifact: PolicyArtifact
    /// Index of the parent artifact in `Spec.artifacts` (its sealed hash becomes `parent`).
    var parent: Int? = nil
    var sealer: SigningIdentity = Keys.issuer
    /// Stored in the bundle (false: sealed and referenced, but left out).
    var included = true
    var seal = SealOptions()
}

/// How a signed object is sealed: optional edits of the body before signing, the signature made
/// over the body with another `type`, or a transform of the signature bytes.
struct SealOptions {
    var edit: ((inout JSONObject) -> Void)? = nil
    var signedAs: String? = nil
    var sigTransform: (([UInt8]) -> [UInt8])? = nil
    /// Makes the signature bytes in place of the signer (given the signer and the signing input).
    var sigFor: ((SigningIdentity, Hash256) -> [UInt8])? = nil
    /// Applied to the signed object after signing (tampering after the fact).
    var postEdit: ((inout JSONObject) -> Void)? = nil
}

func seal(_ body: JSONObject, by key: SigningIdentity, _ o: SealOptions = SealOptions()) -> [UInt8] {
    var body = body
    o.edit?(&body)
    var signed = body
    if let t = o.signedAs { signed = signed.setting("type", .string(t)) }
    let digest = SigningInput.digest(of: signed)
    var sig = o.sigFor?(key, digest) ?? signatureBytes(key, digest)
    if let f = o.sigTransform { sig = f(sig) }
    let block = SignatureBlock(profile: key.profile, keyID: key.keyID, sig: sig)
    guard let f = o.postEdit else { return JCS.canonicalize(SigningInput.attach(block, to: body)) }
    guard case .object(var signedObject) = SigningInput.attach(block, to: body) else { return [] }
    f(&signedObject)
    return JCS.canonicalize(.object(signedObject))
}

/// Signature transforms.
enum Sig {
    static func flip(_ s: [UInt8]) -> [UInt8] { var s = s; s[5] ^= 0x01; return s }
    static func zero(_: [UInt8]) -> [UInt8] { [UInt8](repeating: 0, count: 64) }
    /// S + L: the same signature in a non-canonical (malleable) form.
    static func plusL(_ s: [UInt8]) -> [UInt8] {
        let l: [UInt8] = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10]
        var out = s
        var carry = 0
        for i in 0..<32 {
            let v = Int(s[32 + i]) + Int(l[i]) + carry
            out[32 + i] = UInt8(v & 0xff)
            carry = v >> 8
        }
        return out
    }
}

struct ReceiptSpec {
    var artifact: Int
    var session: String
    var time: Int64
    var event: Receipt.Event = .toolCall
    var tool: String? = "read_file"
    var decision: Receipt.Decision = .allow
    var reason: Receipt.Reason = .ok
    var limit: String? = nil
    // Rule-breaking overrides: the receipt is still signed and logged as given.
    var seq: Int64? = nil
    var prev: Hash256? = nil
    var artifactRef: Hash256? = nil
    var signer: SigningIdentity? = nil
    var seal = SealOptions()
}

struct CheckpointSpec {
    /// Number of receipts the checkpoint covers.
    var size: Int
    var time: Int64? = nil
    var claimedSize: Int64? = nil
    var root: Hash256? = nil
    var logID: Hash256? = nil
    var signer: SigningIdentity? = nil
    var seal = SealOptions()
}

struct Spec {
    var label: String
    var logID: Hash256
    var portal: SigningIdentity = Keys.portal
    /// The profile the manifest declares.
    var profile: Profile = .ed25519
    var artifacts: [ArtifactSpec]
    var receipts: [ReceiptSpec]
    var checkpoints: [CheckpointSpec]
    var delegations: [[UInt8]] = []
    var issuerKeys: [PublicKey] = [Keys.issuer.publicKey]
    var tier: Int64 = 1
    /// Receipt indexes whose payloads a tier-2 bundle discloses (nil: all).
    var disclose: [Int]? = nil
    /// Selective scope: only these sessions.
    var sessions: [String]? = nil
    var manifestSigner: SigningIdentity? = nil

    init(_ label: String, artifacts: [ArtifactSpec], receipts: [ReceiptSpec], checkpoints: [CheckpointSpec]) {
        self.label = label
        self.logID = h("vectors/log/\(label)")
        self.artifacts = artifacts
        self.receipts = receipts
        self.checkpoints = checkpoints
    }

    func payload(_ i: Int) -> [UInt8] {
        let r = receipts[i]
        return bytes(#"{"arguments":{"n":\#(i)},"name":"\#(r.tool ?? "measurement")","session":"\#(r.session)"}"#)
    }
    func salt(_ i: Int) -> [UInt8] { h("vectors/salt/\(label)/\(i)").bytes }
}

/// One sealed receipt.
struct Sealed {
    var receipt: Receipt
    var bytes: [UInt8]
    var hash: Hash256
    var leaf: Hash256
    var salt: [UInt8]
    var payload: [UInt8]
}

/// The evidence of a spec, sealed: artifacts, receipts, checkpoints, and the bundle's content files.
struct Built {
    var spec: Spec
    var artifactDocs: [SealedDocument]
    var refs: [Hash256]
    var receipts: [Sealed]
    var checkpointDocs: [[UInt8]]
    /// Every file but the manifest, in the writer's order.
    var files: [BundleEntry]

    func receiptHash(_ i: Int) -> Hash256 { receipts[i].hash }
}

func sign(_ body: JSONObject, by key: SigningIdentity) -> [UInt8] {
    let block = SignatureBlock(profile: key.profile, keyID: key.keyID, sig: signatureBytes(key, SigningInput.digest(of: body)))
    return JCS.canonicalize(SigningInput.attach(block, to: body))
}

/// Re-signs a parsed signed object (any signature member is replaced).
func resign(_ object: JSONObject, by key: SigningIdentity) -> [UInt8] {
    sign(object.removing("signature"), by: key)
}

extension JSONObject {
    /// The object with `name` set to `value` (replaced in place, or appended).
    func setting(_ name: String, _ value: JSONValue) -> JSONObject {
        var m = members
        if let i = m.firstIndex(where: { JSONObject.sameName($0.name, name) }) {
            m[i].value = value
        } else {
            m.append((name: name, value: value))
        }
        return JSONObject(m)
    }
}

enum Build {
    static func build(_ spec: Spec) -> Built {
        // Artifacts, in order; a parent is an earlier artifact.
        var docs: [SealedDocument] = []
        var refs: [Hash256] = []
        for a in spec.artifacts {
            var artifact = a.artifact
            if let p = a.parent { artifact.parent = refs[p] }
            let doc = SealedDocument(bytes: seal(artifact.body, by: a.sealer, a.seal))
            docs.append(doc)
            refs.append(doc.hash)
        }
        // Receipts: chained per session unless overridden.
        var sessions: [String: (next: Int64, last: Hash256)] = [:]
        var sealed: [Sealed] = []
        for (i, r) in spec.receipts.enumerated() {
            let ref = r.artifactRef ?? refs[r.artifact]
            let state = sessions[r.session]
            let payload = spec.payload(i)
            let salt = spec.salt(i)
            let receipt = Receipt(
                artifactRef: ref, sessionID: r.session, seq: r.seq ?? state?.next ?? 0, timeMS: r.time, event: r.event,
                tool: r.tool, decision: r.decision, reason: r.reason, limit: r.limit,
                payloadHash: PayloadCommitment.hash(salt: salt, payload: payload),
                prev: r.prev ?? state?.last ?? Receipt.genesis(artifactRef: ref, sessionID: r.session))
            let doc = seal(receipt.body, by: r.signer ?? spec.portal, r.seal)
            let hash = SHA256Hasher.hash(doc)
            sessions[r.session] = (receipt.seq + 1, hash)
            sealed.append(Sealed(receipt: receipt, bytes: doc, hash: hash, leaf: MerkleHash.leaf(doc), salt: salt, payload: payload))
        }
        let leaves = sealed.map(\.leaf)
        var checkpointDocs: [[UInt8]] = []
        var checkpointSizes: [Int] = []
        for c in spec.checkpoints {
            let covered = sealed.prefix(c.size)
            let time = c.time ?? ((covered.map(\.receipt.timeMS).max() ?? Clock.t0) + 1)
            let cp = Checkpoint(logID: c.logID ?? spec.logID, treeSize: c.claimedSize ?? Int64(c.size),
                                rootHash: c.root ?? MerkleTree.root(leafHashes: Array(leaves.prefix(c.size))), timeMS: time)
            checkpointDocs.append(seal(cp.body, by: c.signer ?? spec.portal, c.seal))
            checkpointSizes.append(c.size)
        }

        var files: [(BundlePath, [UInt8])] = []
        for key in spec.issuerKeys { files.append((.key(key.keyID), JCS.canonicalize(key.json))) }
        for d in spec.delegations { files.append((.delegation(SHA256Hasher.hash(d)), d)) }
        for (a, doc) in zip(spec.artifacts, docs) where a.included { files.append((.artifact(doc.hash), doc.bytes)) }
        files.append((.checkpoints, BundleWriter.jsonl(checkpointDocs)))

        let selected: [Int]
        if let wanted = spec.sessions {
            selected = sealed.indices.filter { wanted.contains(sealed[$0].receipt.sessionID) }
            let size = checkpointSizes.last ?? leaves.count
            var inclusion: [[UInt8]] = []
            for i in selected {
                let path = (try? MerkleTree.inclusionProof(index: UInt64(i), leafHashes: Array(leaves.prefix(size)))) ?? []
                inclusion.append(JCS.canonicalize(InclusionProof(
                    leafIndex: Int64(i), treeSize: Int64(size), receiptHash: sealed[i].hash, path: path).json))
            }
            files.append((.inclusionProofs, BundleWriter.jsonl(inclusion)))
            var consistency: [[UInt8]] = []
            for (old, new) in zip(checkpointSizes, checkpointSizes.dropFirst()) where old < new && new <= leaves.count {
                let path = (try? MerkleTree.consistencyProof(oldSize: UInt64(old), leafHashes: Array(leaves.prefix(new)))) ?? []
                consistency.append(JCS.canonicalize(ConsistencyProof(oldSize: Int64(old), newSize: Int64(new), path: path).json))
            }
            if !consistency.isEmpty { files.append((.consistencyProofs, BundleWriter.jsonl(consistency))) }
        } else {
            selected = Array(sealed.indices)
        }
        files.append((.receipts, BundleWriter.jsonl(selected.map { sealed[$0].bytes })))
        if spec.tier == 2 {
            let wanted = Set(spec.disclose ?? selected)
            for i in selected where wanted.contains(i) {
                let d = PayloadDisclosure(receiptHash: sealed[i].hash, salt: sealed[i].salt, payload: sealed[i].payload)
                files.append((.payload(sealed[i].hash), JCS.canonicalize(d.json)))
            }
        }
        let ordered = files.sorted {
            $0.0.writeRank != $1.0.writeRank
                ? $0.0.writeRank < $1.0.writeRank
                : Array($0.0.path.utf8).lexicographicallyPrecedes(Array($1.0.path.utf8))
        }.map { BundleEntry(path: $0.0.path, bytes: $0.1) }
        return Built(spec: spec, artifactDocs: docs, refs: refs, receipts: sealed, checkpointDocs: checkpointDocs, files: ordered)
    }

    /// The manifest for the content files as they are: files with sizes and hashes, the sessions
    /// of the receipts that parse, completeness through the last checkpoint that parses.
    static func manifest(_ files: [BundleEntry], _ built: Built) -> Manifest {
        var sessions: [String: Manifest.Session] = [:]
        var order: [String] = []
        if let r = files.first(where: { $0.path == BundlePath.receiptsName }) {
            for line in r.bytes.split(separator: 0x0a) {
                guard let v = try? JSONParser.parse(Array(line), options: .evidence), let receipt = try? Receipt(v) else { continue }
                let hash = SHA256Hasher.hash(Array(line))
                if var s = sessions[receipt.sessionID] {
                    s.receipts += 1
                    s.lastReceiptHash = hash
                    sessions[receipt.sessionID] = s
                } else {
                    sessions[receipt.sessionID] = .init(sessionID: receipt.sessionID, artifactRef: receipt.artifactRef, receipts: 1, lastReceiptHash: hash)
                    order.append(receipt.sessionID)
                }
            }
        }
        var through = Manifest.CompleteThrough(treeSize: 1, rootHash: h("none"))
        if let c = files.first(where: { $0.path == BundlePath.checkpointsName }),
           let last = c.bytes.split(separator: 0x0a).last,
           let v = try? JSONParser.parse(Array(last), options: .evidence), let cp = try? Checkpoint(v) {
            through = .init(treeSize: cp.treeSize, rootHash: cp.rootHash)
        } else if let last = built.checkpointDocs.last,
                  let v = try? JSONParser.parse(last, options: .evidence), let cp = try? Checkpoint(v) {
            through = .init(treeSize: cp.treeSize, rootHash: cp.rootHash)
        }
        let listed = files.filter { $0.path != BundlePath.manifestName }
            .map { Manifest.File(path: $0.path, size: Int64($0.bytes.count), sha256: SHA256Hasher.hash($0.bytes)) }
            .sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        let sessionList = order.compactMap { sessions[$0] }
            .sorted { Array($0.sessionID.utf8).lexicographicallyPrecedes(Array($1.sessionID.utf8)) }
        return Manifest(profile: built.spec.profile, tier: built.spec.tier, scope: built.spec.sessions == nil ? .full : .selective,
                        logID: built.spec.logID, completeThrough: through, sessions: sessionList, files: listed)
    }
}

extension SealedDocument {
    /// A document from bytes that are already canonical.
    init(bytes: [UInt8]) {
        guard let v = try? JSONParser.parse(bytes, options: .general) else { fatalErrorInGenerator("unparsable sealed bytes") }
        self.init(v)
    }
}

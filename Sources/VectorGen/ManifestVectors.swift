import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// The bundle layout and the signed manifest: unexpected, missing and misnamed files, the file
/// table, the completeness claim, the session table, scope.
enum ManifestVectors {
    static func add(to suite: Suite) {
        let main = Base("manifest-main", Bases.mainSpec(), suite: suite)
        let session = Base("manifest-session", Bases.sessionSpec(), suite: suite)
        let single = Base("manifest-single", Bases.singleSpec("manifest", 2), suite: suite)
        let note = bytes("hello\n")

        // Layout.
        suite.neg("layout-unexpected-file", .layout, ["BUNDLE_UNEXPECTED_FILE"], "notes.txt, listed in a resealed manifest: a file the layout does not define",
                  main.make(files: { f, _ in f.add("notes.txt", note) }))
        suite.neg("layout-unexpected-file-unlisted", .layout, ["BUNDLE_UNEXPECTED_FILE", "MANIFEST_FILE_UNLISTED"], "notes.txt added after the manifest was signed",
                  main.make(raw: { $0.add("notes.txt", note) }))
        suite.neg("layout-unknown-directory", .layout, ["BUNDLE_UNEXPECTED_FILE"], "a file under blobs/, which the layout does not define",
                  main.make(files: { f, _ in f.add("blobs/\(h("x").hex).json", bytes("{}")) }))
        suite.neg("layout-key-not-hash-name", .layout, ["BUNDLE_UNEXPECTED_FILE"], "keys/issuer.json: key files are named by key_id",
                  main.make(files: { f, _ in f.rename(f.keyPath, to: "keys/issuer.json") }))
        suite.neg("layout-uppercase-hash-name", .layout, ["BUNDLE_UNEXPECTED_FILE"], "a key file named by its key_id in uppercase hex",
                  main.make(files: { f, _ in let p = f.keyPath; f.rename(p, to: "keys/" + String(p.dropFirst(5).dropLast(5)).uppercased() + ".json") }))
        suite.neg("layout-nested-path", .layout, ["BUNDLE_UNEXPECTED_FILE"], "a key file one directory deeper", main.make(files: { f, _ in let p = f.keyPath; f.rename(p, to: "keys/old/" + p.dropFirst(5)) }))
        suite.neg("layout-missing-manifest", .layout, ["BUNDLE_MISSING_FILE"], "no manifest.json", main.make(raw: { $0.remove(manifestPath) }))
        suite.neg("layout-missing-checkpoints", .layout, ["BUNDLE_MISSING_FILE"], "no checkpoints.jsonl", main.make(files: { f, _ in f.remove(checkpointsPath) }))
        suite.neg("layout-missing-receipts", .layout, ["BUNDLE_MISSING_FILE", "MANIFEST_RECEIPT_COUNT", "CHECKPOINT_BEYOND_LOG"],
                  "no receipts.jsonl: a full bundle then holds none of the leaves its checkpoints cover",
                  single.make(files: { f, _ in f.remove(receiptsPath) }))
        suite.neg("layout-missing-artifacts", .layout, ["BUNDLE_MISSING_FILE", "RECEIPT_UNKNOWN_ARTIFACT", "RECEIPT_UNKNOWN_ARTIFACT", "SIG_KEY_NOT_AUTHORIZED", "SIG_KEY_NOT_AUTHORIZED"],
                  "no artifact at all: receipts name an unknown artifact and no artifact names the key of the checkpoint and manifest",
                  single.make(files: { f, _ in f.removeAll { $0.path.hasPrefix("artifacts/") } }))
        suite.neg("layout-name-mismatch-key", .layout, ["BUNDLE_NAME_MISMATCH"], "a key file named by another key's key_id",
                  main.make(files: { f, _ in f.rename(f.keyPath, to: BundlePath.key(Keys.other.keyID).path) }))
        suite.neg("layout-name-mismatch-artifact", .layout,
                  ["ARTIFACT_PARENT_MISSING", "BUNDLE_NAME_MISMATCH"] + Array(repeating: "RECEIPT_UNKNOWN_ARTIFACT", count: 4),
                  "the root artifact stored under another name: it is not the artifact its receipts name, and the sub-mandate's parent is missing",
                  main.make(files: { f, b in f.rename(artifactPath(b.refs[0]), to: artifactPath(h("another name"))) }))
        let delegated = Base("manifest-delegated", PositiveVectors.delegatedSpec(), suite: suite)
        suite.neg("layout-name-mismatch-delegation", .layout, ["BUNDLE_NAME_MISMATCH", "TRUST_ISSUER_UNTRUSTED"], "the delegation stored under another name is ignored, so the delegate is not trusted",
                  delegated.make(files: { f, _ in let p = f.first { $0.path.hasPrefix("delegations/") }!.path; f.rename(p, to: BundlePath.delegation(h("x")).path) }))
        suite.neg("layout-name-mismatch-payload", .layout, ["BUNDLE_NAME_MISMATCH"], "a disclosure stored under the hash of another receipt",
                  main.make(files: { f, b in f.rename(payloadPath(b.receipts[0].hash), to: payloadPath(b.receipts[1].hash)) }))
        let sessionFiles = session.built.files
        suite.neg("layout-inclusion-in-full-bundle", .layout, ["MANIFEST_SCOPE_FILE"], "a full bundle carrying inclusion.jsonl",
                  main.make(files: { f, _ in f.add(inclusionPath, sessionFiles.bytes(inclusionPath)) }))
        suite.neg("layout-consistency-in-full-bundle", .layout, ["MANIFEST_SCOPE_FILE"], "a full bundle carrying consistency.jsonl",
                  main.make(files: { f, _ in f.add(consistencyPath, sessionFiles.bytes(consistencyPath)) }))
        suite.neg("layout-selective-without-inclusion", .layout, ["BUNDLE_MISSING_FILE"], "a selective bundle without inclusion.jsonl",
                  session.make(files: { f, _ in f.remove(inclusionPath) }))

        // The file table.
        suite.neg("manifest-file-missing", .manifestIntegrity, ["MANIFEST_FILE_MISSING"], "a disclosure listed in the manifest is not in the archive",
                  main.make(raw: { e in e.remove(e.payloadPaths[0]) }))
        suite.neg("manifest-file-unlisted", .manifestIntegrity, ["MANIFEST_FILE_UNLISTED"], "a disclosure the manifest does not list",
                  main.make(manifest: { m in let p = m.files.first { $0.path.hasPrefix("payloads/") }?.path; m.files.removeAll { $0.path == p } }))
        suite.neg("manifest-file-size", .manifestIntegrity, ["MANIFEST_FILE_MISMATCH"], "receipts.jsonl listed one byte longer",
                  main.make(manifest: { m in if let i = m.files.firstIndex(where: { $0.path == receiptsPath }) { m.files[i].size += 1 } }))
        suite.neg("manifest-file-hash", .manifestIntegrity, ["MANIFEST_FILE_MISMATCH"], "checkpoints.jsonl listed with another SHA-256",
                  main.make(manifest: { m in if let i = m.files.firstIndex(where: { $0.path == checkpointsPath }) { m.files[i].sha256 = h("other") } }))
        suite.neg("manifest-file-swapped", .manifestIntegrity, ["MANIFEST_FILE_MISSING", "MANIFEST_FILE_UNLISTED"], "the carried key file replaced after signing by another key's file",
                  main.make(raw: { e in let p = e.keyPath; e.remove(p); e.add(BundlePath.key(Keys.other.keyID).path, JCS.canonicalize(Keys.other.publicKey.json)) }))
        suite.neg("manifest-artifact-replaced", .manifestIntegrity, ["MANIFEST_FILE_MISMATCH", "PAYLOAD_MISMATCH"], "a disclosure replaced after signing by one for another payload",
                  main.make(raw: { e in let p = e.payloadPaths[0]; e.editDocument(p) { $0 = $0.setting("payload", .string(Base64URL.encode(bytes("{}")))) } }))

        // Completeness and counts.
        suite.neg("manifest-complete-through-size", .manifestIntegrity, ["MANIFEST_CHECKPOINT", "MANIFEST_RECEIPT_COUNT"], "complete_through claims 9 leaves; the last checkpoint and the bundle have 8",
                  main.make(manifest: { $0.completeThrough.treeSize = 9 }))
        suite.neg("manifest-complete-through-root", .manifestIntegrity, ["MANIFEST_CHECKPOINT"], "complete_through names another root",
                  main.make(manifest: { $0.completeThrough.rootHash = h("other root") }))
        suite.neg("manifest-complete-through-earlier", .manifestIntegrity, ["MANIFEST_CHECKPOINT", "MANIFEST_RECEIPT_COUNT"], "complete_through names the second checkpoint, not the last",
                  main.make(manifest: { m in m.completeThrough = .init(treeSize: 7, rootHash: main.checkpointRoot(1)) }))
        suite.neg("manifest-receipts-after-last-checkpoint", .manifestIntegrity, ["MANIFEST_RECEIPT_COUNT"], "a full bundle holding a receipt sealed after its last checkpoint",
                  main.make(spec: { $0.checkpoints.removeLast() }))
        suite.neg("manifest-log-id", .manifestIntegrity, ["MANIFEST_LOG_ID", "MANIFEST_LOG_ID", "MANIFEST_LOG_ID"], "the manifest names another log than its three checkpoints",
                  main.make(manifest: { $0.logID = h("another log") }))

        // Sessions.
        suite.neg("manifest-session-count", .manifestIntegrity, ["MANIFEST_SESSION_MISMATCH"], "session beta listed with 5 receipts; it has 4",
                  main.make(manifest: { m in if let i = m.sessions.firstIndex(where: { $0.sessionID == "beta" }) { m.sessions[i].receipts = 5 } }))
        suite.neg("manifest-session-last-hash", .manifestIntegrity, ["MANIFEST_SESSION_MISMATCH"], "session alpha listed with another last receipt (a dropped tail)",
                  main.make(manifest: { m in m.sessions[0].lastReceiptHash = main.receipts[2].hash }))
        suite.neg("manifest-session-artifact", .manifestIntegrity, ["MANIFEST_SESSION_MISMATCH"], "session beta listed under the root artifact",
                  main.make(manifest: { m in m.sessions[1].artifactRef = main.refs[0] }))
        suite.neg("manifest-session-missing", .manifestIntegrity, ["MANIFEST_SESSION_MISSING"], "the manifest lists a session gamma the bundle has no receipt of",
                  main.make(manifest: { m in m.sessions.append(.init(sessionID: "gamma", artifactRef: main.refs[0], receipts: 1, lastReceiptHash: h("g"))) }))
        suite.neg("manifest-session-unlisted", .manifestIntegrity, ["MANIFEST_SESSION_UNLISTED"], "the manifest leaves session beta out",
                  main.make(manifest: { m in m.sessions.removeAll { $0.sessionID == "beta" } }))

        // Scope.
        suite.neg("manifest-scope-selective-for-full", .manifestIntegrity, ["BUNDLE_MISSING_FILE", "CONSISTENCY_PROOF_MISSING", "CONSISTENCY_PROOF_MISSING"],
                  "a full bundle whose manifest says selective: no inclusion proofs, no consistency proofs for its two pairs of checkpoints",
                  main.make(manifest: { $0.scope = .selective }))
        suite.neg("manifest-scope-full-for-selective", .manifestIntegrity,
                  ["CHECKPOINT_BEYOND_LOG", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_TIME_BEFORE_RECEIPT", "MANIFEST_RECEIPT_COUNT", "MANIFEST_SCOPE_FILE", "MANIFEST_SCOPE_FILE"],
                  "one session's bundle claiming to be the full log: its proofs are out of place and its 4 receipts do not rebuild the checkpoints",
                  session.make(manifest: { $0.scope = .full }))
        suite.neg("manifest-tier-1-for-tier-2", .tierDisclosure, ["PAYLOAD_IN_TIER1", "PAYLOAD_IN_TIER1", "PAYLOAD_IN_TIER1"], "a bundle with three disclosures whose manifest says tier 1",
                  main.make(manifest: { $0.tier = 1 }))
    }
}

extension Base {
    /// The root hash of checkpoint `i` as built.
    func checkpointRoot(_ i: Int) -> Hash256 {
        guard let v = try? JSONParser.parse(built.checkpointDocs[i], options: .evidence), let c = try? Checkpoint(v) else {
            fatalErrorInGenerator("checkpoint \(i)")
        }
        return c.rootHash
    }
}

import BundleKit
import EvidenceCrypto
import EvidenceFormat
import Merkle
import StrictJSON

/// Merkle trees, inclusion and consistency proofs, and checkpoints.
enum MerkleVectors {
    /// Wrong tree algorithms, for roots that a lax verifier would accept.
    static func duplicatingRoot(_ leaves: [Hash256]) -> Hash256 {
        var level = leaves
        while level.count > 1 {
            if level.count % 2 == 1 { level.append(level[level.count - 1]) }
            level = stride(from: 0, to: level.count, by: 2).map { MerkleHash.node(level[$0], level[$0 + 1]) }
        }
        return level[0]
    }

    static func undomainedRoot(_ leafBytes: [[UInt8]]) -> Hash256 {
        func mth(_ d: ArraySlice<[UInt8]>) -> Hash256 {
            if d.count == 1 { return SHA256Hasher.hash(d[d.startIndex]) }
            var k = 1
            while k * 2 < d.count { k *= 2 }
            return SHA256Hasher.hash(mth(d.prefix(k)).bytes + mth(d.dropFirst(k)).bytes)
        }
        return mth(leafBytes[...])
    }

    static func add(to suite: Suite) {
        let session = Base("merkle-session", Bases.sessionSpec(), suite: suite)
        let c = Base("merkle-chain", Bases.singleSpec("merkle", 6, cuts: [3, 6]), suite: suite)
        let leaves = session.receipts.map(\.leaf)

        func inclusion(_ name: String, _ bug: BugClass, _ codes: [String], _ d: String, _ change: @escaping (inout [[UInt8]]) -> Void) {
            suite.neg(name, bug, codes, "selective bundle (session beta, leaves 3, 4, 5, 7 of 8): " + d, session.make(files: { f, _ in f.editLines(inclusionPath, change) }))
        }
        func proof(_ line: Int, _ change: @escaping (inout JSONObject) -> Void) -> (inout [[UInt8]]) -> Void {
            { l in l[line] = editObject(l[line], change) }
        }
        func path(_ o: JSONObject) -> [JSONValue] { if case .array(let p)? = o["path"] { return p } else { return [] } }
        let x = JSONValue.string(h("x").hex)

        inclusion("merkle-inclusion-too-long", .merkleProof, ["MERKLE_PROOF_LENGTH"], "an inclusion proof with an extra hash", proof(0) { $0 = $0.setting("path", .array(path($0) + [x])) })
        inclusion("merkle-inclusion-too-short", .merkleProof, ["MERKLE_PROOF_LENGTH"], "an inclusion proof missing its top hash", proof(1) { $0 = $0.setting("path", .array(Array(path($0).dropLast()))) })
        inclusion("merkle-inclusion-empty", .merkleProof, ["MERKLE_PROOF_LENGTH"], "an empty inclusion proof", proof(2) { $0 = $0.setting("path", .array([])) })
        inclusion("merkle-inclusion-sibling-changed", .merkleProof, ["MERKLE_ROOT_MISMATCH"], "an inclusion proof with one sibling hash replaced", proof(1) { o in var p = path(o); p[0] = x; o = o.setting("path", .array(p)) })
        inclusion("merkle-inclusion-reversed", .merkleProof, ["MERKLE_ROOT_MISMATCH"], "an inclusion proof with its hashes in reverse order", proof(0) { $0 = $0.setting("path", .array(path($0).reversed())) })
        inclusion("merkle-inclusion-wrong-index", .merkleProof, ["MERKLE_ROOT_MISMATCH"], "the proof of leaf 3 claiming index 2 (same proof length)", proof(0) { $0 = $0.setting("leaf_index", .int(2)) })
        inclusion("merkle-inclusion-index-out-of-range", .merkleProof, ["MERKLE_INDEX_OUT_OF_RANGE"], "leaf_index 8 in a tree of 8", proof(3) { $0 = $0.setting("leaf_index", .int(8)) })
        let n23 = MerkleHash.node(leaves[2], leaves[3])
        let n01 = MerkleHash.node(leaves[0], leaves[1])
        let right = MerkleHash.node(MerkleHash.node(leaves[4], leaves[5]), MerkleHash.node(leaves[6], leaves[7]))
        _ = n23
        inclusion("merkle-interior-node-as-leaf", .merkleStructure, ["MERKLE_PROOF_LENGTH"],
                  "the proof of the interior node NH(leaf 2, leaf 3) as \"leaf\" 1 of the 4-node level, offered for the receipt at leaf 3",
                  proof(0) { $0 = $0.setting("leaf_index", .int(1)).setting("path", .array([.string(n01.hex), .string(right.hex)])) })
        inclusion("merkle-interior-node-smaller-tree", .merkleStructure, ["INCLUSION_TREE_SIZE"],
                  "the interior node's proof presented as a proof in a tree of 4 leaves",
                  proof(0) { $0 = $0.setting("leaf_index", .int(1)).setting("tree_size", .int(4)).setting("path", .array([.string(n01.hex), .string(right.hex)])) })
        inclusion("inclusion-tree-size", .merkleProof, ["INCLUSION_TREE_SIZE"], "a proof at tree size 7, not the size the bundle claims completeness through", proof(1) { $0 = $0.setting("tree_size", .int(7)) })
        inclusion("inclusion-receipt-mismatch", .merkleProof, ["INCLUSION_RECEIPT_MISMATCH"], "a proof naming another receipt's hash",
                  proof(1) { $0 = $0.setting("receipt_hash", .string(session.receipts[0].hash.hex)) })
        inclusion("inclusion-count-missing", .merkleProof, ["INCLUSION_COUNT"], "three proofs for four receipts") { $0.removeLast() }
        inclusion("inclusion-count-extra", .merkleProof, ["INCLUSION_COUNT"], "five proofs for four receipts") { $0.append($0[3]) }
        suite.neg("inclusion-order", .merkleProof,
                  ["CHAIN_PREV_MISMATCH", "CHAIN_PREV_MISMATCH", "CHAIN_PREV_MISMATCH", "CHAIN_SEQ", "CHAIN_SEQ", "CHAIN_TIME_REGRESSION", "INCLUSION_ORDER"],
                  "two receipts of the session and their proofs swapped: the leaf indexes go down, and the chain breaks",
                  session.make(files: { f, _ in f.editLines(inclusionPath) { $0.swapAt(1, 2) }; f.editLines(receiptsPath) { $0.swapAt(1, 2) } }))

        // Consistency proofs.
        func consistency(_ name: String, _ bug: BugClass, _ codes: [String], _ d: String, _ change: @escaping (inout [[UInt8]]) -> Void) {
            suite.neg(name, bug, codes, "selective bundle, checkpoints at 3, 7, 8: " + d, session.make(files: { f, _ in f.editLines(consistencyPath, change) }))
        }
        consistency("consistency-missing-one", .checkpointConsistency, ["CONSISTENCY_PROOF_MISSING"], "no proof from 7 to 8") { $0.removeLast() }
        suite.neg("consistency-file-missing", .checkpointConsistency, ["CONSISTENCY_PROOF_MISSING", "CONSISTENCY_PROOF_MISSING"], "selective bundle without consistency.jsonl: two pairs of checkpoints unproven",
                  session.make(files: { f, _ in f.remove(consistencyPath) }))
        suite.neg("consistency-file-empty", .checkpointConsistency, ["CONSISTENCY_PROOF_MISSING", "CONSISTENCY_PROOF_MISSING"], "selective bundle with an empty consistency.jsonl",
                  session.make(files: { f, _ in f.edit(consistencyPath) { $0 = [] } }))
        let proof38 = (try? MerkleTree.consistencyProof(oldSize: 3, leafHashes: leaves)) ?? []
        consistency("consistency-unexpected", .checkpointConsistency, ["CONSISTENCY_PROOF_UNEXPECTED"], "an extra proof from 3 to 8, which joins no consecutive pair") {
            $0.append(JCS.canonicalize(ConsistencyProof(oldSize: 3, newSize: 8, path: proof38).json))
        }
        consistency("consistency-duplicate", .checkpointConsistency, ["CONSISTENCY_PROOF_UNEXPECTED"], "the proof from 3 to 7 twice") { $0.insert($0[0], at: 1) }
        consistency("consistency-wrong-sizes", .checkpointConsistency, ["CONSISTENCY_PROOF_MISSING", "CONSISTENCY_PROOF_UNEXPECTED"], "the first proof relabelled as 2 to 7") {
            $0[0] = editObject($0[0]) { $0 = $0.setting("old_size", .int(2)) }
        }
        consistency("consistency-tampered", .merkleProof, ["MERKLE_CONSISTENCY_MISMATCH"], "a proof with one hash replaced") { l in
            l[0] = editObject(l[0]) { o in var p = path(o); p[0] = x; o = o.setting("path", .array(p)) }
        }
        consistency("consistency-too-long", .merkleProof, ["MERKLE_PROOF_LENGTH"], "a proof with an extra hash") { l in l[0] = editObject(l[0]) { $0 = $0.setting("path", .array(path($0) + [x])) } }
        consistency("consistency-too-short", .merkleProof, ["MERKLE_PROOF_LENGTH"], "a proof missing a hash") { l in l[0] = editObject(l[0]) { $0 = $0.setting("path", .array(Array(path($0).dropLast()))) } }
        consistency("consistency-empty-path", .merkleProof, ["MERKLE_PROOF_LENGTH"], "an empty proof from 7 to 8") { l in l[1] = editObject(l[1]) { $0 = $0.setting("path", .array([])) } }

        // Forked logs: checkpoints that are not views of one append-only log.
        let fork = Build.build(Bases.singleSpec("fork", 8))
        let forkRoot7 = MerkleTree.root(leafHashes: Array(fork.receipts.map(\.leaf).prefix(7)))
        let forkRoot8 = MerkleTree.root(leafHashes: fork.receipts.map(\.leaf))
        suite.neg("fork-middle-checkpoint", .checkpointConsistency, ["MERKLE_CONSISTENCY_MISMATCH", "MERKLE_CONSISTENCY_MISMATCH"],
                  "selective bundle whose middle checkpoint (size 7), signed by the Portal, is the root of a different log: neither neighbour is consistent with it",
                  session.make(spec: { $0.checkpoints[1].root = forkRoot7 }))
        suite.neg("fork-last-checkpoint", .checkpointConsistency,
                  ["MERKLE_CONSISTENCY_MISMATCH", "MERKLE_ROOT_MISMATCH", "MERKLE_ROOT_MISMATCH", "MERKLE_ROOT_MISMATCH", "MERKLE_ROOT_MISMATCH"],
                  "selective bundle whose last checkpoint is a forked log's: the receipts' inclusion proofs and the last consistency proof fail",
                  session.make(spec: { $0.checkpoints[2].root = forkRoot8 }))
        suite.neg("fork-full-bundle", .checkpointConsistency, ["CHECKPOINT_ROOT_MISMATCH"], "full bundle whose first checkpoint is another log's root of 3 leaves",
                  c.make(spec: { $0.checkpoints[0].root = MerkleTree.root(leafHashes: Array(fork.receipts.map(\.leaf).prefix(3))) }))

        // Checkpoint roots and sizes in a full bundle (recomputed from the leaves).
        let cl = c.receipts.map(\.leaf)
        func cp(_ name: String, _ bug: BugClass, _ codes: [String], _ d: String, _ change: @escaping (inout Spec) -> Void) {
            suite.neg(name, bug, codes, "full bundle, 6 receipts, checkpoints at 3 and 6: " + d, c.make(spec: change))
        }
        cp("checkpoint-root-random", .checkpointConsistency, ["CHECKPOINT_ROOT_MISMATCH"], "the last checkpoint's root is unrelated") { $0.checkpoints[1].root = h("random root") }
        cp("checkpoint-root-other-leaf-order", .merkleStructure, ["CHECKPOINT_ROOT_MISMATCH"], "a root that is right for the leaves in another order (1 and 2 swapped)") {
            $0.checkpoints[1].root = MerkleTree.root(leafHashes: [cl[0], cl[2], cl[1], cl[3], cl[4], cl[5]])
        }
        cp("checkpoint-root-duplicated-odd-node", .merkleStructure, ["CHECKPOINT_ROOT_MISMATCH"], "the first checkpoint's root (3 leaves) computed by duplicating the odd node") {
            $0.checkpoints[0].root = duplicatingRoot(Array(cl.prefix(3)))
        }
        cp("checkpoint-root-no-domain-separation", .merkleStructure, ["CHECKPOINT_ROOT_MISMATCH"], "the root computed without the 0x00/0x01 leaf and node prefixes") {
            $0.checkpoints[1].root = undomainedRoot(c.receipts.map(\.bytes))
        }
        cp("checkpoint-root-of-leaf-hashes-list", .merkleStructure, ["CHECKPOINT_ROOT_MISMATCH"], "the root of a tree over receipt hashes instead of leaf hashes") {
            $0.checkpoints[1].root = MerkleTree.root(leafHashes: c.receipts.map(\.hash))
        }
        cp("checkpoint-size-disagrees", .checkpointConsistency, ["CHECKPOINT_ROOT_MISMATCH"], "a checkpoint claiming 4 leaves with the root of the first 3") { s in
            s.checkpoints[0].claimedSize = 4
            s.checkpoints[0].time = s.receipts[3].time + 1
        }
        cp("checkpoint-size-smaller", .checkpointConsistency, ["CHECKPOINT_ROOT_MISMATCH"], "a checkpoint claiming 2 leaves with the root of the first 3") { $0.checkpoints[0].claimedSize = 2 }
        cp("checkpoint-beyond-log", .checkpointConsistency, ["CHECKPOINT_BEYOND_LOG", "MANIFEST_RECEIPT_COUNT"], "the last checkpoint claims 7 leaves; the full bundle holds 6") { $0.checkpoints[1].claimedSize = 7 }
        cp("checkpoint-order-decreasing", .checkpointConsistency, ["CHECKPOINT_ORDER", "MANIFEST_RECEIPT_COUNT"], "checkpoints at 6 then 3 (the manifest claims completeness through the last, 3)") { s in
            s.checkpoints = [CheckpointSpec(size: 6), CheckpointSpec(size: 3, time: s.receipts[5].time + 1)]
        }
        cp("checkpoint-order-equal", .checkpointConsistency, ["CHECKPOINT_ORDER"], "two checkpoints at the same size") { s in
            s.checkpoints = [CheckpointSpec(size: 3), CheckpointSpec(size: 3), CheckpointSpec(size: 6)]
        }
        cp("checkpoint-time-regression", .timeOrder, ["CHECKPOINT_TIME_REGRESSION"], "the second checkpoint is older than the first") { s in
            s.checkpoints[0].time = s.receipts[5].time + 10_000
        }
        cp("checkpoint-time-before-receipt", .timeOrder, ["CHECKPOINT_TIME_BEFORE_RECEIPT"], "the first checkpoint is timed before the last receipt it covers") { s in
            s.checkpoints[0].time = s.receipts[2].time - 1
        }
        cp("checkpoint-log-id", .checkpointConsistency, ["CHECKPOINT_LOG_ID", "MANIFEST_LOG_ID"], "the first checkpoint names another log") { $0.checkpoints[0].logID = h("another log") }
        cp("checkpoint-log-id-last", .checkpointConsistency, ["CHECKPOINT_LOG_ID", "MANIFEST_LOG_ID"], "the last checkpoint names another log") { $0.checkpoints[1].logID = h("another log") }

        // Odd-size trees of several shapes, each with the root a lax verifier computes.
        for n in [3, 5, 6, 7, 9, 11] {
            let b = Base("merkle-odd-\(n)", Bases.singleSpec("odd-\(n)", n), suite: suite)
            let l = b.receipts.map(\.leaf)
            suite.neg("merkle-odd-\(n)-duplicated", .merkleStructure, ["CHECKPOINT_ROOT_MISMATCH"], "a tree of \(n) leaves whose checkpoint root duplicates odd nodes (Bitcoin style)",
                      b.make(spec: { $0.checkpoints[0].root = duplicatingRoot(l) }))
            if n % 2 == 1 {
                suite.neg("merkle-odd-\(n)-undomained", .merkleStructure, ["CHECKPOINT_ROOT_MISMATCH"], "a tree of \(n) leaves hashed without leaf/node domain separation",
                          b.make(spec: { $0.checkpoints[0].root = undomainedRoot(b.receipts.map(\.bytes)) }))
            }
        }
    }
}

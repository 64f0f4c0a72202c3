import EvidenceCrypto

/// Verification of RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs.
///
/// Each check runs in this order, and each step has its own error code:
///  1. index and sizes (`MERKLE_INDEX_OUT_OF_RANGE`, `MERKLE_SIZE_ORDER`),
///  2. the exact proof length those determine (`MERKLE_PROOF_LENGTH`), before any hashing,
///  3. the RFC's algorithm, then the comparison of the roots it yields
///     (`MERKLE_ROOT_MISMATCH`, `MERKLE_CONSISTENCY_MISMATCH`).
/// A proof that is malformed is thus never reported as one that merely leads elsewhere.
///
/// The verifier works on hashes. A caller that holds a leaf's bytes must hash them with
/// `MerkleHash.leaf` (or use `verifyInclusion(leafBytes:...)`): an interior node hash is a valid
/// "leaf hash" of a shorter path to the same root, and only the 0x00 leaf prefix, applied by the
/// caller to the bytes, rules that out. The tree size must come from the signed tree head.
package enum MerkleVerifier {
    // MARK: Inclusion (RFC 9162 §2.1.3.2)

    /// Checks that `leafHash` is leaf `index` of the tree of `treeSize` leaves whose root is `root`.
    package static func verifyInclusion(
        leafHash: Hash256, index: UInt64, treeSize: UInt64, proof: [Hash256], root: Hash256
    ) throws(MerkleError) {
        let computed = try rootFromInclusionProof(leafHash: leafHash, index: index, treeSize: treeSize, proof: proof)
        guard computed == root else {
            throw MerkleError(.rootMismatch, "inclusion proof for leaf \(index) of \(treeSize) leads to root \(computed.hex), expected \(root.hex)")
        }
    }

    /// `verifyInclusion` for a leaf given by its bytes, hashed here with the 0x00 leaf prefix.
    package static func verifyInclusion(
        leafBytes: [UInt8], index: UInt64, treeSize: UInt64, proof: [Hash256], root: Hash256
    ) throws(MerkleError) {
        try verifyInclusion(leafHash: MerkleHash.leaf(leafBytes), index: index, treeSize: treeSize, proof: proof, root: root)
    }

    /// The root that `proof` leads to from leaf `index` with hash `leafHash` in a tree of
    /// `treeSize` leaves. Throws for an index out of range or a proof of the wrong length.
    package static func rootFromInclusionProof(
        leafHash: Hash256, index: UInt64, treeSize: UInt64, proof: [Hash256]
    ) throws(MerkleError) -> Hash256 {
        // Step 1.
        guard index < treeSize else {
            throw MerkleError(.indexOutOfRange, "leaf index \(index) is not below the tree size \(treeSize)")
        }
        let expected = inclusionProofLength(index: index, treeSize: treeSize)
        guard proof.count == expected else {
            throw MerkleError(.proofLength, "inclusion proof for leaf \(index) of \(treeSize) has \(proof.count) hashes, needs \(expected)")
        }
        // Steps 2 to 4.
        var fn = index
        var sn = treeSize - 1
        var r = leafHash
        for p in proof {
            // 4a. Cannot happen after the length check; kept so that the loop is the RFC's.
            guard sn != 0 else { throw tooLong() }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHash.node(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleHash.node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        // Step 5, first half (the root comparison is the caller's). Also unreachable.
        guard sn == 0 else { throw tooShort() }
        return r
    }

    // MARK: Consistency (RFC 9162 §2.1.4.2)

    /// Checks that the tree of `oldSize` leaves with root `oldRoot` is a prefix of the tree of
    /// `newSize` leaves with root `newRoot`. Requires 0 < oldSize <= newSize; equal sizes need
    /// an empty proof and equal roots.
    package static func verifyConsistency(
        oldSize: UInt64, newSize: UInt64, oldRoot: Hash256, newRoot: Hash256, proof: [Hash256]
    ) throws(MerkleError) {
        guard oldSize <= newSize else {
            throw MerkleError(.sizeOrder, "old tree size \(oldSize) exceeds new tree size \(newSize)")
        }
        guard oldSize > 0 else {
            throw MerkleError(.sizeOrder, "a consistency proof from the empty tree is not defined (RFC 9162 §2.1.4: 0 < m)")
        }
        if oldSize == newSize {
            guard proof.isEmpty else {
                throw MerkleError(.emptyProofNonempty, "old and new tree size are both \(oldSize), but the proof holds \(proof.count) hashes")
            }
            guard oldRoot == newRoot else {
                throw MerkleError(.consistencyMismatch, "old and new tree size are both \(oldSize), but the roots differ: \(oldRoot.hex) and \(newRoot.hex)")
            }
            return
        }
        // Covers step 1 too: the required length is at least 1 when oldSize < newSize.
        let expected = consistencyProofLength(oldSize: oldSize, newSize: newSize)
        guard proof.count == expected else {
            throw MerkleError(.proofLength, "consistency proof from \(oldSize) to \(newSize) has \(proof.count) hashes, needs \(expected)")
        }
        // Step 2, without copying: when oldSize is a power of two the path starts with oldRoot.
        let oldIsPerfect = oldSize & (oldSize - 1) == 0
        let first = oldIsPerfect ? oldRoot : proof[0]
        let rest = oldIsPerfect ? proof[...] : proof.dropFirst()
        // Step 3.
        var fn = oldSize - 1
        var sn = newSize - 1
        // Step 4.
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        // Step 5.
        var fr = first
        var sr = first
        // Step 6.
        for c in rest {
            // 6a. Cannot happen after the length check; kept so that the loop is the RFC's.
            guard sn != 0 else { throw tooLong() }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHash.node(c, fr)
                sr = MerkleHash.node(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleHash.node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        // Step 7.
        guard sn == 0 else { throw tooShort() }
        guard fr == oldRoot else {
            throw MerkleError(.consistencyMismatch, "consistency proof from \(oldSize) to \(newSize) leads to old root \(fr.hex), expected \(oldRoot.hex)")
        }
        guard sr == newRoot else {
            throw MerkleError(.consistencyMismatch, "consistency proof from \(oldSize) to \(newSize) leads to new root \(sr.hex), expected \(newRoot.hex)")
        }
    }

    // MARK: Proof lengths

    /// The number of hashes in PATH(index, D[treeSize]); requires index < treeSize.
    ///
    /// The path splits where the paths to `index` and to the last leaf diverge: below that point
    /// every level has a sibling (`inner` hashes, one per bit of index ^ (treeSize - 1)); above
    /// it the path runs along the right border of the tree, where only the levels at which
    /// `index` is a right child have one (one per set bit of index >> inner).
    static func inclusionProofLength(index: UInt64, treeSize: UInt64) -> Int {
        let inner = UInt64.bitWidth - (index ^ (treeSize - 1)).leadingZeroBitCount
        let border = (index >> UInt64(inner)).nonzeroBitCount
        return inner + border
    }

    /// The number of hashes in PROOF(oldSize, D[newSize]); requires 0 < oldSize < newSize.
    ///
    /// The proof is the inclusion path of leaf oldSize - 1 in the new tree, minus its lowest
    /// `shift` levels (the perfect subtree of 2^shift leaves that ends the old tree is given by
    /// its root instead), plus that subtree root first unless it is the whole old tree.
    static func consistencyProofLength(oldSize: UInt64, newSize: UInt64) -> Int {
        let last = oldSize - 1
        let innerFull = UInt64.bitWidth - (last ^ (newSize - 1)).leadingZeroBitCount
        let border = (last >> UInt64(innerFull)).nonzeroBitCount
        let shift = oldSize.trailingZeroBitCount
        // shift < innerFull when oldSize < newSize: the trailing 1 bits of oldSize - 1 all lie
        // below the highest bit in which oldSize - 1 and newSize - 1 differ (which is 0 in
        // oldSize - 1). Our own invariant; the callers guarantee oldSize < newSize.
        precondition(shift < innerFull, "consistencyProofLength needs 0 < oldSize < newSize")
        let start = oldSize & (oldSize - 1) == 0 ? 0 : 1
        return start + (innerFull - shift) + border
    }

    private static func tooLong() -> MerkleError {
        MerkleError(.proofLength, "proof has more hashes than the tree has levels")
    }

    private static func tooShort() -> MerkleError {
        MerkleError(.proofLength, "proof ends before the root is reached")
    }
}

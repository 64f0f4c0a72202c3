import EvidenceCrypto

/// Tree hashes and proof generation over a complete list of leaf hashes (RFC 9162 §2.1.1,
/// §2.1.3.1, §2.1.4.1). The proof verifier, which needs no leaves, is `MerkleVerifier`.
///
/// Every function takes the leaf hashes (`MerkleHash.leaf` of each leaf's bytes), in log order.
package enum MerkleTree {
    /// MTH(D[n]) of RFC 9162 §2.1.1: the largest-power-of-two split, no duplication of a lone
    /// node, no rehashing of it either. `MerkleHash.emptyRoot` for no leaves.
    ///
    /// Computed level by level: each level hashes adjacent pairs and carries a last unpaired
    /// node up unchanged. That is the same tree as the recursive split: a carried node is the
    /// root of the right-most subtree, which the split pairs with its left neighbour higher up.
    package static func root(leafHashes: [Hash256]) -> Hash256 {
        guard !leafHashes.isEmpty else { return MerkleHash.emptyRoot }
        var level = leafHashes
        var count = level.count
        while count > 1 {
            var next = 0
            var i = 0
            while i + 1 < count {
                level[next] = MerkleHash.node(level[i], level[i + 1])
                next += 1
                i += 2
            }
            if i < count {  // the unpaired last node moves up as it is
                level[next] = level[i]
                next += 1
            }
            count = next
        }
        return level[0]
    }

    /// PATH(m, D[n]) of RFC 9162 §2.1.3.1: the audit path of leaf `index`, lowest level first.
    package static func inclusionProof(index: UInt64, leafHashes: [Hash256]) throws(MerkleError) -> [Hash256] {
        let n = UInt64(leafHashes.count)
        guard index < n else {
            throw MerkleError(.indexOutOfRange, "leaf index \(index) is not below the tree size \(n)")
        }
        var topDown: [Hash256] = []
        var leaves = leafHashes[...]
        var m = Int(index)  // index < leafHashes.count, so it fits
        while leaves.count > 1 {
            let k = largestPowerOfTwoBelow(leaves.count)
            let left = leaves.prefix(k), right = leaves.dropFirst(k)
            if m < k {
                topDown.append(rangeRoot(right))
                leaves = left
            } else {
                topDown.append(rangeRoot(left))
                leaves = right
                m -= k
            }
        }
        return topDown.reversed()
    }

    /// PROOF(m, D[n]) of RFC 9162 §2.1.4.1, m = `oldSize`, n = the number of leaf hashes.
    /// Empty when m == n. `MERKLE_SIZE_ORDER` when m is 0 or above n.
    package static func consistencyProof(oldSize: UInt64, leafHashes: [Hash256]) throws(MerkleError) -> [Hash256] {
        let n = UInt64(leafHashes.count)
        guard oldSize <= n else {
            throw MerkleError(.sizeOrder, "old size \(oldSize) exceeds the tree size \(n)")
        }
        guard oldSize > 0 else {
            throw MerkleError(.sizeOrder, "a consistency proof from the empty tree is not defined (RFC 9162 §2.1.4: 0 < m)")
        }
        // SUBPROOF(m, D[n], b), unrolled: each step goes down one side and records the other.
        var topDown: [Hash256] = []
        var leaves = leafHashes[...]
        var m = Int(oldSize)  // oldSize <= leafHashes.count, so it fits
        var b = true  // true while the old tree is a prefix whose root the verifier already has
        while m != leaves.count {
            let k = largestPowerOfTwoBelow(leaves.count)
            let left = leaves.prefix(k), right = leaves.dropFirst(k)
            if m <= k {
                topDown.append(rangeRoot(right))
                leaves = left
            } else {
                topDown.append(rangeRoot(left))
                leaves = right
                m -= k
                b = false
            }
        }
        if !b {
            topDown.append(rangeRoot(leaves))
        }
        return topDown.reversed()
    }

    /// The largest power of two strictly below `n`; requires n > 1.
    static func largestPowerOfTwoBelow(_ n: Int) -> Int {
        // Our own invariant: callers only split ranges of two or more leaves.
        precondition(n > 1, "only a range of two or more leaves is split")
        return 1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }

    /// MTH of a non-empty range of leaf hashes, in O(log n) memory.
    static func rangeRoot(_ leafHashes: ArraySlice<Hash256>) -> Hash256 {
        var tree = IncrementalMerkleTree()
        for hash in leafHashes { tree.append(leafHash: hash) }
        return tree.root()
    }
}

import EvidenceCrypto

/// An append-only Merkle tree that keeps only its compact range: the roots of the perfect
/// subtrees that make up the tree, one per set bit of `size`, largest (leftmost) first.
///
/// Memory is O(log n) (at most 64 hashes); an append costs amortised O(1) node hashes
/// (at most 64), `root()` at most 63. The root is MTH(D[size]) of RFC 9162 §2.1.1.
package struct IncrementalMerkleTree: Sendable {
    /// The number of leaves appended so far.
    package private(set) var size: UInt64
    /// Roots of the perfect subtrees, left to right; `subtrees[i]` covers 2^(bit i from the top)
    /// leaves. Invariant: `subtrees.count == size.nonzeroBitCount`.
    private var subtrees: [Hash256]

    package init() {
        size = 0
        subtrees = []
        subtrees.reserveCapacity(UInt64.bitWidth)
    }

    /// Appends the leaf hash (MerkleHash.leaf of the leaf bytes) as leaf number `size`.
    package mutating func append(leafHash: Hash256) {
        // Our own invariant: no log reaches 2^64 - 1 leaves, and wrapping would corrupt the range.
        precondition(size < UInt64.max, "IncrementalMerkleTree is full")
        var hash = leafHash
        // Each trailing 1 bit of `size` is a perfect subtree of the same height as `hash`:
        // merge it (it is the left sibling) and carry one level up, like binary addition.
        var carry = size
        while carry & 1 == 1 {
            hash = MerkleHash.node(subtrees.removeLast(), hash)
            carry >>= 1
        }
        subtrees.append(hash)
        size += 1
    }

    /// MTH of the leaves appended so far; `MerkleHash.emptyRoot` when there are none.
    ///
    /// Folds the compact range from the right: the RFC's largest-power-of-two split puts the
    /// largest perfect subtree on the left and the tree of the remaining leaves on the right.
    package func root() -> Hash256 {
        guard var hash = subtrees.last else { return MerkleHash.emptyRoot }
        var i = subtrees.count - 1
        while i > 0 {
            i -= 1
            hash = MerkleHash.node(subtrees[i], hash)
        }
        return hash
    }
}

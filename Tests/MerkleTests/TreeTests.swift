import EvidenceCrypto
import XCTest

@testable import Merkle

final class TreeTests: XCTestCase {
    static let sizes: [Int] = Array(0...64) + [100, 127, 128, 129, 255, 256, 257, 1000]

    func testRootEqualsNaiveReference() {
        let all = leafHashes(1000)
        for size in Self.sizes {
            let leaves = Array(all[..<size])
            XCTAssertEqual(MerkleTree.root(leafHashes: leaves), Reference.root(leaves[...]), "size \(size)")
        }
    }

    func testIncrementalTreeAfterEveryAppend() {
        let all = leafHashes(1000)
        var tree = IncrementalMerkleTree()
        XCTAssertEqual(tree.size, 0)
        XCTAssertEqual(tree.root(), MerkleHash.emptyRoot)
        // After every append up to 257 leaves, then at the listed larger sizes.
        let checked = Set(Self.sizes)
        for (i, leaf) in all.enumerated() {
            tree.append(leafHash: leaf)
            XCTAssertEqual(tree.size, UInt64(i + 1))
            if i < 257 || checked.contains(i + 1) {
                XCTAssertEqual(tree.root(), MerkleTree.root(leafHashes: Array(all[...i])), "size \(i + 1)")
            }
        }
        XCTAssertEqual(tree.root(), Reference.root(all[...]))
    }

    func testIncrementalTreeIsAValue() {
        let all = leafHashes(10)
        var a = IncrementalMerkleTree()
        for leaf in all[..<5] { a.append(leafHash: leaf) }
        var b = a
        b.append(leafHash: all[5])
        XCTAssertEqual(a.size, 5)
        XCTAssertEqual(a.root(), Reference.root(all[..<5]))
        XCTAssertEqual(b.root(), Reference.root(all[..<6]))
    }

    func testLargeTreeRootsAgree() {
        let all = leafHashes(50_003)
        var tree = IncrementalMerkleTree()
        for leaf in all { tree.append(leafHash: leaf) }
        XCTAssertEqual(tree.root(), MerkleTree.root(leafHashes: all))
        XCTAssertEqual(tree.root(), Reference.root(all[...]))
    }

    /// No duplication of a lone last node (Bitcoin-style) and no rehashing of it: the tree of
    /// three leaves is node(node(a, b), c).
    func testNoDuplicationNoPromotion() {
        let l = leafHashes(5)
        XCTAssertEqual(MerkleTree.root(leafHashes: Array(l[..<3])), MerkleHash.node(MerkleHash.node(l[0], l[1]), l[2]))
        XCTAssertNotEqual(
            MerkleTree.root(leafHashes: Array(l[..<3])),
            MerkleHash.node(MerkleHash.node(l[0], l[1]), MerkleHash.node(l[2], l[2])))
        XCTAssertNotEqual(
            MerkleTree.root(leafHashes: Array(l[..<3])), MerkleTree.root(leafHashes: [l[0], l[1], l[2], l[2]]))
        // Five leaves: the split is 4 + 1, not 2 + 3 or 3 + 2.
        let four = MerkleHash.node(MerkleHash.node(l[0], l[1]), MerkleHash.node(l[2], l[3]))
        XCTAssertEqual(MerkleTree.root(leafHashes: l), MerkleHash.node(four, l[4]))
        XCTAssertEqual(MerkleTree.root(leafHashes: [l[0]]), l[0], "a one-leaf tree's root is its leaf hash")
    }

    func testInclusionProofsEqualReferenceAndVerify() {
        let all = leafHashes(1000)
        for size in Self.sizes where size > 0 {
            let leaves = Array(all[..<size])
            let root = MerkleTree.root(leafHashes: leaves)
            // Every index up to 129 leaves, a spread of indices above; the naive reference for a sample.
            let indices = size <= 129 ? Array(0..<size) : Array(0..<20) + Array(stride(from: 20, to: size, by: 37)) + [size - 2, size - 1]
            for index in indices {
                let proof: [Hash256]
                do {
                    proof = try MerkleTree.inclusionProof(index: UInt64(index), leafHashes: leaves)
                } catch {
                    XCTFail("\(index)/\(size): \(error)")
                    continue
                }
                if size <= 64 || index % 7 == 0 {
                    XCTAssertEqual(proof, Reference.path(index, leaves[...]), "\(index)/\(size)")
                }
                XCTAssertEqual(proof.count, Reference.pathLength(UInt64(index), UInt64(size)), "\(index)/\(size)")
                assertNoMerkleError("\(index)/\(size)") {
                    try MerkleVerifier.verifyInclusion(
                        leafHash: leaves[index], index: UInt64(index), treeSize: UInt64(size), proof: proof, root: root)
                }
                XCTAssertEqual(
                    try MerkleVerifier.rootFromInclusionProof(
                        leafHash: leaves[index], index: UInt64(index), treeSize: UInt64(size), proof: proof),
                    root, "\(index)/\(size)")
            }
        }
    }

    func testConsistencyProofsEqualReferenceAndVerify() {
        let all = leafHashes(64)
        let roots = (0...64).map { MerkleTree.root(leafHashes: Array(all[..<$0])) }
        for n in 1...64 {
            let leaves = Array(all[..<n])
            for m in 1...n {
                let id = "\(m)->\(n)"
                let proof: [Hash256]
                do {
                    proof = try MerkleTree.consistencyProof(oldSize: UInt64(m), leafHashes: leaves)
                } catch {
                    XCTFail("\(id): \(error)")
                    continue
                }
                XCTAssertEqual(proof, Reference.subproof(m, leaves[...], true), id)
                XCTAssertEqual(proof.isEmpty, m == n, id)
                assertNoMerkleError(id) {
                    try MerkleVerifier.verifyConsistency(
                        oldSize: UInt64(m), newSize: UInt64(n), oldRoot: roots[m], newRoot: roots[n], proof: proof)
                }
            }
        }
    }

    func testConsistencyProofsForLargerTrees() {
        let all = leafHashes(1000)
        for (m, n) in [(1, 1000), (64, 1000), (500, 1000), (999, 1000), (511, 513), (127, 129), (128, 1000), (1000, 1000)] {
            let leaves = Array(all[..<n])
            assertNoMerkleError("\(m)->\(n)") {
                let proof = try MerkleTree.consistencyProof(oldSize: UInt64(m), leafHashes: leaves)
                XCTAssertEqual(proof.count, m == n ? 0 : Reference.subproofLength(UInt64(m), UInt64(n), true))
                try MerkleVerifier.verifyConsistency(
                    oldSize: UInt64(m), newSize: UInt64(n),
                    oldRoot: MerkleTree.root(leafHashes: Array(all[..<m])), newRoot: MerkleTree.root(leafHashes: leaves),
                    proof: proof)
            }
        }
    }

    func testProofGenerationRejectsBadArguments() {
        let leaves = leafHashes(5)
        assertMerkleError(.indexOutOfRange) { _ = try MerkleTree.inclusionProof(index: 5, leafHashes: leaves) }
        assertMerkleError(.indexOutOfRange) { _ = try MerkleTree.inclusionProof(index: UInt64.max, leafHashes: leaves) }
        assertMerkleError(.indexOutOfRange) { _ = try MerkleTree.inclusionProof(index: 0, leafHashes: []) }
        assertMerkleError(.sizeOrder) { _ = try MerkleTree.consistencyProof(oldSize: 6, leafHashes: leaves) }
        assertMerkleError(.sizeOrder) { _ = try MerkleTree.consistencyProof(oldSize: 0, leafHashes: leaves) }
        assertMerkleError(.sizeOrder) { _ = try MerkleTree.consistencyProof(oldSize: 0, leafHashes: []) }
        XCTAssertEqual(try MerkleTree.consistencyProof(oldSize: 5, leafHashes: leaves), [])
        XCTAssertEqual(try MerkleTree.inclusionProof(index: 0, leafHashes: [leaves[0]]), [])
    }
}

import EvidenceCrypto
import XCTest

@testable import Merkle

final class InclusionVerifierTests: XCTestCase {
    /// Every inclusion proof of trees of 1...64 leaves, mutated. A mutated claim about index or
    /// size is checked against the true root of a tree of the claimed size (a claim an honest
    /// signed tree head could make); see `testTreeSizeIsBoundByTheTreeHeadNotByTheProof`.
    func testMutatedInclusionProofsFailWithTheRightCode() {
        let all = leafHashes(129)
        let roots = (0...129).map { MerkleTree.root(leafHashes: Array(all[..<$0])) }
        let stranger = MerkleHash.leaf(Array("not in the tree".utf8))
        var checked = 0
        for n in 1...64 {
            let leaves = Array(all[..<n])
            let size = UInt64(n)
            for index in 0..<size {
                let leaf = leaves[Int(index)]
                let root = roots[n]
                guard let proof = try? MerkleTree.inclusionProof(index: index, leafHashes: leaves) else {
                    XCTFail("\(index)/\(n): no proof")
                    continue
                }
                func expect(_ code: MerkleError.Code, _ desc: String, index i: UInt64 = index, size s: UInt64 = size,
                            leaf l: Hash256? = nil, proof p: [Hash256]? = nil, root r: Hash256? = nil) {
                    checked += 1
                    assertMerkleError(code, "\(index)/\(n): \(desc)") {
                        try MerkleVerifier.verifyInclusion(
                            leafHash: l ?? leaf, index: i, treeSize: s, proof: p ?? proof, root: r ?? root)
                    }
                }
                // Wrong length: one hash added (either end, or inside), one removed (either end).
                expect(.proofLength, "appended hash", proof: proof + [stranger])
                expect(.proofLength, "prepended hash", proof: [stranger] + proof)
                if !proof.isEmpty {
                    expect(.proofLength, "repeated last hash", proof: proof + proof.suffix(1))
                    expect(.proofLength, "dropped last", proof: Array(proof.dropLast()))
                    expect(.proofLength, "dropped first", proof: Array(proof.dropFirst()))
                    expect(.proofLength, "inserted", proof: [proof[0], stranger] + proof.dropFirst())
                }
                // Wrong position: the other claims are judged against the true root of that size.
                for (desc, i) in [("index - 1", index &- 1), ("index + 1", index + 1), ("index ^ 1", index ^ 1), ("index ^ 2", index ^ 2)] {
                    expect(Reference.inclusionCode(index: i, size: size, proofCount: proof.count), desc, index: i)
                }
                for (desc, s) in [("size * 2", size * 2), ("size + 1", size + 1), ("size - 1", size - 1), ("size / 2", size / 2)] {
                    expect(Reference.inclusionCode(index: index, size: s, proofCount: proof.count), desc,
                           size: s, root: roots[Int(s)])
                }
                // Wrong leaf, wrong roots.
                expect(.rootMismatch, "stranger leaf", leaf: stranger)
                if n > 1 {
                    expect(.rootMismatch, "neighbour's leaf", leaf: leaves[Int(index ^ 1) < n ? Int(index ^ 1) : Int(index) - 1])
                    expect(.rootMismatch, "root of size - 1", root: roots[n - 1])
                }
                expect(.rootMismatch, "empty root", root: MerkleHash.emptyRoot)
                expect(.rootMismatch, "leaf as root", root: n > 1 ? leaf : stranger)
                // One bit flipped in each proof hash (a different bit for each position) and in the root.
                for (k, h) in proof.enumerated() {
                    var wrong = proof
                    wrong[k] = flipBit(h, (k * 37 + Int(index)) % 256)
                    expect(.rootMismatch, "proof[\(k)] bit flipped", proof: wrong)
                }
                expect(.rootMismatch, "root bit flipped", root: flipBit(root, Int(index) % 256))
                expect(.rootMismatch, "leaf bit flipped", leaf: flipBit(leaf, 255 - Int(index) % 256))
            }
        }
        XCTAssertGreaterThan(checked, 30_000)
    }

    /// Every bit of every hash of one proof, and of the leaf hash and root.
    func testEveryBitFlipFails() {
        let leaves = leafHashes(45)
        let root = MerkleTree.root(leafHashes: leaves)
        for index: UInt64 in [0, 22, 44] {
            guard let proof = try? MerkleTree.inclusionProof(index: index, leafHashes: leaves) else { return XCTFail() }
            for bit in 0..<256 {
                for k in proof.indices {
                    var wrong = proof
                    wrong[k] = flipBit(wrong[k], bit)
                    assertMerkleError(.rootMismatch, "\(index): proof[\(k)] bit \(bit)") {
                        try MerkleVerifier.verifyInclusion(leafHash: leaves[Int(index)], index: index, treeSize: 45, proof: wrong, root: root)
                    }
                }
                assertMerkleError(.rootMismatch, "\(index): leaf bit \(bit)") {
                    try MerkleVerifier.verifyInclusion(
                        leafHash: flipBit(leaves[Int(index)], bit), index: index, treeSize: 45, proof: proof, root: root)
                }
                assertMerkleError(.rootMismatch, "\(index): root bit \(bit)") {
                    try MerkleVerifier.verifyInclusion(
                        leafHash: leaves[Int(index)], index: index, treeSize: 45, proof: proof, root: flipBit(root, bit))
                }
            }
        }
    }

    /// The attack that leaf/node domain separation stops. Take an interior node N = node(l0, l1)
    /// of a tree of n leaves. N is the first "leaf" of the tree of n/2 "leaves" made of the
    /// nodes one level up, and that tree has the same root: so an attacker claims that N is
    /// leaf 0 of a tree of n/2 leaves, with the upper part of leaf 0's real path as the proof.
    func testInteriorNodeCannotBePassedOffAsALeaf() {
        for n in [4, 8, 16, 64] {
            let leafBytes = (0..<n).map { Array("receipt \($0)".utf8) }
            let leaves = leafBytes.map { MerkleHash.leaf($0) }
            let root = MerkleTree.root(leafHashes: leaves)
            let size = UInt64(n)
            guard let realProof = try? MerkleTree.inclusionProof(index: 0, leafHashes: leaves) else { return XCTFail() }
            let nodeN = MerkleHash.node(leaves[0], leaves[1])
            XCTAssertEqual(realProof[0], leaves[1])
            let forgedProof = Array(realProof.dropFirst())  // the path of N one level up

            // The attacker must hand over leaf bytes, which the verifier hashes with the 0x00
            // prefix. The natural candidates, l0 ‖ l1 and even 0x01 ‖ l0 ‖ l1 (N's exact
            // preimage), hash to something other than N, so the claim fails.
            for candidate in [leaves[0].bytes + leaves[1].bytes, [0x01] + leaves[0].bytes + leaves[1].bytes] {
                XCTAssertNotEqual(MerkleHash.leaf(candidate), nodeN)
                assertMerkleError(.rootMismatch, "n=\(n): forged leaf bytes at leaf 0 of n/2") {
                    try MerkleVerifier.verifyInclusion(leafBytes: candidate, index: 0, treeSize: size / 2, proof: forgedProof, root: root)
                }
                // Nor does it verify at the claimed position of the original tree.
                assertMerkleError(.proofLength, "n=\(n): forged leaf bytes, n/2-proof, real size") {
                    try MerkleVerifier.verifyInclusion(leafBytes: candidate, index: 0, treeSize: size, proof: forgedProof, root: root)
                }
                assertMerkleError(.rootMismatch, "n=\(n): forged leaf bytes, real proof, real size") {
                    try MerkleVerifier.verifyInclusion(leafBytes: candidate, index: 0, treeSize: size, proof: realProof, root: root)
                }
            }
            // The real leaf still verifies.
            assertNoMerkleError("n=\(n): real leaf") {
                try MerkleVerifier.verifyInclusion(leafBytes: leafBytes[0], index: 0, treeSize: size, proof: realProof, root: root)
            }
            // Why the verifier needs hashes made from leaf bytes, and the tree size from the tree
            // head: handed the node hash itself as a "leaf hash" with size n/2, the proof
            // arithmetic does reach the root (this is the forgery that prefix 0x00 prevents).
            XCTAssertEqual(
                try MerkleVerifier.rootFromInclusionProof(leafHash: nodeN, index: 0, treeSize: size / 2, proof: forgedProof), root)
            // With the tree size pinned to the signed n, even the raw node hash is refused.
            assertMerkleError(.proofLength, "n=\(n): node hash at real size") {
                try MerkleVerifier.verifyInclusion(leafHash: nodeN, index: 0, treeSize: size, proof: forgedProof, root: root)
            }
        }
    }

    /// An inclusion proof authenticates a leaf against a root; the tree size only shapes the
    /// path. Sizes whose paths have the same shape at an index give the same computation, so a
    /// (size, root) pair that did not come from one signed tree head can be "confirmed". The
    /// verifier must take both from the same checkpoint. With the true root of each size, the
    /// other size's proof fails.
    func testTreeSizeIsBoundByTheTreeHeadNotByTheProof() {
        let leaves = leafHashes(4)
        let root3 = MerkleTree.root(leafHashes: Array(leaves[..<3]))
        let root4 = MerkleTree.root(leafHashes: leaves)
        guard let proof3 = try? MerkleTree.inclusionProof(index: 0, leafHashes: Array(leaves[..<3])) else { return XCTFail() }
        // Same shape at index 0 (sibling on the right twice): the computation is identical.
        XCTAssertEqual(try MerkleVerifier.rootFromInclusionProof(leafHash: leaves[0], index: 0, treeSize: 4, proof: proof3), root3)
        assertMerkleError(.rootMismatch) {
            try MerkleVerifier.verifyInclusion(leafHash: leaves[0], index: 0, treeSize: 4, proof: proof3, root: root4)
        }
    }

    /// The closed-form proof length agrees with the RFC's recursion and with the RFC's loop for
    /// sizes up to 2^64 - 1: a proof of exactly that length runs the loop to the root (a
    /// mismatch, not a length error), one hash more or less is a length error.
    func testProofLengthOverTheWholeRange() {
        var rng = SplitMix64(state: 9162)
        var cases: [(UInt64, UInt64)] = [(0, 1), (0, UInt64.max), (UInt64.max - 1, UInt64.max), (1 << 63, UInt64.max), ((1 << 63) - 1, 1 << 63)]
        for _ in 0..<300 {
            let size = rng.next() >> (rng.next() % 64) | 1
            cases.append((rng.next() % size, size))
        }
        for n in UInt64(1)...70 {
            for i in 0..<n { cases.append((i, n)) }
        }
        for (index, size) in cases {
            let length = Reference.pathLength(index, size)
            XCTAssertEqual(MerkleVerifier.inclusionProofLength(index: index, treeSize: size), length, "\(index)/\(size)")
            XCTAssertLessThanOrEqual(length, 64)
            let proof = (0..<length).map { _ in rng.hash() }
            let leaf = rng.hash(), root = rng.hash()
            assertMerkleError(.rootMismatch, "\(index)/\(size)") {
                try MerkleVerifier.verifyInclusion(leafHash: leaf, index: index, treeSize: size, proof: proof, root: root)
            }
            assertMerkleError(.proofLength, "\(index)/\(size) +1") {
                try MerkleVerifier.verifyInclusion(leafHash: leaf, index: index, treeSize: size, proof: proof + [leaf], root: root)
            }
            if length > 0 {
                assertMerkleError(.proofLength, "\(index)/\(size) -1") {
                    try MerkleVerifier.verifyInclusion(leafHash: leaf, index: index, treeSize: size, proof: Array(proof.dropLast()), root: root)
                }
            }
        }
    }

    func testIndexOutOfRange() {
        let h = MerkleHash.leaf([1])
        for (index, size) in [(0, 0), (1, 1), (5, 5), (6, 5), (UInt64.max, UInt64.max), (UInt64.max, 0)] as [(UInt64, UInt64)] {
            assertMerkleError(.indexOutOfRange, "\(index)/\(size)") {
                try MerkleVerifier.verifyInclusion(leafHash: h, index: index, treeSize: size, proof: [], root: h)
            }
            assertMerkleError(.indexOutOfRange, "\(index)/\(size)") {
                _ = try MerkleVerifier.rootFromInclusionProof(leafHash: h, index: index, treeSize: size, proof: [h, h])
            }
        }
    }

    /// A huge proof is refused by its length alone, whatever its content.
    func testOversizedProofIsRejectedBeforeHashing() {
        let h = MerkleHash.leaf([1])
        let proof = Array(repeating: h, count: 100_000)
        assertMerkleError(.proofLength) {
            try MerkleVerifier.verifyInclusion(leafHash: h, index: 3, treeSize: UInt64.max, proof: proof, root: h)
        }
    }
}

import EvidenceCrypto
import XCTest

@testable import Merkle

final class ConsistencyVerifierTests: XCTestCase {
    /// Every consistency proof for 1 <= m < n <= 64, mutated. Claims about other sizes are made
    /// with the true roots of those sizes (what honest signed tree heads would carry); a claim
    /// verifies only if the proof is exactly the reference proof for it.
    func testMutatedConsistencyProofsFailWithTheRightCode() {
        let all = leafHashes(128)
        let roots = (0...128).map { MerkleTree.root(leafHashes: Array(all[..<$0])) }
        let stranger = MerkleHash.leaf(Array("not in the tree".utf8))
        var checked = 0
        for n in 2...64 {
            let leaves = Array(all[..<n])
            for m in 1..<n {
                let old = UInt64(m), new = UInt64(n)
                guard let proof = try? MerkleTree.consistencyProof(oldSize: old, leafHashes: leaves) else {
                    XCTFail("\(m)->\(n): no proof")
                    continue
                }
                let id = "\(m)->\(n)"
                func expect(_ code: MerkleError.Code, _ desc: String, old o: UInt64 = old, new nw: UInt64 = new,
                            oldRoot a: Hash256? = nil, newRoot b: Hash256? = nil, proof p: [Hash256]? = nil) {
                    checked += 1
                    assertMerkleError(code, "\(id): \(desc)") {
                        try MerkleVerifier.verifyConsistency(
                            oldSize: o, newSize: nw, oldRoot: a ?? roots[m], newRoot: b ?? roots[n], proof: p ?? proof)
                    }
                }
                // Wrong length.
                expect(.proofLength, "empty proof", proof: [])
                expect(.proofLength, "appended hash", proof: proof + [stranger])
                expect(.proofLength, "appended old root", proof: proof + [roots[m]])
                expect(.proofLength, "prepended old root", proof: [roots[m]] + proof)
                expect(.proofLength, "prepended new root", proof: [roots[n]] + proof)
                expect(.proofLength, "repeated first hash", proof: [proof[0]] + proof)
                expect(.proofLength, "dropped last", proof: Array(proof.dropLast()))
                expect(.proofLength, "dropped first", proof: Array(proof.dropFirst()))
                // Wrong roots.
                expect(.consistencyMismatch, "swapped roots", oldRoot: roots[n], newRoot: roots[m])
                expect(.consistencyMismatch, "old root of m - 1", oldRoot: roots[m - 1])
                expect(.consistencyMismatch, "new root of n - 1", newRoot: roots[n - 1])
                expect(.consistencyMismatch, "stranger old root", oldRoot: stranger)
                expect(.consistencyMismatch, "stranger new root", newRoot: stranger)
                expect(.consistencyMismatch, "old root bit flipped", oldRoot: flipBit(roots[m], (m + n) % 256))
                expect(.consistencyMismatch, "new root bit flipped", newRoot: flipBit(roots[n], (m * n) % 256))
                // One bit flipped in each proof hash.
                for (k, h) in proof.enumerated() {
                    var wrong = proof
                    wrong[k] = flipBit(h, (k * 41 + m + n) % 256)
                    expect(.consistencyMismatch, "proof[\(k)] bit flipped", proof: wrong)
                }
                // Other sizes, with their true roots.
                let claims: [(String, UInt64, UInt64)] = [
                    ("old - 1", old - 1, new), ("old + 1", old + 1, new), ("old ^ 2", old ^ 2, new),
                    ("new * 2", old, new * 2), ("new + 1", old, new + 1), ("new - 1", old, new - 1),
                    ("new / 2", old, new / 2), ("sizes swapped", new, old),
                ]
                for (desc, o, nw) in claims {
                    let isTheSameProof =
                        o > 0 && o < nw && Reference.subproofLength(o, nw, true) == proof.count
                        && Reference.subproof(Int(o), all[..<Int(nw)], true) == proof
                    if isTheSameProof {
                        assertNoMerkleError("\(id): \(desc)") {
                            try MerkleVerifier.verifyConsistency(
                                oldSize: o, newSize: nw, oldRoot: roots[Int(o)], newRoot: roots[Int(nw)], proof: proof)
                        }
                    } else {
                        expect(Reference.consistencyCode(old: o, new: nw, proofCount: proof.count), desc,
                               old: o, new: nw, oldRoot: roots[Int(o)], newRoot: roots[Int(nw)])
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 40_000)
    }

    /// A proof that reaches the right new root but the wrong old root is told apart from the
    /// reverse only by the reason; both are MERKLE_CONSISTENCY_MISMATCH.
    func testMismatchSaysWhichRoot() {
        let leaves = leafHashes(10)
        let r6 = MerkleTree.root(leafHashes: Array(leaves[..<6])), r10 = MerkleTree.root(leafHashes: leaves)
        guard let proof = try? MerkleTree.consistencyProof(oldSize: 6, leafHashes: leaves) else { return XCTFail() }
        do {
            try MerkleVerifier.verifyConsistency(oldSize: 6, newSize: 10, oldRoot: r10, newRoot: r10, proof: proof)
            XCTFail("verified a wrong old root")
        } catch {
            XCTAssertEqual(error.code, .consistencyMismatch)
            XCTAssertTrue(error.reason.contains("old root"), error.reason)
        }
        do {
            try MerkleVerifier.verifyConsistency(oldSize: 6, newSize: 10, oldRoot: r6, newRoot: r6, proof: proof)
            XCTFail("verified a wrong new root")
        } catch {
            XCTAssertEqual(error.code, .consistencyMismatch)
            XCTAssertTrue(error.reason.contains("new root"), error.reason)
        }
    }

    func testSizeRules() {
        let a = MerkleHash.leaf([1]), b = MerkleHash.leaf([2])
        // Old size above new size, whatever else is wrong.
        assertMerkleError(.sizeOrder) {
            try MerkleVerifier.verifyConsistency(oldSize: 8, newSize: 6, oldRoot: a, newRoot: b, proof: [a, b])
        }
        assertMerkleError(.sizeOrder) {
            try MerkleVerifier.verifyConsistency(oldSize: UInt64.max, newSize: 0, oldRoot: a, newRoot: a, proof: [])
        }
        // Old size 0: not defined by RFC 9162, refused even for "empty to empty".
        for new: UInt64 in [0, 1, 5, UInt64.max] {
            assertMerkleError(.sizeOrder, "0->\(new)") {
                try MerkleVerifier.verifyConsistency(oldSize: 0, newSize: new, oldRoot: MerkleHash.emptyRoot, newRoot: MerkleHash.emptyRoot, proof: [])
            }
        }
        // Equal sizes: empty proof and equal roots.
        assertNoMerkleError { try MerkleVerifier.verifyConsistency(oldSize: 7, newSize: 7, oldRoot: a, newRoot: a, proof: []) }
        assertMerkleError(.consistencyMismatch) {
            try MerkleVerifier.verifyConsistency(oldSize: 7, newSize: 7, oldRoot: a, newRoot: b, proof: [])
        }
        assertMerkleError(.emptyProofNonempty) {
            try MerkleVerifier.verifyConsistency(oldSize: 7, newSize: 7, oldRoot: a, newRoot: a, proof: [a])
        }
        assertMerkleError(.emptyProofNonempty) {
            try MerkleVerifier.verifyConsistency(oldSize: 7, newSize: 7, oldRoot: a, newRoot: b, proof: [a])
        }
    }

    /// The closed-form consistency proof length agrees with the RFC's recursion, and with the
    /// RFC's loop, over the whole UInt64 range (as for inclusion).
    func testProofLengthOverTheWholeRange() {
        var rng = SplitMix64(state: 6962)
        var cases: [(UInt64, UInt64)] = [(1, UInt64.max), (UInt64.max - 1, UInt64.max), (1 << 63, UInt64.max), ((1 << 63) - 1, 1 << 63), (3, 1 << 63)]
        for _ in 0..<300 {
            let new = (rng.next() >> (rng.next() % 63)) | 2
            cases.append((rng.next() % (new - 1) + 1, new))
        }
        for n in UInt64(2)...70 {
            for m in 1..<n { cases.append((m, n)) }
        }
        for (old, new) in cases {
            let length = Reference.subproofLength(old, new, true)
            XCTAssertEqual(MerkleVerifier.consistencyProofLength(oldSize: old, newSize: new), length, "\(old)->\(new)")
            XCTAssertGreaterThanOrEqual(length, 1)
            XCTAssertLessThanOrEqual(length, 65)
            let proof = (0..<length).map { _ in rng.hash() }
            let r1 = rng.hash(), r2 = rng.hash()
            assertMerkleError(.consistencyMismatch, "\(old)->\(new)") {
                try MerkleVerifier.verifyConsistency(oldSize: old, newSize: new, oldRoot: r1, newRoot: r2, proof: proof)
            }
            assertMerkleError(.proofLength, "\(old)->\(new) +1") {
                try MerkleVerifier.verifyConsistency(oldSize: old, newSize: new, oldRoot: r1, newRoot: r2, proof: proof + [r1])
            }
            assertMerkleError(.proofLength, "\(old)->\(new) -1") {
                try MerkleVerifier.verifyConsistency(oldSize: old, newSize: new, oldRoot: r1, newRoot: r2, proof: Array(proof.dropLast()))
            }
        }
    }

    func testOversizedProofIsRejectedBeforeHashing() {
        let h = MerkleHash.leaf([1])
        assertMerkleError(.proofLength) {
            try MerkleVerifier.verifyConsistency(
                oldSize: 3, newSize: UInt64.max, oldRoot: h, newRoot: h, proof: Array(repeating: h, count: 100_000))
        }
    }
}

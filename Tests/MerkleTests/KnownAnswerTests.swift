import EvidenceCrypto
import XCTest

@testable import Merkle

/// Known answers from transparency-dev/merkle (Apache-2.0; see README.md in this folder):
/// `rfc6962/rfc6962_test.go`, `testonly/constants.go` and `proof/verify_test.go`.
final class KnownAnswerTests: XCTestCase {
    // testonly/constants.go LeafInputs(): the 8-leaf reference tree.
    static let leafInputs: [[UInt8]] = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ].map { Hex.decode($0) ?? [0xff, 0xff, 0xff] }

    // testonly/constants.go NodeHashes(): every perfect subtree, by level then position.
    static let nodeHashes: [[String]] = [
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        ],
        [
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        ],
        [
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
        ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
    ]

    // testonly/constants.go RootHashes(): the root of every prefix, by size 0...8.
    static let roots: [String] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    // proof/verify_test.go inclusionProofs (the Go table numbers leaves from 1; here from 0).
    static let inclusionProofs: [(index: UInt64, size: UInt64, proof: [String])] = [
        (0, 1, []),
        (0, 8, [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]),
        (5, 8, [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (1, 5, [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ]),
    ]

    // proof/verify_test.go consistencyProofs.
    static let consistencyProofs: [(old: UInt64, new: UInt64, proof: [String])] = [
        (1, 1, []),
        (1, 8, [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]),
        (6, 8, [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]),
        (2, 5, [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ]),
        (6, 7, [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]),
    ]

    // proof/verify_test.go: "abacaba000…" (an arbitrary hash) and the empty tree hash.
    static let someHash = "abacaba000000000000000000000000000000000000000000060061e00123456"
    static let emptyTreeHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    var leaves: [Hash256] { Self.leafInputs.map { MerkleHash.leaf($0) } }

    // rfc6962/rfc6962_test.go TestRFC6962Hasher (the node case hashes two 4-byte strings,
    // which are not Hash256 values; `testNodeHashIsPrefixedConcatenation` covers node hashing).
    func testHasherKnownAnswers() {
        XCTAssertEqual(MerkleHash.emptyRoot.hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(MerkleHash.leaf([]).hex, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        XCTAssertEqual(MerkleHash.leaf(Array("L123456".utf8)).hex, "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
        XCTAssertNotEqual(MerkleHash.emptyRoot, MerkleHash.leaf([]), "the empty tree is not the tree of one empty leaf")
    }

    func testLeafInputsDecoded() {
        XCTAssertEqual(Self.leafInputs.map(\.count), [0, 1, 1, 2, 2, 4, 8, 16])
    }

    func testEveryPerfectSubtreeHash() {
        var level = leaves
        for (height, expected) in Self.nodeHashes.enumerated() {
            XCTAssertEqual(level.map(\.hex), expected, "level \(height)")
            level = stride(from: 0, to: level.count - 1, by: 2).map { MerkleHash.node(level[$0], level[$0 + 1]) }
        }
    }

    func testRootOfEveryPrefix() {
        var incremental = IncrementalMerkleTree()
        XCTAssertEqual(incremental.root().hex, Self.roots[0])
        XCTAssertEqual(MerkleTree.root(leafHashes: []).hex, Self.roots[0])
        for size in 1...8 {
            incremental.append(leafHash: leaves[size - 1])
            XCTAssertEqual(incremental.size, UInt64(size))
            XCTAssertEqual(incremental.root().hex, Self.roots[size], "incremental, size \(size)")
            XCTAssertEqual(MerkleTree.root(leafHashes: Array(leaves[..<size])).hex, Self.roots[size], "size \(size)")
        }
    }

    func testInclusionProofsGeneratedAndVerified() {
        for vector in Self.inclusionProofs {
            let id = "inclusion \(vector.index)/\(vector.size)"
            let treeLeaves = Array(leaves[..<Int(vector.size)])
            let root = hash(Self.roots[Int(vector.size)])
            let proof = vector.proof.map { hash($0) }
            XCTAssertEqual(try MerkleTree.inclusionProof(index: vector.index, leafHashes: treeLeaves), proof, id)
            assertNoMerkleError(id) {
                try MerkleVerifier.verifyInclusion(
                    leafHash: treeLeaves[Int(vector.index)], index: vector.index, treeSize: vector.size, proof: proof, root: root)
            }
            assertNoMerkleError(id) {
                try MerkleVerifier.verifyInclusion(
                    leafBytes: Self.leafInputs[Int(vector.index)], index: vector.index, treeSize: vector.size, proof: proof, root: root)
            }
        }
    }

    func testConsistencyProofsGeneratedAndVerified() {
        for vector in Self.consistencyProofs {
            let id = "consistency \(vector.old)->\(vector.new)"
            let proof = vector.proof.map { hash($0) }
            XCTAssertEqual(
                try MerkleTree.consistencyProof(oldSize: vector.old, leafHashes: Array(leaves[..<Int(vector.new)])), proof, id)
            assertNoMerkleError(id) {
                try MerkleVerifier.verifyConsistency(
                    oldSize: vector.old, newSize: vector.new,
                    oldRoot: hash(Self.roots[Int(vector.old)]), newRoot: hash(Self.roots[Int(vector.new)]), proof: proof)
            }
        }
    }

    /// proof/verify_test.go corruptInclusionProof, with the code each probe must give. Hashes of
    /// the wrong length ("WrongLeaf", []byte{}) cannot be expressed as Hash256; a leaf hash of
    /// other bytes and an arbitrary 32-byte hash stand in for them.
    func testCorruptedInclusionProbes() {
        let someHash = hash(Self.someHash)
        for vector in Self.inclusionProofs where vector.size > 1 {
            let index = vector.index, size = vector.size
            let root = hash(Self.roots[Int(size)])
            let leaf = leaves[Int(index)]
            let proof = vector.proof.map { hash($0) }
            var probes: [(String, UInt64, UInt64, Hash256, Hash256, [Hash256], MerkleError.Code)] = [
                ("leafIndex - 1", index &- 1, size, root, leaf, proof, Reference.inclusionCode(index: index &- 1, size: size, proofCount: proof.count)),
                ("leafIndex + 1", index + 1, size, root, leaf, proof, Reference.inclusionCode(index: index + 1, size: size, proofCount: proof.count)),
                ("leafIndex ^ 2", index ^ 2, size, root, leaf, proof, Reference.inclusionCode(index: index ^ 2, size: size, proofCount: proof.count)),
                ("treeSize * 2", index, size * 2, root, leaf, proof, Reference.inclusionCode(index: index, size: size * 2, proofCount: proof.count)),
                ("treeSize / 2", index, size / 2, root, leaf, proof, Reference.inclusionCode(index: index, size: size / 2, proofCount: proof.count)),
                ("wrong leaf", index, size, root, MerkleHash.leaf(Array("WrongLeaf".utf8)), proof, .rootMismatch),
                ("empty root", index, size, hash(Self.emptyTreeHash), leaf, proof, .rootMismatch),
                ("random root", index, size, someHash, leaf, proof, .rootMismatch),
                ("trailing garbage", index, size, root, leaf, proof + [someHash], .proofLength),
                ("trailing root", index, size, root, leaf, proof + [root], .proofLength),
                ("preceding garbage", index, size, root, leaf, [someHash] + proof, .proofLength),
                ("preceding root", index, size, root, leaf, [root] + proof, .proofLength),
                ("removed component", index, size, root, leaf, Array(proof.dropLast()), .proofLength),
            ]
            if proof.count > 1 {
                probes.append(("inserted component", index, size, root, leaf, [proof[0], someHash] + proof.dropFirst(), .proofLength))
            }
            for i in proof.indices {
                for bit in 0..<256 {
                    var wrong = proof
                    wrong[i] = flipBit(wrong[i], bit)
                    probes.append(("proof[\(i)] bit \(bit)", index, size, root, leaf, wrong, .rootMismatch))
                }
            }
            for (desc, i, n, r, l, p, code) in probes {
                assertMerkleError(code, "\(index)/\(size): \(desc)") {
                    try MerkleVerifier.verifyInclusion(leafHash: l, index: i, treeSize: n, proof: p, root: r)
                }
            }
        }
    }

    /// proof/verify_test.go corruptConsistencyProof, with the code each probe must give.
    func testCorruptedConsistencyProbes() {
        let wrongRoot = MerkleHash.leaf(Array("WrongRoot".utf8))
        for vector in Self.consistencyProofs where !vector.proof.isEmpty {
            let m = vector.old, n = vector.new
            let r1 = hash(Self.roots[Int(m)]), r2 = hash(Self.roots[Int(n)])
            let proof = vector.proof.map { hash($0) }
            let c = proof.count
            var probes: [(String, UInt64, UInt64, Hash256, Hash256, [Hash256], MerkleError.Code)] = [
                ("size1 - 1", m - 1, n, r1, r2, proof, Reference.consistencyCode(old: m - 1, new: n, proofCount: c)),
                ("size1 + 1", m + 1, n, r1, r2, proof, Reference.consistencyCode(old: m + 1, new: n, proofCount: c)),
                ("size1 ^ 2", m ^ 2, n, r1, r2, proof, Reference.consistencyCode(old: m ^ 2, new: n, proofCount: c)),
                ("size2 * 2", m, n * 2, r1, r2, proof, Reference.consistencyCode(old: m, new: n * 2, proofCount: c)),
                ("size2 / 2", m, n / 2, r1, r2, proof, Reference.consistencyCode(old: m, new: n / 2, proofCount: c)),
                ("wrong root1", m, n, wrongRoot, r2, proof, .consistencyMismatch),
                ("wrong root2", m, n, r1, wrongRoot, proof, .consistencyMismatch),
                ("swapped roots", m, n, r2, r1, proof, .consistencyMismatch),
                ("empty proof", m, n, r1, r2, [], .proofLength),
                ("trailing garbage", m, n, r1, r2, proof + [wrongRoot], .proofLength),
                ("trailing root1", m, n, r1, r2, proof + [r1], .proofLength),
                ("trailing root2", m, n, r1, r2, proof + [r2], .proofLength),
                ("preceding garbage", m, n, r1, r2, [wrongRoot] + proof, .proofLength),
                ("preceding root1", m, n, r1, r2, [r1] + proof, .proofLength),
                ("preceding root2", m, n, r1, r2, [r2] + proof, .proofLength),
                ("preceding proof[0]", m, n, r1, r2, [proof[0]] + proof, .proofLength),
                ("truncated proof", m, n, r1, r2, Array(proof.dropLast()), .proofLength),
            ]
            for i in proof.indices {
                for bit in 0..<256 {
                    var wrong = proof
                    wrong[i] = flipBit(wrong[i], bit)
                    probes.append(("proof[\(i)] bit \(bit)", m, n, r1, r2, wrong, .consistencyMismatch))
                }
            }
            for (desc, o, nw, a, b, p, code) in probes {
                assertMerkleError(code, "\(m)->\(n): \(desc)") {
                    try MerkleVerifier.verifyConsistency(oldSize: o, newSize: nw, oldRoot: a, newRoot: b, proof: p)
                }
            }
        }
    }

    /// proof/verify_test.go TestVerifyInclusionSingleEntry and TestVerifyInclusion's edge probes.
    func testInclusionEdgeCases() {
        let data = MerkleHash.leaf(Array("data".utf8))
        assertNoMerkleError { try MerkleVerifier.verifyInclusion(leafHash: data, index: 0, treeSize: 1, proof: [], root: data) }
        assertMerkleError(.rootMismatch) {
            try MerkleVerifier.verifyInclusion(leafHash: data, index: 0, treeSize: 1, proof: [], root: MerkleHash.emptyRoot)
        }
        let someHash = hash(Self.someHash)
        let empty = hash(Self.emptyTreeHash)
        for (index, size, code) in [(0, 0, MerkleError.Code.indexOutOfRange), (0, 1, .rootMismatch), (1, 0, .indexOutOfRange), (2, 1, .indexOutOfRange)] as [(UInt64, UInt64, MerkleError.Code)] {
            assertMerkleError(code, "\(index)/\(size)") {
                try MerkleVerifier.verifyInclusion(leafHash: someHash, index: index, treeSize: size, proof: [], root: empty)
            }
        }
    }

    /// proof/verify_test.go TestVerifyConsistency's edge table. Two deliberate differences:
    /// transparency-dev accepts a "proof" from size 0 (0->0 with equal roots, 0->1 with anything);
    /// RFC 9162 §2.1.4 defines consistency only for 0 < m, and so do we (MERKLE_SIZE_ORDER).
    func testConsistencyEdgeCases() {
        let r1 = MerkleHash.leaf(Array("don't care 1".utf8)), r2 = MerkleHash.leaf(Array("don't care 2".utf8))
        let empty = hash(Self.emptyTreeHash)
        let table: [(UInt64, UInt64, Hash256, Hash256, [Hash256], MerkleError.Code?)] = [
            (0, 0, r1, r2, [], .sizeOrder),
            (1, 1, r1, r2, [], .consistencyMismatch),
            (0, 0, r1, r1, [], .sizeOrder),  // transparency-dev: accepted
            (0, 1, r1, r2, [], .sizeOrder),  // transparency-dev: accepted
            (1, 1, r2, r2, [], nil),
            (1, 0, r1, r2, [], .sizeOrder),
            (2, 1, r1, r2, [], .sizeOrder),
            (1, 2, r1, r2, [], .proofLength),
            (0, 0, empty, r2, [], .sizeOrder),
            (1, 1, empty, r2, [], .consistencyMismatch),
            (0, 0, empty, empty, [empty], .sizeOrder),
            (0, 1, empty, empty, [empty], .sizeOrder),
            (1, 1, empty, empty, [empty], .emptyProofNonempty),
        ]
        for (i, (m, n, a, b, proof, code)) in table.enumerated() {
            if let code {
                assertMerkleError(code, "row \(i)") {
                    try MerkleVerifier.verifyConsistency(oldSize: m, newSize: n, oldRoot: a, newRoot: b, proof: proof)
                }
            } else {
                assertNoMerkleError("row \(i)") {
                    try MerkleVerifier.verifyConsistency(oldSize: m, newSize: n, oldRoot: a, newRoot: b, proof: proof)
                }
            }
        }
    }
}

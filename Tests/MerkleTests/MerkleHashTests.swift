import EvidenceCrypto
import XCTest

@testable import Merkle

final class MerkleHashTests: XCTestCase {
    func testDomainSeparationConstants() {
        XCTAssertEqual(MerkleHash.leafPrefix, 0x00)
        XCTAssertEqual(MerkleHash.nodePrefix, 0x01)
    }

    func testLeafHashIsPrefixedBytes() {
        for bytes: [UInt8] in [[], [0], [1], Array("hello".utf8), Array(repeating: 0xab, count: 200)] {
            XCTAssertEqual(MerkleHash.leaf(bytes), SHA256Hasher.hash([0x00] + bytes), "\(bytes.count) bytes")
        }
    }

    func testLeafHashOfSliceEqualsLeafHashOfArray() {
        let buffer: [UInt8] = Array(0..<100)
        XCTAssertEqual(MerkleHash.leaf(buffer[10..<50]), MerkleHash.leaf(Array(buffer[10..<50])))
        XCTAssertEqual(MerkleHash.leaf(buffer[7..<7]), MerkleHash.leaf([]))
    }

    func testNodeHashIsPrefixedConcatenation() {
        let l = MerkleHash.leaf(Array("left".utf8)), r = MerkleHash.leaf(Array("right".utf8))
        XCTAssertEqual(MerkleHash.node(l, r), SHA256Hasher.hash([0x01] + l.bytes + r.bytes))
        XCTAssertNotEqual(MerkleHash.node(l, r), MerkleHash.node(r, l), "order matters")
    }

    func testLeafAndNodeHashesAreSeparated() {
        // rfc6962_test.go TestRFC6962HasherCollisions: the leaf hash of the concatenation of two
        // hashes is not the node hash of those two hashes.
        let a = MerkleHash.leaf(Array("Hello".utf8)), b = MerkleHash.leaf(Array("World".utf8))
        XCTAssertNotEqual(a, b)
        XCTAssertNotEqual(MerkleHash.node(a, b), MerkleHash.leaf(a.bytes + b.bytes))
        XCTAssertNotEqual(MerkleHash.node(a, b), MerkleHash.leaf([0x01] + a.bytes + b.bytes))
    }

    func testEmptyRoot() {
        XCTAssertEqual(MerkleHash.emptyRoot, SHA256Hasher.hash([UInt8]()))
    }

    func testErrorEqualityIsOnCodeOnly() {
        XCTAssertEqual(MerkleError(.proofLength, "a"), MerkleError(.proofLength, "b"))
        XCTAssertNotEqual(MerkleError(.proofLength, "a"), MerkleError(.rootMismatch, "a"))
        for code in MerkleError.Code.allCases {
            XCTAssertTrue(code.rawValue.hasPrefix("MERKLE_"), code.rawValue)
            XCTAssertTrue(MerkleError(code, "why").description.hasPrefix(code.rawValue))
        }
        XCTAssertEqual(Set(MerkleError.Code.allCases.map(\.rawValue)).count, MerkleError.Code.allCases.count)
    }
}

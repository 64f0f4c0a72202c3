import EvidenceCrypto
import XCTest

final class ConstantTimeTests: XCTestCase {
    func testEqualBytes() {
        XCTAssertTrue(ConstantTime.equal([], []))
        XCTAssertTrue(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        let digest = SHA256Hasher.hash(Array("abc".utf8)).bytes
        XCTAssertTrue(ConstantTime.equal(digest, SHA256Hasher.hash(Array("abc".utf8)).bytes))
    }

    func testDifferentBytes() {
        let digest = SHA256Hasher.hash(Array("abc".utf8)).bytes
        XCTAssertFalse(ConstantTime.equal(digest, SHA256Hasher.hash(Array("abd".utf8)).bytes))
        for index in [0, 15, 31] {
            var other = digest
            other[index] ^= 0x01
            XCTAssertFalse(ConstantTime.equal(digest, other), "byte \(index)")
        }
    }

    func testDifferentLengths() {
        XCTAssertFalse(ConstantTime.equal([], [0]))
        XCTAssertFalse(ConstantTime.equal([0], []))
        XCTAssertFalse(ConstantTime.equal([1, 2, 3], [1, 2]))
        let digest = SHA256Hasher.hash([]).bytes
        XCTAssertFalse(ConstantTime.equal(digest, Array(digest.dropLast())))
        XCTAssertFalse(ConstantTime.equal(digest, digest + [0]))
    }

    func testSodiumInitializationIsIdempotent() {
        Sodium.ensureInitialized()
        Sodium.ensureInitialized()
        XCTAssertTrue(ConstantTime.equal([9], [9]))
    }
}

import EvidenceCrypto
import XCTest

@testable import Merkle

// Independent, deliberately naive implementations of RFC 9162 §2.1 (recursive, straight from the
// definitions) and small helpers shared by the test files.

enum Reference {
    /// The largest power of two strictly below n (n > 1), by doubling while 2k < n.
    static func split(_ n: UInt64) -> UInt64 {
        var k: UInt64 = 1
        while k < n - k { k <<= 1 }
        return k
    }

    /// MTH(D[n]) by recursion, hashing with SHA256Hasher directly (not MerkleHash.node).
    static func root(_ leaves: ArraySlice<Hash256>) -> Hash256 {
        switch leaves.count {
        case 0: return SHA256Hasher.hash([UInt8]())
        case 1: return leaves[leaves.startIndex]
        default:
            let k = Int(split(UInt64(leaves.count)))
            let l = root(leaves.prefix(k)), r = root(leaves.dropFirst(k))
            return SHA256Hasher.hash([0x01], l.bytes, r.bytes)
        }
    }

    /// PATH(m, D[n]) by recursion.
    static func path(_ m: Int, _ leaves: ArraySlice<Hash256>) -> [Hash256] {
        guard leaves.count > 1 else { return [] }
        let k = Int(split(UInt64(leaves.count)))
        if m < k { return path(m, leaves.prefix(k)) + [root(leaves.dropFirst(k))] }
        return path(m - k, leaves.dropFirst(k)) + [root(leaves.prefix(k))]
    }

    /// PROOF(m, D[n]) = SUBPROOF(m, D[n], true) by recursion.
    static func subproof(_ m: Int, _ leaves: ArraySlice<Hash256>, _ b: Bool) -> [Hash256] {
        if m == leaves.count { return b ? [] : [root(leaves)] }
        let k = Int(split(UInt64(leaves.count)))
        if m <= k { return subproof(m, leaves.prefix(k), b) + [root(leaves.dropFirst(k))] }
        return subproof(m - k, leaves.dropFirst(k), false) + [root(leaves.prefix(k))]
    }

    /// |PATH(m, D[n])| from the recursion alone (works for any 0 <= m < n < 2^64).
    static func pathLength(_ m: UInt64, _ n: UInt64) -> Int {
        guard n > 1 else { return 0 }
        let k = split(n)
        return 1 + (m < k ? pathLength(m, k) : pathLength(m - k, n - k))
    }

    /// |SUBPROOF(m, D[n], b)| from the recursion alone (0 < m <= n).
    static func subproofLength(_ m: UInt64, _ n: UInt64, _ b: Bool) -> Int {
        if m == n { return b ? 0 : 1 }
        let k = split(n)
        return 1 + (m <= k ? subproofLength(m, k, b) : subproofLength(m - k, n - k, false))
    }

    /// The code a verifier must give for an inclusion claim whose proof was generated for a
    /// different claim (so that, if it is well formed, it leads to another root).
    static func inclusionCode(index: UInt64, size: UInt64, proofCount: Int) -> MerkleError.Code {
        if index >= size { return .indexOutOfRange }
        if proofCount != pathLength(index, size) { return .proofLength }
        return .rootMismatch
    }

    /// The same for a consistency claim.
    static func consistencyCode(old: UInt64, new: UInt64, proofCount: Int) -> MerkleError.Code {
        if old > new || old == 0 { return .sizeOrder }
        if old == new { return proofCount != 0 ? .emptyProofNonempty : .consistencyMismatch }
        if proofCount != subproofLength(old, new, true) { return .proofLength }
        return .consistencyMismatch
    }
}

/// Leaf i's bytes are the decimal digits of i (as in transparency-dev/merkle's generated trees).
func leafHashes(_ n: Int) -> [Hash256] {
    (0..<n).map { MerkleHash.leaf(Array(String($0).utf8)) }
}

func hash(_ hex: String, file: StaticString = #filePath, line: UInt = #line) -> Hash256 {
    guard let h = Hash256(hex: hex) else {
        XCTFail("bad hex in test data: \(hex)", file: file, line: line)
        return SHA256Hasher.hash([UInt8]())
    }
    return h
}

func flipBit(_ h: Hash256, _ bit: Int) -> Hash256 {
    var bytes = h.bytes
    bytes[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
    // 32 bytes in, 32 bytes out: cannot fail.
    return Hash256(bytes: bytes) ?? h
}

/// Asserts that `body` throws a MerkleError with `code`.
func assertMerkleError(
    _ code: MerkleError.Code, _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> Void
) {
    do {
        try body()
        XCTFail("expected \(code.rawValue), got success. \(message())", file: file, line: line)
    } catch let error as MerkleError {
        XCTAssertEqual(error.code, code, "\(error.reason). \(message())", file: file, line: line)
    } catch {
        XCTFail("expected \(code.rawValue), got \(error). \(message())", file: file, line: line)
    }
}

/// Asserts that `body` does not throw.
func assertNoMerkleError(
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> Void
) {
    do {
        try body()
    } catch {
        XCTFail("unexpected \(error). \(message())", file: file, line: line)
    }
}

/// A deterministic generator (SplitMix64) so that "random" cases are the same on every run.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func hash() -> Hash256 {
        var bytes: [UInt8] = []
        for _ in 0..<4 { withUnsafeBytes(of: next()) { bytes.append(contentsOf: $0) } }
        return Hash256(bytes: bytes) ?? SHA256Hasher.hash(bytes)
    }
}

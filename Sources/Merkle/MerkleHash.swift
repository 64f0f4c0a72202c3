import EvidenceCrypto

/// The hashes of an RFC 9162 §2.1.1 Merkle tree with SHA-256.
///
/// Leaves and interior nodes are hashed with different one-byte prefixes (domain separation),
/// so no interior node hash can be passed off as the hash of a leaf, nor the reverse.
package enum MerkleHash {
    /// Prefixed to the leaf bytes: leaf hash = SHA-256(0x00 ‖ leaf bytes).
    package static let leafPrefix: UInt8 = 0x00
    /// Prefixed to the two child hashes: node hash = SHA-256(0x01 ‖ left ‖ right).
    package static let nodePrefix: UInt8 = 0x01

    /// MTH({}) = SHA-256 of the empty string: the root of the tree with no leaves.
    package static let emptyRoot: Hash256 = SHA256Hasher.hash([UInt8]())

    /// MTH({d}) = SHA-256(0x00 ‖ d).
    package static func leaf(_ leafBytes: [UInt8]) -> Hash256 {
        leafBytes.withUnsafeBytes { leaf(rawBytes: $0) }
    }

    /// MTH({d}) = SHA-256(0x00 ‖ d), for a slice of a larger buffer.
    package static func leaf(_ leafBytes: ArraySlice<UInt8>) -> Hash256 {
        leafBytes.withUnsafeBytes { leaf(rawBytes: $0) }
    }

    /// SHA-256(0x01 ‖ left ‖ right): the hash of an interior node from its two children.
    package static func node(_ left: Hash256, _ right: Hash256) -> Hash256 {
        var hasher = StreamingSHA256()
        withUnsafeBytes(of: nodePrefix) { hasher.update($0) }
        hasher.update(left.bytes)
        hasher.update(right.bytes)
        return hasher.finalize()
    }

    private static func leaf(rawBytes: UnsafeRawBufferPointer) -> Hash256 {
        var hasher = StreamingSHA256()
        withUnsafeBytes(of: leafPrefix) { hasher.update($0) }
        hasher.update(rawBytes)
        return hasher.finalize()
    }
}

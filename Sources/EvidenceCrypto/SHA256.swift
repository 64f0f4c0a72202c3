import Crypto

/// A SHA-256 digest: exactly 32 bytes. The only digest type in the format.
package struct Hash256: Hashable, Sendable, Comparable, CustomStringConvertible {
    package static let byteCount = 32

    /// Always exactly 32 bytes (enforced by every initializer).
    package let bytes: [UInt8]

    /// Returns nil unless `bytes` is exactly 32 bytes long.
    package init?(bytes: [UInt8]) {
        guard bytes.count == Hash256.byteCount else { return nil }
        self.bytes = bytes
    }

    package init?<S: Sequence>(_ sequence: S) where S.Element == UInt8 {
        self.init(bytes: Array(sequence))
    }

    /// Lowercase hex, 64 characters: the only textual form of a hash in the format.
    package var hex: String { Hex.encode(bytes) }

    package var description: String { hex }

    package static func < (lhs: Hash256, rhs: Hash256) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    // Hashing and equality over the 32 bytes at once (the synthesized forms go byte by byte; a
    // verifier looks hashes up several times per receipt).
    package func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    package static func == (lhs: Hash256, rhs: Hash256) -> Bool {
        lhs.bytes.withUnsafeBytes { l in
            rhs.bytes.withUnsafeBytes { r in
                // Four 8-byte words (both are 32 bytes; the check keeps the loads in bounds).
                guard l.count == byteCount, r.count == byteCount else { return l.elementsEqual(r) }
                for k in stride(from: 0, to: byteCount, by: 8)
                where l.loadUnaligned(fromByteOffset: k, as: UInt64.self) != r.loadUnaligned(fromByteOffset: k, as: UInt64.self) {
                    return false
                }
                return true
            }
        }
    }
}

extension SHA256Digest {
    /// The 32 bytes, copied at once (not element by element through `Sequence`).
    var array: [UInt8] { withUnsafeBytes { Array($0) } }
}

/// SHA-256 over one or more byte strings, concatenated.
package enum SHA256Hasher {
    package static func hash(_ bytes: [UInt8]) -> Hash256 {
        Hash256(unchecked: SHA256.hash(data: bytes).array)
    }

    package static func hash(_ parts: [UInt8]...) -> Hash256 {
        var hasher = SHA256()
        for part in parts { hasher.update(data: part) }
        return Hash256(unchecked: hasher.finalize().array)
    }

    package static func hash(_ bytes: ArraySlice<UInt8>) -> Hash256 {
        var hasher = SHA256()
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Hash256(unchecked: hasher.finalize().array)
    }
}

/// Incremental SHA-256, for streaming file contents.
package struct StreamingSHA256 {
    private var hasher = SHA256()
    package init() {}
    package mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }
    package mutating func update(_ bytes: [UInt8]) { hasher.update(data: bytes) }
    package func finalize() -> Hash256 { Hash256(unchecked: hasher.finalize().array) }
}

extension Hash256 {
    /// For digests produced by our own SHA-256 calls, which are 32 bytes by construction.
    init(unchecked bytes: [UInt8]) {
        precondition(bytes.count == Hash256.byteCount, "SHA-256 produced a digest that is not 32 bytes")
        self.bytes = bytes
    }
}

/// The encoding rules of strict Ed25519, in plain Swift so that they read as a specification and
/// are tested on their own. libsodium 1.0.18 applies the same rules inside
/// `crypto_sign_verify_detached` (`sc25519_is_canonical`, `ge25519_is_canonical`,
/// `ge25519_has_small_order`); we check them first so that each one has its own reason, and so
/// that the rule does not depend on how libsodium was built (`ED25519_COMPAT` removes them).
///
/// All values are 32-byte little-endian encodings (RFC 8032 §5.1.2). The predicates fail closed
/// on any other length: the two canonicity checks return false and `hasSmallOrder` returns true,
/// so a wrong-length slice is never acceptable (`Ed25519.verify` checks lengths first anyway).
package enum Ed25519Encoding {
    /// L = 2^252 + 27742317777372353535851937790883648493, the order of the base point.
    package static let groupOrder: [UInt8] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ]

    /// p = 2^255 - 19, the field prime.
    package static let fieldPrime: [UInt8] = [0xed] + [UInt8](repeating: 0xff, count: 30) + [0x7f]

    /// The y-coordinates (sign bit cleared) whose points have small order (1, 2, 4 or 8), as in
    /// libsodium's `ge25519_has_small_order` blacklist: y = 0 (two points of order 4), y = 1 (the
    /// identity), the two y of the four points of order 8, y = p - 1 (order 2), and the
    /// non-canonical y = p (≡ 0) and y = p + 1 (≡ 1). Together with both sign bits these cover
    /// all eight small-order points and every encoding of them.
    package static let smallOrderY: [[UInt8]] = [
        [UInt8](repeating: 0, count: 32),
        [0x01] + [UInt8](repeating: 0, count: 31),
        [
            0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
            0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
        ],
        [
            0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
            0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
        ],
        [0xec] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
        [0xed] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
        [0xee] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
    ]

    /// Little-endian `a < b` for equal-length byte strings.
    private static func lessThan<A: RandomAccessCollection<UInt8>, B: RandomAccessCollection<UInt8>>(
        _ a: A, _ b: B
    ) -> Bool where A.Index == Int, B.Index == Int {
        // Both are 32-byte encodings: every caller above checks the length first.
        precondition(a.count == b.count, "lessThan compares encodings of one width")
        var i = a.count - 1
        while i >= 0 {
            let x = a[a.startIndex + i]
            let y = b[b.startIndex + i]
            if x != y { return x < y }
            i -= 1
        }
        return false
    }

    /// S is canonical when S < L (RFC 8032 §5.1.7 step 1; `sc25519_is_canonical`).
    package static func isCanonicalScalar(_ s: ArraySlice<UInt8>) -> Bool {
        guard s.count == 32 else { return false }
        return lessThan(s, groupOrder)
    }

    /// A point encoding is canonical when its y (sign bit cleared) is < p, and the sign bit is
    /// not set on a point whose x is 0 (y = 1 or y = p - 1; RFC 8032 §5.1.3 steps 1 and 4).
    /// This does not say that the encoding is on the curve.
    package static func isCanonicalPoint(_ point: ArraySlice<UInt8>) -> Bool {
        guard point.count == 32 else { return false }
        guard y(of: point, isLessThan: fieldPrime) else { return false }
        let signBit = point[point.startIndex + 31] & 0x80
        if signBit != 0, y(of: point, equals: one) || y(of: point, equals: minusOne) { return false }
        return true
    }

    /// True when the encoding (of either sign) is one of the small-order points, or a
    /// non-canonical encoding of one (`ge25519_has_small_order`).
    package static func hasSmallOrder(_ point: ArraySlice<UInt8>) -> Bool {
        guard point.count == 32 else { return true }
        return smallOrderY.contains { y(of: point, equals: $0) }
    }

    /// y = 1 and y = p - 1, the two points whose x is 0.
    private static let one: [UInt8] = [0x01] + [UInt8](repeating: 0, count: 31)
    private static let minusOne: [UInt8] = [0xec] + [UInt8](repeating: 0xff, count: 30) + [0x7f]

    // The y-coordinate of a 32-byte point encoding is the encoding with its sign bit (the top bit
    // of byte 31) cleared; these read it in place rather than copying it.

    /// Byte `k` of y.
    @inline(__always)
    private static func yByte(_ point: ArraySlice<UInt8>, _ k: Int) -> UInt8 {
        let b = point[point.startIndex + k]
        return k == 31 ? b & 0x7f : b
    }

    /// y == `value`, for a 32-byte point and a 32-byte value.
    private static func y(of point: ArraySlice<UInt8>, equals value: [UInt8]) -> Bool {
        precondition(point.count == 32 && value.count == 32, "point encodings are 32 bytes")
        for k in 0..<32 where yByte(point, k) != value[k] { return false }
        return true
    }

    /// y < `value` (little-endian), for a 32-byte point and a 32-byte value.
    private static func y(of point: ArraySlice<UInt8>, isLessThan value: [UInt8]) -> Bool {
        precondition(point.count == 32 && value.count == 32, "point encodings are 32 bytes")
        var k = 31
        while k >= 0 {
            let a = yByte(point, k)
            if a != value[k] { return a < value[k] }
            k -= 1
        }
        return false
    }
}

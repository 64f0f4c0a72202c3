/// Base64url without padding (RFC 4648 §5), the only textual form of public keys and signatures
/// in the format.
///
/// Decoding is strict so that every byte string has exactly one accepted text:
/// - alphabet `A-Z a-z 0-9 - _` only; '=', '+', '/', whitespace and every other byte are each
///   rejected with their own code;
/// - length % 4 == 1 is rejected (no byte string encodes to it);
/// - the unused low bits of the last character must be zero (4 bits after 2 characters of a
///   final group, 2 bits after 3), otherwise the text is not canonical.
///
/// Characters are checked first (the first offending byte is reported), then the length, then
/// the trailing bits.
package enum Base64URL {
    private static let alphabet: [UInt8] =
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Value 0...63 of each alphabet byte, -1 for every other byte.
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, byte) in alphabet.enumerated() {
            table[Int(byte)] = Int8(index)
        }
        return table
    }()

    package static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(n >> 18 & 0x3f)])
            out.append(alphabet[Int(n >> 12 & 0x3f)])
            out.append(alphabet[Int(n >> 6 & 0x3f)])
            out.append(alphabet[Int(n & 0x3f)])
            i += 3
        }
        switch bytes.count - i {
        case 1:
            let n = UInt32(bytes[i]) << 16
            out.append(alphabet[Int(n >> 18 & 0x3f)])
            out.append(alphabet[Int(n >> 12 & 0x3f)])
        case 2:
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int(n >> 18 & 0x3f)])
            out.append(alphabet[Int(n >> 12 & 0x3f)])
            out.append(alphabet[Int(n >> 6 & 0x3f)])
        default:
            break
        }
        return String(decoding: out, as: UTF8.self)
    }

    package static func decode(_ text: String) throws(EncodingError) -> [UInt8] {
        try decode(utf8: Array(text.utf8))
    }

    /// Decodes raw input bytes (for callers that hold bytes, and for testing every byte value,
    /// including those a Swift `String` cannot carry alone).
    package static func decode(utf8 input: [UInt8]) throws(EncodingError) -> [UInt8] {
        var sextets = [UInt8]()
        sextets.reserveCapacity(input.count)
        for (offset, byte) in input.enumerated() {
            let value = values[Int(byte)]
            guard value >= 0 else { throw rejection(of: byte, at: offset) }
            sextets.append(UInt8(value))
        }

        let remainder = sextets.count % 4
        guard remainder != 1 else {
            throw EncodingError(
                code: .base64Length, offset: nil,
                reason: "base64url length \(sextets.count) leaves a single trailing character (length % 4 == 1)")
        }

        var out = [UInt8]()
        out.reserveCapacity(sextets.count / 4 * 3 + 2)
        var i = 0
        while i + 4 <= sextets.count {
            let n = UInt32(sextets[i]) << 18 | UInt32(sextets[i + 1]) << 12
                | UInt32(sextets[i + 2]) << 6 | UInt32(sextets[i + 3])
            out.append(UInt8(truncatingIfNeeded: n >> 16))
            out.append(UInt8(truncatingIfNeeded: n >> 8))
            out.append(UInt8(truncatingIfNeeded: n))
            i += 4
        }
        switch remainder {
        case 2:
            // 12 bits carry 8: the low 4 bits of the last character are unused and must be zero.
            guard sextets[i + 1] & 0x0f == 0 else { throw nonCanonical(at: i + 1, unusedBits: 4) }
            out.append(sextets[i] << 2 | sextets[i + 1] >> 4)
        case 3:
            // 18 bits carry 16: the low 2 bits of the last character are unused and must be zero.
            guard sextets[i + 2] & 0x03 == 0 else { throw nonCanonical(at: i + 2, unusedBits: 2) }
            out.append(sextets[i] << 2 | sextets[i + 1] >> 4)
            out.append(sextets[i + 1] << 4 | sextets[i + 2] >> 2)
        default:
            break
        }
        return out
    }

    private static func rejection(of byte: UInt8, at offset: Int) -> EncodingError {
        switch byte {
        case UInt8(ascii: "="):
            return EncodingError(
                code: .base64Padding, offset: offset,
                reason: "base64url padding '=' is not allowed (unpadded RFC 4648 §5 only)")
        case UInt8(ascii: "+"), UInt8(ascii: "/"):
            return EncodingError(
                code: .base64StandardAlphabet, offset: offset,
                reason: "\(describeByte(byte)) belongs to the standard base64 alphabet; base64url uses '-' and '_'")
        case 0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d:
            return EncodingError(
                code: .base64Whitespace, offset: offset,
                reason: "whitespace \(describeByte(byte)) is not allowed inside base64url")
        default:
            return EncodingError(
                code: .base64Character, offset: offset,
                reason: "byte \(describeByte(byte)) is not in the base64url alphabet A-Z a-z 0-9 - _")
        }
    }

    private static func nonCanonical(at offset: Int, unusedBits: Int) -> EncodingError {
        EncodingError(
            code: .base64NonCanonical, offset: offset,
            reason: "the \(unusedBits) unused low bits of the last base64url character are not zero")
    }
}

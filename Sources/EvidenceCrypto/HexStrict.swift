extension Hex {
    /// Strict lowercase hex with a reason for every rejection (`Hex.decode` only says nil).
    ///
    /// Checked in this order: each byte (uppercase 'A'-'F' -> ENC_HEX_UPPERCASE, any other
    /// non-hex byte -> ENC_HEX_CHARACTER, at the first offending offset), then odd length
    /// (ENC_HEX_ODD_LENGTH), then, when `expectedBytes` is given, the decoded length
    /// (ENC_HEX_LENGTH).
    package static func decodeStrict(_ text: String, expectedBytes: Int?) throws(EncodingError) -> [UInt8] {
        let utf8 = Array(text.utf8)
        var nibbles = [UInt8]()
        nibbles.reserveCapacity(utf8.count)
        for (offset, byte) in utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                nibbles.append(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"):
                nibbles.append(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"):
                throw EncodingError(
                    code: .hexUppercase, offset: offset,
                    reason: "uppercase hex digit \(describeByte(byte)); only lowercase hex is canonical")
            default:
                throw EncodingError(
                    code: .hexCharacter, offset: offset,
                    reason: "byte \(describeByte(byte)) is not a lowercase hex digit 0-9 a-f")
            }
        }
        guard nibbles.count % 2 == 0 else {
            throw EncodingError(
                code: .hexOddLength, offset: nil,
                reason: "hex text has an odd number of digits (\(nibbles.count))")
        }
        if let expectedBytes, nibbles.count / 2 != expectedBytes {
            throw EncodingError(
                code: .hexLength, offset: nil,
                reason: "hex text encodes \(nibbles.count / 2) bytes, expected \(expectedBytes)")
        }
        var out = [UInt8]()
        out.reserveCapacity(nibbles.count / 2)
        var i = 0
        while i < nibbles.count {
            out.append(nibbles[i] << 4 | nibbles[i + 1])
            i += 2
        }
        return out
    }
}

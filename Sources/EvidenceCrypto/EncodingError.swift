/// A hex or base64url text that breaks one of the strict encoding rules.
///
/// Errors are data: `code` is stable and is what callers and tests compare; `offset` is the byte
/// offset in the UTF-8 input where the rule was broken (when there is one place to point at);
/// `reason` is for humans and may change. Equality compares `code` only.
package struct EncodingError: Error, Equatable, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable, CaseIterable {
        /// Base64url: a '=' padding character (padding is never written, so never accepted).
        case base64Padding = "ENC_BASE64_PADDING"
        /// Base64url: '+' or '/', the characters of the standard (not URL-safe) alphabet.
        case base64StandardAlphabet = "ENC_BASE64_STANDARD_ALPHABET"
        /// Base64url: space, tab, CR, LF, vertical tab or form feed (no line wrapping accepted).
        case base64Whitespace = "ENC_BASE64_WHITESPACE"
        /// Base64url: any other byte outside A-Z a-z 0-9 '-' '_' (control bytes, non-ASCII, ...).
        case base64Character = "ENC_BASE64_CHARACTER"
        /// Base64url: length % 4 == 1, which no byte string encodes to.
        case base64Length = "ENC_BASE64_LENGTH"
        /// Base64url: the unused low bits of the last character are not zero, so the text is not
        /// the one canonical encoding of its bytes.
        case base64NonCanonical = "ENC_BASE64_NONCANONICAL"
        /// Hex: an uppercase digit 'A'-'F' (only lowercase is the canonical form).
        case hexUppercase = "ENC_HEX_UPPERCASE"
        /// Hex: any byte other than 0-9 a-f (and not an uppercase hex digit).
        case hexCharacter = "ENC_HEX_CHARACTER"
        /// Hex: an odd number of characters.
        case hexOddLength = "ENC_HEX_ODD_LENGTH"
        /// Hex: well-formed, but not the number of bytes the caller requires.
        case hexLength = "ENC_HEX_LENGTH"
    }

    package let code: Code
    /// Byte offset into the UTF-8 input, when the error has one position.
    package let offset: Int?
    package let reason: String

    package init(code: Code, offset: Int?, reason: String) {
        self.code = code
        self.offset = offset
        self.reason = reason
    }

    package static func == (lhs: EncodingError, rhs: EncodingError) -> Bool {
        lhs.code == rhs.code
    }

    package var description: String {
        if let offset {
            return "\(code.rawValue) at byte \(offset): \(reason)"
        }
        return "\(code.rawValue): \(reason)"
    }
}

/// Describes one input byte for an error reason: printable ASCII quoted, everything else in hex.
func describeByte(_ byte: UInt8) -> String {
    let hex = "0x" + Hex.encode([byte])
    if byte >= 0x21 && byte <= 0x7e {
        return "'\(Character(Unicode.Scalar(byte)))' (\(hex))"
    }
    return hex
}

/// A rejected JSON document: a stable code, the byte offset of the offending byte, and a reason
/// for humans. Two errors are equal when their codes are equal; tests assert codes, never reasons.
package struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    package let code: Code
    /// Byte offset into the parsed input (0 = its first byte). For errors about the end of the
    /// input this is the input's length.
    package let offset: Int
    package let reason: String

    package init(_ code: Code, at offset: Int, _ reason: String) {
        self.code = code
        self.offset = offset
        self.reason = reason
    }

    package static func == (lhs: JSONError, rhs: JSONError) -> Bool {
        lhs.code == rhs.code
    }

    package var description: String {
        "\(code.rawValue) at byte \(offset): \(reason)"
    }

    /// The closed set of reasons a document is rejected. Each rule of the strict profile has its own
    /// code; docs/notes/json.md lists them with the rule each one enforces.
    package enum Code: String, Sendable, CaseIterable {
        // Whole-document limits and encoding, checked before any syntax.
        case tooLarge = "JSON_TOO_LARGE"
        case empty = "JSON_EMPTY"
        case byteOrderMark = "JSON_BOM"
        case invalidUTF8 = "JSON_INVALID_UTF8"

        // Structure.
        case unexpectedByte = "JSON_UNEXPECTED_BYTE"
        case unexpectedEnd = "JSON_UNEXPECTED_END"
        case trailingData = "JSON_TRAILING_DATA"
        case depth = "JSON_DEPTH"
        case tooManyMembers = "JSON_TOO_MANY_MEMBERS"
        case tooManyElements = "JSON_TOO_MANY_ELEMENTS"
        case duplicateName = "JSON_DUPLICATE_NAME"
        case invalidLiteral = "JSON_INVALID_LITERAL"
        case nonFiniteLiteral = "JSON_NONFINITE_LITERAL"

        // Strings.
        case unterminatedString = "JSON_UNTERMINATED_STRING"
        case controlCharacter = "JSON_CONTROL_CHARACTER"
        case invalidEscape = "JSON_INVALID_ESCAPE"
        case loneSurrogate = "JSON_LONE_SURROGATE"
        case stringTooLong = "JSON_STRING_TOO_LONG"

        // Numbers.
        case invalidNumber = "JSON_INVALID_NUMBER"
        case leadingZero = "JSON_LEADING_ZERO"
        case numberTooLong = "JSON_NUMBER_TOO_LONG"
        case numberNotInteger = "JSON_NUMBER_NOT_INTEGER"
        case integerRange = "JSON_INTEGER_RANGE"
        case numberRange = "JSON_NUMBER_RANGE"

        // Canonical form (RFC 8785).
        case notCanonical = "JSON_NOT_CANONICAL"
    }
}

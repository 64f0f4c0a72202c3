/// A well-formedness failure of one evidence object: the JSON parsed, but the object is not what the
/// format says (a member missing, unknown, of the wrong type or out of range).
///
/// `code` is one of the stable failure codes of the specification (FORMAT_*, or an ENC_* code passed
/// through from the strict hex/base64url decoders). Equality compares the code only.
package struct FormatError: Error, Equatable, Sendable, CustomStringConvertible {
    package let code: String
    /// The member path the failure concerns, e.g. `signature.sig` or `tools[2].name`.
    package let field: String
    package let reason: String

    package init(_ code: Code, field: String, _ reason: String) {
        self.code = code.rawValue
        self.field = field
        self.reason = reason
    }

    package init(rawCode: String, field: String, _ reason: String) {
        self.code = rawCode
        self.field = field
        self.reason = reason
    }

    package static func == (lhs: FormatError, rhs: FormatError) -> Bool { lhs.code == rhs.code }

    package var description: String { field.isEmpty ? reason : "\(field): \(reason)" }

    package enum Code: String, Sendable, CaseIterable {
        /// The document is not a JSON object where one is required.
        case notObject = "FORMAT_NOT_OBJECT"
        /// The `type` member names a kind other than the one this file or position requires.
        case wrongType = "FORMAT_WRONG_TYPE"
        /// The `type` member names no kind the format defines.
        case unknownType = "FORMAT_UNKNOWN_TYPE"
        /// `version` is not 1.
        case version = "FORMAT_VERSION"
        /// A required member is absent.
        case missingMember = "FORMAT_MISSING_MEMBER"
        /// A member the format does not define is present.
        case unknownMember = "FORMAT_UNKNOWN_MEMBER"
        /// A member has the wrong JSON type.
        case memberType = "FORMAT_MEMBER_TYPE"
        /// A member's value is outside its allowed range, set or character repertoire.
        case value = "FORMAT_VALUE"
        /// A list that must be sorted and free of duplicates is not.
        case order = "FORMAT_ORDER"
        /// A key or signature names an algorithm the format does not define.
        case unknownAlgorithm = "FORMAT_UNKNOWN_ALG"
        /// A profile name the format does not define.
        case unknownProfile = "FORMAT_UNKNOWN_PROFILE"
        /// A key's bytes have the wrong length for its algorithm.
        case keyLength = "FORMAT_KEY_LENGTH"
        /// A signature's bytes have the wrong length for its algorithm.
        case signatureLength = "FORMAT_SIGNATURE_LENGTH"
    }
}

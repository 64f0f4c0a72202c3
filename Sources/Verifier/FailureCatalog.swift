import BundleArchive
import EvidenceCrypto
import EvidenceFormat
import Merkle
import StrictJSON

/// Every failure code a verification can report, for the specification and the conformance
/// vectors. Codes of the primitives that verification can never produce are left out, by name.
package enum FailureCatalog {
    /// Codes that exist in the primitives but never reach a verification report.
    package static let notReportable: Set<String> = [
        ArchiveError.Code.writeUnsupported.rawValue,   // the writer only
        ArchiveError.Code.misuse.rawValue,             // a programming error, not evidence
        SignatureError.Code.keyLength.rawValue,        // reported as FORMAT_KEY_LENGTH when the key is read
        SignatureError.Code.signatureLength.rawValue,  // reported as FORMAT_SIGNATURE_LENGTH
        SignatureError.Code.signatureInvalid.rawValue, // reported as SIG_INVALID, naming the stage
        SignatureError.Code.seedLength.rawValue,       // signing only
        SignatureError.Code.libraryFailure.rawValue,   // signing only
        JSONError.Code.numberRange.rawValue,           // general mode only; evidence is integers-only
    ]

    package static var allCodes: [String] {
        let all = JSONError.Code.allCases.map(\.rawValue)
            + EncodingError.Code.allCases.map(\.rawValue)
            + SignatureError.Code.allCases.map(\.rawValue)
            + FormatError.Code.allCases.map(\.rawValue)
            + ArchiveError.Code.allCases.map(\.rawValue)
            + MerkleError.Code.allCases.map(\.rawValue)
            + VerifyCode.allCases.map(\.rawValue)
        return all.filter { !notReportable.contains($0) }
    }
}

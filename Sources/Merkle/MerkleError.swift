/// A Merkle failure: a stable `code` and a human `reason`.
///
/// Equality compares the code only, so tests assert codes, never message text.
/// The codes form a closed set; each names one rule (see docs/notes/merkle.md).
package struct MerkleError: Error, Equatable, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable, CaseIterable {
        /// A leaf index is not below the tree size (this includes every index of the empty tree).
        case indexOutOfRange = "MERKLE_INDEX_OUT_OF_RANGE"
        /// A proof does not hold exactly the number of hashes that its index and sizes require.
        /// Checked before any hashing.
        case proofLength = "MERKLE_PROOF_LENGTH"
        /// An inclusion proof is well formed but leads to a root other than the expected one.
        case rootMismatch = "MERKLE_ROOT_MISMATCH"
        /// Consistency sizes out of order: the old size exceeds the new size, or the old size is 0.
        case sizeOrder = "MERKLE_SIZE_ORDER"
        /// A consistency proof is well formed but the old root, or the new root, it leads to
        /// differs from the one given (or equal sizes with different roots). The reason says which.
        case consistencyMismatch = "MERKLE_CONSISTENCY_MISMATCH"
        /// Equal old and new sizes need an empty consistency proof, and this one is not empty.
        case emptyProofNonempty = "MERKLE_EMPTY_PROOF_NONEMPTY"
    }

    package let code: Code
    package let reason: String

    package init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    package static func == (lhs: MerkleError, rhs: MerkleError) -> Bool {
        lhs.code == rhs.code
    }

    package var description: String { "\(code.rawValue): \(reason)" }
}

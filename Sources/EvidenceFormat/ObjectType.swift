/// Every kind of object in the format. The `type` member of each object names its kind; because
/// the signing input covers `type`, a signature made for one kind never verifies as another.
package enum ObjectType: String, Sendable, CaseIterable {
    case policyArtifact = "policy_artifact"
    case keyDelegation = "key_delegation"
    case receipt = "receipt"
    case checkpoint = "checkpoint"
    case manifest = "manifest"
    case inclusionProof = "inclusion_proof"
    case consistencyProof = "consistency_proof"
    case payloadDisclosure = "payload_disclosure"
    /// Never stored: the preimage of a session's genesis value.
    case genesis = "genesis"
}

/// Signature profiles. A bundle declares one; every signature in it must use that profile.
package enum Profile: String, Sendable, CaseIterable {
    /// Ed25519 (RFC 8032) through libsodium, strict verification. The default.
    case ed25519 = "ed25519"
    /// The IETF LAMPS composite id-MLDSA65-Ed25519-SHA512: ML-DSA-65 and Ed25519 over the same
    /// message representative; both must verify.
    case mldsa65Ed25519 = "mldsa65-ed25519"
}

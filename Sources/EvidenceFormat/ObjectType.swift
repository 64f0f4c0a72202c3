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
    case ed25519 = "ed25519"
}

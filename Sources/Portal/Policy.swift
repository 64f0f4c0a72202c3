import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// The operator's policy file and sealed artifact files.
///
/// A policy file is one JSON object with exactly the members of a policy artifact that the issuer
/// chooses (see `members`); times are integer milliseconds since the Unix epoch; lists are sorted
/// by bytes (tools by name, parameters, rate limits by id). `seal` adds `type`, `version`,
/// `profile` (the issuer's and Portal keys' profile), `parent` (null), `portal_keys` and the
/// issuer's signature. Every error names
/// the member path, e.g. `tools[1].required_params[0]`.
package enum PolicyFile {
    package static let members = [
        "artifact_id", "issued_at_ms", "not_before_ms", "not_after_ms", "subject", "tools", "rate_limits",
        "upstream", "runtime", "baseline", "on_drift", "on_expiry",
    ]
    package static let maxPolicyBytes = 4 << 20

    /// Parses a policy file into an unsigned artifact bound to `portalKeys` (and `parent`, for `derive`).
    package static func parse(_ bytes: [UInt8], portalKeys: [PublicKey], parent: Hash256? = nil, profile: Profile = .ed25519,
                               path: String = "") throws(PortalError) -> PolicyArtifact {
        try Profiles.require(portalKeys.map { ($0.profile, "portal key \($0.keyID.hex)") }, equal: profile, what: "the artifact's profile")
        var options = JSONParseOptions.general
        options.maxBytes = maxPolicyBytes
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, options: options) } catch {
            throw PortalError(.policy, path.isEmpty ? "byte \(error.offset)" : "\(path): byte \(error.offset)",
                              "\(error.code.rawValue): \(error.reason)")
        }
        let object: JSONObject
        do {
            object = try ObjectReader(value, members: members).object
        } catch {
            throw PortalError(.policy, error.field, "\(error.code): \(error.reason)")
        }
        let keys = portalKeys.sorted { $0.keyID.bytes.lexicographicallyPrecedes($1.keyID.bytes) }
        // A placeholder signature lets the artifact parser check every issuer-chosen member with the
        // exact rules the verifier applies; it is dropped before signing.
        let placeholder = SignatureBlock(profile: profile, keyID: SHA256Hasher.hash([]),
                                         sig: [UInt8](repeating: 0, count: profile.signatureBytes))
        var members = object.members
        members.append(contentsOf: [
            (name: "type", value: .str(ObjectType.policyArtifact.rawValue)),
            (name: "version", value: .int(1)),
            (name: "profile", value: .str(profile.rawValue)),
            (name: "parent", value: .optionalHash(parent)),
            (name: "portal_keys", value: .array(keys.map(\.json))),
            (name: "signature", value: placeholder.json),
        ])
        do {
            var artifact = try PolicyArtifact(.object(JSONObject(members)))
            artifact.signature = nil
            return artifact
        } catch {
            throw PortalError(.policy, error.field, "\(error.code): \(error.reason)")
        }
    }
}

/// A sealed artifact read from its file: the file holds exactly its canonical bytes, so SHA-256 of
/// the file is its `artifact_ref`.
package struct SealedArtifact: Sendable {
    package let artifact: PolicyArtifact
    package let document: SealedDocument
    package var ref: Hash256 { document.hash }

    package init(artifact: PolicyArtifact, document: SealedDocument) {
        self.artifact = artifact
        self.document = document
    }

    package static func parse(_ bytes: [UInt8], path: String = "") throws(PortalError) -> SealedArtifact {
        var body = bytes[...]
        if body.last == 0x0a { body = body.dropLast() }
        var options = JSONParseOptions.evidence
        options.maxBytes = FormatLimits.maxJSONFileBytes
        options.maxDepth = FormatLimits.maxDepth
        let value: JSONValue
        do { value = try JCS.isCanonical(Array(body), options: options) } catch {
            throw PortalError(.artifact, path, "\(error.code.rawValue) at byte \(error.offset): \(error.reason)")
        }
        do {
            return SealedArtifact(artifact: try PolicyArtifact(value), document: SealedDocument(value))
        } catch {
            throw PortalError(.artifact, path.isEmpty ? error.field : "\(path): \(error.field)", "\(error.code): \(error.reason)")
        }
    }

    package static func read(_ path: String) throws(PortalError) -> SealedArtifact {
        try parse(try FileIO.read(path, limit: FormatLimits.maxJSONFileBytes), path: path)
    }

    /// Checks the issuer's signature against a key the operator trusts.
    package func verifyIssuer(_ key: PublicKey) throws(PortalError) {
        guard let sig = artifact.signature, sig.keyID == key.keyID else {
            throw PortalError(.artifact, "signature.key_id", "the artifact is not signed by the given issuer key")
        }
        guard case .object(let object) = document.value else {
            throw PortalError(.artifact, "", "not an object")
        }
        do { try SignatureCheck.verify(sig, key: key, digest: SigningInput.digest(of: object)) } catch {
            throw PortalError(.artifact, "signature.sig", "the issuer's signature does not verify: \(error.reason)")
        }
    }

    /// The Portal may sign only for artifacts that name its key, and only of its own profile.
    package func requirePortalKey(_ key: PublicKey) throws(PortalError) {
        try requireProfile(key.profile)
        guard artifact.portalKeys.contains(key) else {
            throw PortalError(.portalKeyNotNamed, "portal_keys", "the artifact does not name Portal key \(key.keyID.hex)")
        }
    }

    /// The artifact's `profile` must be the Portal key's: a bundle has one profile.
    package func requireProfile(_ profile: Profile) throws(PortalError) {
        guard artifact.profile == profile else {
            throw PortalError(.profileMismatch, "profile", "the artifact \(ref.hex) is of profile \(artifact.profile.rawValue), the Portal key "
                              + "of \(profile.rawValue); the format requires one profile per bundle")
        }
    }
}

/// Sub-mandates: a derived artifact may only narrow its parent.
package enum Derivation {
    /// Every way `child` is wider than `parent`, as (field, reason), in a fixed order. The same rules
    /// the verifier applies to sub-mandates.
    package static func widenings(child c: PolicyArtifact, parent p: PolicyArtifact) -> [(String, String)] {
        var out: [(String, String)] = []
        if c.notBeforeMS < p.notBeforeMS {
            out.append(("not_before_ms", "\(c.notBeforeMS) is before the parent's \(p.notBeforeMS)"))
        }
        if c.notAfterMS > p.notAfterMS {
            out.append(("not_after_ms", "\(c.notAfterMS) is after the parent's \(p.notAfterMS)"))
        }
        for (i, tool) in c.tools.enumerated() {
            guard let pt = p.tool(named: tool.name) else {
                out.append(("tools[\(i)].name", "tool \(tool.name) is not in the parent's allowlist"))
                continue
            }
            let missing = pt.requiredParams.filter { !tool.requiredParams.contains($0) }
            if !missing.isEmpty {
                out.append(("tools[\(i)].required_params", "drops the parent's required parameters \(missing.joined(separator: ", "))"))
            }
        }
        for pl in p.rateLimits {
            guard let (i, cl) = c.rateLimits.enumerated().first(where: { $0.element.id == pl.id }) else {
                out.append(("rate_limits", "the parent's rate limit \(pl.id) is missing"))
                continue
            }
            if cl.tool != pl.tool { out.append(("rate_limits[\(i)].tool", "must stay \(pl.tool)")) }
            if cl.maxCalls > pl.maxCalls { out.append(("rate_limits[\(i)].max_calls", "\(cl.maxCalls) exceeds the parent's \(pl.maxCalls)")) }
            if cl.windowMS < pl.windowMS { out.append(("rate_limits[\(i)].window_ms", "\(cl.windowMS) is shorter than the parent's \(pl.windowMS)")) }
        }
        if c.maxSessionDenials > p.maxSessionDenials {
            out.append(("baseline.max_session_denials", "\(c.maxSessionDenials) exceeds the parent's \(p.maxSessionDenials)"))
        }
        if c.upstream != p.upstream { out.append(("upstream", "must equal the parent's")) }
        if c.runtime != p.runtime { out.append(("runtime", "must equal the parent's")) }
        if c.onDrift != p.onDrift { out.append(("on_drift", "must equal the parent's (\(p.onDrift.rawValue))")) }
        if c.onExpiry != p.onExpiry { out.append(("on_expiry", "must equal the parent's (\(p.onExpiry.rawValue))")) }
        let parentKeys = Set(p.portalKeys.map(\.keyID))
        if !c.portalKeys.allSatisfy({ parentKeys.contains($0.keyID) }) {
            out.append(("portal_keys", "names a Portal key the parent does not"))
        }
        return out
    }

    /// Parses the child policy under `parent`, refuses any widening, and seals it.
    package static func derive(policy bytes: [UInt8], parent: SealedArtifact, portalKeys: [PublicKey]?,
                               issuer: SigningIdentity, path: String = "") throws(PortalError) -> SealedDocument {
        guard parent.artifact.profile == issuer.profile else {
            throw PortalError(.profileMismatch, "--issuer-key", "the issuer key is of profile \(issuer.profile.rawValue), the parent artifact "
                              + "of \(parent.artifact.profile.rawValue); the format requires one profile per bundle")
        }
        let child = try PolicyFile.parse(bytes, portalKeys: portalKeys ?? parent.artifact.portalKeys, parent: parent.ref,
                                         profile: issuer.profile, path: path)
        if let (field, reason) = widenings(child: child, parent: parent.artifact).first {
            throw PortalError(.deriveWidens, field, reason)
        }
        return child.sealed(by: issuer)
    }
}


/// The one-profile rule of the format: the issuer key, the Portal keys, the artifact's `profile`
/// and every signature of a bundle share one profile.
package enum Profiles {
    /// Throws PORTAL_PROFILE_MISMATCH naming the first item whose profile is not `profile`.
    package static func require(_ items: [(Profile, String)], equal profile: Profile, what: String) throws(PortalError) {
        for (p, name) in items where p != profile {
            throw PortalError(.profileMismatch, name, "is of profile \(p.rawValue), \(what) is \(profile.rawValue); "
                              + "the format requires one profile per bundle (evidence-bundle(5), Profiles)")
        }
    }

    /// Seals `policy` (already parsed with the issuer's profile) after checking the issuer's
    /// profile against every Portal key's.
    package static func seal(policy bytes: [UInt8], portalKeys: [PublicKey], issuer: SigningIdentity,
                             portalKeyPaths: [String] = [], path: String = "") throws(PortalError) -> SealedDocument {
        var unique: [PublicKey] = []
        for k in portalKeys where !unique.contains(k) { unique.append(k) }
        let named = portalKeys.enumerated().map { i, k in (k.profile, i < portalKeyPaths.count ? "--portal-key \(portalKeyPaths[i])" : "portal key \(k.keyID.hex)") }
        try require(named, equal: issuer.profile, what: "the issuer key's profile")
        let artifact = try PolicyFile.parse(bytes, portalKeys: unique, profile: issuer.profile, path: path)
        return artifact.sealed(by: issuer)
    }
}

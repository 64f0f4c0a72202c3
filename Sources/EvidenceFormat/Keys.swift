import EvidenceCrypto
import StrictJSON

/// A public key: `{"alg": …, "public": base64url}`. Its identity is `key_id`, the lowercase hex
/// SHA-256 of the key object's canonical (JCS) bytes.
package struct PublicKey: Hashable, Sendable {
    package let profile: Profile
    package let bytes: [UInt8]

    package init(profile: Profile, bytes: [UInt8]) {
        self.profile = profile
        self.bytes = bytes
    }

    package static let members = ["alg", "public"]

    package init(_ value: JSONValue, path: String = "") throws(FormatError) {
        let r = try ObjectReader(value, path: path, members: Self.members)
        let alg = try r.string("alg", repertoire: .token)
        guard let profile = Profile(rawValue: alg) else {
            throw FormatError(.unknownAlgorithm, field: r.field("alg"), "unknown key algorithm \"\(alg)\"")
        }
        let bytes = try r.base64url("public", maxBytes: 2048)
        guard bytes.count == profile.publicKeyBytes else {
            throw FormatError(.keyLength, field: r.field("public"), "\(profile.rawValue) public keys are \(profile.publicKeyBytes) bytes, found \(bytes.count)")
        }
        // Small-order and non-canonical keys are rejected where the key is read, not at first use.
        do {
            switch profile {
            case .ed25519: try Ed25519.validatePublicKey(bytes)
            case .mldsa65Ed25519: try CompositeMLDSA65Ed25519.validatePublicKey(bytes)
            }
        } catch {
            throw FormatError(rawCode: error.code.rawValue, field: r.field("public"), error.reason)
        }
        self.init(profile: profile, bytes: bytes)
    }

    package var json: JSONValue {
        .obj([("alg", .str(profile.rawValue)), ("public", .str(Base64URL.encode(bytes)))])
    }

    /// SHA-256 of the key object's JCS form.
    package var keyID: Hash256 { SHA256Hasher.hash(JCS.canonicalize(json)) }
}

extension Profile {
    package var publicKeyBytes: Int {
        switch self {
        case .ed25519: return Ed25519.publicKeyBytes
        case .mldsa65Ed25519: return CompositeMLDSA65Ed25519.publicKeyBytes
        }
    }

    package var signatureBytes: Int {
        switch self {
        case .ed25519: return Ed25519.signatureBytes
        case .mldsa65Ed25519: return CompositeMLDSA65Ed25519.signatureBytes
        }
    }
}

/// The `signature` member of a signed object: `{"alg", "key_id", "sig"}`.
package struct SignatureBlock: Hashable, Sendable {
    package let profile: Profile
    package let keyID: Hash256
    package let sig: [UInt8]

    package init(profile: Profile, keyID: Hash256, sig: [UInt8]) {
        self.profile = profile
        self.keyID = keyID
        self.sig = sig
    }

    package static let members = ["alg", "key_id", "sig"]

    package init(_ reader: ObjectReader) throws(FormatError) {
        let r = try reader.object("signature", members: Self.members)
        let alg = try r.string("alg", repertoire: .token)
        guard let profile = Profile(rawValue: alg) else {
            throw FormatError(.unknownAlgorithm, field: r.field("alg"), "unknown signature algorithm \"\(alg)\"")
        }
        let keyID = try r.hash("key_id")
        let sig = try r.base64url("sig", maxBytes: 8192)
        guard sig.count == profile.signatureBytes else {
            throw FormatError(.signatureLength, field: r.field("sig"), "\(profile.rawValue) signatures are \(profile.signatureBytes) bytes, found \(sig.count)")
        }
        self.init(profile: profile, keyID: keyID, sig: sig)
    }

    package var json: JSONValue {
        .obj([("alg", .str(profile.rawValue)), ("key_id", .hash(keyID)), ("sig", .str(Base64URL.encode(sig)))])
    }
}

/// The signing input of a signed object: SHA-256 of the JCS form of the object with its
/// `signature` member removed. The signature algorithm signs these 32 bytes.
package enum SigningInput {
    package static func digest(of object: JSONObject) -> Hash256 {
        // Names compare by exact UTF-8 bytes.
        SHA256Hasher.hash(JCS.canonicalize(.object(object.removing("signature"))))
    }

    /// The same digest straight from a signed object's canonical bytes, without re-encoding:
    /// `bytes` as accepted by `JCS.parseCanonicalObject(_:options:excluding: "signature")` and the
    /// `excluded` range it returned (indices of `bytes`: the `signature` member and one adjacent
    /// comma; nil if there is none). The bytes without that range are exactly the JCS form of the
    /// object without its signature, so SHA-256 over the two pieces equals `digest(of:)` of the
    /// parsed object. Any other bytes or range give the digest of something else (which then
    /// fails signature verification); a range outside `bytes` is a programming error.
    package static func digest(canonicalBytes bytes: ArraySlice<UInt8>, excluding excluded: Range<Int>?) -> Hash256 {
        var hasher = StreamingSHA256()
        bytes.withUnsafeBytes { raw in
            guard let excluded else {
                hasher.update(raw)
                return
            }
            precondition(excluded.lowerBound >= bytes.startIndex && excluded.upperBound <= bytes.endIndex,
                         "SigningInput: the excluded range lies outside the bytes")
            let lower = excluded.lowerBound - bytes.startIndex
            let upper = excluded.upperBound - bytes.startIndex
            hasher.update(UnsafeRawBufferPointer(rebasing: raw[..<lower]))
            hasher.update(UnsafeRawBufferPointer(rebasing: raw[upper...]))
        }
        return hasher.finalize()
    }

    /// Adds the signature member to an unsigned body.
    package static func attach(_ signature: SignatureBlock, to body: JSONObject) -> JSONValue {
        var members = body.members
        members.append((name: "signature", value: signature.json))
        return .object(JSONObject(members))
    }
}

/// Verifies a signature block against a public key and a signing input.
package enum SignatureCheck {
    /// Throws `SignatureError` from EvidenceCrypto for an invalid signature; the caller checks that
    /// the key is authorized and that the profile is the declared one.
    package static func verify(_ block: SignatureBlock, key: PublicKey, digest: Hash256) throws(SignatureError) {
        // A signature block and its key must be of one profile; the caller has matched key ids.
        guard block.profile == key.profile else {
            throw SignatureError(code: .signatureInvalid, reason: "a \(block.profile.rawValue) signature cannot be made by a \(key.profile.rawValue) key")
        }
        switch block.profile {
        case .ed25519:
            try Ed25519.verify(signature: block.sig, message: digest.bytes, publicKey: key.bytes)
        case .mldsa65Ed25519:
            // The format's context string is empty: the signing input already carries the object type.
            try CompositeMLDSA65Ed25519.verify(signature: block.sig, message: digest.bytes, publicKey: key.bytes, context: [])
        }
    }
}

/// A public key prepared for checking many signatures: an Ed25519 key's rules are checked once,
/// here, rather than at every signature (`Ed25519.ValidatedPublicKey`). `SignatureCheck.verify`
/// gives exactly the result it gives for `key` itself.
package struct VerificationKey: Sendable {
    package let key: PublicKey
    /// The key, validated; nil for other profiles and for a key that fails its rules (which only
    /// a key built in code can: every key read from JSON was checked as it was read), whose
    /// signatures then go the way of `key`, and fail with the key's error.
    private let ed25519: Ed25519.ValidatedPublicKey?

    package init(_ key: PublicKey) {
        self.key = key
        ed25519 = key.profile == .ed25519 ? try? Ed25519.ValidatedPublicKey(key.bytes) : nil
    }

    /// `SignatureCheck.verify(block, key: key, digest: digest)`.
    fileprivate func verify(_ block: SignatureBlock, digest: Hash256) throws(SignatureError) {
        // An Ed25519 block under an Ed25519 key: the profiles match.
        if block.profile == .ed25519, let ed25519 {
            try Ed25519.verify(signature: block.sig, message: digest.bytes, publicKey: ed25519)
        } else {
            try SignatureCheck.verify(block, key: key, digest: digest)
        }
    }
}

extension SignatureCheck {
    /// `verify(_:key:digest:)` with a prepared key.
    package static func verify(_ block: SignatureBlock, key: VerificationKey, digest: Hash256) throws(SignatureError) {
        try key.verify(block, digest: digest)
    }
}

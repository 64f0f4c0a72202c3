import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// Key files, one line of canonical JSON and a newline each.
///
/// Secret (created owner-only, 0600, never overwritten), by profile:
///     {"alg":"ed25519","seed":"<base64url 32 bytes>"}
///     {"alg":"mldsa65-ed25519","ed25519_seed":"<base64url 32 bytes>","mldsa_seed":"<base64url 32 bytes>"}
/// Public: the key object `{"alg":"<profile>","public":"<base64url>"}`: the same format as
/// `verify --trust` files (32 bytes for ed25519, 1984 for mldsa65-ed25519).
package enum KeyFiles {
    package static let maxKeyFileBytes = 8192

    package static func secretBytes(seed: [UInt8]) -> [UInt8] {
        JCS.canonicalize(.obj([("alg", .str(Profile.ed25519.rawValue)), ("seed", .str(Base64URL.encode(seed)))])) + [0x0a]
    }

    package static func compositeSecretBytes(mldsaSeed: [UInt8], ed25519Seed: [UInt8]) -> [UInt8] {
        JCS.canonicalize(.obj([
            ("alg", .str(Profile.mldsa65Ed25519.rawValue)),
            ("ed25519_seed", .str(Base64URL.encode(ed25519Seed))),
            ("mldsa_seed", .str(Base64URL.encode(mldsaSeed))),
        ])) + [0x0a]
    }

    package static func publicBytes(_ key: PublicKey) -> [UInt8] {
        JCS.canonicalize(key.json) + [0x0a]
    }

    /// Writes `PREFIX.key` (0600, never overwritten) and `PREFIX.pub` for an Ed25519 key. Returns
    /// the public key.
    package static func generate(prefix: String, seed: [UInt8]) throws(PortalError) -> PublicKey {
        try write(prefix: prefix, secret: secretBytes(seed: seed))
    }

    /// Writes the two files of a key of `profile` from fresh random seeds (`random(32)` each).
    package static func generate(prefix: String, profile: Profile, random: (Int) -> [UInt8]) throws(PortalError) -> PublicKey {
        switch profile {
        case .ed25519:
            return try generate(prefix: prefix, seed: random(Ed25519.seedBytes))
        case .mldsa65Ed25519:
            return try write(prefix: prefix, secret: compositeSecretBytes(mldsaSeed: random(MLDSA65Component.seedBytes),
                                                                         ed25519Seed: random(Ed25519.seedBytes)))
        }
    }

    /// Derives the identity from `secret` (the exact bytes written) before writing anything.
    static func write(prefix: String, secret: [UInt8]) throws(PortalError) -> PublicKey {
        let identity = try parseSecret(secret, path: prefix + ".key")
        let pubPath = prefix + ".pub"
        if FileIO.exists(pubPath) { throw PortalError(.fileExists, pubPath, "already exists; refusing to overwrite") }
        try FileIO.createNew(prefix + ".key", secret, mode: 0o600)
        try FileIO.createNew(pubPath, publicBytes(identity.publicKey), mode: 0o644)
        return identity.publicKey
    }

    /// The canonical JSON value of a key file: one canonical document and an optional final newline.
    static func canonicalValue(_ bytes: [UInt8], path: String) throws(PortalError) -> JSONValue {
        var body = bytes[...]
        if body.last == 0x0a { body = body.dropLast() }
        do {
            var options = JSONParseOptions.evidence
            options.maxBytes = maxKeyFileBytes
            return try JCS.isCanonical(Array(body), options: options)
        } catch {
            throw PortalError(.keyFile, path, "\(error.code.rawValue) at byte \(error.offset): \(error.reason)")
        }
    }

    /// A secret key file of either profile. `pins` (composite keys only) are signatures to reuse so
    /// that re-signing the same input gives the same bytes (see PinStore).
    package static func parseSecret(_ bytes: [UInt8], path: String = "", pins: PinnedSignatures? = nil) throws(PortalError) -> SigningIdentity {
        let value = try canonicalValue(bytes, path: path)
        do {
            guard case .object(let object) = value else { throw FormatError(.notObject, field: "", "expected a JSON object") }
            guard case .string(let alg)? = object["alg"] else {
                throw FormatError(.missingMember, field: "alg", "required: the key's profile (ed25519 or mldsa65-ed25519)")
            }
            switch Profile(rawValue: alg) {
            case .ed25519?:
                let r = try ObjectReader(value, members: ["alg", "seed"])
                return try SigningIdentity(seed: try r.base64url("seed", maxBytes: 64))
            case .mldsa65Ed25519?:
                let r = try ObjectReader(value, members: ["alg", "ed25519_seed", "mldsa_seed"])
                let key = try CompositeSigningKey(mldsaSeed: try r.base64url("mldsa_seed", maxBytes: 64),
                                                  ed25519Seed: try r.base64url("ed25519_seed", maxBytes: 64))
                return SigningIdentity(composite: key, pins: pins)
            case nil:
                throw FormatError(.unknownAlgorithm, field: "alg", "unknown key algorithm \"\(alg)\"")
            }
        } catch let e as FormatError {
            throw PortalError(.keyFile, path, "\(e.code): \(e)")
        } catch let e as SignatureError {
            throw PortalError(.keyFile, path, "seed: \(e.reason)")
        } catch {
            throw PortalError(.keyFile, path, "\(error)")
        }
    }

    package static func parsePublic(_ bytes: [UInt8], path: String = "") throws(PortalError) -> PublicKey {
        let value = try canonicalValue(bytes, path: path)
        do { return try PublicKey(value) } catch {
            throw PortalError(.keyFile, path, "\(error.code): \(error)")
        }
    }

    package static func readSecret(_ path: String, pins: PinnedSignatures? = nil) throws(PortalError) -> SigningIdentity {
        try parseSecret(try FileIO.read(path, limit: maxKeyFileBytes), path: path, pins: pins)
    }

    package static func readPublic(_ path: String) throws(PortalError) -> PublicKey {
        try parsePublic(try FileIO.read(path, limit: maxKeyFileBytes), path: path)
    }
}

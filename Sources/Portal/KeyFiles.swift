import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// Key files. Secret: the canonical JSON `{"alg":"ed25519","seed":"<base64url>"}` and a newline,
/// created owner-only (0600). Public: the key object `{"alg":"ed25519","public":"<base64url>"}` in
/// canonical JSON and a newline: the same format as `verify --trust` files.
package enum KeyFiles {
    package static let maxKeyFileBytes = 4096

    package static func secretBytes(seed: [UInt8]) -> [UInt8] {
        JCS.canonicalize(.obj([("alg", .str(Profile.ed25519.rawValue)), ("seed", .str(Base64URL.encode(seed)))])) + [0x0a]
    }

    package static func publicBytes(_ key: PublicKey) -> [UInt8] {
        JCS.canonicalize(key.json) + [0x0a]
    }

    /// Writes `PREFIX.key` (0600, never overwritten) and `PREFIX.pub`. Returns the public key.
    package static func generate(prefix: String, seed: [UInt8]) throws(PortalError) -> PublicKey {
        let identity: SigningIdentity
        do { identity = try SigningIdentity(seed: seed) } catch {
            throw PortalError(.keyFile, "", "cannot derive a key from the seed: \(error.reason)")
        }
        let pubPath = prefix + ".pub"
        if FileIO.exists(pubPath) { throw PortalError(.fileExists, pubPath, "already exists; refusing to overwrite") }
        try FileIO.createNew(prefix + ".key", secretBytes(seed: seed), mode: 0o600)
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

    package static func parseSecret(_ bytes: [UInt8], path: String = "") throws(PortalError) -> SigningIdentity {
        let value = try canonicalValue(bytes, path: path)
        do {
            let r = try ObjectReader(value, members: ["alg", "seed"])
            let alg = try r.string("alg", repertoire: .token)
            guard alg == Profile.ed25519.rawValue else {
                throw FormatError(.unknownAlgorithm, field: "alg", "unknown key algorithm \"\(alg)\"")
            }
            let seed = try r.base64url("seed", maxBytes: 64)
            return try SigningIdentity(seed: seed)
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

    package static func readSecret(_ path: String) throws(PortalError) -> SigningIdentity {
        try parseSecret(try FileIO.read(path, limit: maxKeyFileBytes), path: path)
    }

    package static func readPublic(_ path: String) throws(PortalError) -> PublicKey {
        try parsePublic(try FileIO.read(path, limit: maxKeyFileBytes), path: path)
    }
}

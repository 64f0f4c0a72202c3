import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// What the caller supplies besides the bundle. Everything here comes from outside the bundle.
package struct VerifyOptions: Sendable {
    /// Trust anchors: issuer keys the auditor pinned (`--trust`).
    package var trustAnchors: [PublicKey]
    /// Fail when no trust anchor was given instead of reporting an unverified origin.
    package var requireTrust: Bool
    /// Disclosures supplied beside the bundle (`--payloads DIR`), as (file name, bytes), in any order.
    package var externalPayloads: [(name: String, bytes: [UInt8])]
    /// At most this many failures are listed; the total is always counted.
    package var maxListedFailures: Int
    /// Distinct sessions followed at most (CHAIN_TOO_MANY_SESSIONS beyond): the most a manifest can
    /// list. Lowered only by tests.
    package var maxSessions: Int

    package init(trustAnchors: [PublicKey] = [], requireTrust: Bool = false,
                 externalPayloads: [(name: String, bytes: [UInt8])] = [], maxListedFailures: Int = 200,
                 maxSessions: Int = Manifest.maxSessions) {
        self.trustAnchors = trustAnchors
        self.requireTrust = requireTrust
        self.externalPayloads = externalPayloads
        self.maxListedFailures = maxListedFailures
        self.maxSessions = maxSessions
    }
}

/// The evidence could not be evaluated at all: a file outside the bundle is missing or unreadable,
/// or a trust anchor file is malformed. Distinct from a failed verification (exit status 2, not 1).
package struct VerifyError: Error, Equatable, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable, CaseIterable {
        case bundleUnreadable = "IO_BUNDLE_UNREADABLE"
        case trustFileUnreadable = "IO_TRUST_FILE_UNREADABLE"
        case trustFileInvalid = "TRUST_FILE_INVALID"
        case payloadDirUnreadable = "IO_PAYLOAD_DIR_UNREADABLE"
    }
    package let code: Code
    package let reason: String
    package init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }
    package static func == (l: VerifyError, r: VerifyError) -> Bool { l.code == r.code }
    package var description: String { "\(code.rawValue): \(reason)" }
}

/// Trust anchor files hold one key object in canonical JSON, optionally followed by one newline.
package enum TrustAnchorFile {
    package static func parse(_ bytes: [UInt8]) throws(VerifyError) -> PublicKey {
        var body = bytes[...]
        if body.last == UInt8(ascii: "\n") { body = body.dropLast() }
        var options = JSONParseOptions.evidence
        options.maxBytes = 64 << 10
        do {
            let value = try JCS.isCanonical(Array(body), options: options)
            return try PublicKey(value)
        } catch let e as JSONError {
            throw VerifyError(.trustFileInvalid, "\(e.code.rawValue) at byte \(e.offset): \(e.reason)")
        } catch let e as FormatError {
            throw VerifyError(.trustFileInvalid, "\(e.code): \(e)")
        } catch {
            throw VerifyError(.trustFileInvalid, "\(error)")
        }
    }
}

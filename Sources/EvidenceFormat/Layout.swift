import EvidenceCrypto

/// The files of a bundle. Every path is one of these; anything else is an unexpected file.
package enum BundlePath: Equatable, Sendable {
    case manifest                       // manifest.json
    case key(Hash256)                   // keys/<key_id>.json        (information, never trust)
    case delegation(Hash256)            // delegations/<sha256>.json (SHA-256 of the file's bytes)
    case artifact(Hash256)              // artifacts/<artifact_ref>.json
    case receipts                       // receipts.jsonl
    case checkpoints                    // checkpoints.jsonl
    case inclusionProofs                // inclusion.jsonl   (selective scope only)
    case consistencyProofs              // consistency.jsonl (selective scope only)
    case payload(Hash256)               // payloads/<receipt_hash>.json (tier 2 only)

    package static let manifestName = "manifest.json"
    package static let receiptsName = "receipts.jsonl"
    package static let checkpointsName = "checkpoints.jsonl"
    package static let inclusionName = "inclusion.jsonl"
    package static let consistencyName = "consistency.jsonl"

    package var path: String {
        switch self {
        case .manifest: return Self.manifestName
        case .key(let h): return "keys/\(h.hex).json"
        case .delegation(let h): return "delegations/\(h.hex).json"
        case .artifact(let h): return "artifacts/\(h.hex).json"
        case .receipts: return Self.receiptsName
        case .checkpoints: return Self.checkpointsName
        case .inclusionProofs: return Self.inclusionName
        case .consistencyProofs: return Self.consistencyName
        case .payload(let h): return "payloads/\(h.hex).json"
        }
    }

    /// Parses a path of the layout; nil for any other path.
    package init?(path: String) {
        switch path {
        case Self.manifestName: self = .manifest
        case Self.receiptsName: self = .receipts
        case Self.checkpointsName: self = .checkpoints
        case Self.inclusionName: self = .inclusionProofs
        case Self.consistencyName: self = .consistencyProofs
        default:
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[1].hasSuffix(".json") else { return nil }
            guard let h = Hash256(hex: String(parts[1].dropLast(5))) else { return nil }
            switch parts[0] {
            case "keys": self = .key(h)
            case "delegations": self = .delegation(h)
            case "artifacts": self = .artifact(h)
            case "payloads": self = .payload(h)
            default: return nil
            }
        }
    }

    /// The order in which the writer stores files: everything the receipt stream needs comes first.
    package var writeRank: Int {
        switch self {
        case .manifest: return 0
        case .key: return 1
        case .delegation: return 2
        case .artifact: return 3
        case .checkpoints: return 4
        case .consistencyProofs: return 5
        case .inclusionProofs: return 6
        // receipts.jsonl last: a verifier then knows everything a receipt is checked against
        // before the first one arrives, and checks them in one streaming pass.
        case .payload: return 7
        case .receipts: return 8
        }
    }
}

/// Limits on what a verifier reads from a bundle.
package enum FormatLimits {
    /// A JSON file (manifest, artifact, key, delegation, disclosure).
    package static let maxJSONFileBytes = 8 << 20
    /// One line of a JSON Lines file.
    package static let maxLineBytes = 64 << 10
    /// Depth of nesting in any document.
    package static let maxDepth = 16
    /// Artifacts in one bundle, and the depth of a chain of sub-mandates.
    package static let maxArtifacts = 4096
    package static let maxSubmandateDepth = 8
    /// Elements of one manifest list (sessions, files).
    package static let maxManifestElements = 1 << 16
    /// A payload disclosure's file: base64url of the largest payload plus the JSON around it.
    package static let maxDisclosureBytes = (PayloadDisclosure.maxPayloadBytes * 4 + 2) / 3 + 4096
}

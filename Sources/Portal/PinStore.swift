import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// A file of pinned composite signatures (`signatures.jsonl` in a state directory, or simulate's
/// `--pins FILE`): lines `{"digest","key_id","sig"}` of canonical JSON. ML-DSA-65 signing is
/// randomized, so the manifest of an `mldsa65-ed25519` export would differ on every export;
/// signing through a `PinnedSignatures` loaded from this file reuses every pinned signature that
/// still verifies, so the same state exports to the same bytes.
///
/// The file is a cache, never evidence: every pin is verified before use and an unreadable line
/// only costs a fresh signature. Updating keeps every earlier pin (so that exports that differ,
/// e.g. tier 1 and tier 2, or one session and the whole log, stay reproducible side by side),
/// moves the pins used by this run to the end, and keeps the last `maxPins`.
package enum PinStore {
    package static let fileName = "signatures.jsonl"
    package static let maxPins = 1024
    /// A composite pin line is about 4.7 kB.
    package static let maxFileBytes = maxPins * 8192

    /// The pins of `path`, or an empty store when it does not exist.
    package static func load(_ path: String) throws(PortalError) -> (pins: PinnedSignatures, bytes: [UInt8]) {
        guard FileIO.exists(path) else { return (PinnedSignatures(), []) }
        let bytes = try FileIO.read(path, limit: maxFileBytes)
        return (PinnedSignatures(jsonl: bytes), bytes)
    }

    /// The identity of a pin line: "<key_id>:<digest>", nil when the line is not a pin.
    static func pinKey(_ line: ArraySlice<UInt8>) -> String? {
        var options = JSONParseOptions.evidence
        options.maxStringBytes = 1 << 16
        guard case .object(let o)? = try? JSONParser.parse(Array(line), options: options),
              case .string(let k)? = o["key_id"], case .string(let d)? = o["digest"], case .string? = o["sig"] else { return nil }
        return "\(k):\(d)"
    }

    /// The new file: `previous` lines (unreadable ones dropped; `dropped` counts them) with the
    /// lines of `used` moved or added to the end, at most `maxPins` lines, the newest kept.
    package static func merged(previous: [UInt8], used: [UInt8]) -> (bytes: [UInt8], dropped: Int) {
        var order: [(key: String, line: ArraySlice<UInt8>)] = []
        var dropped = 0
        let usedLines = used.split(separator: 0x0a).compactMap { line in pinKey(line).map { (key: $0, line: line) } }
        let usedKeys = Set(usedLines.map(\.key))
        for line in previous.split(separator: 0x0a) {
            guard let key = pinKey(line) else { dropped += 1; continue }
            if !usedKeys.contains(key), !order.contains(where: { $0.key == key }) { order.append((key, line)) }
        }
        order.append(contentsOf: usedLines)
        var out: [UInt8] = []
        for entry in order.suffix(maxPins) { out += entry.line + [0x0a] }
        return (out, dropped)
    }

    /// Rewrites `path` atomically (mode 0600) when the merged content differs from `previous`.
    /// Returns the number of unreadable lines dropped.
    @discardableResult
    package static func save(_ path: String, previous: [UInt8], pins: PinnedSignatures) throws(PortalError) -> Int {
        let (bytes, dropped) = merged(previous: previous, used: pins.jsonl)
        if bytes != previous { try FileIO.writeAtomically(path, bytes, mode: 0o600) }
        return dropped
    }
}

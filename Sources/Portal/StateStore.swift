#if canImport(Glibc)
import Glibc
#endif
import BundleKit
import EvidenceCrypto
import EvidenceFormat
import Merkle
import StrictJSON

/// Where sealed receipts go before the call they decide is forwarded or refused.
package protocol ReceiptSink: AnyObject {
    /// Appends one receipt and its salt/payload record and makes both durable before returning.
    func append(receipt: LoggedReceipt) throws(PortalError)
    func append(checkpoint: SealedDocument) throws(PortalError)
}

/// The Portal's state directory (format version 2):
///
///     lock               flock(2): one Portal per state directory
///     portal.json        {"artifacts":[refs],"log_id":…,"portal_key_id":…,"type":"portal_state","version":2}
///     artifacts/<ref>.json   the sealed artifacts this log's receipts name (canonical bytes)
///     journal.jsonl      append-only, one canonical JSON object per line:
///                          {"payload","receipt_hash","salt","type":"portal_payload"}, then its receipt
///                          (the receipt's canonical bytes, as exported), written together;
///                          or a signed checkpoint
///
/// Each append is one write(2) and one fdatasync(2) before the caller acts on it: a receipt and
/// the salt and payload it commits to become durable together, so a `tools/call` costs two flushes
/// (its call receipt before forwarding, its result receipt before answering). On open, a torn end
/// is cut: a last line without its newline or that does not parse, and then a payload record whose
/// receipt did not follow. Anything wrong before that is corruption and stops the Portal.
///
/// Version 1 kept receipts.jsonl, payloads.jsonl and checkpoints.jsonl (two flushes per receipt); a
/// version-1 directory is migrated to the journal when a Portal opens it for writing.
package final class StateStore: ReceiptSink {
    package let directory: String
    package let logID: Hash256
    package let portalKeyID: Hash256
    package private(set) var artifactRefs: [Hash256]
    private var lockFD: Int32 = -1
    private var journalFD: Int32 = -1
    /// What recovery found and repaired, for the operator's log.
    package private(set) var repairs: [String] = []

    static let metaName = "portal.json"
    package static let journalName = "journal.jsonl"
    /// The files of format version 1, read once to migrate.
    static let legacyReceiptsName = "receipts.jsonl"
    static let legacyPayloadsName = "payloads.jsonl"
    static let legacyCheckpointsName = "checkpoints.jsonl"
    static let formatVersion: Int64 = 2
    static let maxLogBytes = 1 << 36
    static let maxPayloadLineBytes = 24 << 20
    static let payloadType = "portal_payload"

    package enum LockMode { case exclusive, readOnlyIfLocked }

    /// The records found on disk.
    package struct Contents {
        package var receipts: [LoggedReceipt]
        package var checkpoints: [(checkpoint: Checkpoint, document: SealedDocument)]
        package var artifacts: [SealedArtifact]
    }

    /// Opens (creating when absent) the state directory for `portal`. With `.exclusive` it fails
    /// when another Portal holds the lock; `readOnly` is set when a running Portal holds it and the
    /// mode allowed reading anyway (export while running: nothing is repaired or written).
    package private(set) var readOnly = false
    /// The format version found on disk: 1 only for a locked version-1 directory read read-only.
    private var version: Int64 = formatVersion

    package init(directory: String, portal: PublicKey, mode: LockMode = .exclusive, newLogID: () -> Hash256) throws(PortalError) {
        self.directory = directory
        try FileIO.makeDirectory(directory)
        try FileIO.makeDirectory(directory + "/artifacts")
        lockFD = open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { throw PortalError(.io, directory + "/lock", "cannot open: \(FileIO.errnoText())") }
        if flock(lockFD, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK, mode == .readOnlyIfLocked else {
                close(lockFD)
                throw PortalError(.stateLocked, directory, "another Portal is using this state directory")
            }
            readOnly = true
        }
        let metaPath = directory + "/" + Self.metaName
        if FileIO.exists(metaPath) {
            let meta = try Self.readMeta(metaPath)
            guard meta.portalKeyID == portal.keyID else {
                throw PortalError(.stateCorrupt, metaPath, "this state belongs to Portal key \(meta.portalKeyID.hex), not \(portal.keyID.hex)")
            }
            logID = meta.logID
            portalKeyID = meta.portalKeyID
            artifactRefs = meta.artifacts
            version = meta.version
            if !readOnly {
                if version == 1 {
                    try migrateFromVersion1()
                } else {
                    try removeLegacyFiles()  // a migration that stopped after portal.json changed
                }
            }
        } else {
            guard !readOnly else { throw PortalError(.stateCorrupt, metaPath, "missing") }
            logID = newLogID()
            portalKeyID = portal.keyID
            artifactRefs = []
            try writeMeta()
        }
    }

    deinit {
        for fd in [journalFD, lockFD] where fd >= 0 { close(fd) }
    }

    // MARK: meta and artifacts

    static func readMeta(_ path: String) throws(PortalError)
        -> (logID: Hash256, portalKeyID: Hash256, artifacts: [Hash256], version: Int64)
    {
        var bytes = try FileIO.read(path, limit: 1 << 20)
        if bytes.last == 0x0a { bytes.removeLast() }
        do {
            let r = try ObjectReader(try JCS.isCanonical(bytes), members: ["artifacts", "log_id", "portal_key_id", "type", "version"])
            guard try r.string("type", repertoire: .token) == "portal_state" else {
                throw PortalError(.stateCorrupt, path, "not a Portal state file")
            }
            let version = try r.int("version", min: 1)
            guard version <= formatVersion else {
                throw PortalError(.stateCorrupt, path, "state format version \(version) is newer than this Portal (\(formatVersion))")
            }
            return (try r.hash("log_id"), try r.hash("portal_key_id"), try r.hashArray("artifacts", maxCount: FormatLimits.maxArtifacts), version)
        } catch let e as PortalError {
            throw e
        } catch {
            throw PortalError(.stateCorrupt, path, "\(error)")
        }
    }

    func writeMeta() throws(PortalError) {
        let value = JSONValue.obj([
            ("artifacts", .array(artifactRefs.map { .hash($0) })),
            ("log_id", .hash(logID)),
            ("portal_key_id", .hash(portalKeyID)),
            ("type", .str("portal_state")),
            ("version", .int(version)),
        ])
        try FileIO.writeAtomically(directory + "/" + Self.metaName, JCS.canonicalize(value) + [0x0a], mode: 0o600)
    }

    /// Stores a sealed artifact (and its parents, if given) so that exports can carry it.
    package func add(artifact: SealedArtifact) throws(PortalError) {
        guard !artifactRefs.contains(artifact.ref) else { return }
        try FileIO.writeAtomically(artifactPath(artifact.ref), artifact.document.bytes, mode: 0o600)
        artifactRefs.append(artifact.ref)
        try writeMeta()
    }

    func artifactPath(_ ref: Hash256) -> String { "\(directory)/artifacts/\(ref.hex).json" }

    // MARK: records

    /// One line of the journal.
    enum Record {
        case payload(receiptHash: Hash256, salt: [UInt8], payload: [UInt8])
        case receipt(Receipt, SealedDocument)
        case checkpoint(Checkpoint, SealedDocument)

        var isPayload: Bool { if case .payload = self { true } else { false } }
    }

    /// Journal lines parse as canonical JSON with room for a payload record's large string.
    static let journalOptions: JSONParseOptions = {
        var o = JSONParseOptions.evidence
        o.maxBytes = maxPayloadLineBytes
        o.maxStringBytes = maxPayloadLineBytes
        return o
    }()

    /// Parses one journal line: canonical JSON, then by its `type` a payload record, a receipt or a
    /// checkpoint under the format's rules (receipts and checkpoints within the bundle line limit).
    static func record(_ bytes: ArraySlice<UInt8>) throws(PortalError) -> Record {
        let value: JSONValue
        do { value = try JCS.parseCanonical(bytes, options: journalOptions) } catch {
            throw PortalError(.stateCorrupt, "", "not canonical JSON: \(error)")
        }
        guard case .object(let object) = value, case .string(let type)? = object["type"] else {
            throw PortalError(.stateCorrupt, "", "not a record: no type")
        }
        do {
            switch type {
            case payloadType:
                let r = try ObjectReader(value, members: ["payload", "receipt_hash", "salt", "type"])
                return .payload(receiptHash: try r.hash("receipt_hash"), salt: try r.base64url("salt", maxBytes: 64),
                                payload: try r.base64url("payload", maxBytes: maxPayloadLineBytes))
            case ObjectType.receipt.rawValue where bytes.count <= FormatLimits.maxLineBytes:
                return .receipt(try Receipt(value), SealedDocument(value: value, bytes: Array(bytes)))
            case ObjectType.checkpoint.rawValue where bytes.count <= FormatLimits.maxLineBytes:
                return .checkpoint(try Checkpoint(value), SealedDocument(value: value, bytes: Array(bytes)))
            default:
                throw PortalError(.stateCorrupt, "", "not a journal record (type \(type), \(bytes.count) bytes)")
            }
        } catch let e as PortalError {
            throw e
        } catch {
            throw PortalError(.stateCorrupt, "", "not a valid \(type) record: \(error)")
        }
    }

    /// The payload record written just before a receipt, with its newline.
    static func payloadLine(receiptHash: Hash256, salt: [UInt8], payload: [UInt8]) -> [UInt8] {
        JCS.canonicalize(.obj([
            ("payload", .str(Base64URL.encode(payload))),
            ("receipt_hash", .hash(receiptHash)),
            ("salt", .str(Base64URL.encode(salt))),
            ("type", .str(payloadType)),
        ])) + [0x0a]
    }

    /// The lines of a JSON Lines file, without their newlines, and where the bytes after the last
    /// newline (a torn line, or nothing) begin.
    static func lineSpans(_ bytes: [UInt8]) -> (lines: [Range<Int>], tail: Int) {
        var lines: [Range<Int>] = []
        var start = 0
        for i in bytes.indices where bytes[i] == 0x0a {
            lines.append(start..<i)
            start = i + 1
        }
        return (lines, start)
    }

    // MARK: recovery

    /// Reads every record, repairing a torn end (unless read-only). `withPayloads` keeps salts and
    /// payloads (export); `run` only needs the receipts.
    package func load(withPayloads: Bool) throws(PortalError) -> Contents {
        var artifacts: [SealedArtifact] = []
        for ref in artifactRefs {
            let a = try SealedArtifact.read(artifactPath(ref))
            guard a.ref == ref else { throw PortalError(.stateCorrupt, artifactPath(ref), "the file does not hash to its name") }
            artifacts.append(a)
        }
        let records = version == 1 ? try legacyRecords() : try journalRecords()
        var contents = Contents(receipts: [], checkpoints: [], artifacts: artifacts)
        var chains: [String: (next: Int64, last: Hash256)] = [:]
        var pending: (receiptHash: Hash256, salt: [UInt8], payload: [UInt8])? = nil
        for (number, record) in records {
            let where_ = "\(Self.journalName):\(number)"
            switch record {
            case .payload(let receiptHash, let salt, let payload):
                guard pending == nil else { throw PortalError(.stateCorrupt, where_, "a payload record follows another") }
                pending = (receiptHash, withPayloads ? salt : [], withPayloads ? payload : [])
            case .receipt(let receipt, let document):
                guard let p = pending, p.receiptHash == document.hash else {
                    throw PortalError(.stateCorrupt, where_, "a receipt without its payload record just before it")
                }
                pending = nil
                let state = chains[receipt.sessionID]
                let expectedPrev = state?.last ?? Receipt.genesis(artifactRef: receipt.artifactRef, sessionID: receipt.sessionID)
                guard receipt.seq == (state?.next ?? 0), receipt.prev == expectedPrev else {
                    throw PortalError(.stateCorrupt, where_, "breaks the hash chain of session \(receipt.sessionID)")
                }
                chains[receipt.sessionID] = (receipt.seq + 1, document.hash)
                contents.receipts.append(LoggedReceipt(receipt: receipt, document: document, leafHash: MerkleHash.leaf(document.bytes),
                                                       salt: p.salt, payload: p.payload))
            case .checkpoint(let checkpoint, let document):
                guard pending == nil else { throw PortalError(.stateCorrupt, where_, "a checkpoint between a payload record and its receipt") }
                guard checkpoint.logID == logID else { throw PortalError(.stateCorrupt, where_, "a checkpoint of another log") }
                contents.checkpoints.append((checkpoint, document))
            }
        }
        // A payload record at the very end was cut as torn (journalRecords); none is left pending.
        return contents
    }

    /// The in-memory log of `contents`, re-signing nothing: PORTAL_STATE_CORRUPT when the
    /// checkpoints do not match the receipts (a checkpoint over more receipts than the journal
    /// holds, or a root that differs).
    package func restoredLog(_ contents: Contents, portal: SigningIdentity) throws(PortalError) -> EvidenceLog {
        do {
            return try EvidenceLog(logID: logID, portal: portal, restoring: contents.receipts, checkpoints: contents.checkpoints)
        } catch {
            throw PortalError(.stateCorrupt, Self.journalName, error.reason)
        }
    }

    /// The journal's records with their line numbers. A torn end is cut off the file (read-write) or
    /// ignored (read-only): a last line without its newline, or one that does not parse as a record,
    /// and then a payload record left without the receipt written with it. An unparsable line
    /// before that is corruption.
    private func journalRecords() throws(PortalError) -> [(Int, Record)] {
        let path = directory + "/" + Self.journalName
        guard FileIO.exists(path) else { return [] }
        let bytes = try FileIO.read(path, limit: Self.maxLogBytes)
        let (spans, tail) = Self.lineSpans(bytes)
        var records: [(Int, Record)] = []
        records.reserveCapacity(spans.count)
        var keep = tail  // bytes past the last newline are torn
        for (k, span) in spans.enumerated() {
            do {
                records.append((k + 1, try Self.record(bytes[span])))
            } catch {
                guard k == spans.count - 1 else {
                    throw PortalError(.stateCorrupt, "\(Self.journalName):\(k + 1)", error.reason)
                }
                keep = span.lowerBound
            }
        }
        if let last = records.last, last.1.isPayload {
            keep = spans[last.0 - 1].lowerBound
            records.removeLast()
        }
        if keep < bytes.count {
            if readOnly { return records }
            repairs.append("\(Self.journalName): cut a torn end of \(bytes.count - keep) bytes")
            guard truncate(path, off_t(keep)) == 0 else {
                throw PortalError(.io, path, "cannot truncate the torn end: \(FileIO.errnoText())")
            }
            let fd = open(path, O_RDWR | O_CLOEXEC)
            guard fd >= 0, fsync(fd) == 0 else {
                if fd >= 0 { close(fd) }
                throw PortalError(.io, path, "cannot sync the cut journal: \(FileIO.errnoText())")
            }
            close(fd)
        }
        return records
    }

    // MARK: format version 1

    /// The records of a version-1 directory in journal order: each receipt preceded by its payload
    /// record (an empty one when the payload was lost: a version-1 crash between the two flushes;
    /// such a receipt is never disclosed), each checkpoint after the receipt that completes its tree.
    /// A torn last line of each file is ignored, as version 1 did.
    private func legacyRecords() throws(PortalError) -> [(Int, Record)] {
        // Numbered complete lines; `record` enforces each kind's length limit.
        func lines(_ name: String) throws(PortalError) -> [(Int, ArraySlice<UInt8>)] {
            let path = directory + "/" + name
            guard FileIO.exists(path) else { return [] }
            let bytes = try FileIO.read(path, limit: Self.maxLogBytes)
            return Self.lineSpans(bytes).lines.enumerated().map { ($0.offset + 1, bytes[$0.element]) }
        }
        func parse(_ name: String, _ n: Int, _ line: ArraySlice<UInt8>, last: Bool) throws(PortalError) -> Record? {
            var bytes = line
            if name == Self.legacyPayloadsName {
                // Version-1 payload records had no type member; it sorts last.
                bytes = line.dropLast() + Array(#","type":"\#(Self.payloadType)"}"#.utf8)
            }
            do { return try Self.record(bytes) } catch {
                if last { return nil }
                throw PortalError(.stateCorrupt, "\(name):\(n)", error.reason)
            }
        }
        var payloads: [Hash256: Record] = [:]
        let payloadLines = try lines(Self.legacyPayloadsName)
        for (n, line) in payloadLines {
            if let r = try parse(Self.legacyPayloadsName, n, line, last: n == payloadLines.count),
               case .payload(let h, _, _) = r { payloads[h] = r }
        }
        var checkpoints: [Record] = []
        let checkpointLines = try lines(Self.legacyCheckpointsName)
        for (n, line) in checkpointLines {
            if let r = try parse(Self.legacyCheckpointsName, n, line, last: n == checkpointLines.count) { checkpoints.append(r) }
        }
        var out: [(Int, Record)] = []
        func emitCheckpoints(through size: Int) {
            while case .checkpoint(let c, _)? = checkpoints.first, c.treeSize <= size {
                out.append((out.count + 1, checkpoints.removeFirst()))
            }
        }
        var receipts = 0
        let receiptLines = try lines(Self.legacyReceiptsName)
        for (n, line) in receiptLines {
            guard let r = try parse(Self.legacyReceiptsName, n, line, last: n == receiptLines.count),
                  case .receipt(_, let document) = r else { continue }
            out.append((out.count + 1, payloads[document.hash] ?? .payload(receiptHash: document.hash, salt: [], payload: [])))
            out.append((out.count + 1, r))
            receipts += 1
            emitCheckpoints(through: receipts)
        }
        for c in checkpoints { out.append((out.count + 1, c)) }  // beyond the receipts: restoring the log refuses them
        return out
    }

    /// Rewrites a version-1 directory as a journal: the journal is written whole beside the old
    /// files and renamed into place, then portal.json says version 2, then the old files go. A crash
    /// before portal.json changes leaves version 1 intact (the next open migrates again).
    private func migrateFromVersion1() throws(PortalError) {
        var bytes: [UInt8] = []
        for (_, record) in try legacyRecords() {
            switch record {
            case .payload(let h, let salt, let payload):
                bytes += Self.payloadLine(receiptHash: h, salt: salt, payload: payload)
            case .receipt(_, let d), .checkpoint(_, let d):
                bytes += d.bytes + [0x0a]
            }
        }
        try FileIO.writeAtomically(directory + "/" + Self.journalName, bytes, mode: 0o600)
        version = Self.formatVersion
        try writeMeta()
        try removeLegacyFiles()
        repairs.append("migrated the state directory from format 1 (three files) to format 2 (\(Self.journalName))")
    }

    /// Removes version 1's files from a version-2 directory (they are copied into the journal).
    private func removeLegacyFiles() throws(PortalError) {
        var removed = false
        for name in [Self.legacyReceiptsName, Self.legacyPayloadsName, Self.legacyCheckpointsName] {
            let path = directory + "/" + name
            guard FileIO.exists(path) else { continue }
            guard unlink(path) == 0 else { throw PortalError(.io, path, "cannot remove after migrating: \(FileIO.errnoText())") }
            removed = true
        }
        if removed { try FileIO.syncDirectory(of: directory + "/" + Self.metaName) }
    }

    // MARK: appending

    private func journal() throws(PortalError) -> Int32 {
        if journalFD >= 0 { return journalFD }
        guard !readOnly else { throw PortalError(.stateLocked, directory, "opened read-only") }
        let path = directory + "/" + Self.journalName
        let created = !FileIO.exists(path)
        let opened = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard opened >= 0 else { throw PortalError(.io, path, "cannot open for appending: \(FileIO.errnoText())") }
        if created { try FileIO.syncDirectory(of: path) }
        journalFD = opened
        return opened
    }

    /// One write, one flush: `fdatasync` makes the bytes and the file size durable (appends change
    /// the size, so it flushes the metadata that reading them back needs).
    private func appendDurably(_ bytes: [UInt8]) throws(PortalError) {
        let fd = try journal()
        try FileIO.writeAll(fd, bytes[...], path: Self.journalName)
        guard fdatasync(fd) == 0 else { throw PortalError(.io, Self.journalName, "fdatasync failed: \(FileIO.errnoText())") }
    }

    package func append(receipt: LoggedReceipt) throws(PortalError) {
        try appendDurably(Self.payloadLine(receiptHash: receipt.receiptHash, salt: receipt.salt, payload: receipt.payload)
                          + receipt.document.bytes + [0x0a])
    }

    package func append(checkpoint: SealedDocument) throws(PortalError) {
        try appendDurably(checkpoint.bytes + [0x0a])
    }
}

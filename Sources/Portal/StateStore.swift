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

/// The Portal's state directory:
///
///     lock               flock(2): one Portal per state directory
///     portal.json        {"artifacts":[refs],"log_id":…,"portal_key_id":…,"type":"portal_state","version":1}
///     artifacts/<ref>.json   the sealed artifacts this log's receipts name (canonical bytes)
///     receipts.jsonl     append-only: each line a receipt's canonical bytes
///     payloads.jsonl     append-only: {"payload","receipt_hash","salt"} per receipt (tier-2 export)
///     checkpoints.jsonl  append-only: each line a signed checkpoint
///
/// Every append is followed by fsync before the caller acts on it. On open, a torn last line (no
/// final newline, or unparsable) of each JSON Lines file is cut off; anything wrong before the last
/// line is corruption and stops the Portal.
package final class StateStore: ReceiptSink {
    package let directory: String
    package let logID: Hash256
    package let portalKeyID: Hash256
    package private(set) var artifactRefs: [Hash256]
    private var lockFD: Int32 = -1
    private var receiptsFD: Int32 = -1
    private var payloadsFD: Int32 = -1
    private var checkpointsFD: Int32 = -1
    /// What recovery found and repaired, for the operator's log.
    package private(set) var repairs: [String] = []

    static let metaName = "portal.json"
    static let receiptsName = "receipts.jsonl"
    static let payloadsName = "payloads.jsonl"
    static let checkpointsName = "checkpoints.jsonl"
    static let maxLogBytes = 1 << 36
    static let maxPayloadLineBytes = 24 << 20

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
        } else {
            guard !readOnly else { throw PortalError(.stateCorrupt, metaPath, "missing") }
            logID = newLogID()
            portalKeyID = portal.keyID
            artifactRefs = []
            try writeMeta()
        }
    }

    deinit {
        for fd in [receiptsFD, payloadsFD, checkpointsFD, lockFD] where fd >= 0 { close(fd) }
    }

    // MARK: meta and artifacts

    static func readMeta(_ path: String) throws(PortalError) -> (logID: Hash256, portalKeyID: Hash256, artifacts: [Hash256]) {
        var bytes = try FileIO.read(path, limit: 1 << 20)
        if bytes.last == 0x0a { bytes.removeLast() }
        do {
            let r = try ObjectReader(try JCS.isCanonical(bytes), members: ["artifacts", "log_id", "portal_key_id", "type", "version"])
            guard try r.string("type", repertoire: .token) == "portal_state", try r.int("version", min: 1, max: 1) == 1 else {
                throw PortalError(.stateCorrupt, path, "not a Portal state file")
            }
            return (try r.hash("log_id"), try r.hash("portal_key_id"), try r.hashArray("artifacts", maxCount: FormatLimits.maxArtifacts))
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
            ("version", .int(1)),
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

    // MARK: recovery

    /// Reads every record, repairing torn last lines (unless read-only). `withPayloads` loads salts
    /// and payloads too (export); `run` only needs the receipts.
    package func load(withPayloads: Bool) throws(PortalError) -> Contents {
        var artifacts: [SealedArtifact] = []
        for ref in artifactRefs {
            let a = try SealedArtifact.read(artifactPath(ref))
            guard a.ref == ref else { throw PortalError(.stateCorrupt, artifactPath(ref), "the file does not hash to its name") }
            artifacts.append(a)
        }

        let receiptLines = try lines(Self.receiptsName, maxLine: FormatLimits.maxLineBytes) { (bytes: ArraySlice<UInt8>) -> Bool in
            (try? Receipt(try JCS.isCanonical(Array(bytes)))) != nil
        }
        var payloads: [Hash256: (salt: [UInt8], payload: [UInt8])] = [:]
        let payloadLines = try lines(Self.payloadsName, maxLine: Self.maxPayloadLineBytes) { (bytes: ArraySlice<UInt8>) -> Bool in
            (try? Self.parsePayloadLine(bytes)) != nil
        }
        if withPayloads {
            for line in payloadLines {
                let p = try Self.parsePayloadLine(line.bytes, file: Self.payloadsName, line: line.number)
                payloads[p.receiptHash] = (p.salt, p.payload)
            }
        }

        var receipts: [LoggedReceipt] = []
        var chains: [String: (next: Int64, last: Hash256)] = [:]
        for line in receiptLines {
            let bytes = Array(line.bytes)
            let where_ = "\(Self.receiptsName):\(line.number)"
            let receipt: Receipt
            do { receipt = try Receipt(try JCS.isCanonical(bytes)) } catch {
                throw PortalError(.stateCorrupt, where_, "not a canonical receipt: \(error)")
            }
            let document = SealedDocument(Self.reparse(bytes))
            let state = chains[receipt.sessionID]
            let expectedPrev = state?.last ?? Receipt.genesis(artifactRef: receipt.artifactRef, sessionID: receipt.sessionID)
            guard receipt.seq == (state?.next ?? 0), receipt.prev == expectedPrev else {
                throw PortalError(.stateCorrupt, where_, "breaks the hash chain of session \(receipt.sessionID)")
            }
            chains[receipt.sessionID] = (receipt.seq + 1, document.hash)
            let disclosed = payloads[document.hash]
            receipts.append(LoggedReceipt(receipt: receipt, document: document, leafHash: MerkleHash.leaf(bytes),
                                          salt: disclosed?.salt ?? [], payload: disclosed?.payload ?? []))
        }

        var checkpoints: [(checkpoint: Checkpoint, document: SealedDocument)] = []
        for line in try lines(Self.checkpointsName, maxLine: FormatLimits.maxLineBytes, valid: { (bytes: ArraySlice<UInt8>) -> Bool in
            (try? Checkpoint(try JCS.isCanonical(Array(bytes)))) != nil
        }) {
            let bytes = Array(line.bytes)
            let checkpoint: Checkpoint
            do { checkpoint = try Checkpoint(try JCS.isCanonical(bytes)) } catch {
                throw PortalError(.stateCorrupt, "\(Self.checkpointsName):\(line.number)", "not a canonical checkpoint: \(error)")
            }
            guard checkpoint.logID == logID else {
                throw PortalError(.stateCorrupt, "\(Self.checkpointsName):\(line.number)", "a checkpoint of another log")
            }
            checkpoints.append((checkpoint, SealedDocument(Self.reparse(bytes))))
        }
        return Contents(receipts: receipts, checkpoints: checkpoints, artifacts: artifacts)
    }

    /// Bytes that were just checked to be canonical JSON parse again without error.
    static func reparse(_ bytes: [UInt8]) -> JSONValue {
        (try? JSONParser.parse(bytes)) ?? .null
    }

    struct Line {
        let number: Int
        let bytes: ArraySlice<UInt8>
    }

    /// The complete lines of one JSON Lines file. A last line without its newline, or one that
    /// `valid` rejects, is torn: it is cut off the file (read-write) or ignored (read-only).
    private func lines(_ name: String, maxLine: Int, valid: (ArraySlice<UInt8>) -> Bool) throws(PortalError) -> [Line] {
        let path = directory + "/" + name
        guard FileIO.exists(path) else { return [] }
        let bytes = try FileIO.read(path, limit: Self.maxLogBytes)
        var out: [Line] = []
        var start = 0
        var number = 0
        var keep = 0
        for i in bytes.indices where bytes[i] == 0x0a {
            number += 1
            out.append(Line(number: number, bytes: bytes[start..<i]))
            start = i + 1
        }
        keep = start
        if let last = out.last, last.bytes.count > maxLine || !valid(last.bytes) {
            keep = last.bytes.startIndex
            out.removeLast()
        }
        for line in out where line.bytes.count > maxLine {
            throw PortalError(.stateCorrupt, "\(name):\(line.number)", "longer than \(maxLine) bytes")
        }
        if keep < bytes.count {
            if readOnly { return out }
            repairs.append("\(name): cut a torn last record of \(bytes.count - keep) bytes")
            guard truncate(path, off_t(keep)) == 0 else {
                throw PortalError(.io, path, "cannot truncate the torn last record: \(FileIO.errnoText())")
            }
            let fd = open(path, O_RDWR | O_CLOEXEC)
            if fd >= 0 { _ = fsync(fd); close(fd) }
        }
        return out
    }

    static func payloadLine(_ r: LoggedReceipt) -> [UInt8] {
        JCS.canonicalize(.obj([
            ("payload", .str(Base64URL.encode(r.payload))),
            ("receipt_hash", .hash(r.receiptHash)),
            ("salt", .str(Base64URL.encode(r.salt))),
        ])) + [0x0a]
    }

    static func parsePayloadLine(_ bytes: ArraySlice<UInt8>, file: String = "", line: Int = 0) throws(PortalError)
        -> (receiptHash: Hash256, salt: [UInt8], payload: [UInt8])
    {
        var options = JSONParseOptions.evidence
        options.maxBytes = maxPayloadLineBytes
        options.maxStringBytes = maxPayloadLineBytes
        do {
            let r = try ObjectReader(try JSONParser.parse(bytes, options: options), members: ["payload", "receipt_hash", "salt"])
            return (try r.hash("receipt_hash"), try r.base64url("salt", maxBytes: 64), try r.base64url("payload", maxBytes: maxPayloadLineBytes))
        } catch {
            throw PortalError(.stateCorrupt, "\(file):\(line)", "not a payload record: \(error)")
        }
    }

    // MARK: appending

    private func appendFD(_ name: String, _ fd: inout Int32) throws(PortalError) -> Int32 {
        if fd >= 0 { return fd }
        guard !readOnly else { throw PortalError(.stateLocked, directory, "opened read-only") }
        let path = directory + "/" + name
        let created = !FileIO.exists(path)
        let opened = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard opened >= 0 else { throw PortalError(.io, path, "cannot open for appending: \(FileIO.errnoText())") }
        if created { try FileIO.syncDirectory(of: path) }
        fd = opened
        return opened
    }

    package func append(receipt: LoggedReceipt) throws(PortalError) {
        let p = try appendFD(Self.payloadsName, &payloadsFD)
        let r = try appendFD(Self.receiptsName, &receiptsFD)
        try FileIO.writeAll(p, Self.payloadLine(receipt)[...], path: Self.payloadsName)
        try FileIO.writeAll(r, (receipt.document.bytes + [0x0a])[...], path: Self.receiptsName)
        guard fsync(p) == 0 else { throw PortalError(.io, Self.payloadsName, "fsync failed: \(FileIO.errnoText())") }
        guard fsync(r) == 0 else { throw PortalError(.io, Self.receiptsName, "fsync failed: \(FileIO.errnoText())") }
    }

    package func append(checkpoint: SealedDocument) throws(PortalError) {
        let c = try appendFD(Self.checkpointsName, &checkpointsFD)
        try FileIO.writeAll(c, (checkpoint.bytes + [0x0a])[...], path: Self.checkpointsName)
        guard fsync(c) == 0 else { throw PortalError(.io, Self.checkpointsName, "fsync failed: \(FileIO.errnoText())") }
    }
}

import Dispatch
import EvidenceCrypto
import EvidenceFormat
import Merkle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads receipts.jsonl once, as it comes out of the archive, in bounded memory.
///
/// The reading thread hashes the file, splits it into lines and hands batches of lines to the
/// worker threads (a bounded queue: at most `maxInFlight` batches exist at a time). A worker
/// parses each line (strict, canonical, the receipt's rules), computes its hashes and signing
/// input and checks its signature. The reading thread takes the batches back in line order and
/// walks what is inherently sequential: the per-session chains, the Merkle tree (a compact range,
/// O(log n) hashes) and the checkpoints it must reproduce, the inclusion proofs, the manifest's
/// session totals. Nothing of a receipt outlives its batch except its session's chain head.
///
/// Everything a check needs from the rest of the bundle (artifacts, declared profile, checkpoints,
/// proofs, disclosures) is fixed in a `Context` before the first byte; BundleVerifier arranges
/// for that (one pass when receipts.jsonl is the last bundle file of the archive, two otherwise).
/// Failures go into one bucket per kind, in line order, whatever the number of threads.
final class ReceiptStream {
    /// What the stream needs from the rest of the bundle.
    struct Context: Sendable {
        /// The parsed artifacts, boxed so that a lookup per receipt copies one reference.
        let artifacts: [Hash256: ArtifactInfo]
        let declaredProfile: Profile?
        /// Checkpoints whose roots are recomputed from the leaves: those of a full bundle whose
        /// checkpoints all parsed and grow strictly; empty otherwise.
        let fold: [Parsed<Checkpoint>]
        /// Inclusion proofs checked receipt by receipt (selective bundles whose proofs all parsed).
        let inclusion: [Parsed<InclusionProof>]
        let inclusionTarget: Manifest.CompleteThrough?
        /// Receipts for which a disclosure is at hand (in the bundle or beside it).
        let disclosed: Set<Hash256>
        /// At most this many failures of each kind are kept.
        let cap: Int
        /// Distinct sessions followed at most: the manifest can list no more, so a bundle with more
        /// cannot verify; CHAIN_TOO_MANY_SESSIONS says so once, and bounds the chain heads in memory.
        let maxSessions: Int

        init(_ run: Run) {
            artifacts = run.artifacts.mapValues { ArtifactInfo($0.value) }
            declaredProfile = run.declaredProfile
            let manifest = run.manifest?.value
            let checkpoints = run.checkpoints
            let grows = zip(checkpoints, checkpoints.dropFirst()).allSatisfy { $0.value.treeSize < $1.value.treeSize }
            fold = manifest?.scope == .full && run.checkpointsParsedCleanly && grows ? checkpoints : []
            if let manifest, manifest.scope == .selective, run.inclusionParsedCleanly {
                inclusion = run.inclusion
                inclusionTarget = manifest.completeThrough
            } else {
                inclusion = []
                inclusionTarget = nil
            }
            disclosed = Set(run.disclosures.map(\.value.receiptHash) + run.externalDisclosures.map(\.value.receiptHash))
            cap = run.options.maxListedFailures
            maxSessions = run.options.maxSessions
        }
    }

    /// One session's chain head and the totals the manifest lists.
    struct Session: Sendable {
        let artifactRef: Hash256
        var nextSeq: Int64
        var lastHash: Hash256
        var lastTime: Int64
        var receipts: Int64
    }

    /// A receipt for which a disclosure is at hand.
    struct Disclosed: Sendable {
        let sessionID: String
        let seq: Int64
        let payloadHash: Hash256
    }

    /// What the stream found.
    struct Result: Sendable {
        var size: Int64 = 0
        /// SHA-256 of the whole file, set by `finish()`.
        var sha256: Hash256?
        /// Non-blank lines: the leaves of the Merkle tree, parsed or not.
        var leaves = 0
        /// Every line framed correctly and parsed.
        var parsedCleanly = true
        var framing: FailureBucket
        var parse: FailureBucket
        var profile: FailureBucket
        var signature: FailureBucket
        var chain: FailureBucket
        var inclusion: FailureBucket
        var checkpoint: FailureBucket
        var sessions: [String: Session] = [:]
        /// Session ids in order of first appearance.
        var sessionOrder: [String] = []
        var disclosed: [Hash256: Disclosed] = [:]
        /// More than `maxSessions` sessions: the totals above are incomplete.
        var sessionsOverflowed = false

        init(cap: Int) {
            framing = FailureBucket(cap: cap)
            parse = FailureBucket(cap: cap)
            profile = FailureBucket(cap: cap)
            signature = FailureBucket(cap: cap)
            chain = FailureBucket(cap: cap)
            inclusion = FailureBucket(cap: cap)
            checkpoint = FailureBucket(cap: cap)
        }
    }

    /// Lines per batch, and batches in flight per worker thread.
    static let batchLines = 256
    static let batchBytes = 128 << 10
    static let inFlightPerCore = 4
    /// Whatever the number of cores: memory in flight stays under about 32 × 3 × batchBytes.
    static let maxBatchesInFlight = 32

    private let context: Context
    private let file = BundlePath.receiptsName
    private var result: Result
    private var fileHasher = StreamingSHA256()
    private var fold: CheckpointFold
    private var inclusionIndex = 0
    private var previousLeafIndex: Int64 = -1

    // The reading side.
    private var batch = Batch.reserved()
    private var lineStart = 0
    private var lineNumber = 0
    private var longLine: LongLine?
    private var inFlight: [Slot] = []
    private let maxInFlight: Int

    init(context: Context) {
        self.context = context
        result = Result(cap: context.cap)
        fold = CheckpointFold(checkpoints: context.fold, cap: context.cap)
        maxInFlight = min(Self.maxBatchesInFlight, max(2, ProcessInfoCores.count * Self.inFlightPerCore))
    }

    // MARK: Reading

    /// The next chunk of the file, as the archive delivers it.
    func feed(_ chunk: UnsafeRawBufferPointer) {
        fileHasher.update(chunk)
        result.size += Int64(chunk.count)
        guard let base = chunk.baseAddress else { return }
        var offset = 0
        while offset < chunk.count {
            let remaining = chunk.count - offset
            if let found = memchr(base + offset, Int32(UInt8(ascii: "\n")), remaining) {
                let end = base.distance(to: UnsafeRawPointer(found))
                appendToLine(UnsafeRawBufferPointer(rebasing: chunk[offset..<end]))
                endLine(terminated: true)
                offset = end + 1
            } else {
                appendToLine(UnsafeRawBufferPointer(rebasing: chunk[offset...]))
                offset = chunk.count
            }
        }
    }

    /// The end of the file: what the stream found.
    func finish() -> Result {
        if longLine != nil || batch.bytes.count > lineStart { endLine(terminated: false) }
        if result.size == 0 {
            result.framing.add(Failure(.jsonlEmpty, .parse, file: file, "the file holds no lines"))
            result.parsedCleanly = false
        }
        submit()
        while !inFlight.isEmpty { drainOldest() }
        result.sha256 = fileHasher.finalize()
        result.checkpoint = fold.finish(leaves: result.leaves)
        return result
    }

    private func appendToLine(_ piece: UnsafeRawBufferPointer) {
        if longLine != nil {
            longLine?.update(piece)
            return
        }
        batch.bytes.append(contentsOf: piece)
        if batch.bytes.count - lineStart > FormatLimits.maxLineBytes {
            // Too long to parse: hash it as it streams past, keep none of it.
            var long = LongLine(number: lineNumber + 1)
            batch.bytes.withUnsafeBytes { long.update(UnsafeRawBufferPointer(rebasing: $0[lineStart...])) }
            batch.bytes.removeSubrange(lineStart...)
            longLine = long
        }
    }

    private func endLine(terminated: Bool) {
        lineNumber += 1
        if !terminated {
            result.framing.add(Failure(.jsonlNoFinalNewline, .parse, file: file, line: lineNumber,
                                       "the last line is not terminated by a newline"))
            result.parsedCleanly = false
        }
        if let long = longLine {
            result.framing.add(Failure(.jsonlLineTooLong, .parse, file: file, line: lineNumber,
                                       "longer than \(FormatLimits.maxLineBytes) bytes"))
            result.parsedCleanly = false
            longLine = nil
            // It keeps its place in the log: a leaf that is hashed and never parsed.
            submit()
            let slot = Slot()
            slot.records = [long.record]
            slot.done.signal()
            enqueue(slot)
            return
        }
        let end = batch.bytes.count
        if end == lineStart {
            result.framing.add(Failure(.jsonlBlankLine, .parse, file: file, line: lineNumber, "blank lines are not allowed"))
            result.parsedCleanly = false
            return
        }
        batch.lines.append(Batch.Line(number: lineNumber, start: lineStart, end: end))
        lineStart = end
        if batch.lines.count >= Self.batchLines || batch.bytes.count >= Self.batchBytes { submit() }
    }

    /// Hands the current batch (whole lines only) to a worker.
    private func submit() {
        guard !batch.lines.isEmpty else { return }
        let work = batch
        batch = Batch.reserved()
        lineStart = 0
        let slot = Slot()
        let context = context
        let file = file
        DispatchQueue.global().async {
            slot.records = Self.process(work, context: context, file: file)
            slot.done.signal()
        }
        enqueue(slot)
    }

    private func enqueue(_ slot: Slot) {
        inFlight.append(slot)
        while inFlight.count > maxInFlight { drainOldest() }
    }

    private func drainOldest() {
        let slot = inFlight.removeFirst()
        slot.done.wait()
        for record in slot.records { consume(record) }
        slot.records = []
    }

    // MARK: Per line, on a worker

    /// Parses and checks every line of a batch; touches no shared state.
    static func process(_ batch: Batch, context: Context, file: String) -> [Record] {
        batch.lines.map { line in
            let bytes = batch.bytes[line.start..<line.end]
            let (parsed, parseFailure) = ParseStage.parseReceiptLine(number: line.number, bytes: bytes, file: file)
            var profileFailure: Failure? = nil
            if let declared = context.declaredProfile, let sig = parsed.receipt?.signature {
                profileFailure = ParseStage.profileMismatch(sig.profile, declared: declared, file: file, line: line.number,
                                                            "the receipt signature")
            }
            return Record(parsed: parsed, parseFailure: parseFailure, profileFailure: profileFailure,
                          signatureFailure: SignatureStage.checkReceipt(parsed, artifact: parsed.receipt.flatMap { context.artifacts[$0.artifactRef] }))
        }
    }

    // MARK: In line order, on the reading thread

    private func consume(_ record: Record) {
        let index = result.leaves
        result.leaves += 1
        result.parse.add(record.parseFailure)
        result.profile.add(record.profileFailure)
        result.signature.add(record.signatureFailure)
        if let r = record.parsed.receipt {
            follow(r, record)
            if !context.disclosed.isEmpty, context.disclosed.contains(record.parsed.receiptHash) {
                result.disclosed[record.parsed.receiptHash] = Disclosed(sessionID: r.sessionID, seq: r.seq, payloadHash: r.payloadHash)
            }
        } else {
            result.parsedCleanly = false
        }
        fold.append(leafHash: record.parsed.leafHash, time: record.parsed.receipt?.timeMS)
        if let target = context.inclusionTarget, index < context.inclusion.count {
            checkInclusion(context.inclusion[index], record, target: target)
        }
    }

    /// The chain of the receipt's session (ChainStage's rules) and the session's totals.
    private func follow(_ r: Receipt, _ record: Record) {
        // Looked up once: the new head is stored at the same index (a session's first receipt inserts it).
        let index = result.sessions.index(forKey: r.sessionID)
        let state = index.map { result.sessions.values[$0] }
        if state == nil {
            guard result.sessions.count < context.maxSessions else {
                if !result.sessionsOverflowed {
                    result.sessionsOverflowed = true
                    result.chain.add(Failure(.tooManySessions, .chain, file: file, line: record.parsed.line, session: r.sessionID, seq: r.seq,
                                             "more than \(context.maxSessions) sessions; the manifest cannot list them all, and later sessions are not followed"))
                }
                return
            }
            result.sessionOrder.append(r.sessionID)
        }
        ChainStage.check(r, line: record.parsed.line, state: state, artifact: context.artifacts[r.artifactRef]) {
            result.chain.add($0)
        }
        let head = Session(
            artifactRef: state?.artifactRef ?? r.artifactRef,
            // Resynchronise without going backwards, so one swapped pair reports two seq failures, not a cascade.
            nextSeq: max(r.seq + 1, state?.nextSeq ?? 0),
            lastHash: record.parsed.receiptHash,
            lastTime: max(r.timeMS, state?.lastTime ?? r.timeMS),
            receipts: (state?.receipts ?? 0) + 1)
        if let index {
            result.sessions.values[index] = head
        } else {
            result.sessions[r.sessionID] = head
        }
    }

    /// InclusionStage's rules for the proof of this leaf.
    private func checkInclusion(_ proof: Parsed<InclusionProof>, _ record: Record, target: Manifest.CompleteThrough) {
        let p = proof.value
        func fail(_ code: String, _ detail: String) {
            result.inclusion.add(Failure(code, .inclusion, file: BundlePath.inclusionName, line: proof.line,
                                         session: record.parsed.receipt?.sessionID, seq: record.parsed.receipt?.seq, detail))
        }
        if p.receiptHash != record.parsed.receiptHash {
            fail(VerifyCode.inclusionReceipt.rawValue, "proves receipt \(p.receiptHash.hex) but line \(record.parsed.line) of receipts.jsonl hashes to \(record.parsed.receiptHash.hex)")
            return
        }
        if p.leafIndex <= previousLeafIndex {
            fail(VerifyCode.inclusionOrder.rawValue, "leaf index \(p.leafIndex) does not increase; receipts are stored in log order")
        }
        previousLeafIndex = p.leafIndex
        if p.treeSize != target.treeSize {
            fail(VerifyCode.inclusionTreeSize.rawValue, "proves inclusion at tree size \(p.treeSize); the bundle claims completeness through \(target.treeSize)")
            return
        }
        do {
            try MerkleVerifier.verifyInclusion(leafHash: record.parsed.leafHash, index: UInt64(p.leafIndex),
                                               treeSize: UInt64(p.treeSize), proof: p.path, root: target.rootHash)
        } catch {
            fail(error.code.rawValue, error.reason)
        }
    }

    // MARK: Types

    /// Whole lines, copied out of the archive's chunks.
    struct Batch: Sendable {
        struct Line: Sendable {
            let number: Int
            let start: Int
            let end: Int
        }
        var bytes: [UInt8] = []
        var lines: [Line] = []

        /// An empty batch with room for a full one (a batch ends at the line that reaches
        /// `batchBytes`), so that its bytes are not copied again and again as it fills.
        static func reserved() -> Batch {
            var batch = Batch()
            batch.bytes.reserveCapacity(ReceiptStream.batchBytes + 4096)
            batch.lines.reserveCapacity(ReceiptStream.batchLines)
            return batch
        }
    }

    /// What a worker found in one line.
    struct Record: Sendable {
        let parsed: ReceiptLine
        let parseFailure: Failure?
        let profileFailure: Failure?
        let signatureFailure: Failure?
    }

    /// A line over the length limit, hashed as it passes.
    private struct LongLine {
        let number: Int
        var receiptHasher = StreamingSHA256()
        var leafHasher = StreamingSHA256()

        init(number: Int) {
            self.number = number
            withUnsafeBytes(of: MerkleHash.leafPrefix) { leafHasher.update($0) }
        }

        mutating func update(_ bytes: UnsafeRawBufferPointer) {
            receiptHasher.update(bytes)
            leafHasher.update(bytes)
        }

        var record: Record {
            Record(parsed: ReceiptLine(line: number, receiptHash: receiptHasher.finalize(), leafHash: leafHasher.finalize(),
                                       receipt: nil, signingDigest: nil),
                   parseFailure: nil, profileFailure: nil, signatureFailure: nil)
        }
    }

    /// One batch's results. The worker writes `records` before signalling `done`; the reading
    /// thread reads them only after waiting on `done`.
    private final class Slot: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var records: [Record] = []
    }
}

/// An artifact as the receipt checks need it: its rules, and its Portal keys by key id, each
/// prepared once for the many receipts it signs.
final class ArtifactInfo: Sendable {
    let value: PolicyArtifact
    let portalKeys: [Hash256: VerificationKey]

    init(_ value: PolicyArtifact) {
        self.value = value
        var keys: [Hash256: VerificationKey] = [:]
        // The first key of an id wins, as a linear search over the list would find it.
        for key in value.portalKeys where keys[key.keyID] == nil { keys[key.keyID] = VerificationKey(key) }
        portalKeys = keys
    }
}

/// CheckpointStage's root recomputation, one leaf at a time: the compact range of the tree so far,
/// and each checkpoint compared when the tree reaches its size.
struct CheckpointFold {
    private let checkpoints: [Parsed<Checkpoint>]
    private var next = 0
    private var tree = IncrementalMerkleTree()
    private var maxTime: Int64 = 0
    private var failures: FailureBucket

    init(checkpoints: [Parsed<Checkpoint>], cap: Int) {
        self.checkpoints = checkpoints
        failures = FailureBucket(cap: cap)
        compareReached()
    }

    mutating func append(leafHash: Hash256, time: Int64?) {
        guard next < checkpoints.count else { return }
        tree.append(leafHash: leafHash)
        if let time { maxTime = max(maxTime, time) }
        compareReached()
    }

    /// The failures, once every leaf has been appended.
    mutating func finish(leaves: Int) -> FailureBucket {
        if next < checkpoints.count {
            let c = checkpoints[next]
            failures.add(Failure(.checkpointBeyondLog, .checkpoint, file: c.file, line: c.line,
                                 "tree size \(c.value.treeSize) exceeds the \(leaves) receipts of this full bundle"))
            next = checkpoints.count
        }
        return failures
    }

    private mutating func compareReached() {
        while next < checkpoints.count, UInt64(checkpoints[next].value.treeSize) == tree.size {
            let c = checkpoints[next]
            let root = tree.root()
            if root != c.value.rootHash {
                failures.add(Failure(.checkpointRoot, .checkpoint, file: c.file, line: c.line,
                                     "root_hash \(c.value.rootHash.hex) differs from \(root.hex), computed from the first \(c.value.treeSize) receipts"))
            }
            if c.value.timeMS < maxTime {
                failures.add(Failure(.checkpointBeforeReceipts, .checkpoint, file: c.file, line: c.line,
                                     "time \(c.value.timeMS) is before the latest receipt it covers (\(maxTime))"))
            }
            next += 1
        }
    }
}

/// The number of cores, read once (sysconf; no environment variable is consulted).
enum ProcessInfoCores {
    static let count: Int = {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? Int(n) : 1
    }()
}

import EvidenceCrypto
import EvidenceFormat
import Merkle
import StrictJSON

/// A rough, single-threaded, in-process account of where a verifier's per-receipt work goes: the
/// same library calls the verifier's stages make for each line of receipts.jsonl, each stage timed
/// over all sampled lines in turn. Not the verifier itself (the bench does not link it); a guide to
/// which stage bounds it.
enum StageBreakdown {
    struct Stage {
        var name: String
        var seconds: Double
    }

    struct Result {
        var receipts: Int
        var stages: [Stage]
        var total: Double { stages.reduce(0) { $0 + $1.seconds } }
    }

    static func run(receiptsJSONL bytes: [UInt8], portalKey: PublicKey, sample: Int, checkpointEvery: Int) throws -> Result {
        let verifyName = portalKey.profile == .ed25519
            ? "signature: Ed25519 verify (R/S checks + libsodium; key checked once)"
            : "signature: composite verify (key split/checks, M', ML-DSA-65 + Ed25519)"
        var stages: [Stage] = []
        func stage<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
            let (v, s) = try Clock.time(body)
            stages.append(Stage(name: name, seconds: s))
            return v
        }

        let lines: [ArraySlice<UInt8>] = stage("parse: split lines") {
            var out: [ArraySlice<UInt8>] = []
            var start = 0
            while start < bytes.count, out.count < sample {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                out.append(bytes[start..<end])
                start = end + 1
            }
            return out
        }
        let sampledBytes = min(bytes.count, (lines.last?.endIndex ?? 0) + 1)
        // The receipt stream hashes the file whole as it streams and copies each line into a batch;
        // here only the sampled lines' bytes, so that the per-receipt figure holds for any sample.
        _ = stage("archive: SHA-256 of receipts.jsonl + copy into batches") { () -> Hash256 in
            var copy: [UInt8] = []
            var hasher = StreamingSHA256()
            var offset = 0
            while offset < sampledBytes {
                let end = min(offset + (1 << 16), sampledBytes)
                bytes[offset..<end].withUnsafeBytes { hasher.update($0) }
                copy.append(contentsOf: bytes[offset..<end])
                offset = end
            }
            return hasher.finalize()
        }
        var options = JSONParseOptions.evidence
        options.maxBytes = FormatLimits.maxJSONFileBytes
        options.maxDepth = FormatLimits.maxDepth
        options.maxElements = FormatLimits.maxManifestElements
        // As ParseStage.parseReceiptLine: the receipt decoded straight from its canonical line,
        // and the reference path (one-pass parse, then ObjectReader) for a line it declines.
        var declined = 0
        let decoded: [(receipt: Receipt, excluded: Range<Int>?)] = try stage("parse: Receipt straight from the line (Receipt.decodeCanonicalLine)") {
            try lines.map { line throws -> (Receipt, Range<Int>?) in
                if let d = Receipt.decodeCanonicalLine(line, options: options) { return (d.receipt, d.excluded) }
                declined += 1
                let p = try JCS.parseCanonicalObject(line, options: options, excluding: "signature")
                return (try Receipt(p.value), p.excluded)
            }
        }
        guard declined == 0 else { throw BenchError("the receipt decoder declined \(declined) bench receipts") }
        let receipts = decoded.map(\.receipt)
        let leaves: [Hash256] = stage("parse: receipt_hash + Merkle leaf hash") {
            lines.map { line in
                _ = SHA256Hasher.hash(line)
                return MerkleHash.leaf(line)
            }
        }
        let digests: [Hash256] = stage("signature: signing input (SHA-256 of the line without its signature member)") {
            zip(lines, decoded).map { line, d in SigningInput.digest(canonicalBytes: line, excluding: d.excluded) }
        }
        let prepared = VerificationKey(portalKey)  // as the verifier prepares an artifact's Portal keys once
        try stage(verifyName) {
            for (r, d) in zip(receipts, digests) {
                guard let sig = r.signature else { throw BenchError("a bench receipt has no signature") }
                try SignatureCheck.verify(sig, key: prepared, digest: d)
            }
        }
        stage("checkpoint: incremental Merkle tree + root every \(checkpointEvery)") {
            var tree = IncrementalMerkleTree()
            for (i, leaf) in leaves.enumerated() {
                tree.append(leafHash: leaf)
                if (i + 1) % checkpointEvery == 0 { _ = tree.root() }
            }
            _ = tree.root()
        }
        stage("chain: per-session seq/prev/time (dictionary)") {
            var last: [String: (Int64, Hash256)] = [:]
            for (r, leaf) in zip(receipts, leaves) {
                _ = last[r.sessionID]
                last[r.sessionID] = (r.seq, leaf)
            }
        }
        return Result(receipts: lines.count, stages: stages)
    }
}

import BundleArchive
import EvidenceCrypto
import EvidenceFormat
import Merkle
import StrictJSON

/// One file of a bundle before it is archived.
package struct BundleEntry: Sendable {
    package var path: String
    package var bytes: [UInt8]

    package init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}

/// What goes into a bundle.
package struct BundleRequest {
    package var log: EvidenceLog
    /// Sealed artifacts (root artifacts and sub-mandates).
    package var artifacts: [SealedDocument]
    /// Sealed key delegations, if an artifact is signed by a delegate.
    package var delegations: [SealedDocument] = []
    /// Issuer keys carried as information (`keys/`); never trusted by the verifier.
    package var issuerKeys: [PublicKey] = []
    /// 1: integrity only; 2: adds payload disclosures for `disclose` (or every receipt when nil).
    package var tier: Int64 = 1
    package var disclose: Set<Hash256>? = nil
    /// nil: the whole log (scope `full`); otherwise only these sessions (scope `selective`).
    package var sessions: [String]? = nil

    package init(log: EvidenceLog, artifacts: [SealedDocument]) {
        self.log = log
        self.artifacts = artifacts
    }
}

package struct BundleWriterError: Error, Equatable, CustomStringConvertible {
    package let reason: String
    package var description: String { reason }
}

/// Writes bundles in the layout of the specification, reproducibly: the same evidence gives a
/// byte-identical tar (files in a fixed order, zero owners and times).
package enum BundleWriter {
    /// Every file except the manifest, in the writer's order.
    package static func contentFiles(_ req: BundleRequest) throws(BundleWriterError) -> [BundleEntry] {
        let log = req.log
        guard let last = log.checkpoints.last?.checkpoint else {
            throw BundleWriterError(reason: "the log has no checkpoint; sign one before exporting")
        }
        guard last.treeSize == Int64(log.entries.count) else {
            throw BundleWriterError(reason: "receipts were sealed after the last checkpoint; sign a checkpoint before exporting")
        }
        var files: [(BundlePath, [UInt8])] = []
        for key in req.issuerKeys { files.append((.key(key.keyID), JCS.canonicalize(key.json))) }
        for d in req.delegations { files.append((.delegation(d.hash), d.bytes)) }
        for a in req.artifacts { files.append((.artifact(a.hash), a.bytes)) }
        files.append((.checkpoints, jsonl(log.checkpoints.map(\.document.bytes))))

        let selected: [Int]
        if let sessions = req.sessions {
            let wanted = Set(sessions)
            selected = log.entries.indices.filter { wanted.contains(log.entries[$0].receipt.sessionID) }
            let leaves = log.leafHashes
            var inclusion: [[UInt8]] = []
            for i in selected {
                let path: [Hash256]
                do { path = try MerkleTree.inclusionProof(index: UInt64(i), leafHashes: leaves) } catch {
                    throw BundleWriterError(reason: "inclusion proof: \(error.reason)")
                }
                inclusion.append(JCS.canonicalize(InclusionProof(
                    leafIndex: Int64(i), treeSize: last.treeSize, receiptHash: log.entries[i].receiptHash, path: path).json))
            }
            files.append((.inclusionProofs, jsonl(inclusion)))
            var consistency: [[UInt8]] = []
            for (old, new) in zip(log.checkpoints, log.checkpoints.dropFirst()) {
                let path: [Hash256]
                do {
                    path = try MerkleTree.consistencyProof(oldSize: UInt64(old.checkpoint.treeSize),
                                                           leafHashes: Array(leaves.prefix(Int(new.checkpoint.treeSize))))
                } catch {
                    throw BundleWriterError(reason: "consistency proof: \(error.reason)")
                }
                consistency.append(JCS.canonicalize(ConsistencyProof(
                    oldSize: old.checkpoint.treeSize, newSize: new.checkpoint.treeSize, path: path).json))
            }
            if !consistency.isEmpty { files.append((.consistencyProofs, jsonl(consistency))) }
        } else {
            selected = Array(log.entries.indices)
        }
        files.append((.receipts, jsonl(selected.map { log.entries[$0].document.bytes })))
        if req.tier == 2 {
            for i in selected {
                let e = log.entries[i]
                if let wanted = req.disclose, !wanted.contains(e.receiptHash) { continue }
                let d = PayloadDisclosure(receiptHash: e.receiptHash, salt: e.salt, payload: e.payload)
                files.append((.payload(e.receiptHash), JCS.canonicalize(d.json)))
            }
        }
        return order(files)
    }

    /// The manifest for `files`, signed by the log's Portal key.
    package static func manifest(for files: [BundleEntry], _ req: BundleRequest) throws(BundleWriterError) -> SealedDocument {
        let log = req.log
        guard let last = log.checkpoints.last?.checkpoint else {
            throw BundleWriterError(reason: "the log has no checkpoint")
        }
        let wanted = req.sessions.map(Set.init)
        var sessions: [Manifest.Session] = []
        for id in log.sessionOrder where wanted?.contains(id) ?? true {
            let entries = log.entries.filter { $0.receipt.sessionID == id }
            guard let first = entries.first, let lastEntry = entries.last else { continue }
            sessions.append(Manifest.Session(sessionID: id, artifactRef: first.receipt.artifactRef,
                                             receipts: Int64(entries.count), lastReceiptHash: lastEntry.receiptHash))
        }
        sessions.sort { Array($0.sessionID.utf8).lexicographicallyPrecedes(Array($1.sessionID.utf8)) }
        let listed = files.map { Manifest.File(path: $0.path, size: Int64($0.bytes.count), sha256: SHA256Hasher.hash($0.bytes)) }
            .sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        let manifest = Manifest(
            profile: log.portal.profile, tier: req.tier, scope: req.sessions == nil ? .full : .selective, logID: log.logID,
            completeThrough: .init(treeSize: last.treeSize, rootHash: last.rootHash), sessions: sessions, files: listed)
        return log.portal.sign(manifest.body)
    }

    /// The whole bundle: manifest first, then the content files, as a reproducible tar.
    package static func bundle(_ req: BundleRequest) throws(BundleWriterError) -> [UInt8] {
        let files = try contentFiles(req)
        let manifest = try manifest(for: files, req)
        return try tar([BundleEntry(path: BundlePath.manifestName, bytes: manifest.bytes)] + files)
    }

    package static func tar(_ entries: [BundleEntry]) throws(BundleWriterError) -> [UInt8] {
        var writer = TarWriter()
        do {
            for e in entries { try writer.add(path: e.path, contents: e.bytes) }
            return try writer.finish()
        } catch {
            throw BundleWriterError(reason: "tar: \(error.reason)")
        }
    }

    package static func jsonl(_ lines: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for line in lines {
            out.append(contentsOf: line)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    static func order(_ files: [(BundlePath, [UInt8])]) -> [BundleEntry] {
        files.sorted {
            $0.0.writeRank != $1.0.writeRank
                ? $0.0.writeRank < $1.0.writeRank
                : Array($0.0.path.utf8).lexicographicallyPrecedes(Array($1.0.path.utf8))
        }.map { BundleEntry(path: $0.0.path, bytes: $0.1) }
    }
}

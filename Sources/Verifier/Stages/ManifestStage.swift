import EvidenceCrypto
import EvidenceFormat

/// Stage 5: the signed manifest accounts for every file (size and SHA-256), its sessions and its
/// completeness claim match what the bundle holds.
enum ManifestStage {
    static func run(_ run: Run) {
        guard let m = run.manifest else { return }
        let manifest = m.value
        let file = m.file

        // Files: both lists are sorted by path bytes; walk them together.
        let actual = run.files.filter { $0.kind != .manifest }
            .sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        var byPath: [String: Manifest.File] = [:]
        for f in manifest.files { byPath[f.path] = f }
        var seen: Set<String> = []
        for f in actual {
            seen.insert(f.path)
            guard let listed = byPath[f.path] else {
                run.fail(.manifestFileUnlisted, .manifest, file: f.path, "the archive holds this file but the manifest does not list it")
                continue
            }
            if listed.size != f.size || listed.sha256 != f.sha256 {
                run.fail(.manifestFileMismatch, .manifest, file: f.path,
                         "the manifest lists \(listed.size) bytes with SHA-256 \(listed.sha256.hex); the archive holds \(f.size) bytes with SHA-256 \(f.sha256.hex)")
            }
        }
        for listed in manifest.files where !seen.contains(listed.path) {
            run.fail(.manifestFileMissing, .manifest, file: listed.path, "the manifest lists this file but the archive does not hold it")
        }

        // Scope: proofs belong to selective bundles only.
        let hasInclusion = run.files.contains { $0.kind == .inclusionProofs }
        let hasConsistency = run.files.contains { $0.kind == .consistencyProofs }
        switch manifest.scope {
        case .full:
            if hasInclusion { run.fail(.scopeFile, .manifest, file: BundlePath.inclusionName, "a full bundle carries no inclusion proofs") }
            if hasConsistency { run.fail(.scopeFile, .manifest, file: BundlePath.consistencyName, "a full bundle carries no consistency proofs") }
            if run.receiptsParsedCleanly, Int64(run.receiptCount) != manifest.completeThrough.treeSize {
                run.fail(.manifestReceiptCount, .manifest, file: file,
                         "a full bundle holds every leaf through tree size \(manifest.completeThrough.treeSize); it holds \(run.receiptCount) receipts")
            }
        case .selective:
            if !hasInclusion { run.fail(.missingFile, .manifest, file: BundlePath.inclusionName, "a selective bundle carries inclusion proofs") }
            // A missing consistency proof is reported per pair of checkpoints by the checkpoint stage.
        }

        // Completeness claim: the last checkpoint.
        if run.checkpointsParsedCleanly, let last = run.checkpoints.last?.value {
            if last.treeSize != manifest.completeThrough.treeSize || last.rootHash != manifest.completeThrough.rootHash {
                run.fail(.manifestCheckpoint, .manifest, file: file,
                         "complete_through is (\(manifest.completeThrough.treeSize), \(manifest.completeThrough.rootHash.hex)) but the last checkpoint is (\(last.treeSize), \(last.rootHash.hex))")
            }
        }
        for c in run.checkpoints where c.value.logID != manifest.logID {
            run.fail(.manifestLogID, .manifest, file: c.file, line: c.line, "the checkpoint's log_id is not the manifest's")
        }

        // Sessions: each listed session matches the receipts; every session present is listed.
        // The totals were taken as the receipts streamed. Past ReceiptStream.maxSessions sessions
        // they are incomplete, and the chain stage has already failed the bundle.
        guard run.receiptsParsedCleanly, !run.sessionsOverflowed else { return }
        let stats = run.stream?.sessions ?? [:]
        let order = run.stream?.sessionOrder ?? []
        var listed: Set<String> = []
        for s in manifest.sessions {
            listed.insert(s.sessionID)
            guard let found = stats[s.sessionID] else {
                run.fail(.manifestSessionMissing, .manifest, file: file, session: s.sessionID, "the manifest lists this session but the bundle holds none of its receipts")
                continue
            }
            if found.artifactRef != s.artifactRef || found.receipts != s.receipts || found.lastHash != s.lastReceiptHash {
                run.fail(.manifestSessionMismatch, .manifest, file: file, session: s.sessionID,
                         "the manifest lists \(s.receipts) receipts ending in \(s.lastReceiptHash.hex); the bundle holds \(found.receipts) ending in \(found.lastHash.hex)")
            }
        }
        for id in order where !listed.contains(id) {
            run.fail(.manifestSessionUnlisted, .manifest, file: file, session: id, "the bundle holds receipts of a session the manifest does not list")
        }
    }
}

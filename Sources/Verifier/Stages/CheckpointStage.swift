import EvidenceCrypto
import EvidenceFormat
import Merkle

/// Stage 9: checkpoints grow, keep one log id, and never go back in time. A full bundle recomputes
/// every checkpoint's root from the leaves; a selective bundle checks a consistency proof between
/// each pair of consecutive checkpoints.
enum CheckpointStage {
    static func run(_ run: Run) {
        guard run.checkpointsParsedCleanly, !run.checkpoints.isEmpty else { return }
        let checkpoints = run.checkpoints
        for (prev, next) in zip(checkpoints, checkpoints.dropFirst()) {
            if next.value.treeSize <= prev.value.treeSize {
                run.fail(.checkpointOrder, .checkpoint, file: next.file, line: next.line,
                         "tree size \(next.value.treeSize) does not exceed the previous checkpoint's \(prev.value.treeSize)")
            }
            if next.value.timeMS < prev.value.timeMS {
                run.fail(.checkpointTimeRegression, .checkpoint, file: next.file, line: next.line,
                         "time \(next.value.timeMS) is before the previous checkpoint's \(prev.value.timeMS)")
            }
            if next.value.logID != prev.value.logID {
                run.fail(.checkpointLogID, .checkpoint, file: next.file, line: next.line, "log_id differs from the previous checkpoint's")
            }
        }
        if run.failed(.checkpoint) { return }
        switch run.manifest?.value.scope {
        case .full?: recomputeRoots(run)
        case .selective?: checkConsistency(run)
        case nil: return
        }
    }

    /// The roots were recomputed as the receipts streamed (CheckpointFold, fed by ReceiptStream).
    static func recomputeRoots(_ run: Run) {
        guard run.receiptsParsedCleanly || run.receiptCount > 0 else { return }
        if let stream = run.stream {
            run.attach(stream.checkpoint, .checkpoint)
        } else {
            // No receipts.jsonl: every checkpoint lies beyond an empty log.
            var fold = CheckpointFold(checkpoints: run.checkpoints, cap: run.options.maxListedFailures)
            run.attach(fold.finish(leaves: 0), .checkpoint)
        }
    }

    static func checkConsistency(_ run: Run) {
        guard run.consistencyParsedCleanly else { return }
        let file = BundlePath.consistencyName
        let pairs = zip(run.checkpoints, run.checkpoints.dropFirst()).map { ($0.value, $1.value) }
        // Exactly one proof per pair of consecutive checkpoints (matched by sizes; file order free).
        var proofs: [Int: Parsed<ConsistencyProof>] = [:]
        for p in run.consistency {
            let pair = pairs.firstIndex { $0.0.treeSize == p.value.oldSize && $0.1.treeSize == p.value.newSize }
            guard let pair, proofs[pair] == nil else {
                run.fail(.consistencyUnexpected, .checkpoint, file: file, line: p.line,
                         "proof from \(p.value.oldSize) to \(p.value.newSize) joins no pair of consecutive checkpoints, or repeats one")
                continue
            }
            proofs[pair] = p
        }
        for (i, (old, new)) in pairs.enumerated() {
            guard let proof = proofs[i] else {
                run.fail(.consistencyMissing, .checkpoint, file: file,
                         "no consistency proof from tree size \(old.treeSize) to \(new.treeSize)")
                continue
            }
            do {
                try MerkleVerifier.verifyConsistency(oldSize: UInt64(old.treeSize), newSize: UInt64(new.treeSize),
                                                     oldRoot: old.rootHash, newRoot: new.rootHash, proof: proof.value.path)
            } catch {
                run.fail(Failure(error.code.rawValue, .checkpoint, file: file, line: proof.line, error.reason))
            }
        }
    }
}

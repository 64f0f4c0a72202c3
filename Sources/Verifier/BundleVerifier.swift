import BundleArchive
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// Verifies an evidence bundle. Reads nothing but the bundle and what the options carry: no clock,
/// no environment, no network.
package enum BundleVerifier {
    /// Verifies the bundle at `path`. Throws only when the bundle cannot be read at all.
    package static func verify(bundleAt path: String, options: VerifyOptions) throws(VerifyError) -> Report {
        let open = { () throws(ArchiveError) -> TarReader in try TarReader(path: path, limits: archiveLimits) }
        let reader: TarReader
        do {
            reader = try open()
        } catch {
            throw VerifyError(.bundleUnreadable, "\(path): \(error.reason)")
        }
        let (report, ioFailure) = run(reader: reader, reopen: open, options: options)
        if let ioFailure { throw VerifyError(.bundleUnreadable, "\(path): \(ioFailure)") }
        return report
    }

    /// Verifies a bundle held in memory.
    package static func verify(bundle bytes: [UInt8], options: VerifyOptions) -> Report {
        let open = { () throws(ArchiveError) -> TarReader in try TarReader(bytes: bytes, limits: archiveLimits) }
        do {
            return run(reader: try open(), reopen: open, options: options).0
        } catch {
            let run = Run(options: options)
            run.fail(Failure(error.code.rawValue, .archive, file: error.path, error.reason))
            return report(run, reached: .archive)
        }
    }

    /// Every entry at most 2^34 bytes, the archive's total: receipts.jsonl is streamed, and every
    /// other bundle file has its own, smaller limit (ArchiveStage.sizeLimit).
    static var archiveLimits: ArchiveLimits {
        var limits = ArchiveLimits.default
        limits.maxEntrySize = limits.maxTotalSize
        return limits
    }

    /// One pass when receipts.jsonl is the last bundle file of the archive (the order writers
    /// use): the documents before it are parsed when it begins, and it is checked as it streams.
    /// Otherwise the receipts are read again once the whole archive is known (`reopen`), and
    /// must hash to what the first pass read; the documents, held in memory, are parsed again
    /// with them (the first parse saw only part of the bundle).
    package static func run(reader: TarReader, reopen: () throws(ArchiveError) -> TarReader,
                    options: VerifyOptions) -> (Report, ioFailure: String?) {
        var run = Run(options: options)
        ArchiveStage.run(run, reader: reader) { run in
            ParseStage.parseDocuments(run)
            return ReceiptStream(context: ReceiptStream.Context(run))
        }
        if let failure = run.ioFailure {
            // Never a verdict on evidence that could not be read.
            run.fail(Failure(ArchiveError.Code.io.rawValue, .archive, failure))
        }
        guard run.archiveIntact else { return (report(run, reached: .archive), run.ioFailure) }
        if run.bundleFileAfterReceipts {
            run = run.restartedAfterArchive()
            ParseStage.parseDocuments(run)
            if let failure = streamAgain(run, reopen: reopen) {
                run.fail(Failure(ArchiveError.Code.io.rawValue, .archive, file: BundlePath.receiptsName, failure))
                return (report(run, reached: .archive), failure)
            }
        }
        ParseStage.parseDocuments(run)
        ParseStage.finish(run)
        TrustStage.run(run)
        SignatureStage.run(run)
        ManifestStage.run(run)
        ArtifactStage.run(run)
        ChainStage.run(run)
        InclusionStage.run(run)
        CheckpointStage.run(run)
        PayloadStage.run(run, external: run.externalDisclosures)
        return (report(run, reached: .payload), nil)
    }

    /// The second pass: receipts.jsonl only, against everything else. An I/O failure, or a file
    /// that differs from the first pass, means the bundle could not be read reliably.
    static func streamAgain(_ run: Run, reopen: () throws(ArchiveError) -> TarReader) -> String? {
        guard let first = run.files.first(where: { $0.kind == .receipts }) else { return nil }
        let stream = ReceiptStream(context: ReceiptStream.Context(run))
        do {
            let reader = try reopen()
            while let entry = try reader.nextEntry() {
                guard BundlePath(path: entry.path) == .receipts else { continue }
                try reader.readData { stream.feed($0) }
                let result = stream.finish()
                guard result.size == first.size, result.sha256 == first.sha256 else {
                    return "receipts.jsonl changed between the two reads of the bundle"
                }
                run.stream = result
                return nil
            }
            return "receipts.jsonl is missing on the second read of the bundle"
        } catch {
            return "second read of the bundle: \(error)"
        }
    }

    /// Disclosures supplied beside the bundle: `<receipt_hash>.json`, same format as in the bundle.
    static func parseExternal(_ run: Run) -> [Parsed<PayloadDisclosure>] {
        var out: [Parsed<PayloadDisclosure>] = []
        let sorted = run.options.externalPayloads.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        for (name, bytes) in sorted {
            let label = "payloads-dir/\(name)"
            guard name.hasSuffix(".json"), let h = Hash256(hex: String(name.dropLast(5))) else {
                run.fail(.payloadName, .payload, file: label, "a disclosure file is named <receipt_hash>.json")
                continue
            }
            guard let (value, object) = ParseStage.parseValue(run, bytes: bytes[...], file: label, line: nil,
                                                              options: ParseStage.disclosureOptions, stage: .payload,
                                                              PayloadDisclosure.init) else {
                continue
            }
            guard value.receiptHash == h else {
                run.fail(.nameMismatch, .payload, file: label, "the file name is not the disclosure's receipt_hash")
                continue
            }
            out.append(Parsed(file: label, line: nil, value: value, object: object))
        }
        return out
    }

    static func report(_ run: Run, reached: Stage) -> Report {
        let m = run.manifest?.value
        let stages: [(Stage, Report.StageStatus)] = Stage.allCases.map { stage in
            if stage > reached { return (stage, .skipped) }
            if stage == .inclusion, m?.scope != .selective, !run.failed(stage) { return (stage, .notApplicable) }
            return (stage, run.failed(stage) ? .fail : .pass)
        }
        let count = run.failureCount(through: reached)
        return Report(
            verdict: count == 0 ? .pass : .fail,
            originPinned: run.originPinned,
            trustAnchors: Set(run.options.trustAnchors.map(\.keyID)).sorted(),
            issuerKeys: run.issuerKeysUsed.sorted(),
            profile: m?.profile.rawValue,
            tier: m?.tier,
            scope: m?.scope.rawValue,
            receipts: run.receiptCount,
            sessions: run.sessionCount,
            checkpoints: run.checkpoints.count,
            artifacts: run.artifacts.count,
            // In session order (bytes), then seq, then source: the order an auditor reads them in.
            confirmedPayloads: run.confirmedPayloads.map {
                Report.ConfirmedPayload(receiptHash: $0.receiptHash, sessionID: $0.session, seq: $0.seq, source: $0.source)
            }.sorted {
                if $0.sessionID != $1.sessionID { return Array($0.sessionID.utf8).lexicographicallyPrecedes(Array($1.sessionID.utf8)) }
                if $0.seq != $1.seq { return $0.seq < $1.seq }
                return Array($0.source.utf8).lexicographicallyPrecedes(Array($1.source.utf8))
            },
            stages: stages,
            failures: run.failures(through: reached, limit: max(0, run.options.maxListedFailures)),
            failureCount: count)
    }
}

import BundleArchive
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// Verifies an evidence bundle. Reads nothing but the bundle and what the options carry: no clock,
/// no environment, no network.
package enum BundleVerifier {
    /// Verifies the bundle at `path`. Throws only when the bundle cannot be read at all.
    package static func verify(bundleAt path: String, options: VerifyOptions) throws(VerifyError) -> Report {
        let reader: TarReader
        do {
            reader = try TarReader(path: path, limits: archiveLimits)
        } catch {
            throw VerifyError(.bundleUnreadable, "\(path): \(error.reason)")
        }
        let (report, ioFailure) = run(reader: reader, options: options)
        if let ioFailure { throw VerifyError(.bundleUnreadable, "\(path): \(ioFailure)") }
        return report
    }

    /// Verifies a bundle held in memory.
    package static func verify(bundle bytes: [UInt8], options: VerifyOptions) -> Report {
        do {
            return run(reader: try TarReader(bytes: bytes, limits: archiveLimits), options: options).0
        } catch {
            let run = Run(options: options)
            run.fail(Failure(error.code.rawValue, .archive, file: error.path, error.reason))
            return report(run, reached: .archive)
        }
    }

    static var archiveLimits: ArchiveLimits {
        var limits = ArchiveLimits.default
        limits.maxEntrySize = 1 << 30
        return limits
    }

    static func run(reader: TarReader, options: VerifyOptions) -> (Report, ioFailure: String?) {
        let run = Run(options: options)
        ArchiveStage.run(run, reader: reader)
        guard run.archiveIntact else { return (report(run, reached: .archive), run.ioFailure) }
        ParseStage.run(run)
        TrustStage.run(run)
        SignatureStage.run(run)
        ManifestStage.run(run)
        ArtifactStage.run(run)
        ChainStage.run(run)
        InclusionStage.run(run)
        CheckpointStage.run(run)
        PayloadStage.run(run, external: parseExternal(run))
        return (report(run, reached: .payload), nil)
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
        let failures = run.failures
        return Report(
            verdict: failures.isEmpty ? .pass : .fail,
            originPinned: run.originPinned,
            trustAnchors: Set(run.options.trustAnchors.map(\.keyID)).sorted(),
            issuerKeys: run.issuerKeysUsed.sorted(),
            profile: m?.profile.rawValue,
            tier: m?.tier,
            scope: m?.scope.rawValue,
            receipts: run.receipts.count,
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
            failures: Array(failures.prefix(max(0, run.options.maxListedFailures))),
            failureCount: failures.count)
    }
}

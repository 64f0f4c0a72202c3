import BundleArchive
import EvidenceCrypto
import EvidenceFormat

/// Stage 1: read the tar stream once, enforce every archive rule (BundleArchive) and the bundle
/// layout, and hash every file. Nothing is extracted to disk. Any ARCHIVE_* failure stops the
/// pipeline: an archive that is not exactly what it claims to be has no reliable contents.
enum ArchiveStage {
    /// `receipts` is called when receipts.jsonl begins, with every file before it already read; it
    /// returns the stream the file is fed to (nil: only hash it). The file itself is never held.
    static func run(_ run: Run, reader: TarReader, receipts: (Run) -> ReceiptStream?) {
        do {
            var sawReceipts = false
            while let entry = try reader.nextEntry() {
                let kind = BundlePath(path: entry.path)
                if kind == nil {
                    run.fail(.unexpectedFile, .archive, file: entry.path, "the bundle layout has no file at this path")
                } else if sawReceipts {
                    run.bundleFileAfterReceipts = true
                }
                if kind == .receipts {
                    // A second receipts.jsonl is a duplicate path, which the reader refuses first.
                    sawReceipts = true
                    let stream = receipts(run)
                    var hasher = StreamingSHA256()
                    var size: Int64 = 0
                    try reader.readData { chunk in
                        if let stream {
                            stream.feed(chunk)
                        } else {
                            hasher.update(chunk)
                        }
                        size += Int64(chunk.count)
                    }
                    var digest = hasher.finalize()
                    if let stream {
                        let result = stream.finish()
                        digest = result.sha256 ?? digest
                        run.stream = result
                    }
                    run.files.append(BundleFile(path: entry.path, kind: kind, bytes: [], size: size, sha256: digest))
                    continue
                }
                let limit = kind.map(Self.sizeLimit) ?? 0
                if kind != nil, entry.size > Int64(limit) {
                    // Refused on the declared size, before any of it is read.
                    run.fail(Failure(ArchiveError.Code.entryTooLarge.rawValue, .archive, file: entry.path,
                                     "declares \(entry.size) bytes, over the \(limit)-byte limit for this file"))
                    return
                }
                var bytes: [UInt8] = []
                var hasher = StreamingSHA256()
                var size: Int64 = 0
                var overLimit = false
                try reader.readData { chunk in
                    hasher.update(chunk)
                    size += Int64(chunk.count)
                    guard kind != nil else { return }
                    if bytes.count + chunk.count > limit {
                        overLimit = true
                    } else {
                        bytes.append(contentsOf: chunk)
                    }
                }
                if overLimit {
                    run.fail(Failure(ArchiveError.Code.entryTooLarge.rawValue, .archive, file: entry.path,
                                     "larger than the \(limit)-byte limit for this file"))
                    return
                }
                run.files.append(BundleFile(path: entry.path, kind: kind, bytes: kind == nil ? [] : bytes,
                                            size: size, sha256: hasher.finalize()))
            }
        } catch let e as ArchiveError {
            if e.code == .io {
                // The bundle could not be read (not: it was read and is wrong): exit status 2.
                run.ioFailure = e.reason
                return
            }
            run.fail(Failure(e.code.rawValue, .archive, file: e.path, e.reason))
            return
        } catch {
            run.fail(Failure(ArchiveError.Code.io.rawValue, .archive, "\(error)"))
            return
        }
        run.archiveIntact = true
        for required in [BundlePath.manifest, .receipts, .checkpoints] where !run.files.contains(where: { $0.kind == required }) {
            run.fail(.missingFile, .archive, file: required.path, "a bundle always holds this file")
        }
        if !run.files.contains(where: { if case .artifact = $0.kind { return true } else { return false } }) {
            run.fail(.missingFile, .archive, file: "artifacts/", "a bundle holds at least one policy artifact")
        }
    }

    static func sizeLimit(_ kind: BundlePath) -> Int {
        switch kind {
        case .receipts:
            // Streamed, never held: bounded by the archive's entry limit only.
            return Int(BundleVerifier.archiveLimits.maxEntrySize)
        case .checkpoints, .inclusionProofs, .consistencyProofs:
            return 1 << 30
        // Memory caps, twice the parser's document limits: a file between the two is read and then
        // rejected by the parser (JSON_TOO_LARGE); a larger one is never held in memory.
        case .payload:
            return 2 * FormatLimits.maxDisclosureBytes
        case .manifest, .key, .delegation, .artifact:
            return 2 * FormatLimits.maxJSONFileBytes
        }
    }
}

import EvidenceCrypto
import EvidenceFormat
import Merkle
import StrictJSON

/// Stage 2: every file is strict JSON (or JSON Lines) in canonical form, and every object is
/// well formed for its kind. A file or line that fails here is left out of the later stages
/// (receipt lines keep their raw bytes for the chain and the Merkle tree).
enum ParseStage {
    static var jsonOptions: JSONParseOptions {
        var o = JSONParseOptions.evidence
        o.maxBytes = FormatLimits.maxJSONFileBytes
        o.maxDepth = FormatLimits.maxDepth
        o.maxElements = FormatLimits.maxManifestElements
        return o
    }

    /// Disclosures carry one long base64url string: the payload.
    static var disclosureOptions: JSONParseOptions {
        var o = jsonOptions
        o.maxBytes = FormatLimits.maxDisclosureBytes
        o.maxStringBytes = FormatLimits.maxDisclosureBytes
        return o
    }

    /// Every file but receipts.jsonl (which ReceiptStream reads), and the disclosures supplied
    /// beside the bundle. Runs once, before the receipts are streamed.
    static func parseDocuments(_ run: Run) {
        guard !run.documentsParsed else { return }
        run.documentsParsed = true
        // Files in path order, so that failures come out in the same order whatever the tar order.
        let files = run.files.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        for file in files {
            guard let kind = file.kind, kind != .receipts else { continue }
            switch kind {
            case .manifest:
                if let (value, object) = parseDocument(run, file, Manifest.init) {
                    run.manifest = Parsed(file: file.path, line: nil, value: value, object: object)
                }
            case .key(let name):
                if let (key, _) = parseDocument(run, file, { v throws(FormatError) in try PublicKey(v) }) {
                    if key.keyID != name {
                        run.fail(.nameMismatch, .parse, file: file.path, "the file name is not the key's key_id \(key.keyID.hex)")
                    } else {
                        run.bundleKeys[name] = key
                    }
                }
            case .delegation(let name):
                if let (value, object) = parseDocument(run, file, KeyDelegation.init) {
                    if file.sha256 != name {
                        run.fail(.nameMismatch, .parse, file: file.path, "the file name is not the SHA-256 of its bytes")
                    } else {
                        run.delegations.append(Parsed(file: file.path, line: nil, value: value, object: object))
                    }
                }
            case .artifact(let name):
                if let (value, object) = parseDocument(run, file, PolicyArtifact.init) {
                    if file.sha256 != name {
                        run.fail(.nameMismatch, .parse, file: file.path, "the file name is not the artifact_ref (SHA-256 of the file) \(file.sha256.hex)")
                    } else if run.artifacts.count >= FormatLimits.maxArtifacts {
                        run.fail(.tooManyArtifacts, .parse, file: file.path, "more than \(FormatLimits.maxArtifacts) artifacts in one bundle")
                    } else {
                        run.artifacts[name] = Parsed(file: file.path, line: nil, value: value, object: object)
                        run.artifactOrder.append(name)
                    }
                }
            case .payload(let name):
                if let (value, object) = parseValue(run, bytes: file.bytes[...], file: file.path, line: nil,
                                                    options: disclosureOptions, PayloadDisclosure.init) {
                    if value.receiptHash != name {
                        run.fail(.nameMismatch, .parse, file: file.path, "the file name is not the disclosure's receipt_hash")
                    } else {
                        run.disclosures.append(Parsed(file: file.path, line: nil, value: value, object: object))
                    }
                }
            case .receipts:
                continue
            case .checkpoints:
                run.checkpointsParsedCleanly = parseLines(run, file, allowEmpty: false, Checkpoint.init, into: &run.checkpoints)
            case .inclusionProofs:
                run.inclusionParsedCleanly = parseLines(run, file, allowEmpty: false, InclusionProof.init, into: &run.inclusion)
            case .consistencyProofs:
                run.consistencyParsedCleanly = parseLines(run, file, allowEmpty: true, ConsistencyProof.init, into: &run.consistency)
            }
        }
        run.externalDisclosures = BundleVerifier.parseExternal(run)
    }

    /// After the receipts: their framing and parse failures (receipts.jsonl is last in path
    /// order), then every object's profile.
    static func finish(_ run: Run) {
        if let stream = run.stream {
            run.attach(stream.framing, .parse)
            run.attach(stream.parse, .parse)
        }
        checkProfiles(run)
    }

    /// Parses a whole-file JSON document: strict, canonical, well formed.
    static func parseDocument<T>(_ run: Run, _ file: BundleFile, _ make: (JSONValue) throws(FormatError) -> T) -> (T, JSONObject)? {
        parseValue(run, bytes: file.bytes[...], file: file.path, line: nil, make)
    }

    static func parseValue<T>(_ run: Run, bytes: ArraySlice<UInt8>, file: String, line: Int?,
                              options: JSONParseOptions = jsonOptions, stage: Stage = .parse,
                              _ make: (JSONValue) throws(FormatError) -> T) -> (T, JSONObject)? {
        switch decode(bytes, file: file, line: line, options: options, stage: stage, make) {
        case .success(let parsed): return parsed
        case .failure(let failure):
            run.fail(failure)
            return nil
        }
    }

    /// Strict, canonical JSON, then the object's own rules; touches no shared state, so receipt
    /// lines can be decoded on every core.
    static func decode<T>(_ bytes: ArraySlice<UInt8>, file: String, line: Int?, options: JSONParseOptions = jsonOptions,
                          stage: Stage = .parse, _ make: (JSONValue) throws(FormatError) -> T) -> Result<(T, JSONObject), Failure> {
        decode(bytes, file: file, line: line, options: options, stage: stage, excluding: nil, make).map { ($0.0, $0.1) }
    }

    /// `decode`, and the range of the top-level member `excluding` with one adjacent comma, as
    /// `JCS.parseCanonicalObject` finds it (the one-pass canonical parser; the reference path
    /// decides every input it declines, so what is accepted and what is reported do not change).
    static func decode<T>(_ bytes: ArraySlice<UInt8>, file: String, line: Int?, options: JSONParseOptions = jsonOptions,
                          stage: Stage = .parse, excluding: String?,
                          _ make: (JSONValue) throws(FormatError) -> T) -> Result<(T, JSONObject, Range<Int>?), Failure> {
        let value: JSONValue
        let excluded: Range<Int>?
        do {
            if let excluding {
                (value, excluded) = try JCS.parseCanonicalObject(bytes, options: options, excluding: excluding)
            } else {
                (value, excluded) = (try JCS.parseCanonical(bytes, options: options), nil)
            }
        } catch {
            return .failure(Failure(error.code.rawValue, stage, file: file, line: line, "byte \(error.offset): \(error.reason)"))
        }
        do {
            let parsed = try make(value)
            // make() accepts only objects, so this cannot fail.
            guard case .object(let object) = value else {
                return .failure(Failure(FormatError.Code.notObject.rawValue, stage, file: file, line: line, "expected a JSON object"))
            }
            return .success((parsed, object, excluded))
        } catch {
            return .failure(Failure(error.code, stage, file: file, line: line, error.description))
        }
    }

    /// Splits the JSON Lines files held in memory (checkpoints and proofs; receipts.jsonl is split
    /// as it streams, by ReceiptStream, with the same rules): every line canonical JSON terminated
    /// by `\n`, no blank lines. Returns (1-based line number, bytes without the newline); reports
    /// framing failures. Over-long lines are reported and returned, and never parsed.
    static func splitLines(_ run: Run, _ file: BundleFile, allowEmpty: Bool) -> (lines: [(Int, ArraySlice<UInt8>)], clean: Bool) {
        var clean = true
        let bytes = file.bytes
        if bytes.isEmpty {
            if !allowEmpty {
                run.fail(.jsonlEmpty, .parse, file: file.path, "the file holds no lines")
                return ([], false)
            }
            return ([], true)
        }
        var lines: [(Int, ArraySlice<UInt8>)] = []
        var start = bytes.startIndex
        var number = 0
        while start < bytes.endIndex {
            number += 1
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
            let line = bytes[start..<(end ?? bytes.endIndex)]
            if end == nil {
                run.fail(.jsonlNoFinalNewline, .parse, file: file.path, line: number, "the last line is not terminated by a newline")
                clean = false
            }
            if line.isEmpty {
                run.fail(.jsonlBlankLine, .parse, file: file.path, line: number, "blank lines are not allowed")
                clean = false
            } else if line.count > FormatLimits.maxLineBytes {
                run.fail(.jsonlLineTooLong, .parse, file: file.path, line: number, "longer than \(FormatLimits.maxLineBytes) bytes")
                clean = false
                lines.append((number, line))
            } else {
                lines.append((number, line))
            }
            start = end.map { $0 + 1 } ?? bytes.endIndex
        }
        return (lines, clean)
    }

    static func parseLines<T>(_ run: Run, _ file: BundleFile, allowEmpty: Bool,
                              _ make: (JSONValue) throws(FormatError) -> T, into out: inout [Parsed<T>]) -> Bool {
        let (lines, framingClean) = splitLines(run, file, allowEmpty: allowEmpty)
        var clean = framingClean
        for (number, bytes) in lines where bytes.count <= FormatLimits.maxLineBytes {
            if let (value, object) = parseValue(run, bytes: bytes, file: file.path, line: number, make) {
                out.append(Parsed(file: file.path, line: number, value: value, object: object))
            } else {
                clean = false
            }
        }
        return clean
    }

    /// One receipt line, without touching shared state. Over-long lines (already reported by the
    /// framing) keep their place and hashes but are not parsed.
    static func parseReceiptLine(number: Int, bytes: ArraySlice<UInt8>, file: String) -> (ReceiptLine, Failure?) {
        var receipt: Receipt? = nil
        var digest: Hash256? = nil
        var failure: Failure? = nil
        if bytes.count <= FormatLimits.maxLineBytes {
            // The common case straight from the bytes; the reference path decides everything else.
            if let (r, excluded) = Receipt.decodeCanonicalLine(bytes, options: jsonOptions) {
                receipt = r
                digest = SigningInput.digest(canonicalBytes: bytes, excluding: excluded)
            } else {
                (receipt, digest, failure) = decodeReceipt(number: number, bytes: bytes, file: file)
            }
        }
        let line = ReceiptLine(line: number, receiptHash: SHA256Hasher.hash(bytes), leafHash: MerkleHash.leaf(bytes),
                               receipt: receipt, signingDigest: digest)
        return (line, failure)
    }

    /// The reference path of one receipt line: canonical JSON, then `Receipt(_:)`.
    static func decodeReceipt(number: Int, bytes: ArraySlice<UInt8>, file: String) -> (Receipt?, Hash256?, Failure?) {
        switch decode(bytes, file: file, line: number, excluding: "signature", Receipt.init) {
        case .success(let (r, _, excluded)):
            // The line is canonical: without its signature member it is the signing input's JCS form.
            return (r, SigningInput.digest(canonicalBytes: bytes, excluding: excluded), nil)
        case .failure(let f):
            return (nil, nil, f)
        }
    }

    /// PROFILE_MISMATCH when `p` is not the declared profile.
    static func profileMismatch(_ p: Profile, declared: Profile, file: String, line: Int?, _ what: String) -> Failure? {
        guard p != declared else { return nil }
        return Failure(.profileMismatch, .parse, file: file, line: line,
                       "\(what) uses profile \(p.rawValue) but the bundle declares \(declared.rawValue)")
    }

    /// Every object and key must use the profile the manifest declares.
    static func checkProfiles(_ run: Run) {
        guard let profile = run.declaredProfile else { return }
        func check(_ p: Profile, file: String, line: Int? = nil, _ what: String) {
            if let f = profileMismatch(p, declared: profile, file: file, line: line, what) { run.fail(f) }
        }
        if let sig = run.manifest?.value.signature { check(sig.profile, file: BundlePath.manifestName, "the manifest signature") }
        for ref in run.artifactOrder {
            guard let a = run.artifacts[ref] else { continue }
            check(a.value.profile, file: a.file, "the artifact")
            if let sig = a.value.signature { check(sig.profile, file: a.file, "the artifact signature") }
            for k in a.value.portalKeys { check(k.profile, file: a.file, "a Portal key") }
        }
        for d in run.delegations {
            check(d.value.delegate.profile, file: d.file, "the delegate key")
            if let sig = d.value.signature { check(sig.profile, file: d.file, "the delegation signature") }
        }
        // Receipts were checked as they streamed (ReceiptStream.process), with the same words.
        if let stream = run.stream { run.attach(stream.profile, .parse) }
        for c in run.checkpoints {
            if let sig = c.value.signature { check(sig.profile, file: c.file, line: c.line, "the checkpoint signature") }
        }
    }
}

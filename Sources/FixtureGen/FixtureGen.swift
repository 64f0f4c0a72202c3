import ArgumentParser
import BundleKit
import Foundation

/// Writes Fixtures/ from fixed seeds: the same bytes on every run and every machine.
@main
struct FixtureGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fixturegen",
        abstract: "Write the sample evidence bundles of Fixtures/ from fixed seeds.")

    @Option(name: .long, help: "The directory to write into.")
    var out: String = "Fixtures"

    @Option(name: .long, help: "Committed composite signatures to reuse (ML-DSA signing is randomized).")
    var pins: String = "Fixtures/pinned-signatures.jsonl"

    func run() throws {
        let sample = SampleEvidence()
        let pinned = PinnedSignatures(jsonl: FileManager.default.contents(atPath: pins).map { [UInt8]($0) } ?? [])
        let pq = SampleEvidence(profile: .mldsa65Ed25519, pins: pinned)
        var files: [(String, [UInt8])] = [
            ("sample.tar", try BundleWriter.bundle(sample.fullRequest())),
            ("sample-session.tar", try BundleWriter.bundle(sample.sessionRequest())),
            ("sample.trust", sample.trustFile),
            ("sample-pq.tar", try BundleWriter.bundle(pq.fullRequest())),
            ("sample-pq.trust", pq.trustFile),
        ]
        files.append(("pinned-signatures.jsonl", pinned.jsonl))
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for (name, bytes) in files {
            let path = (out as NSString).appendingPathComponent(name)
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                throw ValidationError("cannot write \(path)")
            }
            print("wrote \(path) (\(bytes.count) bytes)")
        }
    }
}

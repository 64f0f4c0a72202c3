import BundleKit
import EvidenceFormat

/// The benchmark bundles (BundleKit's SyntheticEvidence), with the time it takes to build them.
struct BundleFactory {
    let evidence: SyntheticEvidence

    init(profile: Profile = .ed25519, sessions: Int = 16, checkpointEvery: Int = 1000) {
        evidence = SyntheticEvidence(profile: profile, sessions: sessions, checkpointEvery: checkpointEvery)
    }

    var portal: SigningIdentity { evidence.portal }
    var sessions: Int { evidence.sessions }
    var checkpointEvery: Int { evidence.checkpointEvery }
    var trustFile: [UInt8] { evidence.trustFile }

    struct Built {
        var tar: [UInt8]
        /// receipts.jsonl as written into the bundle (for the in-process stage breakdown).
        var receiptsJSONL: [UInt8]
        var sealSeconds: Double
        var sealCPU: Double
        var writeSeconds: Double
        var checkpoints: Int
    }

    /// Seals `count` receipts into a fresh log (timed), then writes the bundle (timed).
    func build(count: Int) throws -> Built {
        let cpu0 = Clock.processCPU()
        let start = Clock.now()
        let log = evidence.seal(count: count)
        let sealSeconds = Clock.now() - start
        let sealCPU = Clock.processCPU() - cpu0

        let writeStart = Clock.now()
        let entries = try evidence.entries(log)
        let tar = try BundleWriter.tar(entries)
        let writeSeconds = Clock.now() - writeStart
        let receipts = entries.first { $0.path == BundlePath.receiptsName }?.bytes ?? []
        return Built(tar: tar, receiptsJSONL: receipts, sealSeconds: sealSeconds, sealCPU: sealCPU,
                     writeSeconds: writeSeconds, checkpoints: log.checkpoints.count)
    }
}

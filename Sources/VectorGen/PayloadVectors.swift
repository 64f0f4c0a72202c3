import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// Tier-2 payload confirmation: disclosures in the bundle and beside it.
enum PayloadVectors {
    static func add(to suite: Suite) {
        let main = Base("payload-main", Bases.mainSpec(), suite: suite)
        let tier1 = Base("payload-tier1", { var s = Bases.mainSpec(); s.tier = 1; s.disclose = nil; return s }(), suite: suite)
        let e = main.receipts
        func doc(_ receipt: Hash256, _ salt: [UInt8], _ payload: [UInt8]) -> [UInt8] {
            JCS.canonicalize(PayloadDisclosure(receiptHash: receipt, salt: salt, payload: payload).json)
        }
        func inBundle(_ name: String, _ bug: BugClass, _ codes: [String], _ d: String, _ change: @escaping (inout [BundleEntry], Built) -> Void) {
            suite.neg(name, bug, codes, "tier-2 bundle: " + d, main.make(files: change))
        }
        let p0 = payloadPath(e[0].hash)
        inBundle("payload-mismatch", .payloadCommitment, ["PAYLOAD_MISMATCH"], "a disclosed payload that is not the committed one") { f, _ in
            f.edit(p0) { $0 = doc(e[0].hash, e[0].salt, bytes(#"{"arguments":{"n":1},"name":"read_file"}"#)) }
        }
        inBundle("payload-truncated", .payloadCommitment, ["PAYLOAD_MISMATCH"], "the disclosed payload minus its last byte") { f, _ in
            f.edit(p0) { $0 = doc(e[0].hash, e[0].salt, Array(e[0].payload.dropLast())) }
        }
        inBundle("payload-extended", .payloadCommitment, ["PAYLOAD_MISMATCH"], "the disclosed payload plus a byte") { f, _ in
            f.edit(p0) { $0 = doc(e[0].hash, e[0].salt, e[0].payload + [0x20]) }
        }
        inBundle("payload-salt-wrong", .payloadCommitment, ["PAYLOAD_MISMATCH"], "the right payload with a salt one bit off") { f, _ in
            var s = e[0].salt
            s[0] ^= 1
            f.edit(p0) { $0 = doc(e[0].hash, s, e[0].payload) }
        }
        inBundle("payload-salt-of-other-receipt", .payloadCommitment, ["PAYLOAD_MISMATCH"], "the right payload with another receipt's salt") { f, _ in
            f.edit(p0) { $0 = doc(e[0].hash, e[3].salt, e[0].payload) }
        }
        inBundle("payload-unsalted", .payloadCommitment, ["PAYLOAD_MISMATCH"], "a zero salt: the commitment is SHA-256(salt || payload), never of the payload alone") { f, _ in
            f.edit(p0) { $0 = doc(e[0].hash, [UInt8](repeating: 0, count: 32), e[0].payload) }
        }
        inBundle("payload-of-other-receipt", .payloadCommitment, ["PAYLOAD_MISMATCH"], "receipt 0's disclosure carries receipt 3's salt and payload") { f, _ in
            f.edit(p0) { $0 = doc(e[0].hash, e[3].salt, e[3].payload) }
        }
        inBundle("payload-unknown-receipt", .payloadCommitment, ["PAYLOAD_UNKNOWN_RECEIPT"], "a disclosure for a receipt the bundle does not hold") { f, _ in
            let ghost = h("no such receipt")
            f.add(payloadPath(ghost), doc(ghost, e[0].salt, e[0].payload))
        }
        inBundle("payload-for-dropped-receipt", .payloadCommitment, ["PAYLOAD_UNKNOWN_RECEIPT"], "a correct disclosure of a receipt from another log") { f, _ in
            let other = Build.build(Bases.singleSpec("payload-other", 1))
            f.add(payloadPath(other.receipts[0].hash), doc(other.receipts[0].hash, other.receipts[0].salt, other.receipts[0].payload))
        }
        inBundle("payload-name-mismatch", .layout, ["BUNDLE_NAME_MISMATCH"], "a disclosure of receipt 0 stored under receipt 1's name") { f, _ in
            f.remove(p0)
            f.add(payloadPath(e[1].hash), doc(e[0].hash, e[0].salt, e[0].payload))
        }
        suite.neg("payload-in-tier1", .tierDisclosure, ["PAYLOAD_IN_TIER1"], "a tier-1 bundle carrying one disclosure",
                  tier1.make(files: { f, _ in f.add(payloadPath(e[0].hash), doc(e[0].hash, e[0].salt, e[0].payload)) }))
        suite.neg("payload-in-tier1-wrong", .tierDisclosure, ["PAYLOAD_IN_TIER1", "PAYLOAD_IN_TIER1"], "a tier-1 bundle carrying two disclosures (one of them wrong: not confirmed in tier 1 either way)",
                  tier1.make(files: { f, _ in
                      f.add(payloadPath(e[0].hash), doc(e[0].hash, e[0].salt, e[0].payload))
                      f.add(payloadPath(e[1].hash), doc(e[1].hash, e[0].salt, e[0].payload))
                  }))
        suite.neg("payload-mismatch-not-resealed", .payloadCommitment, ["MANIFEST_FILE_MISMATCH", "PAYLOAD_MISMATCH"], "a disclosure swapped after the manifest was signed",
                  main.make(raw: { f in f.edit(p0) { $0 = doc(e[0].hash, e[0].salt, bytes("{}")) } }))

        // Disclosures supplied beside a tier-1 bundle.
        let t = tier1.receipts
        func beside(_ name: String, _ bug: BugClass, _ codes: [String], _ d: String, _ files: [(name: String, bytes: [UInt8])]) {
            suite.neg(name, bug, codes, "tier-1 bundle, disclosures beside it: " + d, tier1.bundle(), payloads: files)
        }
        func file(_ i: Int) -> String { "\(t[i].hash.hex).json" }
        beside("payload-external-mismatch", .payloadCommitment, ["PAYLOAD_MISMATCH"], "a payload that is not the committed one", [(file(2), doc(t[2].hash, t[2].salt, bytes("{}")))])
        beside("payload-external-salt-wrong", .payloadCommitment, ["PAYLOAD_MISMATCH"], "a wrong salt", [(file(2), doc(t[2].hash, t[1].salt, t[2].payload))])
        beside("payload-external-one-of-two-wrong", .payloadCommitment, ["PAYLOAD_MISMATCH"], "two disclosures, the second wrong",
               [(file(1), doc(t[1].hash, t[1].salt, t[1].payload)), (file(2), doc(t[2].hash, t[2].salt, t[1].payload))])
        let ghost = h("ghost receipt")
        beside("payload-external-unknown-receipt", .payloadCommitment, ["PAYLOAD_UNKNOWN_RECEIPT"], "a disclosure for a receipt the bundle does not hold",
               [("\(ghost.hex).json", doc(ghost, t[0].salt, t[0].payload))])
        beside("payload-external-name", .layout, ["PAYLOAD_NAME"], "a file not named <receipt_hash>.json", [("disclosure-1.json", doc(t[1].hash, t[1].salt, t[1].payload))])
        beside("payload-external-name-no-suffix", .layout, ["PAYLOAD_NAME"], "a file named by the receipt hash without .json", [(t[1].hash.hex, doc(t[1].hash, t[1].salt, t[1].payload))])
        beside("payload-external-name-uppercase", .layout, ["PAYLOAD_NAME"], "a file named by the receipt hash in uppercase hex",
               [(t[1].hash.hex.uppercased() + ".json", doc(t[1].hash, t[1].salt, t[1].payload))])
        beside("payload-external-name-mismatch", .layout, ["BUNDLE_NAME_MISMATCH"], "a disclosure of receipt 1 stored under receipt 2's name",
               [(file(2), doc(t[1].hash, t[1].salt, t[1].payload))])
        beside("payload-external-not-canonical", .jsonCanonical, ["JSON_NOT_CANONICAL"], "a disclosure that is not in canonical form",
               [(file(1), doc(t[1].hash, t[1].salt, t[1].payload) + [0x0a])])
        beside("payload-external-duplicate-name", .jsonStrictness, ["JSON_DUPLICATE_NAME"], "a disclosure with payload twice",
               [(file(1), replacing(doc(t[1].hash, t[1].salt, t[1].payload), #""payload":"#, #""payload":"AA","payload":"#))])
        beside("payload-external-wrong-type", .typeConfusion, ["FORMAT_WRONG_TYPE"], "a receipt presented as a disclosure (its type is checked before its member set)", [(file(1), t[1].bytes)])
    }
}

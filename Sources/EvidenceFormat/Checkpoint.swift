import EvidenceCrypto
import StrictJSON

/// A signed Merkle tree head of the Portal's log.
package struct Checkpoint: Sendable, Equatable {
    package var logID: Hash256
    package var treeSize: Int64
    package var rootHash: Hash256
    package var timeMS: Int64
    package var signature: SignatureBlock?

    package static let members = ["type", "version", "log_id", "tree_size", "root_hash", "time_ms", "signature"]

    package init(logID: Hash256, treeSize: Int64, rootHash: Hash256, timeMS: Int64) {
        self.logID = logID
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.timeMS = timeMS
    }

    package init(_ value: JSONValue) throws(FormatError) {
        let r = try ObjectReader(value, members: Self.members, type: .checkpoint)
        try r.expectType(.checkpoint)
        logID = try r.hash("log_id")
        treeSize = try r.int("tree_size", min: 1)
        rootHash = try r.hash("root_hash")
        timeMS = try r.int("time_ms", min: 0)
        signature = try SignatureBlock(r)
    }

    package var body: JSONObject {
        JSONObject([
            (name: "type", value: .str(ObjectType.checkpoint.rawValue)),
            (name: "version", value: .int(1)),
            (name: "log_id", value: .hash(logID)),
            (name: "tree_size", value: .int(treeSize)),
            (name: "root_hash", value: .hash(rootHash)),
            (name: "time_ms", value: .int(timeMS)),
        ])
    }
}

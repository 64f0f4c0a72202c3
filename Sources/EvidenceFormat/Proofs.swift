import EvidenceCrypto
import StrictJSON

/// Proof that a receipt is leaf `leaf_index` of the log at `tree_size` (RFC 9162 §2.1.3).
/// Selective bundles carry one per receipt, in the order of `receipts.jsonl`.
package struct InclusionProof: Sendable, Equatable {
    package var leafIndex: Int64
    package var treeSize: Int64
    package var receiptHash: Hash256
    package var path: [Hash256]

    package static let members = ["type", "leaf_index", "tree_size", "receipt_hash", "path"]
    /// A proof for a tree of at most 2^53 leaves has at most 53 hashes.
    package static let maxPath = 64

    package init(leafIndex: Int64, treeSize: Int64, receiptHash: Hash256, path: [Hash256]) {
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.receiptHash = receiptHash
        self.path = path
    }

    package init(_ value: JSONValue) throws(FormatError) {
        let r = try ObjectReader(value, members: Self.members, type: .inclusionProof)
        try r.expectUnversionedType(.inclusionProof)
        leafIndex = try r.int("leaf_index", min: 0)
        treeSize = try r.int("tree_size", min: 1)
        receiptHash = try r.hash("receipt_hash")
        path = try r.hashArray("path", maxCount: Self.maxPath)
    }

    package var json: JSONValue {
        .obj([
            ("type", .str(ObjectType.inclusionProof.rawValue)),
            ("leaf_index", .int(leafIndex)),
            ("tree_size", .int(treeSize)),
            ("receipt_hash", .hash(receiptHash)),
            ("path", .array(path.map { .hash($0) })),
        ])
    }
}

/// Proof that the log at `old_size` is a prefix of the log at `new_size` (RFC 9162 §2.1.4).
/// Selective bundles carry one for each pair of consecutive checkpoints.
package struct ConsistencyProof: Sendable, Equatable {
    package var oldSize: Int64
    package var newSize: Int64
    package var path: [Hash256]

    package static let members = ["type", "old_size", "new_size", "path"]

    package init(oldSize: Int64, newSize: Int64, path: [Hash256]) {
        self.oldSize = oldSize
        self.newSize = newSize
        self.path = path
    }

    package init(_ value: JSONValue) throws(FormatError) {
        let r = try ObjectReader(value, members: Self.members, type: .consistencyProof)
        try r.expectUnversionedType(.consistencyProof)
        oldSize = try r.int("old_size", min: 1)
        newSize = try r.int("new_size", min: 1)
        path = try r.hashArray("path", maxCount: 2 * InclusionProof.maxPath)
    }

    package var json: JSONValue {
        .obj([
            ("type", .str(ObjectType.consistencyProof.rawValue)),
            ("old_size", .int(oldSize)),
            ("new_size", .int(newSize)),
            ("path", .array(path.map { .hash($0) })),
        ])
    }
}

/// A tier-2 disclosure: the salt and payload behind one receipt's `payload_hash`.
package struct PayloadDisclosure: Sendable, Equatable {
    package var receiptHash: Hash256
    package var salt: [UInt8]
    package var payload: [UInt8]

    package static let members = ["type", "receipt_hash", "salt", "payload"]
    package static let maxPayloadBytes = 4 << 20

    package init(receiptHash: Hash256, salt: [UInt8], payload: [UInt8]) {
        self.receiptHash = receiptHash
        self.salt = salt
        self.payload = payload
    }

    package init(_ value: JSONValue) throws(FormatError) {
        let r = try ObjectReader(value, members: Self.members, type: .payloadDisclosure)
        try r.expectUnversionedType(.payloadDisclosure)
        receiptHash = try r.hash("receipt_hash")
        salt = try r.base64url("salt", maxBytes: 64)
        guard salt.count == PayloadCommitment.saltBytes else {
            throw FormatError(.value, field: "salt", "a salt is \(PayloadCommitment.saltBytes) bytes, found \(salt.count)")
        }
        payload = try r.base64url("payload", maxBytes: Self.maxPayloadBytes)
    }

    package var json: JSONValue {
        .obj([
            ("type", .str(ObjectType.payloadDisclosure.rawValue)),
            ("receipt_hash", .hash(receiptHash)),
            ("salt", .str(Base64URL.encode(salt))),
            ("payload", .str(Base64URL.encode(payload))),
        ])
    }
}

extension ObjectReader {
    /// Unsigned helper objects (proofs, disclosures) carry `type` but no `version`.
    package func expectUnversionedType(_ type: ObjectType) throws(FormatError) {
        let name = try string("type", repertoire: .token)
        guard let found = ObjectType(rawValue: name) else {
            throw FormatError(.unknownType, field: field("type"), "unknown object type \"\(name)\"")
        }
        guard found == type else {
            throw FormatError(.wrongType, field: field("type"), "expected \"\(type.rawValue)\", found \"\(name)\"")
        }
    }

    package func hashArray(_ name: String, maxCount: Int) throws(FormatError) -> [Hash256] {
        var out: [Hash256] = []
        for (i, item) in try array(name, maxCount: maxCount).enumerated() {
            guard case .string(let s) = item else {
                throw FormatError(.memberType, field: "\(field(name))[\(i)]", "expected a hash string")
            }
            out.append(try ObjectReader.parseHash(s, field: "\(field(name))[\(i)]"))
        }
        return out
    }
}

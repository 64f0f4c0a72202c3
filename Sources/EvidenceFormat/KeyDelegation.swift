import EvidenceCrypto
import StrictJSON

/// A trust anchor's signed, time-bounded delegation of artifact signing to another key.
/// Delegations are one level deep: a delegate cannot delegate further.
package struct KeyDelegation: Sendable, Equatable {
    package var delegate: PublicKey
    package var notBeforeMS: Int64
    package var notAfterMS: Int64
    package var signature: SignatureBlock?

    package static let members = ["type", "version", "delegate", "not_before_ms", "not_after_ms", "signature"]

    package init(delegate: PublicKey, notBeforeMS: Int64, notAfterMS: Int64) {
        self.delegate = delegate
        self.notBeforeMS = notBeforeMS
        self.notAfterMS = notAfterMS
    }

    package init(_ value: JSONValue) throws(FormatError) {
        let r = try ObjectReader(value, members: Self.members, type: .keyDelegation)
        try r.expectType(.keyDelegation)
        delegate = try PublicKey(try r.value("delegate"), path: "delegate")
        notBeforeMS = try r.int("not_before_ms", min: 0)
        notAfterMS = try r.int("not_after_ms", min: 0)
        guard notBeforeMS < notAfterMS else {
            throw FormatError(.value, field: "not_after_ms", "the delegation window is empty")
        }
        signature = try SignatureBlock(r)
    }

    package var body: JSONObject {
        JSONObject([
            (name: "type", value: .str(ObjectType.keyDelegation.rawValue)),
            (name: "version", value: .int(1)),
            (name: "delegate", value: delegate.json),
            (name: "not_before_ms", value: .int(notBeforeMS)),
            (name: "not_after_ms", value: .int(notAfterMS)),
        ])
    }
}

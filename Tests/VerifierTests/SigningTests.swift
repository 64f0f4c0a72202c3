import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON
import Verifier
import XCTest

/// `SigningIdentity.sign` encodes a body once and inserts the signature member itself; its bytes
/// must be exactly the JCS form of the signed object, and its signature over the JCS form of the
/// body.
final class SigningTests: XCTestCase {
    func check(_ body: JSONObject, file: StaticString = #filePath, line: UInt = #line) throws {
        for signer in [sample.portal, SigningIdentity.derived(label: "signing-test", profile: .ed25519)] {
            let doc = signer.sign(body)
            XCTAssertEqual(doc.bytes, JCS.canonicalize(doc.value), file: file, line: line)
            XCTAssertEqual(doc.hash, SHA256Hasher.hash(doc.bytes), file: file, line: line)
            guard case .object(let signed) = doc.value else { return XCTFail("not an object", file: file, line: line) }
            let sig = try SignatureBlock(ObjectReader(doc.value, members: signed.names))
            XCTAssertEqual(SigningInput.digest(of: signed), SHA256Hasher.hash(JCS.canonicalize(.object(body))), file: file, line: line)
            try SignatureCheck.verify(sig, key: signer.publicKey, digest: SigningInput.digest(of: signed))
        }
    }

    func testEveryKindOfSampleDocument() throws {
        let log = sample.fullRequest().log
        for entry in log.entries { try check(entry.receipt.body) }
        for artifact in sample.fullRequest().artifacts {
            guard case .object(let o) = artifact.value else { return XCTFail("artifact is not an object") }
            try check(o.removing("signature"))
        }
        XCTAssertGreaterThan(log.entries.count, 5)
    }

    /// Names that sort differently by UTF-16 code units than by bytes or scalars, around the place
    /// where "signature" goes, and an empty object.
    func testNamesInUTF16OrderAroundTheSignature() throws {
        let names = ["z", "signaturf", "signatur", "signature0", "\u{E000}", "\u{10000}", "é", "A", "", "sig"]
        try check(JSONObject(names.enumerated().map { (name: $0.element, value: JSONValue.int($0.offset)) }))
        try check(JSONObject([]))
        try check(JSONObject([(name: "nested", value: .object([("b", .int(1)), ("a", .array([.string("x\u{1}"), .null, .bool(true)]))]))]))
    }
}

import EvidenceCrypto
import XCTest

/// Wycheproof `mldsa_65_verify_test.json` (see Vectors/README.md) against `MLDSA65Component`, the
/// ML-DSA half of the composite: every case, the tcId in every failure, the exact code.
final class CompositeMLDSAWycheproofTests: XCTestCase {
    struct VectorFile: Decodable {
        let algorithm: String
        let numberOfTests: Int
        let testGroups: [Group]
    }

    struct Group: Decodable {
        let type: String
        let publicKey: String
        let tests: [Case]
    }

    struct Case: Decodable {
        let tcId: Int
        let comment: String
        let msg: String
        let ctx: String?
        let sig: String
        let result: String
        let flags: [String]
    }

    func testEveryCase() throws {
        let file = try loadVectors("mldsa_65_verify_test", as: VectorFile.self)
        XCTAssertEqual(file.algorithm, "ML-DSA-65")
        var seen = 0
        var valid = 0
        var invalid = 0
        for group in file.testGroups {
            XCTAssertEqual(group.type, "MlDsaVerify")
            let key = vectorHex(group.publicKey)
            for test in group.tests {
                seen += 1
                let label = "tcId \(test.tcId) (\(test.comment))"
                var got: SignatureError.Code?
                do {
                    try MLDSA65Component.verify(
                        signature: vectorHex(test.sig), message: vectorHex(test.msg), publicKey: key,
                        context: vectorHex(test.ctx ?? ""))
                } catch {
                    got = error.code
                }
                switch test.result {
                case "valid":
                    valid += 1
                    XCTAssertNil(got, label)
                case "invalid":
                    invalid += 1
                    let expected: SignatureError.Code =
                        test.flags.contains("IncorrectPublicKeyLength") ? .keyLength
                        : test.flags.contains("IncorrectSignatureLength") ? .signatureLength
                        : .signatureInvalid
                    XCTAssertEqual(got, expected, label)
                default:
                    XCTFail("\(label): result \(test.result) is not handled; look at the new vector file")
                }
            }
        }
        XCTAssertEqual(seen, file.numberOfTests)
        XCTAssertEqual(seen, 83)
        XCTAssertEqual(valid, 65)
        XCTAssertEqual(invalid, 18)
    }
}

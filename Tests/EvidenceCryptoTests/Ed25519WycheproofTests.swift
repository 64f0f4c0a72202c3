import EvidenceCrypto
import XCTest

/// Wycheproof `ed25519_test.json` (see Vectors/README.md): every case, the tcId in every failure.
final class Ed25519WycheproofTests: XCTestCase {
    struct VectorFile: Decodable {
        let algorithm: String
        let numberOfTests: Int
        let testGroups: [Group]
    }

    struct Group: Decodable {
        let type: String
        let publicKey: Key
        let tests: [Case]
    }

    struct Key: Decodable {
        let curve: String
        let pk: String
    }

    struct Case: Decodable {
        let tcId: Int
        let comment: String
        let flags: [String]
        let msg: String
        let sig: String
        let result: String
    }

    func testEveryCase() throws {
        let file = try loadVectors("ed25519_test", as: VectorFile.self)
        XCTAssertEqual(file.algorithm, "EDDSA")

        var valid = 0
        var invalid = 0
        var seen = Set<Int>()
        for group in file.testGroups {
            XCTAssertEqual(group.type, "EddsaVerify")
            XCTAssertEqual(group.publicKey.curve, "edwards25519")
            let publicKey = vectorHex(group.publicKey.pk)
            for test in group.tests {
                let context = "tcId \(test.tcId) (\(test.flags.joined(separator: ",")); \(test.comment))"
                XCTAssertTrue(seen.insert(test.tcId).inserted, "\(context): duplicate tcId")
                let signature = vectorHex(test.sig)
                let code = verifyCode(signature: signature, message: vectorHex(test.msg), publicKey: publicKey)
                switch test.result {
                case "valid":
                    valid += 1
                    XCTAssertNil(code, "\(context): valid signature rejected")
                case "invalid":
                    invalid += 1
                    // Every key in the file is a valid key, so the code depends on the signature only.
                    let expected: SignatureError.Code =
                        signature.count == Ed25519.signatureBytes ? .signatureInvalid : .signatureLength
                    XCTAssertEqual(code, expected, "\(context): invalid signature not rejected as expected")
                default:
                    // There are none in this version. Strict verification would decide it like any
                    // other input; a new "acceptable" case must be looked at and documented first.
                    XCTFail("\(context): result '\(test.result)' needs a documented decision")
                }
            }
        }
        XCTAssertEqual(valid + invalid, file.numberOfTests, "every case in the file ran")
        XCTAssertEqual(file.numberOfTests, 151)
        XCTAssertEqual(valid, 88)
        XCTAssertEqual(invalid, 63)
    }
}

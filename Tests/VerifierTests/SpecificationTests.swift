import Foundation
import Verifier
import XCTest

/// The specification and the code agree on the failure codes: every code the verifier can report
/// is in evidence-bundle(5), and every code the page names exists.
final class SpecificationTests: XCTestCase {
    var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Tokens set in bold that look like failure codes: `\fBPREFIX_REST\fR`.
    func boldCodes(in page: String) -> [String] {
        let prefixes = ["JSON_", "JSONL_", "ENC_", "CRYPTO_", "FORMAT_", "ARCHIVE_", "MERKLE_", "BUNDLE_", "PROFILE_",
                        "TRUST_", "SIG_", "RECEIPT_", "MANIFEST_", "ARTIFACT_", "SUBMANDATE_", "CHAIN_", "INCLUSION_",
                        "CHECKPOINT_", "CONSISTENCY_", "PAYLOAD_", "IO_"]
        var out: [String] = []
        for part in page.components(separatedBy: "\\fB").dropFirst() {
            guard let end = part.range(of: "\\f") else { continue }
            let token = String(part[..<end.lowerBound])
            if prefixes.contains(where: token.hasPrefix), token.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) {
                out.append(token)
            }
        }
        return out
    }

    func testEveryReportableCodeIsSpecifiedAndNoOtherCodeIs() throws {
        let page = try String(contentsOf: root.appendingPathComponent("man/evidence-bundle.5"), encoding: .utf8)
        let named = Set(boldCodes(in: page))
        let reportable = Set(FailureCatalog.allCodes)
        let evaluation = Set(VerifyError.Code.allCases.map(\.rawValue))
        XCTAssertEqual(reportable.subtracting(named).sorted(), [], "codes the verifier reports but the specification does not name")
        XCTAssertEqual(named.subtracting(reportable).subtracting(evaluation).subtracting(FailureCatalog.notReportable).sorted(), [],
                       "codes the specification names but no code defines")
    }

    func testVerifyManPageStatesTheExitStatusContract() throws {
        let page = try String(contentsOf: root.appendingPathComponent("man/verify.1"), encoding: .utf8)
        XCTAssertTrue(page.contains(".SH EXIT STATUS"))
        for code in VerifyError.Code.allCases { XCTAssertTrue(page.contains(code.rawValue), code.rawValue) }
    }
}

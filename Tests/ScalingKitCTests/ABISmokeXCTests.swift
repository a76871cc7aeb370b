import CScalingKit
import XCTest
@testable import ScalingKitC

/// XCTest cases for the C ABI's most basic promises (the rest of the suite uses Swift Testing).
final class ABISmokeXCTests: XCTestCase {
    func testVersionNumberEncodesMajorMinorPatch() {
        let v = sk_version_number()
        XCTAssertEqual(v / 10000, UInt32(SK_VERSION_MAJOR))
        XCTAssertEqual(v / 100 % 100, UInt32(SK_VERSION_MINOR))
        XCTAssertEqual(v % 100, UInt32(SK_VERSION_PATCH))
    }

    func testLastErrorIsNeverNull() {
        XCTAssertNotNil(sk_last_error())
    }

    func testEveryStatusHasItsOwnDescription() {
        let codes = [SK_OK, SK_ERR_NULL_POINTER, SK_ERR_INVALID_ARGUMENT, SK_ERR_LENGTH, SK_ERR_STRUCT_SIZE,
                     SK_ERR_UNSUPPORTED, SK_ERR_OUT_OF_MEMORY, SK_ERR_INTERNAL]
        let texts = codes.map { String(cString: sk_status_string($0.rawValue)) }
        XCTAssertEqual(Set(texts).count, codes.count)
        XCTAssertFalse(texts.contains("unknown status"))
    }
}

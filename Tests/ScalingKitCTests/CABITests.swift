import CScalingKit
import Testing
@testable import ScalingKitC

#if canImport(Glibc)
import Glibc
#endif

// The C ABI called from Swift exactly as a C program calls it: raw pointers, explicit lengths, status codes.

private func lastError() -> String { String(cString: sk_last_error()) }

private let N: [Double] = (0..<16).map { 1e7 * pow(10, Double($0 / 4) * 0.8) }
private let D: [Double] = (0..<16).map { 1e9 * pow(10, Double($0 % 4) * 0.7) }
private let L: [Double] = zip(N, D).map { 1.8 + 400 / pow($0, 0.34) + 2000 / pow($1, 0.37) }
private let axis1 = [0.3], axis2 = [6.0]

/// Options with a one-point grid near the truth, so the tests are fast.
private func smallOptions() -> sk_chinchilla_options {
    var o = sk_chinchilla_options()
    #expect(sk_chinchilla_options_init(&o, MemoryLayout<sk_chinchilla_options>.size) == SK_OK.rawValue)
    return o
}

private func fit(_ n: [Double], _ d: [Double], _ l: [Double], count: Int? = nil,
                 configure: (inout sk_chinchilla_options) -> Void = { _ in }) -> (Int32, OpaquePointer?) {
    axis1.withUnsafeBufferPointer { a1 in
        axis2.withUnsafeBufferPointer { a2 in
            var o = smallOptions()
            o.start_alpha = a1.baseAddress; o.start_alpha_len = 1
            o.start_beta = a1.baseAddress; o.start_beta_len = 1
            o.start_a = a2.baseAddress; o.start_a_len = 1
            o.start_b = a2.baseAddress; o.start_b_len = 1
            configure(&o)
            var out: OpaquePointer? = nil
            let rc = sk_chinchilla_fit(n, d, l, count ?? n.count, &o, &out)
            return (rc, out)
        }
    }
}

@Suite("C ABI")
struct CABITests {
    @Test func versionMatchesHeaderMacros() {
        #expect(sk_version_number() == UInt32(SK_VERSION_MAJOR * 10000 + SK_VERSION_MINOR * 100 + SK_VERSION_PATCH))
        #expect(String(cString: sk_version_string()) == SK_VERSION_STRING)
    }

    @Test func freeNullIsNoOpAndNullAccessorsAreSafe() {
        sk_fit_free(nil)
        #expect(sk_fit_param_count(nil) == 0)
        #expect(sk_fit_param_name(nil, 0) == nil)
        #expect(String(cString: sk_fit_message(nil)) == "")
        #expect(sk_fit_excluded_count(nil) == 0)
        var info = sk_fit_info(); info.struct_size = MemoryLayout<sk_fit_info>.size
        #expect(sk_fit_get_info(nil, &info) == SK_ERR_NULL_POINTER.rawValue)
        #expect(lastError().contains("'fit' is NULL"))
    }

    @Test func optionsInitChecksStructSize() {
        var o = sk_chinchilla_options()
        #expect(sk_chinchilla_options_init(nil, MemoryLayout<sk_chinchilla_options>.size) == SK_ERR_NULL_POINTER.rawValue)
        #expect(sk_chinchilla_options_init(&o, 8) == SK_ERR_STRUCT_SIZE.rawValue)
        #expect(lastError().contains("struct_size"))
        #expect(o.struct_size == 0)      // untouched on failure
        #expect(sk_chinchilla_options_init(&o, Int(bitPattern: UInt.max)) == SK_ERR_STRUCT_SIZE.rawValue)
    }

    @Test func nullAndHugeLengthsAreRejectedBeforeComputing() {
        var out: OpaquePointer? = nil
        #expect(sk_chinchilla_fit(nil, D, L, 16, nil, &out) == SK_ERR_NULL_POINTER.rawValue)
        #expect(lastError().contains("'N' is NULL"))
        #expect(sk_chinchilla_fit(N, D, L, 16, nil, nil) == SK_ERR_NULL_POINTER.rawValue)
        // (size_t)-1 arrives as -1: it must be refused, not trusted (trusting it traps and kills the host).
        #expect(sk_chinchilla_fit(N, D, L, -1, nil, &out) == SK_ERR_LENGTH.rawValue)
        #expect(lastError().contains("SK_MAX_LENGTH"))
        #expect(sk_chinchilla_fit(N, D, L, 0, nil, &out) == SK_ERR_LENGTH.rawValue)
        #expect(out == nil)
    }

    @Test func badValuesAreNamed() {
        var bad = L; bad[4] = .nan
        #expect(fit(N, D, bad).0 == SK_ERR_INVALID_ARGUMENT.rawValue)
        #expect(lastError().contains("'loss'[4] is not finite"))
        var badN = N; badN[2] = -3
        #expect(fit(badN, D, L).0 == SK_ERR_INVALID_ARGUMENT.rawValue)
        #expect(lastError().contains("'N'[2] must be > 0"))
        #expect(fit(N, D, L) { $0.struct_size = 7 }.0 == SK_ERR_STRUCT_SIZE.rawValue)
        #expect(fit(N, D, L) { $0.optimizer.threads = -1 }.0 == SK_ERR_INVALID_ARGUMENT.rawValue)
        #expect(fit(N, D, L) { $0.start_e = nil; $0.start_e_len = 2 }.0 == SK_ERR_NULL_POINTER.rawValue)
        #expect(fit(N, D, L) { $0.huber_delta = -.infinity }.0 == SK_ERR_INVALID_ARGUMENT.rawValue)
    }

    @Test func fitPlanAndAccessors() throws {
        let (rc, handle) = fit(N, D, L)
        #expect(rc == SK_OK.rawValue, "\(lastError())")
        let fit = try #require(handle)
        defer { sk_fit_free(fit) }
        var info = sk_fit_info(); info.struct_size = MemoryLayout<sk_fit_info>.size
        #expect(sk_fit_get_info(fit, &info) == SK_OK.rawValue)
        #expect(info.converged == 1 && info.starts == 5 && info.points_used == 16)
        #expect(info.objective < 1e-14)
        var values = [Double](repeating: 0, count: 5)
        #expect(sk_fit_params(fit, &values, 5) == SK_OK.rawValue)
        #expect(abs(values[3] - 0.34) < 1e-6 && abs(values[4] - 0.37) < 1e-6 && abs(values[0] - 1.8) < 1e-6)
        let names = (0..<5).map { String(cString: sk_fit_param_name(fit, $0)!) }
        #expect(names == ["E", "A", "B", "alpha", "beta"])
        var beta = 0.0
        #expect(sk_fit_param(fit, "beta", &beta) == SK_OK.rawValue && beta == values[4])
        #expect(sk_fit_param(fit, "Beta", &beta) == SK_ERR_INVALID_ARGUMENT.rawValue)

        var plan = sk_allocation(); plan.struct_size = MemoryLayout<sk_allocation>.size
        #expect(sk_plan_allocate(fit, 1e22, &plan) == SK_OK.rawValue)
        #expect(abs(6 * plan.params * plan.tokens / 1e22 - 1) < 1e-12)
        #expect(abs(plan.a - values[4] / (values[3] + values[4])) < 1e-12)
        #expect(sk_plan_allocate(fit, -1, &plan) == SK_ERR_INVALID_ARGUMENT.rawValue)

        var predicted = [Double](repeating: 0, count: 16)
        #expect(sk_chinchilla_predict(fit, N, D, 16, &predicted) == SK_OK.rawValue)
        for i in 0..<16 { #expect(abs(predicted[i] - L[i]) < 1e-9) }
        #expect(sk_chinchilla_predict(fit, N, D, Int(bitPattern: UInt.max), &predicted) == SK_ERR_LENGTH.rawValue)
    }

    /// A failure on another thread leaves this thread's message alone (synchronous: no suspension point, so the
    /// test body stays on one thread).
    @Test func lastErrorIsPerThread() throws {
        #expect(sk_chinchilla_options_init(nil, 0) == SK_ERR_NULL_POINTER.rawValue)
        let mine = lastError()
        #expect(mine.contains("'options' is NULL"))
        final class Box { var message = "" }
        let box = Box()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            let box = Unmanaged<Box>.fromOpaque(arg!).takeUnretainedValue()
            var out: OpaquePointer? = nil
            _ = sk_chinchilla_fit(N, D, L, 0, nil, &out)
            box.message = String(cString: sk_last_error())
            return nil
        }, Unmanaged.passUnretained(box).toOpaque())
        try #require(rc == 0)
        pthread_join(thread, nil)
        #expect(box.message.contains("no data"))
        #expect(lastError() == mine)
    }

    @Test func statusStrings() {
        #expect(String(cString: sk_status_string(SK_ERR_STRUCT_SIZE.rawValue)).hasPrefix("SK_ERR_STRUCT_SIZE"))
        #expect(String(cString: sk_status_string(42)) == "unknown status")
    }
}

@Suite("C ABI: laws")
struct CABILawTests {
    @Test func catalogueLawThroughTheABI() throws {
        var law: OpaquePointer? = nil
        #expect(sk_law_from_name("power_law", &law) == SK_OK.rawValue)
        let handle = try #require(law)
        defer { sk_law_free(handle) }
        #expect(sk_law_param_count(handle) == 3 && String(cString: sk_law_input_name(handle, 0)!) == "x")
        let x = (0..<25).map { pow(10, 5 + 6 * Double($0) / 24) }
        let y = x.map { 1.5 + pow(1e8 / $0, 0.3) }
        var fit: OpaquePointer? = nil
        let rc = x.withUnsafeBufferPointer { xp -> Int32 in
            var columns: [UnsafePointer<Double>?] = [xp.baseAddress]
            return sk_law_fit(handle, &columns, 1, y, y.count, nil, &fit)
        }
        #expect(rc == SK_OK.rawValue, "\(String(cString: sk_last_error()))")
        let f = try #require(fit)
        defer { sk_fit_free(f) }
        var alpha = 0.0
        #expect(sk_fit_param(f, "alpha", &alpha) == SK_OK.rawValue && abs(alpha - 0.3) < 1e-6)
        var info = sk_fit_info(); info.struct_size = MemoryLayout<sk_fit_info>.size
        #expect(sk_fit_get_info(f, &info) == SK_OK.rawValue && info.converged == 1)
    }

    @Test func formulaErrorsCarryThePosition() {
        var law: OpaquePointer? = nil
        let inputs: [UnsafePointer<CChar>?] = [UnsafePointer(strdup("N"))]
        defer { inputs.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
        #expect(sk_law_from_formula("a * (N + ", inputs, 1, &law) == SK_ERR_INVALID_ARGUMENT.rawValue)
        #expect(String(cString: sk_last_error()).contains("at position 9"))
        #expect(law == nil)
        let deep = String(repeating: "(", count: 100) + "a*N" + String(repeating: ")", count: 100)
        #expect(sk_law_from_formula(deep, inputs, 1, &law) == SK_ERR_INVALID_ARGUMENT.rawValue)
        #expect(String(cString: sk_last_error()).contains("nested more than 64"))
    }
}

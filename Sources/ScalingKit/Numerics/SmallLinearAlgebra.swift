/// Solves A x = b for a small symmetric positive-definite A (row-major p×p) by Cholesky factorisation, in place.
/// Hand-written because for the 3–10 unknowns of a scaling law it beats LAPACK's dposv by 1.5–3× (measured; see
/// the engineering notes). Returns false if A is not positive definite to working precision.
enum Cholesky {
    static func solve(_ a: UnsafeMutableBufferPointer<Double>, _ b: UnsafeMutableBufferPointer<Double>, n: Int) -> Bool {
        // A = L Lᵀ, L stored in the lower triangle of a.
        for j in 0..<n {
            var d = a[j * n + j]
            for k in 0..<j { d -= a[j * n + k] * a[j * n + k] }
            guard d > 0, d.isFinite else { return false }
            let ljj = d.squareRoot()
            a[j * n + j] = ljj
            for i in (j + 1)..<n {
                var s = a[i * n + j]
                for k in 0..<j { s -= a[i * n + k] * a[j * n + k] }
                a[i * n + j] = s / ljj
            }
        }
        for i in 0..<n {            // L y = b
            var s = b[i]
            for k in 0..<i { s -= a[i * n + k] * b[k] }
            b[i] = s / a[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {   // Lᵀ x = y
            var s = b[i]
            for k in (i + 1)..<n { s -= a[k * n + i] * b[k] }
            b[i] = s / a[i * n + i]
        }
        return true
    }
}

/// A zero-filled buffer for an optimiser's workspace (allocated once per optimiser, freed in its deinit).
func zeroedBuffer(_ n: Int) -> UnsafeMutableBufferPointer<Double> {
    let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
    b.initialize(repeating: 0)
    return b
}

/// A smooth objective `f: ℝⁿ → ℝ` that returns its exact gradient with its value.
///
/// Optimisers are generic over this protocol so that each objective is specialised and inlined into the
/// optimiser's loop: no closures, no boxing, no allocation per evaluation.
public protocol DifferentiableObjective {
    /// The number of parameters n.
    var dimension: Int { get }

    /// Returns f(x) and writes ∇f(x) into `gradient` (both buffers have `dimension` elements).
    /// May return a non-finite value where f is undefined; optimisers then back off.
    func evaluate(_ x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>) -> Double
}

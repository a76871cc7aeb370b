#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Named laws with default bounds, starting grids and a citation, all built on the formula machinery.
///
/// Coefficients that span orders of magnitude are fitted in log space (`logScaled`), exponents on a linear grid.
/// Grids are deliberately coarse but wide: multi-start plus polish finds the optimum; narrow them with
/// `LawFitOptions.startGrid` when you know better.
extension ScalingLaw {
    /// Names accepted by `ScalingLaw.named(_:)`.
    public static var catalogueNames: [String] { catalogue.map(\.name) }

    /// A catalogue law by name.
    /// - Throws: `ScalingKitError` for an unknown name (the message lists the known ones).
    public static func named(_ name: String) throws -> ScalingLaw {
        guard let entry = catalogue.first(where: { $0.name == name }) else {
            throw ScalingKitError.invalid("unknown law '\(name)'; known laws: \(catalogueNames.joined(separator: ", "))")
        }
        return try entry.make()
    }

    private static let exponents = [0.1, 0.3, 0.6, 1.0]
    private static func decades(_ lo: Int, _ hi: Int, step: Int = 1) -> [Double] {
        stride(from: lo, through: hi, by: step).map { pow10(Double($0)) }
    }
    private static func pow10(_ e: Double) -> Double { pow(10, e) }
    private static func expGrid(_ xs: [Double]) -> [Double] { xs.map { exp($0) } }

    private struct Entry: Sendable {
        let name: String
        let make: @Sendable () throws -> ScalingLaw
    }

    private static let catalogue: [Entry] = [
        Entry(name: "chinchilla") {
            try ScalingLaw(
                formula: "E + A*N^-alpha + B*D^-beta", inputs: ["N", "D"], name: "chinchilla",
                lowerBounds: ["alpha": 0, "beta": 0],
                // Hoffmann's grid, in natural units: e ∈ {−1, …, 1}, a, b ∈ {0, 5, …, 25}, α, β ∈ {0, …, 2}.
                startGrid: ["E": expGrid([-1, -0.5, 0, 0.5, 1]), "A": expGrid([0, 5, 10, 15, 20, 25]),
                            "alpha": [0, 0.5, 1, 1.5, 2], "B": expGrid([0, 5, 10, 15, 20, 25]),
                            "beta": [0, 0.5, 1, 1.5, 2]],
                logScaled: ["E", "A", "B"],
                citation: "Hoffmann et al. 2022, Training Compute-Optimal LLMs, eq. 2 (Approach 3)")
        },
        Entry(name: "kaplan_n") {
            try ScalingLaw(
                formula: "(Nc/N)^alphaN", inputs: ["N"], name: "kaplan_n", lowerBounds: ["alphaN": 0],
                startGrid: ["Nc": decades(10, 16, step: 2), "alphaN": [0.03, 0.076, 0.2, 0.5]], logScaled: ["Nc"],
                citation: "Kaplan et al. 2020, Scaling Laws for Neural Language Models, eq. 1.1")
        },
        Entry(name: "kaplan_d") {
            try ScalingLaw(
                formula: "(Dc/D)^alphaD", inputs: ["D"], name: "kaplan_d", lowerBounds: ["alphaD": 0],
                startGrid: ["Dc": decades(10, 16, step: 2), "alphaD": [0.03, 0.095, 0.2, 0.5]], logScaled: ["Dc"],
                citation: "Kaplan et al. 2020, Scaling Laws for Neural Language Models, eq. 1.2")
        },
        Entry(name: "kaplan_nd") {
            try ScalingLaw(
                formula: "((Nc/N)^(alphaN/alphaD) + Dc/D)^alphaD", inputs: ["N", "D"], name: "kaplan_nd",
                lowerBounds: ["alphaN": 0, "alphaD": 1e-3],
                startGrid: ["Nc": decades(10, 16, step: 2), "alphaN": [0.03, 0.076, 0.3],
                            "alphaD": [0.03, 0.103, 0.3], "Dc": decades(10, 16, step: 2)],
                logScaled: ["Nc", "Dc"],
                citation: "Kaplan et al. 2020, Scaling Laws for Neural Language Models, eq. 1.5")
        },
        Entry(name: "power_law") {
            try ScalingLaw(
                formula: "Linf + (x0/x)^alpha", inputs: ["x"], name: "power_law",
                lowerBounds: ["Linf": 0, "alpha": 0],
                startGrid: ["Linf": [0.5, 1, 2, 4], "x0": decades(0, 20, step: 4), "alpha": exponents],
                logScaled: ["x0"],
                citation: "Henighan et al. 2020, Scaling Laws for Autoregressive Generative Modeling, eq. 1.1; Hestness et al. 2017")
        },
        Entry(name: "compute") {
            try ScalingLaw(
                formula: "Linf + (C0/C)^alpha", inputs: ["C"], name: "compute",
                lowerBounds: ["Linf": 0, "alpha": 0],
                startGrid: ["Linf": [0.5, 1, 2, 4], "C0": decades(5, 25, step: 4), "alpha": [0.02, 0.05, 0.1, 0.3]],
                logScaled: ["C0"],
                citation: "Henighan et al. 2020, eq. 1.1 (loss vs compute with an irreducible term); Kaplan et al. 2020 eq. 1.3 without it")
        },
        Entry(name: "lr_annealing") {
            try ScalingLaw(
                formula: "L0 + A*S1^-alpha - C*S2", inputs: ["S1", "S2"], name: "lr_annealing",
                lowerBounds: ["L0": 0, "alpha": 0, "C": 0],
                startGrid: ["L0": [1, 2, 3], "A": [0.1, 1, 10], "alpha": [0.2, 0.5, 1], "C": [0.1, 1, 10, 100]],
                logScaled: ["A"],
                citation: "Tissue et al. 2024, Scaling Law with Learning Rate Annealing (S1 forward area, S2 annealing area with momentum)")
        },
        Entry(name: "gadre_overtraining") {
            // The form of Gadre et al.'s code (scaling/laws.py), which reproduces their published extrapolation
            // errors; the paper writes it as L(C, M) = E + (a·M^η + b·M^−η)·C^η with C = 6N²M.
            try ScalingLaw(
                formula: "a*N^eta + b*6^(eta/2)*(M*N)^eta + E", inputs: ["N", "M"], name: "gadre_overtraining",
                lowerBounds: ["E": 0], upperBounds: ["eta": 0],
                startGrid: ["a": [1, 10, 100, 1000], "eta": [-0.1, -0.2, -0.3, -0.5], "b": [1, 10, 100, 1000],
                            "E": [1, 2]],
                logScaled: ["a", "b"],
                citation: "Gadre et al. 2024, Language models scale reliably with over-training and on downstream tasks, eq. 4")
        },
        Entry(name: "downstream_error") {
            try ScalingLaw(
                formula: "eps - k*exp(-gamma*L)", inputs: ["L"], name: "downstream_error",
                lowerBounds: ["k": 0, "gamma": 0], upperBounds: ["eps": 1],
                startGrid: ["eps": [0.5, 0.75, 1], "k": [0.1, 1, 10, 100], "gamma": [0.5, 1, 2, 4]], logScaled: ["k"],
                citation: "Gadre et al. 2024, eq. 5 (average top-1 error from loss)")
        },
        Entry(name: "finetune_rectified") {
            try ScalingLaw(
                formula: "B/(Dl + D^beta) + E", inputs: ["D"], name: "finetune_rectified",
                lowerBounds: ["beta": 0, "E": 0],
                startGrid: ["B": decades(0, 8, step: 2), "Dl": decades(0, 8, step: 2), "beta": exponents, "E": [0.5, 1, 2]],
                logScaled: ["B", "Dl"],
                citation: "Lin et al. 2024, Selecting LLM to Fine-tune via Rectified Scaling Law, eq. 4")
        },
        Entry(name: "parallel_scaling") {
            try ScalingLaw(
                formula: "(A/(N*(k*log(P) + 1)))^alpha + E", inputs: ["N", "P"], name: "parallel_scaling",
                lowerBounds: ["k": 0, "alpha": 0, "E": 0],
                startGrid: ["A": decades(6, 14, step: 2), "k": [0.1, 0.3, 1], "alpha": exponents, "E": [0.5, 1, 2]],
                logScaled: ["A"],
                citation: "Chen et al. 2025, Parallel Scaling Law for Language Models, eq. 5")
        },
        Entry(name: "broken_power_law") {
            try ScalingLaw(
                formula: "a + b*x^-c0 * (1 + (x/d1)^(1/f1))^(-c1*f1)", inputs: ["x"], name: "broken_power_law",
                lowerBounds: ["a": 0, "c0": 0, "f1": 1e-3],
                startGrid: ["a": [0.5, 1, 2], "b": decades(0, 6, step: 2), "c0": [0.05, 0.2, 0.5],
                            "d1": decades(4, 12, step: 4), "c1": [-0.2, 0.2, 0.5], "f1": [0.1, 1]],
                logScaled: ["b", "d1"],
                citation: "Caballero et al. 2023, Broken Neural Scaling Laws, eq. 1 with one break")
        },
    ]
}

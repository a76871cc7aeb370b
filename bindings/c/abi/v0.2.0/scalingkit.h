/*
 * scalingkit.h — the C interface of ScalingKit.
 *
 * ScalingKit fits neural scaling laws, plans compute-optimal training runs, transfers hyperparameters across
 * scale and estimates the critical batch size. This header is the whole contract of libscalingkit.so: the
 * Python and C bindings are built on it, and nothing else is exported.
 *
 * Conventions (they hold for every function below unless its comment says otherwise):
 *
 *  - Names: functions and types start with `sk_`, macros and constants with `SK_`.
 *  - Errors: functions that can fail return an `int` status: SK_OK (0) on success, a negative SK_ERR_* code on
 *    failure. On failure, sk_last_error() returns a readable message for the calling thread, and every output
 *    argument is left untouched. Bad input never crashes the caller: every pointer, length and value is checked
 *    before anything is computed.
 *  - Arrays are passed as a pointer plus an explicit element count. A count may not exceed SK_MAX_LENGTH.
 *  - Ownership: the caller owns every array it passes and may free it as soon as the call returns. Objects the
 *    library creates are opaque handles with a matching `_free` function; `_free(NULL)` is a no-op. Strings the
 *    library returns are owned by the library and documented with their lifetime.
 *  - Extensible structs begin with `size_t struct_size`. Fill option structs with their `_init` function
 *    (passing `sizeof` of your struct) before setting fields, and set `struct_size = sizeof(struct)` on output
 *    structs; the library then knows which version of the struct you were compiled against.
 *  - Threads: every function may be called from any thread. Distinct handles may be used concurrently from
 *    different threads; a single handle may be read (const functions) from several threads at once but must not
 *    be freed while another thread uses it. The last-error message is per thread.
 *  - Units: N is the number of parameters, D the number of training tokens, C = 6ND training FLOPs, and loss is
 *    in nats per token unless your data says otherwise.
 */
#ifndef SCALINGKIT_H
#define SCALINGKIT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------------------------
 * Visibility and version
 * ---------------------------------------------------------------------------------------------------------- */

#ifndef SK_API
#  if defined(__GNUC__) || defined(__clang__)
#    define SK_API __attribute__((visibility("default")))
#  else
#    define SK_API
#  endif
#endif

/* Semantic version of this header. Breaking the ABI requires a new major version (and a new SONAME). */
#define SK_VERSION_MAJOR 0
#define SK_VERSION_MINOR 2
#define SK_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH, as in zstd. */
#define SK_VERSION_NUMBER (SK_VERSION_MAJOR * 10000 + SK_VERSION_MINOR * 100 + SK_VERSION_PATCH)
#define SK_VERSION_STRING "0.2.0"

/* The largest element count any function accepts (2^32). Larger counts, including (size_t)-1, are rejected with
 * SK_ERR_LENGTH rather than trusted. */
#define SK_MAX_LENGTH ((size_t)1 << 32)

/* The version of the library actually loaded, encoded like SK_VERSION_NUMBER. Compare it with
 * SK_VERSION_NUMBER to detect a header/library mismatch. Never fails. */
SK_API unsigned sk_version_number(void);

/* The loaded library's version as "MAJOR.MINOR.PATCH". Static storage; never NULL; never fails. */
SK_API const char *sk_version_string(void);

/* ------------------------------------------------------------------------------------------------------------
 * Status codes and errors
 * ---------------------------------------------------------------------------------------------------------- */

typedef enum sk_status {
    SK_OK = 0,
    SK_ERR_NULL_POINTER = -1,     /* a required pointer argument was NULL */
    SK_ERR_INVALID_ARGUMENT = -2, /* a value is out of its domain: NaN, Inf, non-positive size, bad option */
    SK_ERR_LENGTH = -3,           /* a length is zero, mismatched, too small for the model, or > SK_MAX_LENGTH */
    SK_ERR_STRUCT_SIZE = -4,      /* struct_size does not match any version of the struct this library knows */
    SK_ERR_UNSUPPORTED = -5,      /* the operation does not apply to this object */
    SK_ERR_OUT_OF_MEMORY = -6,    /* an allocation failed */
    SK_ERR_INTERNAL = -100        /* a bug in ScalingKit; please report it with the message */
} sk_status;

/* The message describing the most recent failure on the calling thread, or "" if no call on this thread has
 * failed yet. Successful calls do not clear it. The string is owned by the library and stays valid until the
 * next failing call on the same thread (or thread exit): copy it if you need it longer. Read it immediately
 * after the failing call, on the same thread. Never returns NULL. */
SK_API const char *sk_last_error(void);

/* A short, static description of a status code ("SK_ERR_LENGTH: invalid length", ...). Never returns NULL;
 * unknown codes give "unknown status". */
SK_API const char *sk_status_string(int status);

/* ------------------------------------------------------------------------------------------------------------
 * Fit results (shared by every law)
 * ---------------------------------------------------------------------------------------------------------- */

/* An opaque fitted law: its parameter values and the diagnostics of the fit that produced it.
 * Created by a fit function (for example sk_chinchilla_fit); release with sk_fit_free. Immutable after
 * creation, so it may be read from several threads at once. */
typedef struct sk_fit sk_fit;

/* Releases a fit. sk_fit_free(NULL) does nothing. Using the handle afterwards is undefined behaviour. */
SK_API void sk_fit_free(sk_fit *fit);

/* Diagnostics of a fit, modelled on scipy.optimize.OptimizeResult. Set struct_size = sizeof(sk_fit_info)
 * before calling sk_fit_get_info. */
typedef struct sk_fit_info {
    size_t struct_size;
    double objective;        /* objective at the optimum (for Chinchilla: Σ Huber_δ of log residuals) */
    double gradient_norm;    /* max-norm of the objective's gradient at the optimum, in the fit's coordinates */
    int converged;           /* 1 if the reported optimum met the convergence test, else 0 */
    size_t iterations;       /* optimiser iterations of the winning start (including its final polish) */
    size_t evaluations;      /* objective evaluations over all starts */
    size_t starts;           /* starting points tried */
    size_t starts_converged; /* starts whose local optimiser converged */
    size_t starts_at_optimum;/* starts that ended within a relative 1e-9 of the best objective */
    size_t points_used;      /* data points the fit used (after exclusions) */
    size_t points_excluded;  /* data points removed by the exclusion option */
} sk_fit_info;

/* Fills *info with the fit's diagnostics.
 * Errors: SK_ERR_NULL_POINTER if fit or info is NULL; SK_ERR_STRUCT_SIZE if info->struct_size is not
 * sizeof(sk_fit_info) of a version this library knows. */
SK_API int sk_fit_get_info(const sk_fit *fit, sk_fit_info *info);

/* A sentence describing how the fit ended (convergence reason, starts tried and converged). Owned by the fit;
 * valid until sk_fit_free(fit). Returns "" if fit is NULL. */
SK_API const char *sk_fit_message(const sk_fit *fit);

/* The number of fitted parameters (5 for Chinchilla: E, A, B, alpha, beta). Returns 0 if fit is NULL. */
SK_API size_t sk_fit_param_count(const sk_fit *fit);

/* The name of parameter `index` (0-based), for example "alpha". Owned by the fit; valid until sk_fit_free(fit).
 * Returns NULL if fit is NULL or index >= sk_fit_param_count(fit). */
SK_API const char *sk_fit_param_name(const sk_fit *fit, size_t index);

/* Copies all parameter values, in sk_fit_param_name order, into values[0 .. len-1].
 * Errors: SK_ERR_NULL_POINTER if fit or values is NULL; SK_ERR_LENGTH if len != sk_fit_param_count(fit). */
SK_API int sk_fit_params(const sk_fit *fit, double *values, size_t len);

/* Looks up one parameter by name (case-sensitive, for example "E" or "beta") and writes it to *value.
 * Errors: SK_ERR_NULL_POINTER if an argument is NULL; SK_ERR_INVALID_ARGUMENT if the name is unknown. */
SK_API int sk_fit_param(const sk_fit *fit, const char *name, double *value);

/* The number of data points the fit excluded (see sk_chinchilla_options.exclude_highest_loss). 0 if fit is
 * NULL. */
SK_API size_t sk_fit_excluded_count(const sk_fit *fit);

/* Copies the 0-based row indices of the excluded points, ascending, into indices[0 .. len-1].
 * Errors: SK_ERR_NULL_POINTER if fit is NULL, or if indices is NULL while len > 0;
 * SK_ERR_LENGTH if len != sk_fit_excluded_count(fit). */
SK_API int sk_fit_excluded(const sk_fit *fit, size_t *indices, size_t len);

/* The number of inputs (data columns) the fitted law reads: 2 for Chinchilla (N, D). 0 if fit is NULL. */
SK_API size_t sk_fit_input_count(const sk_fit *fit);

/* The name of input `index`, for example "N". Owned by the fit; valid until sk_fit_free(fit). NULL if fit is NULL
 * or index is out of range. */
SK_API const char *sk_fit_input_name(const sk_fit *fit, size_t index);

/* 1 if free parameter `index` ended on one of its bounds (its value is then set by the bound, not the data),
 * 0 if not, if it was held fixed, or if fit is NULL or index is out of range. */
SK_API int sk_fit_param_at_bound(const sk_fit *fit, size_t index);

/* Evaluates the fitted law at n new points: columns[j][i] is input j (in sk_fit_input_name order) of point i;
 * out[i] receives the prediction (of the loss itself, also for laws fitted in log form).
 * Errors: SK_ERR_NULL_POINTER (fit, columns, a column or out NULL); SK_ERR_LENGTH (n_columns is not
 * sk_fit_input_count(fit), n == 0 or n > SK_MAX_LENGTH); SK_ERR_INVALID_ARGUMENT (a NaN or Inf input). */
SK_API int sk_fit_predict(const sk_fit *fit, const double *const *columns, size_t n_columns, size_t n, double *out);

/* ------------------------------------------------------------------------------------------------------------
 * Chinchilla law  L(N, D) = E + A / N^alpha + B / D^beta        (Hoffmann et al. 2022, eq. 2)
 * ---------------------------------------------------------------------------------------------------------- */

/* Options of sk_chinchilla_fit. Initialise with sk_chinchilla_options_init, then change fields.
 * The start grid is the Cartesian product of five axes in the fit's log-sum-exp coordinates
 * (A = exp(a), B = exp(b), E = exp(e)); a NULL axis (with length 0) selects the default for that axis. */
typedef struct sk_chinchilla_options {
    size_t struct_size;
    double huber_delta;          /* δ of the Huber loss on log residuals; > 0; default 1e-3 (Hoffmann 2022) */
    size_t exclude_highest_loss; /* drop this many highest-loss points first; default 0. Besiroglu et al. (2024)
                                    drop 5 of the 245 Chinchilla points. Ties: the earlier row goes first. */
    size_t max_iterations;       /* L-BFGS iterations per start; >= 1; default 1000 */
    double gradient_tolerance;   /* stop a start when the relative gradient max|g_i|·max(|x_i|,1)/|f| <= this;
                                    >= 0; default 1e-10 */
    double function_tolerance;   /* stop when the relative decrease of the objective <= this; >= 0; 1e-14 */
    size_t threads;              /* worker threads; 0 = one per core (default). Results do not depend on it. */
    const double *start_alpha;   /* default {0, 0.5, 1, 1.5, 2} */
    size_t start_alpha_len;
    const double *start_beta;    /* default {0, 0.5, 1, 1.5, 2} */
    size_t start_beta_len;
    const double *start_e;       /* default {-1, -0.5, 0, 0.5, 1} */
    size_t start_e_len;
    const double *start_a;       /* default {0, 5, 10, 15, 20, 25} */
    size_t start_a_len;
    const double *start_b;       /* default {0, 5, 10, 15, 20, 25} */
    size_t start_b_len;
} sk_chinchilla_options;

/* Fills *options with the defaults above and sets options->struct_size = struct_size. Pass
 * sizeof(sk_chinchilla_options). The grid arrays are only read during sk_chinchilla_fit; they are not copied.
 * Errors: SK_ERR_NULL_POINTER if options is NULL; SK_ERR_STRUCT_SIZE if struct_size is not a size this library
 * knows (then *options is not written). */
SK_API int sk_chinchilla_options_init(sk_chinchilla_options *options, size_t struct_size);

/* Fits the Chinchilla law to n training runs (N[i] parameters, D[i] tokens, final loss[i]).
 *
 * Method (Hoffmann et al. 2022 Approach 3, §D.2, as replicated by Besiroglu et al. 2024): minimise
 * Σ Huber_δ(LSE(a − α log N, b − β log D, e) − log loss) with L-BFGS and an exact gradient from every point of
 * the start grid, in parallel; the lowest objective among converged starts wins and is polished once more.
 * Deterministic: the same input gives bit-identical output for any thread count.
 *
 * options may be NULL for all defaults. On success *out receives a new fit that the caller releases with
 * sk_fit_free; its parameters are named "E", "A", "B", "alpha", "beta".
 * A fit that ran but did not converge still succeeds: check sk_fit_info.converged.
 * Errors: SK_ERR_NULL_POINTER (N, D, loss or out NULL); SK_ERR_LENGTH (n == 0, n > SK_MAX_LENGTH, fewer than 5
 * points left after exclusion, a grid axis pointer/length mismatch); SK_ERR_INVALID_ARGUMENT (a NaN, Inf or
 * value <= 0 in the data, an invalid option); SK_ERR_STRUCT_SIZE (options->struct_size unknown).
 * Thread safety: safe to call concurrently; it uses its own worker threads. */
SK_API int sk_chinchilla_fit(const double *N, const double *D, const double *loss, size_t n,
                             const sk_chinchilla_options *options, sk_fit **out);

/* Evaluates a fitted Chinchilla law: out[i] = E + A / N[i]^alpha + B / D[i]^beta for i < n.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (n == 0 or n > SK_MAX_LENGTH); SK_ERR_INVALID_ARGUMENT (a NaN,
 * Inf or value <= 0 in N or D); SK_ERR_UNSUPPORTED (fit is not a Chinchilla fit). */
SK_API int sk_chinchilla_predict(const sk_fit *fit, const double *N, const double *D, size_t n, double *out);

/* A compute-optimal allocation: train `params` parameters on `tokens` tokens with `compute` = 6ND FLOPs. */
typedef struct sk_allocation {
    size_t struct_size;
    double compute;            /* the budget C in FLOPs */
    double params;             /* N_opt */
    double tokens;             /* D_opt */
    double tokens_per_param;   /* D_opt / N_opt */
    double loss;               /* predicted loss L(N_opt, D_opt) */
    double a;                  /* N_opt ∝ C^a, a = beta / (alpha + beta) */
    double b;                  /* D_opt ∝ C^b, b = alpha / (alpha + beta) */
} sk_allocation;

/* The allocation that minimises the fitted loss for a budget of `compute` FLOPs under C = 6ND (Hoffmann et al.
 * 2022, eq. 4): N_opt = G (C/6)^a, D_opt = G^-1 (C/6)^b, G = (alpha A / (beta B))^(1/(alpha+beta)).
 * Set out->struct_size = sizeof(sk_allocation) first.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE; SK_ERR_INVALID_ARGUMENT (compute not finite and > 0, or a
 * fit with non-positive exponents or coefficients); SK_ERR_UNSUPPORTED (fit is not a Chinchilla fit). */
SK_API int sk_chinchilla_allocate(const sk_fit *fit, double compute, sk_allocation *out);


/* ------------------------------------------------------------------------------------------------------------
 * Laws: the catalogue and formula strings
 * ---------------------------------------------------------------------------------------------------------- */

/* An opaque compiled scaling law: a formula over named inputs with named parameters, default bounds and a
 * default starting grid. Create with sk_law_from_name or sk_law_from_formula; release with sk_law_free.
 * Immutable after creation: one law may be fitted from several threads at once. */
typedef struct sk_law sk_law;

/* A law from the catalogue: "chinchilla", "kaplan_n", "kaplan_d", "kaplan_nd", "power_law", "compute",
 * "lr_annealing", "gadre_overtraining", "downstream_error", "finetune_rectified", "parallel_scaling",
 * "broken_power_law" (sk_law_catalogue lists them). On success *out receives a new law.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_INVALID_ARGUMENT (unknown name; the message lists the known ones). */
SK_API int sk_law_from_name(const char *name, sk_law **out);

/* The catalogue's law names separated by commas ("chinchilla,kaplan_n,..."). Static storage; never NULL. */
SK_API const char *sk_law_catalogue(void);

/* A law from a formula string, for example "E + A*N^-alpha + B*D^-beta", with + - * / ^ (or **), exp, log, sqrt,
 * min, max, logsumexp, parentheses and numbers. inputs[0 .. n_inputs-1] name the data columns that may appear;
 * those the formula uses become the law's inputs (sk_law_input_name), and every other name in the formula is a
 * parameter, in order of first appearance. Parameters start unbounded from the single value 1 unless the
 * fit options say otherwise. At most 4096 characters and 64 levels of nesting.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (n_inputs > SK_MAX_LENGTH); SK_ERR_INVALID_ARGUMENT (a syntax error
 * — the message gives the position and what was expected —, a repeated input, no parameters, invalid UTF-8). */
SK_API int sk_law_from_formula(const char *formula, const char *const *inputs, size_t n_inputs, sk_law **out);

/* Releases a law. sk_law_free(NULL) does nothing. Fits made from the law stay valid. */
SK_API void sk_law_free(sk_law *law);

/* The law's name ("custom" for formulas), formula and citation ("" if none). Owned by the law; valid until
 * sk_law_free(law). "" if law is NULL. */
SK_API const char *sk_law_name(const sk_law *law);
SK_API const char *sk_law_formula(const sk_law *law);
SK_API const char *sk_law_citation(const sk_law *law);

/* Inputs and parameters of the law, in the order fits and options use. Counts are 0 and names NULL for a NULL
 * law or an index out of range. Names are owned by the law. */
SK_API size_t sk_law_input_count(const sk_law *law);
SK_API const char *sk_law_input_name(const sk_law *law, size_t index);
SK_API size_t sk_law_param_count(const sk_law *law);
SK_API const char *sk_law_param_name(const sk_law *law, size_t index);

/* What sk_law_fit minimises: Σ w_i ρ(r_i). */
typedef enum sk_loss {
    SK_LOSS_HUBER = 0,   /* Huber (1964) with huber_delta; Hoffmann et al. (2022) use 1e-3 on log residuals */
    SK_LOSS_SQUARED = 1  /* r^2 / 2 */
} sk_loss;

/* The local optimiser run from each start of sk_law_fit. */
typedef enum sk_method {
    SK_METHOD_LBFGS = 0,               /* L-BFGS, projected onto finite bounds (any loss; default) */
    SK_METHOD_LEVENBERG_MARQUARDT = 1  /* Levenberg–Marquardt (SK_LOSS_SQUARED only) */
} sk_method;

typedef enum sk_residual_space {
    SK_SPACE_LOG = 0,    /* r = log(prediction) - log(observed): relative errors (default) */
    SK_SPACE_LINEAR = 1  /* r = prediction - observed */
} sk_residual_space;

/* Options of sk_law_fit. Initialise with sk_law_fit_options_init. Per-parameter arrays are indexed in
 * sk_law_param_name order; a NULL array (with length 0) keeps the law's defaults for all parameters, otherwise
 * the length must equal sk_law_param_count, and a NaN entry keeps the default for that parameter. */
typedef struct sk_law_fit_options {
    size_t struct_size;
    int loss;                      /* an sk_loss; default SK_LOSS_HUBER */
    double huber_delta;            /* > 0; default 1e-3 */
    int space;                     /* an sk_residual_space; default SK_SPACE_LOG */
    double over_prediction_weight; /* weight of residuals where the law over-predicts; > 0; default 1 */
    const double *weights;         /* per-run weights (>= 0, not all 0), length n; NULL = all 1 */
    size_t weights_len;
    const double *fixed;           /* hold parameters at these values (NaN = fitted) */
    size_t fixed_len;
    const double *lower;           /* lower bounds (NaN = law default; -INFINITY = none) */
    size_t lower_len;
    const double *upper;           /* upper bounds (NaN = law default; INFINITY = none) */
    size_t upper_len;
    const double *start_values;    /* starting values of all parameters, concatenated */
    const size_t *start_counts;    /* how many of start_values belong to each parameter (0 = law default) */
    size_t start_counts_len;       /* 0, or sk_law_param_count */
    const int *log_scaled;         /* non-zero: fit this parameter in log space (it must stay > 0); the law's own
                                      log-scaled parameters stay so */
    size_t log_scaled_len;         /* 0, or sk_law_param_count */
    size_t max_iterations;         /* L-BFGS iterations per start; default 1000 */
    double gradient_tolerance;     /* relative gradient test; default 1e-10 */
    double function_tolerance;     /* relative; default 1e-14 */
    size_t threads;                /* 0 = one per core (default); results do not depend on it */
    size_t random_starts;          /* > 0: start from this many points of a seeded Latin hypercube spanning each
                                      parameter's starting range instead of the grid; default 0 (the grid) */
    unsigned long long seed;       /* seed of the Latin hypercube; default 0 */
    int method;                    /* an sk_method; default SK_METHOD_LBFGS */
    int log_output;                /* 1: the formula gives log of the observed value (log-sum-exp forms such as
                                      "logsumexp(a - alpha*log(N), b - beta*log(D), e)"); 0: the value itself;
                                      -1 (default): as the law says (0 for formulas and the catalogue) */
} sk_law_fit_options;

/* Fills *options with the defaults above; pass sizeof(sk_law_fit_options).
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE. */
SK_API int sk_law_fit_options_init(sk_law_fit_options *options, size_t struct_size);

/* Fits `law` to n runs: columns[j][i] is input j (sk_law_input_name order) of run i, observed[i] its measured
 * value (for example the final loss). Multi-start: the local optimiser (L-BFGS projected onto the bounds, or
 * Levenberg–Marquardt per options->method) runs from every point of the starting grid (or of the Latin hypercube
 * when options->random_starts > 0), in parallel and deterministic; the lowest objective among converged starts
 * wins and is polished. options may be NULL. On success *out receives a new fit (release with sk_fit_free) whose
 * parameters are the law's.
 * Errors: SK_ERR_NULL_POINTER (law, columns, a column, observed or out NULL); SK_ERR_LENGTH (n_columns is not
 * sk_law_input_count(law), n == 0 or > SK_MAX_LENGTH, a per-parameter array of the wrong length, more free
 * parameters than runs); SK_ERR_INVALID_ARGUMENT (NaN/Inf data, observed <= 0 with log residuals, bad loss,
 * space, method or log_output, a bad weight, bounds with low > high, Levenberg–Marquardt without the squared
 * loss, or an objective that is not finite at any start);
 * SK_ERR_STRUCT_SIZE. */
SK_API int sk_law_fit(const sk_law *law, const double *const *columns, size_t n_columns, const double *observed,
                      size_t n, const sk_law_fit_options *options, sk_fit **out);


/* ------------------------------------------------------------------------------------------------------------
 * Bootstrap confidence intervals
 * ---------------------------------------------------------------------------------------------------------- */

/* An opaque set of bootstrap replicates of a fit. Release with sk_bootstrap_free. Immutable. */
typedef struct sk_bootstrap sk_bootstrap;

typedef struct sk_bootstrap_options {
    size_t struct_size;
    size_t replicates;          /* resamples; >= 2; default 1000 (Besiroglu et al. 2024 use 4000) */
    unsigned long long seed;    /* same seed → same replicates on any number of threads; default 0 */
    double confidence;          /* coverage of the percentile intervals, in (0, 1); default 0.95 */
    size_t threads;             /* 0 = one per core (default) */
} sk_bootstrap_options;

/* Fills *options with the defaults; pass sizeof(sk_bootstrap_options). Errors: SK_ERR_NULL_POINTER,
 * SK_ERR_STRUCT_SIZE. */
SK_API int sk_bootstrap_options_init(sk_bootstrap_options *options, size_t struct_size);

/* Nonparametric bootstrap of a fit from sk_chinchilla_fit: the runs the fit used are resampled with replacement
 * and each resample is refitted from the fit's optimum with the fit's options (Efron & Tibshirani 1993).
 * Pass the same N, D, loss as to the fit. options may be NULL. On success *out receives a new set of replicates.
 * Errors: those of sk_chinchilla_fit, plus SK_ERR_UNSUPPORTED (fit is not from sk_chinchilla_fit),
 * SK_ERR_LENGTH (data that do not match the fit), SK_ERR_INVALID_ARGUMENT (replicates < 2, confidence outside
 * (0, 1), fewer than 2 refits converged). */
SK_API int sk_chinchilla_bootstrap(const double *N, const double *D, const double *loss, size_t n,
                                   const sk_fit *fit, const sk_bootstrap_options *options, sk_bootstrap **out);

/* Nonparametric bootstrap of a fit from sk_law_fit (same law, columns, observed values and fit options as the fit;
 * fit_options may be NULL if the fit used the defaults). Fixed parameters stay fixed.
 * Errors: as sk_law_fit and sk_chinchilla_bootstrap. */
SK_API int sk_law_bootstrap(const sk_law *law, const double *const *columns, size_t n_columns,
                            const double *observed, size_t n, const sk_law_fit_options *fit_options,
                            const sk_fit *fit, const sk_bootstrap_options *options, sk_bootstrap **out);

/* Releases replicates. sk_bootstrap_free(NULL) does nothing. */
SK_API void sk_bootstrap_free(sk_bootstrap *bootstrap);

typedef struct sk_bootstrap_info {
    size_t struct_size;
    size_t replicates;   /* requested */
    size_t kept;         /* converged refits, the rows of sk_bootstrap_samples */
    size_t failed;       /* refits that did not converge (left out) */
    size_t stalled;      /* kept refits whose optimiser could not take a step from a point stationary to working
                            precision (at the kinks of a Huber objective); reported, not hidden */
    size_t param_count;  /* columns of sk_bootstrap_samples */
    double confidence;
} sk_bootstrap_info;

/* Errors: SK_ERR_NULL_POINTER, SK_ERR_STRUCT_SIZE (set info->struct_size = sizeof(sk_bootstrap_info)). */
SK_API int sk_bootstrap_get_info(const sk_bootstrap *bootstrap, sk_bootstrap_info *info);

/* Copies the kept replicates, row-major (kept × param_count, parameters in the fit's order), into out.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (len != kept * param_count). */
SK_API int sk_bootstrap_samples(const sk_bootstrap *bootstrap, double *out, size_t len);

/* A quantity's full-data value, its bootstrap standard error and percentile interval (linear interpolation between
 * order statistics: Hyndman & Fan 1996 type 7, numpy's default). */
typedef struct sk_interval {
    size_t struct_size;
    double estimate;
    double standard_error;
    double lower;
    double upper;
} sk_interval;

/* The interval of parameter `name`. Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE; SK_ERR_INVALID_ARGUMENT
 * (unknown name). */
SK_API int sk_bootstrap_param(const sk_bootstrap *bootstrap, const char *name, sk_interval *out);

/* Intervals of the compute-optimal plan at `compute` FLOPs over the replicates: the exponent a, N_opt, D_opt,
 * D_opt/N_opt and the loss. Any output pointer may be NULL to skip it (set struct_size on the others).
 * Errors: SK_ERR_NULL_POINTER (bootstrap); SK_ERR_STRUCT_SIZE; SK_ERR_INVALID_ARGUMENT (compute not finite
 * and > 0); SK_ERR_UNSUPPORTED (the law has no parameters E, A, B, alpha, beta). */
SK_API int sk_bootstrap_chinchilla_plan(const sk_bootstrap *bootstrap, double compute, sk_interval *a,
                                        sk_interval *params, sk_interval *tokens, sk_interval *tokens_per_param,
                                        sk_interval *loss);


/* ------------------------------------------------------------------------------------------------------------
 * Validation: held-out extrapolation and leave-one-out
 * ---------------------------------------------------------------------------------------------------------- */

/* Errors of predictions on runs the law was not fitted to. */
typedef struct sk_prediction_errors {
    size_t struct_size;
    size_t count;               /* runs scored */
    double rmse;                /* root mean square of (predicted - observed) */
    double max_relative_error;  /* max |predicted - observed| / observed */
    double mean_relative_error; /* mean |predicted - observed| / observed */
} sk_prediction_errors;

/* Extrapolation test: fits `law` on the runs with split[i] < threshold and scores its predictions on the runs with
 * split[i] >= threshold. split is any per-run quantity (compute, N, D; n values) and need not be an input.
 * Set errors->struct_size first. If fit_out is not NULL it receives the training fit (release with sk_fit_free).
 * Errors: as sk_law_fit; SK_ERR_NULL_POINTER (split, errors); SK_ERR_LENGTH (no run on one side);
 * SK_ERR_INVALID_ARGUMENT (a non-finite split value or threshold); SK_ERR_STRUCT_SIZE. */
SK_API int sk_law_holdout(const sk_law *law, const double *const *columns, size_t n_columns, const double *observed,
                          size_t n, const double *split, double threshold, const sk_law_fit_options *options,
                          sk_prediction_errors *errors, sk_fit **fit_out);

/* Leave-one-out: each run predicted by the law refitted without it, warm-started from `fit` (a fit from
 * sk_law_fit of the same law, data and options). predictions[0 .. n-1] receives the held-out predictions (NaN
 * where a refit did not converge; those are left out of *errors). Parallel and deterministic.
 * Errors: as sk_law_fit; SK_ERR_NULL_POINTER (fit, predictions, errors); SK_ERR_UNSUPPORTED (fit not from
 * sk_law_fit); SK_ERR_STRUCT_SIZE. */
SK_API int sk_law_leave_one_out(const sk_law *law, const double *const *columns, size_t n_columns,
                                const double *observed, size_t n, const sk_law_fit_options *fit_options,
                                const sk_fit *fit, double *predictions, sk_prediction_errors *errors);


/* ------------------------------------------------------------------------------------------------------------
 * Learning-rate schedule areas (inputs of the "lr_annealing" law)
 * ---------------------------------------------------------------------------------------------------------- */

/* For the LR-annealing law L(s) = L0 + A*S1^-alpha - C*S2 (Tissue et al. 2024): given the learning rate of each of
 * n steps, writes the forward area S1(s) = sum_{i<=s} lr_i and the annealing area with momentum
 * S2(s) = sum_{i<=s} m_i, m_i = decay*m_{i-1} + (lr_{i-1} - lr_i), m_0 = 0, into s1[0 .. n-1] and s2[0 .. n-1].
 * decay is in [0, 1); Tissue et al. use about 0.999.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (n == 0 or > SK_MAX_LENGTH); SK_ERR_INVALID_ARGUMENT (a NaN, Inf or
 * negative rate, decay outside [0, 1)). */
SK_API int sk_lr_schedule_areas(const double *lr, size_t n, double decay, double *s1, double *s2);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SCALINGKIT_H */

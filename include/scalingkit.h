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
 *    structs; the library then knows which version of the struct you were compiled against. Within an ABI line
 *    (SK_ABI_LINE, below) fields are only ever added at the end (marked "since x.y.z"); a program compiled
 *    against an older release of the line keeps working: the library reads and writes only the struct_size
 *    bytes it was given and uses the defaults for fields the caller does not have.
 *  - Shared settings come as nested structs, set by the enclosing struct's `_init`: every fit's optimiser and
 *    start screening is one sk_optimizer_options, `options.optimizer.max_iterations` and so on.
 *  - Threads: every function may be called from any thread. Distinct handles may be used concurrently from
 *    different threads; a single handle may be read (const functions) from several threads at once but must not
 *    be freed while another thread uses it. The last-error message is per thread. Function by function:
 *
 *      MT-safe (no handle, or only creates one; no shared state; call from any number of threads at once):
 *        sk_version_*, sk_status_string, sk_*_options_init, sk_transformer_*, sk_law_catalogue,
 *        sk_law_from_name, sk_law_from_formula, sk_chinchilla_fit, sk_law_fit, sk_isoflop_fit, sk_envelope_fit,
 *        sk_chinchilla_bootstrap, sk_law_bootstrap, sk_law_holdout, sk_law_leave_one_out, sk_law_rank,
 *        sk_lr_schedule_areas, sk_mpl_fit, sk_mpl_predict, sk_mpl_leave_one_out, sk_transfer*, sk_hp_law,
 *        sk_hp_sweep_fit, sk_coord_check, sk_gns_create, sk_cbs_*, sk_power_law_evaluate. (Functions taking a
 *        const handle, below, are MT-safe too.)
 *      Per thread: sk_last_error (each thread sees its own last failure).
 *      Const reads of a handle (any number of threads on one handle, none of them freeing or mutating it):
 *        sk_fit_* but sk_fit_free, sk_chinchilla_predict, sk_plan_*, sk_law_name,
 *        sk_law_formula, sk_law_citation, sk_law_input_*, sk_law_param_*, sk_isoflop_* getters,
 *        sk_bootstrap_* getters and plans, sk_hp_sweep_* getters and sk_hp_sweep_predict, sk_gns_read.
 *      Mutating (one thread at a time per handle, and no concurrent sk_gns_read on it):
 *        sk_gns_update, sk_gns_update_groups, sk_gns_update_ranks, sk_gns_reset.
 *      Destroying (no other use of the handle may be in progress or follow): every sk_*_free.
 *    Tested with 8 pthreads and 8 Python threads at once (bindings/c/tests/concurrency.c,
 *    bindings/python/tests/test_concurrency.py): results bit-identical to a single thread, messages never crossed.
 *  - Units: N is the number of parameters, D the number of training tokens, C = 6ND training FLOPs, and loss is
 *    in nats per token unless your data says otherwise.
 */
#ifndef SCALINGKIT_H
#define SCALINGKIT_H

#include <stddef.h>
#include <stdint.h>

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

/* Superseded functions keep working until the next ABI line (SK_ABI_LINE) removes them but warn where they are
 * called (define SK_ALLOW_DEPRECATED before including this header to silence it). None is deprecated in 0.4. */
#ifndef SK_DEPRECATED
#  if (defined(__GNUC__) || defined(__clang__)) && !defined(SK_ALLOW_DEPRECATED)
#    define SK_DEPRECATED(replacement) __attribute__((deprecated("superseded by " replacement)))
#  else
#    define SK_DEPRECATED(replacement)
#  endif
#endif

/* Semantic version of this header. */
#define SK_VERSION_MAJOR 0
#define SK_VERSION_MINOR 4
#define SK_VERSION_PATCH 11
/* MAJOR * 10000 + MINOR * 100 + PATCH, as in zstd. */
#define SK_VERSION_NUMBER (SK_VERSION_MAJOR * 10000 + SK_VERSION_MINOR * 100 + SK_VERSION_PATCH)
#define SK_VERSION_STRING "0.4.11"

/* The ABI line (since 0.4.0): a program compiled against one release of a line runs against any later release of
 * the same line. Before 1.0 every minor version starts a new line ("0.MINOR") and may change struct layouts or
 * names; from 1.0 the line is the major version and minor versions only add. The library's SONAME is
 * "libscalingkit.so." SK_ABI_LINE, so the dynamic loader refuses a program built for another line at start-up
 * instead of letting it misread a struct. 0.4 broke 0.3 by nesting sk_optimizer_options in the fit options and
 * by renaming sk_batch_adam_sqrt, sk_batch_optimal_lr and sk_adamw_timescale to sk_transfer_adam_sqrt,
 * sk_transfer_optimal_lr and sk_transfer_adamw_timescale (one prefix per capability), and by removing
 * sk_chinchilla_allocate and sk_bootstrap_chinchilla_plan (superseded since 0.3: sk_plan_allocate and
 * sk_bootstrap_plan give the same numbers and plan every other fit too), and by giving every result that bounds
 * one number the one interval type sk_interval (lower, upper, level) in place of loose lower/upper fields (the
 * bootstrap's summary, which was called sk_interval, is sk_estimate). */
#define SK_ABI_LINE "0.4"

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
    /* since 0.3.0 */
    size_t starts_refined;   /* starts run to convergence (fewer than `starts` when screening stopped early) */
    /* since 0.4.0 (sk_law_fit; since 0.4.9 also sk_chinchilla_fit and sk_mpl_fit, NaN from them before) */
    double relative_gradient;  /* max |projected gradient_k| * max(|x_k|, 1) / |objective| at the optimum */
    double predicted_decrease; /* relative decrease a Newton step would still make, g'H^-1 g / (2 |objective|);
                                  NaN where the Hessian is not positive definite. A fit converges only if this
                                  is <= 1e-10 (else, only if relative_gradient <= 1e-5) and two starts agree (or
                                  the fit is exact); for sk_chinchilla_fit and sk_mpl_fit since 0.4.9 */
    /* since 0.4.3 (a caller compiled against 0.4.0-0.4.2 passes the earlier struct_size and gets the fields above) */
    double explained;          /* share of the objective one constant for every run leaves that the law removes:
                                  1 - objective / (the fit's loss minimised by a constant), Koenker & Machado's
                                  (1999) R1, the R2 of squared residuals. Below 0.1 the fit is not converged ("no
                                  better than a constant": no trend found). NaN if every observation is equal */
    /* since 0.4.5 (a caller compiled against 0.4.0-0.4.4 passes the earlier struct_size and gets the fields above):
     * runs that share every input (one N and D) but whose observations differ by more than 2 % (max/min - 1), as
     * replicate seeds do not: a table mixing datasets, loss definitions, a learning-rate sweep, or (for a law
     * of compute) sizes at one budget. 0, 0, NaN for
     * none (and for multi-power fits); sk_fit_data_note says it in a sentence, which also ends the message */
    size_t repeated_points;    /* distinct input points held by 2+ runs that disagree */
    size_t repeated_runs;      /* the runs at those points */
    double repeat_spread;      /* the largest max/min - 1 among them */
    /* since 0.4.6 (a caller compiled against 0.4.5 passes the earlier struct_size and gets the fields above): runs
     * whose residual (in the fit's space) lies more than 12 robust standard deviations, 1.4826 x the median
     * absolute deviation of the used runs' residuals, from their median: runs the law does not describe, which
     * pull every parameter (on Hoffmann et al.'s 245 runs, 4 at D/N < 0.5 lie 13-45 off and move the plan at
     * 5.76e23 FLOPs from 17.9 to 6.8 tokens per parameter). 0 and NaN for none, fewer than 8 runs, and
     * multi-power fits; sk_fit_outliers lists them; sk_fit_data_note says it in a sentence */
    size_t outlying_runs;      /* how many */
    double outlier_score;      /* the largest distance among them, in robust standard deviations */
    int outliers_highest;      /* 1 if they are exactly the highest-loss runs used (exclude_highest_loss removes them) */
    /* since 0.4.7 (a caller compiled against 0.4.6 passes the earlier struct_size and gets the fields above): what
     * the outlying runs do to the fit. The fit is run again without them (at weight 0) and each parameter's move
     * is divided by its standard error in the fit without them (since 0.4.8; DFBETAS for the group, Belsley, Kuh &
     * Welsch 1980; log-scaled parameters in log). Above 2 the refit leaves the fit's own 95 % interval: on Hoffmann
     * et al.'s 245 runs the 4 outlying ones move beta 0.453 -> 0.371, 5.1 standard errors, and a 0.565 -> 0.516,
     * 2.7. NaN and -1 without outlying runs, or where the refit did not converge or the fit has no covariance */
    double outlier_influence;          /* the largest move, in standard errors */
    double outlier_influence_without;  /* that parameter's value without the outlying runs */
    double outlier_allocation_without; /* Chinchilla fits: a = beta/(alpha+beta) without them (NaN for law fits) */
    double outlier_allocation_shift;   /* Chinchilla fits: a's move, in its delta-method standard errors */
    int outlier_influence_param;       /* index (sk_fit_param_name) of the parameter that moves most */
} sk_fit_info;

/* Fills *info with the fit's diagnostics.
 * Errors: SK_ERR_NULL_POINTER if fit or info is NULL; SK_ERR_STRUCT_SIZE if info->struct_size is not
 * sizeof(sk_fit_info) of a version this library knows. */
SK_API int sk_fit_get_info(const sk_fit *fit, sk_fit_info *info);

/* A sentence describing how the fit ended (convergence reason, starts tried and converged). Owned by the fit;
 * valid until sk_fit_free(fit). Returns "" if fit is NULL. */
SK_API const char *sk_fit_message(const sk_fit *fit);

/* Since 0.4.5. The notes on the fit's data, joined by "; ": runs that share every input but disagree
 * (sk_fit_info.repeated_points > 0), "261 runs share 80 (N, D) point(s) with observations up to 10.6 % apart: ...",
 * and (since 0.4.6) outlying runs (sk_fit_info.outlying_runs > 0), "4 run(s) lie up to 45.2 robust standard
 * deviations off the law (rows 0, 1, 2, 3; ...", and (since 0.4.11, multi-power fits) parameters whose standard
 * error at the optimum (Huber's M-estimator covariance) exceeds their value, "weakly determined: C = 0.3536 ±
 * 0.4055 (...": the curves fix a combination of them, not each value; "" with none of these (or fit NULL). The
 * message ends with each after "; note: ". Owned by the fit; valid until sk_fit_free(fit). */
SK_API const char *sk_fit_data_note(const sk_fit *fit);

/* Since 0.4.0. A sentence describing the search that produced a law fit's starts: how they were laid out (grid
 * with its step, Latin hypercube with its seed, the law's own grid, or one start), the range of every searched
 * parameter, and the parameters solved for by least squares at each start (variable projection), for example
 * "grid of 10201 points on alpha in [0, 2] step 0.02, beta in [0, 2] step 0.02; E, A, B solved by least squares
 * at each start (variable projection)". "" for fits that are not from sk_law_fit (or fit NULL). Owned by the fit;
 * valid until sk_fit_free(fit). */
SK_API const char *sk_fit_search(const sk_fit *fit);

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

/* The number of data points the fit excluded (exclude_highest_loss of sk_chinchilla_options or sk_law_fit_options). 0 if fit is
 * NULL. */
SK_API size_t sk_fit_excluded_count(const sk_fit *fit);

/* Copies the 0-based row indices of the excluded points, ascending, into indices[0 .. len-1].
 * Errors: SK_ERR_NULL_POINTER if fit is NULL, or if indices is NULL while len > 0;
 * SK_ERR_LENGTH if len != sk_fit_excluded_count(fit). */
SK_API int sk_fit_excluded(const sk_fit *fit, size_t *indices, size_t len);

/* Since 0.4.6. Copies the 0-based rows of the outlying runs (sk_fit_info.outlying_runs of them), ascending, into
 * rows[0 .. len-1]: rows of the data passed to the fit, excluded rows counted.
 * Errors: SK_ERR_NULL_POINTER if fit is NULL, or if rows is NULL while len > 0;
 * SK_ERR_LENGTH if len != sk_fit_info.outlying_runs. */
SK_API int sk_fit_outliers(const sk_fit *fit, size_t *rows, size_t len);

/* Since 0.4.11. A parameter that a multi-power fit's curves leave weakly determined: its standard error at the
 * optimum (Huber's M-estimator covariance, from the Jacobian of the log residuals) exceeds |value|. The curves fix a
 * combination of such parameters, not each value, and the fit can still predict well: validate its predictions on
 * held-out curves (sk_mpl_leave_one_out) rather than read these values. sk_fit_data_note says the same in words.
 * Residuals along a loss curve are autocorrelated, so the standard error is if anything too small. */
typedef struct sk_weak_param {
    size_t struct_size;      /* set to sizeof(sk_weak_param) before the call */
    int param;               /* index (sk_fit_param_name) of the parameter */
    int partner;             /* index of the free parameter most correlated with it, where |correlation| >= 0.9;
                                -1 for none */
    double value;            /* its fitted value */
    double standard_error;   /* its standard error, > |value| */
    double correlation;      /* with the partner; NaN for none */
} sk_weak_param;

/* Since 0.4.11. The number of weakly determined parameters (sk_weak_param). 0 for law and Chinchilla fits, for a
 * multi-power fit whose curves determine every free parameter, and if fit is NULL. */
SK_API size_t sk_fit_weak_param_count(const sk_fit *fit);

/* Since 0.4.11. Weakly determined parameter `index` (0 .. sk_fit_weak_param_count(fit)-1, in parameter order)
 * into *param. Errors: SK_ERR_NULL_POINTER if fit or param is NULL; SK_ERR_LENGTH if index is out of range;
 * SK_ERR_STRUCT_SIZE. */
SK_API int sk_fit_weak_param_at(const sk_fit *fit, size_t index, sk_weak_param *param);

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

/* An interval estimate of one quantity: [lower, upper] at nominal coverage `level` (in (0, 1), e.g. 0.95). The
 * one interval type of the API (since 0.4.0), embedded by value in every result that bounds a number (the noise
 * scale, the batch trade-off, IsoFLOP and envelope exponents, hyperparameter-sweep cells and laws, the bootstrap's
 * sk_estimate). Where the interval is not defined (no residual degrees of freedom, too few measurements) both
 * ends are NaN; level is set regardless. Intervals around many predictions come as arrays
 * (sk_fit_predict_interval). */
typedef struct sk_interval {
    double lower;
    double upper;
    double level;
} sk_interval;

/* Which uncertainty sk_fit_predict_interval describes (since 0.4.0). */
typedef enum sk_interval_kind {
    SK_INTERVAL_CONFIDENCE = 0, /* of the mean law at the inputs */
    SK_INTERVAL_PREDICTION = 1  /* of one new run's observed value there: the law's uncertainty plus the runs'
                                   own scatter */
} sk_interval_kind;

/* Since 0.4.0. Like sk_fit_predict, with an interval of nominal coverage `level` (in (0, 1), e.g. 0.95) around
 * each prediction: estimate[i], lower[i], upper[i] for point i (any of the three may be NULL if not wanted).
 * Delta method with the fit's M-estimator covariance in its residual space (log or linear): at each point the
 * larger of the model-based variance, from kappa (J'WJ)^-1 (Huber 1981, sec. 7.6), and the sandwich's, from
 * A^-1 B A^-1 n/(n-p) (Huber 1967; White 1980; since 0.4.8: it holds when runs scatter unequally or the law is an
 * approximation; on the Epoch table the model-based standard error of E was half the bootstrap's); a Student t
 * quantile with n_runs - n_params degrees of freedom (clusters - 1 with sk_law_fit_options.clusters, whose
 * sandwich then sums by cluster) and, for SK_INTERVAL_PREDICTION, the residual variance of a
 * new run (Seber & Wild 2003, sec. 5.3); in log space the ends are exp-mapped, so they are asymmetric around the
 * estimate. Parameters fixed or on a bound are treated as known. Coverage measured on simulated sweeps (95 %
 * nominal): prediction 95.7-96.3 %; confidence of the mean 96.5 % with the squared loss, 94.0-95.2 % with the
 * default Huber loss, 93.5 % where large runs scatter 8 times more than small ones (86.3 % model-based alone).
 * Errors: those of sk_fit_predict; SK_ERR_INVALID_ARGUMENT (kind not an sk_interval_kind, level outside (0, 1),
 * a fit without a covariance: parameters the data do not determine, or no more runs than parameters);
 * SK_ERR_UNSUPPORTED (a multi-power-law fit). Fits from sk_chinchilla_fit give the intervals of the catalogue's
 * "chinchilla" law at their optimum on the runs they used. */
SK_API int sk_fit_predict_interval(const sk_fit *fit, const double *const *columns, size_t n_columns, size_t n,
                                   int kind, double level, double *estimate, double *lower, double *upper);

/* The optimiser and start-screening settings every fit shares (since 0.4.0), nested as `optimizer` in
 * sk_chinchilla_options, sk_law_fit_options and sk_mpl_options and set by their `_init` functions. Each fit runs
 * L-BFGS from several starts; screening evaluates the objective at every start first and refines the most
 * promising ones in batches, stopping once screen_confirmations of them reach the best optimum (relative 1e-9).
 * Results never depend on `threads`: the same input gives bit-identical output for any thread count. */
typedef struct sk_optimizer_options {
    size_t max_iterations;       /* L-BFGS iterations per start; >= 1; default 1000 */
    double gradient_tolerance;   /* stop a start when the relative gradient max|g_i|·max(|x_i|,1)/|f| <= this;
                                    >= 0; default 1e-10 */
    double function_tolerance;   /* stop when the relative decrease of the objective <= this; >= 0; 1e-14
                                    (0 for sk_mpl_fit since 0.4.9: the multi-power law's valleys need steps of
                                    less progress than that, and 1e-14 stalled on Luo et al.'s curves) */
    size_t threads;              /* worker threads; 0 = one per core (default) */
    size_t screen_refine;        /* starts refined per batch, best initial objective first; 0 = run every start
                                    (exhaustive). Default 64 for sk_chinchilla_fit and sk_law_fit (grids of up to
                                    64 starts then run whole), 4 for sk_mpl_fit. */
    size_t screen_confirmations; /* 1 .. screen_refine; default 4 (2 for sk_mpl_fit) */
} sk_optimizer_options;

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
    sk_optimizer_options optimizer; /* iterations, tolerances, threads, start screening (defaults above) */
    /* since 0.4.8 (a caller compiled against 0.4.0-0.4.7 passes the earlier struct_size: every row its own run).
     * One label per run (clusters_len = n) for rows that are not independent runs, as in sk_law_fit_options: the
     * covariance behind sk_fit_predict_interval, the outlier influence and the floor check is then cluster-robust.
     * sk_chinchilla_bootstrap resamples these clusters unless sk_bootstrap_options.clusters gives others. */
    const long long *clusters;
    size_t clusters_len;
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
 * the start grid, in parallel (screened: see sk_optimizer_options); the lowest objective among converged starts wins
 * and is polished once more.
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

/* The span of the runs a fit used (weight > 0, not excluded), carried by every plan since 0.4.1 so that a reader
 * sees how far the plan reaches beyond them; every field is NaN where unknown (a fit whose data have no N and D
 * columns). A plan's N is usually far beyond params_max: that is what planning is for. Its D/N outside
 * [ratio_min, ratio_max] is different: how the law trades N against D there is its functional form speaking, not
 * the data (on the (Mis)Fitting sweep, D/N 1.4-218, the Hoffmann form plans D/N = 0.4 at 1e22 FLOPs; heavy
 * inference pushes an inference-aware plan's D/N past the largest fitted one). */
typedef struct sk_fitted_range {
    double params_min, params_max;   /* smallest and largest N fitted */
    double tokens_min, tokens_max;   /* smallest and largest D fitted */
    double ratio_min, ratio_max;     /* smallest and largest D/N fitted */
} sk_fitted_range;

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
    /* Since 0.4.1: the span of the runs the fit used (see sk_fitted_range) and whether tokens_per_param lies among
     * their ratios. A caller compiled against 0.4.0 passes the earlier struct_size and gets the fields above only. */
    sk_fitted_range fitted;
    int ratio_within_fitted;   /* 1: tokens_per_param within [fitted.ratio_min, fitted.ratio_max]; 0: outside;
                                  -1: unknown (no fitted range) */
} sk_allocation;

/* ------------------------------------------------------------------------------------------------------------
 * Compute-optimal planning from any fit (since 0.3.0)
 * ---------------------------------------------------------------------------------------------------------- */

/* The allocation minimising the fitted loss for `compute` FLOPs under C = 6ND, for a Chinchilla fit (closed form,
 * Hoffmann et al. 2022 eq. 4: N_opt = G (C/6)^a, D_opt = G^-1 (C/6)^b, G = (alpha A / (beta B))^(1/(alpha+beta)),
 * a = beta / (alpha + beta)) or a law fit whose inputs are N and D
 * (optionally also C = 6ND): a scan of 401 sizes along the budget, then golden-section search to 1e-12 in ln N.
 * out->a and out->b are d ln N_opt / d ln C and d ln D_opt / d ln C at this budget (central differences over
 * ±5 % of C for a numerical plan). Set out->struct_size = sizeof(sk_allocation) first. Every planner plans from
 * the fit's law whether or not the fit converged: read sk_fit_info.converged and sk_fit_message first (a fit that
 * is not identified, or since 0.4.3 no better than a constant, gives a plan of no meaning).
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE; SK_ERR_INVALID_ARGUMENT (compute not finite and > 0, a law
 * whose loss falls towards N -> 1 or D -> 1: no finite optimum, e.g. an exponent <= 0; since 0.4.2, a fit whose
 * runs are too small to be counts of parameters and tokens: the largest N under 1e5 or the largest D under 1e6,
 * as N/1e6 and D/1e9 are; every planner below and sk_bootstrap_allocate refuse such a fit the same way);
 * SK_ERR_UNSUPPORTED (a law with other inputs, a multi-power-law fit). */
SK_API int sk_plan_allocate(const sk_fit *fit, double compute, sk_allocation *out);

/* The least compute whose compute-optimal allocation reaches `target_loss`, and that allocation (bisection on
 * ln C to 1e-14 relative).
 * Errors: as sk_plan_allocate, and SK_ERR_INVALID_ARGUMENT for a target the law does not reach below 1e40 FLOPs
 * (at or below its irreducible loss) or, since 0.4.7, one within the 95 % confidence interval of the law's loss at
 * 1e40 FLOPs (its floor, from the fit's covariance): the runs do not say whether any compute reaches it (on the
 * Epoch runs, E = 1.817 in [1.79, 1.85], and 1.82 used to "need" 3.7e33 FLOPs). sk_plan_inference_aware and
 * sk_plan_time_aware refuse such a target the same way. */
SK_API int sk_plan_minimum_compute(const sk_fit *fit, double target_loss, sk_allocation *out);

/* The allocation of `compute` FLOPs at a fixed tokens_per_param M (N = sqrt(C / (6 M)), D = M N) and its loss:
 * the over-training penalty is out->loss minus sk_plan_allocate's loss (Gadre et al. 2024 train at M up to 640).
 * out->a = out->b = 0.5. Errors: as sk_plan_allocate, and SK_ERR_INVALID_ARGUMENT for M not finite and > 0. */
SK_API int sk_plan_at_ratio(const sk_fit *fit, double compute, double tokens_per_param, sk_allocation *out);

typedef struct sk_inference_plan {
    size_t struct_size;
    double loss;                 /* the target loss */
    double inference_tokens;     /* tokens served over the model's life */
    double params, tokens;       /* the plan: N and training tokens D_train */
    double training_flops;       /* 6 N D_train */
    double inference_flops;      /* 2 N D_inference */
    double total_flops;
    double optimal_params;       /* the training-compute-optimal model of the same loss (Chinchilla's choice) */
    double optimal_tokens;
    double optimal_total_flops;  /* its training plus inference FLOPs for the same demand */
    double saved_flops;          /* optimal_total_flops - total_flops (>= 0) */
    /* Since 0.4.1 (a caller compiled against 0.4.0 passes the earlier struct_size and gets the fields above only):
     * the span of the runs the fit used, and whether the plan's D/N (tokens / params) lies among their ratios
     * (1 yes, 0 no, -1 unknown). Outside them the loss reached at that D is the law's extrapolation. */
    sk_fitted_range fitted;
    int ratio_within_fitted;
} sk_inference_plan;

/* Sardana et al. (2024), "Beyond Chinchilla-Optimal", sec. 3: the N and D_train minimising
 * 6 N D_train + 2 N inference_tokens subject to L(N, D_train) = target_loss. With inference_tokens = 0 this is
 * the training-optimal model of that loss. Set out->struct_size = sizeof(sk_inference_plan) first.
 * Errors: as sk_plan_minimum_compute, and SK_ERR_INVALID_ARGUMENT for inference_tokens < 0 or not finite. */
SK_API int sk_plan_inference_aware(const sk_fit *fit, double target_loss, double inference_tokens,
                                   sk_inference_plan *out);

/* Time-aware planning (since 0.3.0; Bergsma et al. 2025, "Power Lines", last section): the plans (N, D, batch) that
 * reach target_loss, traded off between wall-clock time and compute.
 *
 * The law gives D_min(N), the tokens reaching the loss at small batch. A batch of B tokens needs
 * D = D_min (1 + B / B_crit) tokens in S = D / B steps (McCandlish et al. 2018, eq. 2.11-2.12), with
 * B_crit = cbs_coefficient * D_min^cbs_exponent tokens (Power Lines: exponent 0.462; fit the coefficient from a
 * batch sweep). Compute is 6 N D; time is compute / (min(devices, B / tokens_per_device) * flops_per_second).
 * Batches run from tokens_per_device (one device) to devices * tokens_per_device (all of them). */

typedef struct sk_hardware {
    size_t struct_size;
    size_t devices;            /* >= 1 */
    double flops_per_second;   /* sustained training FLOP/s of one device */
    double tokens_per_device;  /* tokens one device needs per step to reach that rate (micro-batch x sequence) */
} sk_hardware;

typedef struct sk_timed_plan {
    size_t struct_size;
    double params;
    double min_tokens;         /* D_min: tokens reaching the loss at small batch */
    double tokens;             /* D = D_min (1 + batch / critical_batch) */
    double batch;              /* tokens per step */
    double critical_batch;     /* B_crit(D_min) */
    double steps;              /* D / batch */
    double min_steps;          /* D_min / B_crit */
    double devices_used;       /* min(devices, batch / tokens_per_device); fractional when not a whole number */
    double compute;            /* 6 N D */
    double seconds;            /* compute / (devices_used * flops_per_second) */
    /* Since 0.4.2 (a caller compiled against 0.4.0 or 0.4.1 passes the earlier struct_size, which is then also the
     * stride of sk_plan_time_aware's array, and gets the fields above only): the span of the runs the fit used,
     * and whether min_tokens / params, where the law is read, lies among their D/N (1, 0, or -1 where unknown). */
    sk_fitted_range fitted;
    int ratio_within_fitted;
} sk_timed_plan;

/* The Pareto set between time and compute at min(capacity, 4096) deadlines (capacity >= 2) log-spaced from the fastest plan's time
 * to the cheapest plan's: each entry is the cheapest plan within its deadline. Writes out[0 .. *count-1], fastest
 * (dearest) first, cheapest (slowest) last; *count <= capacity (deadlines whose plan is no cheaper than the
 * previous one are dropped). Set out[0].struct_size = sizeof(sk_timed_plan) and hardware->struct_size first; the
 * entries are struct_size bytes apart.
 * Errors: as sk_plan_minimum_compute; SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE; SK_ERR_LENGTH (capacity < 2 or
 * too large); SK_ERR_INVALID_ARGUMENT (a coefficient not finite and > 0, an exponent not finite, devices 0, a
 * rate or tokens_per_device not finite and > 0). */
SK_API int sk_plan_time_aware(const sk_fit *fit, double target_loss, double cbs_coefficient, double cbs_exponent,
                              const sk_hardware *hardware, sk_timed_plan *out, size_t capacity, size_t *count);

/* The cheapest plan reaching target_loss within `seconds` of wall-clock time (same model as sk_plan_time_aware).
 * *found is 1 and *out written when one exists, 0 (and *out untouched) when even the fastest plan takes longer.
 * Errors: as sk_plan_time_aware, and SK_ERR_INVALID_ARGUMENT for seconds not finite and > 0. */
SK_API int sk_plan_within_deadline(const sk_fit *fit, double target_loss, double cbs_coefficient,
                                   double cbs_exponent, const sk_hardware *hardware, double seconds,
                                   sk_timed_plan *out, int *found);


/* ------------------------------------------------------------------------------------------------------------
 * IsoFLOP profiles: Hoffmann et al. (2022) Approach 2 (since 0.3.0)
 *
 * Runs grouped by their nominal compute budget. Per budget: a least-squares parabola of loss against log10 N
 * and one against log10 D; their vertices are the budget's N* and D*. Then log10 N* = log10 k_N + a log10 C and
 * log10 D* = log10 k_D + b log10 C by ordinary least squares, with Student-t intervals on a and b. Budgets whose
 * parabola opens downward or whose vertex lies outside the sampled range have no interior minimum: they are
 * excluded (unless require_interior_minimum is 0) and named in the message. Approach 2 is biased against the
 * full-surface fit (Approach 3) when the loss surface is asymmetric; compare both.
 * ---------------------------------------------------------------------------------------------------------- */

typedef struct sk_isoflop sk_isoflop;

typedef struct sk_isoflop_options {
    size_t struct_size;
    size_t min_runs_per_budget;   /* budgets with fewer runs are excluded; >= 3; default 3 */
    int require_interior_minimum; /* 1 (default): exclude budgets without an interior minimum; 0: keep their
                                     extrapolated vertex (still reported) */
    double confidence;            /* of the intervals on a and b; in (0, 1); default 0.95 */
} sk_isoflop_options;

typedef struct sk_isoflop_info {
    size_t struct_size;
    double a, a_stderr;                     /* N* = n_coefficient * C^a; stderr and interval ends are NaN when
                                               has_intervals is 0 (only 2 budgets used) */
    sk_interval a_interval;                 /* Student-t at options.confidence (a_interval.level) */
    double n_coefficient;
    double b, b_stderr;                     /* D* = d_coefficient * C^b */
    sk_interval b_interval;
    double d_coefficient;
    int has_intervals;
    size_t budgets;                         /* distinct budgets in the input */
    size_t budgets_used;                    /* budgets that entered the fits */
} sk_isoflop_info;

typedef struct sk_isoflop_budget {
    size_t struct_size;
    double compute;        /* the budget's nominal C */
    size_t runs;
    int used;              /* 1 if it entered the exponent fits */
    int has_vertex;        /* 1 if both parabolas open upward (then n_opt, d_opt, min_loss are set; else NaN) */
    double n_opt, d_opt;   /* vertices, as N and D (not logs) */
    double min_loss;       /* the N-parabola's loss at its vertex */
    double curvature_n;    /* second-order coefficients in log10 N and log10 D (> 0 for a minimum) */
    double curvature_d;
} sk_isoflop_budget;

/* Fills *options with the defaults above; pass sizeof(sk_isoflop_options).
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE. */
SK_API int sk_isoflop_options_init(sk_isoflop_options *options, size_t struct_size);

/* Runs Approach 2 on n runs (N[i] parameters, D[i] tokens, final loss[i], nominal budget[i]; runs of one budget
 * share one budget value, to within rounding: values within 1e-6 relative are one budget, so 6 N D computed per
 * run groups as it should; since 0.4.5, exact match before). options may be NULL. On success *out receives a new
 * result; release it with sk_isoflop_free.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (n == 0 or > SK_MAX_LENGTH); SK_ERR_INVALID_ARGUMENT (a NaN, Inf or
 * value <= 0, a bad option, two budgets closer than 5 % — one budget measured per run, not nominal — or fewer
 * than 2 budgets with an interior minimum — the message lists every budget's reason); SK_ERR_STRUCT_SIZE. */
SK_API int sk_isoflop_fit(const double *N, const double *D, const double *loss, const double *budget, size_t n,
                          const sk_isoflop_options *options, sk_isoflop **out);

/* The exponents. Set info->struct_size = sizeof(sk_isoflop_info) first.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE. */
SK_API int sk_isoflop_get_info(const sk_isoflop *result, sk_isoflop_info *info);

/* The number of distinct budgets (0 if result is NULL). */
SK_API size_t sk_isoflop_budget_count(const sk_isoflop *result);

/* Budget `index` (ascending compute). Set out->struct_size = sizeof(sk_isoflop_budget) first.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (index >= sk_isoflop_budget_count); SK_ERR_STRUCT_SIZE. */
SK_API int sk_isoflop_budget_at(const sk_isoflop *result, size_t index, sk_isoflop_budget *out);

/* Why budget `index` was excluded or what is odd about it ("" if nothing). Owned by the result; valid until
 * sk_isoflop_free. Returns "" for a NULL result or an index out of range. */
SK_API const char *sk_isoflop_budget_note(const sk_isoflop *result, size_t index);

/* One line: the exponents, budgets used, and the excluded budgets with reasons. Owned by the result. Returns ""
 * for a NULL result. */
SK_API const char *sk_isoflop_message(const sk_isoflop *result);

/* Releases a result; NULL is a no-op. */
SK_API void sk_isoflop_free(sk_isoflop *result);

/* ------------------------------------------------------------------------------------------------------------
 * Lower envelope of training curves: Hoffmann et al. (2022) Approach 1 (since 0.3.0)
 * ---------------------------------------------------------------------------------------------------------- */

typedef struct sk_envelope_options {
    size_t struct_size;
    size_t grid_points;            /* log-spaced compute values; default 1500 (Hoffmann et al.) */
    size_t min_runs_covering;      /* a compute value enters if at least this many curves cover it; default 2 */
    int exclude_edge_sizes;        /* 1 (default): drop values where the smallest or largest run is best */
    double confidence;             /* default 0.95 */
} sk_envelope_options;

typedef struct sk_envelope_info {
    size_t struct_size;
    double a, a_stderr, n_coefficient;   /* N_opt = n_coefficient * C^a */
    sk_interval a_interval;
    double b, b_stderr, d_coefficient;   /* D_opt = d_coefficient * C^b, D = C / (6 N) */
    sk_interval b_interval;
    size_t points;                 /* compute values on the envelope */
    size_t sizes;                  /* distinct run sizes on it */
    /* since 0.4.5 (a caller compiled against 0.4.0-0.4.4 passes the earlier struct_size and gets the fields above):
     * stretches of consecutive compute values won by one size, the independent observations the intervals count */
    size_t segments;
} sk_envelope_info;

/* Fills *options with the defaults above. Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE. */
SK_API int sk_envelope_options_init(sk_envelope_options *options, size_t struct_size);

/* From n checkpoint rows (run[i] labels the run, N[i] its size, compute[i] the FLOPs so far, loss[i] the loss
 * there): at each compute value the run with the lowest loss (curves interpolated linearly in log compute), and
 * N_opt = k C^a, D_opt = k' C^b fitted by least squares through those points (Hoffmann et al. 2022, §3.1). The
 * points are not independent (one run is best over a stretch of compute), so the stderr and intervals count
 * segments, not points: the regression's variance times points/segments (Kish's design effect), t with
 * segments - 2 degrees of freedom; NaN below 3 segments. options may be NULL.
 * Set info->struct_size = sizeof(sk_envelope_info) first.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH; SK_ERR_INVALID_ARGUMENT (a value <= 0 or not finite, a run with
 * two sizes, an envelope on fewer than 2 sizes, a bad option); SK_ERR_STRUCT_SIZE. */
SK_API int sk_envelope_fit(const double *run, const double *N, const double *compute, const double *loss, size_t n,
                           const sk_envelope_options *options, sk_envelope_info *info);

/* y[i] = coefficient * x[i]^exponent for a fitted relation read back from the fields above (N_opt = n_coefficient *
 * C^a, D_opt, the sweep's timescale law): the one evaluator every binding calls, so that none computes it.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (n = 0 or > SK_MAX_LENGTH); SK_ERR_INVALID_ARGUMENT (x not finite and
 * > 0, coefficient or exponent not finite, a result beyond a double). */
SK_API int sk_power_law_evaluate(double coefficient, double exponent, const double *x, size_t n, double *y);


/* ------------------------------------------------------------------------------------------------------------
 * Parameter and FLOP accounting for decoder-only transformers (since 0.3.0)
 *
 * "N" is a definition: Kaplan et al. (2020) count non-embedding parameters, Hoffmann et al. (2022) all of them,
 * and Porian et al. (2024) show the choice (and whether the last layer's FLOPs count) moves fitted exponents.
 * ---------------------------------------------------------------------------------------------------------- */

typedef enum sk_mlp { SK_MLP_STANDARD = 0, SK_MLP_GATED = 1 } sk_mlp;            /* 2 matrices; 3 (SwiGLU) */
typedef enum sk_norm { SK_NORM_LAYER = 0, SK_NORM_RMS = 1 } sk_norm;             /* gain+bias; gain only */
typedef enum sk_positional {
    SK_POS_LEARNED = 0,   /* a learned sequence_length x d table (GPT-2) */
    SK_POS_ROTARY = 1,    /* no parameters (Su et al. 2021) */
    SK_POS_RELATIVE = 2   /* Transformer-XL relative attention: a d x d projection per layer (Gopher, Chinchilla) */
} sk_positional;

typedef struct sk_transformer_shape {
    size_t struct_size;
    size_t d_model, layers, heads;
    size_t kv_heads;          /* 0 = heads (grouped-query attention otherwise) */
    size_t head_dim;          /* 0 = d_model / heads */
    size_t d_ff;              /* 0 = 4 d_model */
    size_t vocab, sequence_length;
    int tied_embeddings;      /* 1: the output projection is the input embedding */
    int mlp;                  /* an sk_mlp */
    int norm;                 /* an sk_norm */
    int biases;               /* 1: biases in the linear layers */
    int positional;           /* an sk_positional */
} sk_transformer_shape;

typedef struct sk_transformer_count {
    size_t struct_size;
    size_t total;                /* everything (Hoffmann's N) */
    size_t non_embedding;        /* attention, MLP, norms (Kaplan's N) */
    size_t token_embedding, positional_embedding, unembedding;
    double forward_flops;        /* per token: 2 per matmul weight + 2 layers context d_attn + 2 d vocab */
    double training_flops;       /* 3 x forward */
    double six_n_flops;          /* 6 x non_embedding: what C = 6ND assumes */
    double deepseek_m;           /* DeepSeek LLM (2024) eq. 2: non-embedding training FLOPs per token */
} sk_transformer_count;

/* Fills *shape with zeros and the defaults (rotary positions, standard MLP, LayerNorm, no biases, untied) and
 * sets struct_size; the caller then sets the sizes. Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE. */
SK_API int sk_transformer_shape_init(sk_transformer_shape *shape, size_t struct_size);

/* Fills *shape with a published architecture: "gpt2_small" (124,439,808 parameters), "llama2_7b"
 * (6,738,415,616) or "chinchilla_70b" (Hoffmann et al. 2022, Table 4). Set shape->struct_size first.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_INVALID_ARGUMENT (unknown name; the message lists the known ones);
 * SK_ERR_STRUCT_SIZE. */
SK_API int sk_transformer_shape_preset(const char *name, sk_transformer_shape *shape);

/* Parameters by part and FLOPs per token. Set out->struct_size first.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE; SK_ERR_INVALID_ARGUMENT (a size 0, d_model not divisible by
 * heads without head_dim, heads not a multiple of kv_heads, an enum out of range). */
SK_API int sk_transformer_count_parameters(const sk_transformer_shape *shape, sk_transformer_count *out);

/* Up to `capacity` shapes of `family`'s kind (vocabulary, context, MLP, norms, biases, positions and head size
 * kept; d_ff at its ratio to d_model) whose total parameter count is nearest target_params: widths in multiples
 * of 128, depths 1..512, d_model/layers within [32, 256] (Kaplan et al. 2020, Fig. 5: the loss barely depends
 * on the aspect ratio there). Writes out[0 .. *count-1] and their counts params[0 .. *count-1], nearest first.
 * Set out[0].struct_size = sizeof(sk_transformer_shape); every entry written has that size.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (capacity 0 or too large); SK_ERR_STRUCT_SIZE;
 * SK_ERR_INVALID_ARGUMENT (a bad family shape, target_params not finite and > 0). */
SK_API int sk_transformer_nearest(const sk_transformer_shape *family, double target_params, sk_transformer_shape *out,
                                  size_t *params, size_t capacity, size_t *count);


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
 * min, max, logsumexp (log10, log2, ln and pow(x, p) are accepted and rewritten in those), parentheses and numbers. inputs[0 .. n_inputs-1] name the data columns that may appear;
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

/* How sk_law_fit lays out its starting points (since 0.4.0). */
typedef enum sk_search {
    SK_SEARCH_AUTOMATIC = 0,  /* default: parameters that enter linearly (a term on its own, a term's coefficient,
                                 the scale p of a term (p/x)^q) are solved for by bounded least squares at every
                                 start (variable projection; Golub & Pereyra 1973); the others are searched over
                                 ranges derived from their role in the formula and from the data (widened by the
                                 law's or the caller's starting values): a grid of step grid_step when one or two
                                 are searched, otherwise a seeded Latin hypercube (random_starts points, default
                                 1024 per parameter, at most 8192); then screened and refined as usual */
    SK_SEARCH_START_GRID = 1, /* exactly the law's starting grid (or the Latin hypercube over it with
                                 random_starts): the 0.3.0 behaviour, for reproducing earlier fits */
    SK_SEARCH_SINGLE = 2      /* one start, linear parameters solved; the global optimum is not checked, so the fit
                                 never reports convergence */
} sk_search;

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
    size_t random_starts;          /* > 0: start from this many points of a seeded Latin hypercube spanning each
                                      searched parameter's range instead of a grid; default 0 (see sk_search:
                                      the automatic search then uses a grid for one or two searched parameters,
                                      1024 per parameter, at most 8192, otherwise) */
    unsigned long long seed;       /* seed of the Latin hypercube; default 0 */
    int method;                    /* an sk_method; default SK_METHOD_LBFGS */
    int log_output;                /* 1: the formula gives log of the observed value (log-sum-exp forms such as
                                      "logsumexp(a - alpha*log(N), b - beta*log(D), e)"); 0: the value itself;
                                      -1 (default): as the law says (0 for formulas and the catalogue) */
    int search;                    /* an sk_search; default SK_SEARCH_AUTOMATIC */
    double grid_step;              /* step of the automatic grid in each searched parameter's coordinate (units for
                                      exponents, 5 x grid_step in natural log for parameters searched in log
                                      space); > 0; default 0.02 */
    size_t exclude_highest_loss;   /* drop this many runs with the highest observed value before fitting, as
                                      sk_chinchilla_options does (ties to the earlier row; sk_fit_excluded lists
                                      them; bootstrap and leave-one-out leave them out too); < n; default 0 */
    sk_optimizer_options optimizer; /* iterations, tolerances, threads, start screening (see sk_search) */
    /* since 0.4.8 (a caller compiled against 0.4.0-0.4.7 passes the earlier struct_size: every row its own run).
     * One label per run (clusters_len = n) for rows that are not independent runs, such as checkpoints (the
     * model each belongs to). The covariance behind sk_fit_predict_interval, the outlier influence and the
     * planners' floor check is then cluster-robust (Liang & Zeger 1986; CR1 scaling and a t quantile with
     * clusters - 1 degrees of freedom, Cameron & Miller 2015): on simulated runs of 8 checkpoints each, a nominal
     * 95 % interval covered 92 % with 12 runs and 96 % with 24, against 65-69 % counting rows as runs. NULL and 0:
     * every row its own run. Needs at least 2 clusters among the runs used; reliable from about 20. sk_law_bootstrap
     * resamples these clusters unless sk_bootstrap_options.clusters gives others. */
    const long long *clusters;
    size_t clusters_len;
} sk_law_fit_options;

/* Fills *options with the defaults above; pass sizeof(sk_law_fit_options).
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE. */
SK_API int sk_law_fit_options_init(sk_law_fit_options *options, size_t struct_size);

/* Fits `law` to n runs: columns[j][i] is input j (sk_law_input_name order) of run i, observed[i] its measured
 * value (for example the final loss). Multi-start: starting points are laid out as options->search says (by
 * default from the formula and the data, linear parameters solved for; see sk_search), screened by their
 * objective, and the local optimiser (L-BFGS projected onto the bounds, or Levenberg–Marquardt per
 * options->method) runs from the best of them, in parallel and deterministic; the lowest objective among converged
 * starts wins and is polished. The fit is converged only at a stationary point (see sk_fit_info's
 * predicted_decrease) that at least two starts reached; sk_fit_search describes the search. options may be NULL. On success *out receives a new fit (release with sk_fit_free) whose
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
    /* Since 0.4.2 (a caller compiled against 0.4.1 passes the earlier struct_size and resamples runs): the cluster
     * of each run, clusters[i] for row i of the data given to the fit (for example the model a checkpoint belongs
     * to), clusters_len = n. Replicates then draw whole clusters with replacement and keep every row of each draw
     * (the cluster bootstrap; Davison & Hinkley 1997, sec. 3.8): checkpoints of one run are not independent runs,
     * and resampling them as such understates every interval. NULL (default) resamples rows, or, since 0.4.8, the
     * fit's own sk_law_fit_options.clusters where it was given some. Read during the bootstrap call only. */
    const long long *clusters;
    size_t clusters_len;
} sk_bootstrap_options;

/* Fills *options with the defaults; pass sizeof(sk_bootstrap_options) (or the 0.4.1 size). Errors:
 * SK_ERR_NULL_POINTER, SK_ERR_STRUCT_SIZE. */
SK_API int sk_bootstrap_options_init(sk_bootstrap_options *options, size_t struct_size);

/* Nonparametric bootstrap of a fit from sk_chinchilla_fit: the runs the fit used are resampled with replacement
 * and each resample is refitted from the fit's optimum with the fit's options (Efron & Tibshirani 1993).
 * Pass the same N, D, loss as to the fit. options may be NULL. On success *out receives a new set of replicates.
 * Errors: those of sk_chinchilla_fit, plus SK_ERR_UNSUPPORTED (fit is not from sk_chinchilla_fit),
 * SK_ERR_LENGTH (data that do not match the fit; clusters_len != n), SK_ERR_NULL_POINTER (clusters NULL with
 * clusters_len > 0), SK_ERR_INVALID_ARGUMENT (replicates < 2, confidence outside (0, 1), fewer than 2 refits
 * converged, the runs used in fewer than 2 clusters). */
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

/* A quantity's full-data value, its bootstrap standard error and percentile interval at options.confidence
 * (linear interpolation between order statistics: Hyndman & Fan 1996 type 7, numpy's default). */
typedef struct sk_estimate {
    size_t struct_size;
    double estimate;
    double standard_error;
    sk_interval interval;
} sk_estimate;

/* The interval of parameter `name`. Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE; SK_ERR_INVALID_ARGUMENT
 * (unknown name). */
SK_API int sk_bootstrap_param(const sk_bootstrap *bootstrap, const char *name, sk_estimate *out);

/* Intervals of the compute-optimal plan at `compute` FLOPs over the replicates: the exponent a, N_opt, D_opt,
 * D_opt/N_opt and the loss. Any output pointer may be NULL to skip it (set struct_size on the others). Closed form
 * for Chinchilla fits and the "chinchilla" law; numerical planning per replicate for other laws of N and D (replicates without a finite
 * optimum at this budget are left out). a is the local exponent d ln N_opt / d ln C.
 * Errors: SK_ERR_NULL_POINTER (bootstrap); SK_ERR_STRUCT_SIZE; SK_ERR_INVALID_ARGUMENT (compute not finite and
 * > 0, fewer than 2 replicates can be planned); SK_ERR_UNSUPPORTED (a law that cannot be planned). */
SK_API int sk_bootstrap_plan(const sk_bootstrap *bootstrap, double compute, sk_estimate *a, sk_estimate *params,
                             sk_estimate *tokens, sk_estimate *tokens_per_param, sk_estimate *loss);

/* Since 0.4.2: the bootstrap plan at one budget in one struct, as sk_allocation is the point plan. Besides the five
 * intervals of sk_bootstrap_plan (the same numbers) it carries what a reader needs to trust them: `failed`, the
 * replicates left out for having no finite optimum at this budget (0 for the closed form), and the span of the
 * runs behind the fit (sk_fitted_range), with ratio_within_fitted for the full-data plan's D/N. Where that is 0,
 * the D/N interval is the spread of the law's functional form over resamples, not a ratio any run constrained. */
typedef struct sk_bootstrap_allocation {
    size_t struct_size;
    double compute;              /* the budget C in FLOPs */
    sk_estimate a;               /* N_opt ~ C^a (the local exponent for a numerical plan) */
    sk_estimate params;          /* N_opt */
    sk_estimate tokens;          /* D_opt */
    sk_estimate tokens_per_param;/* D_opt / N_opt */
    sk_estimate loss;            /* the loss at the plan */
    size_t failed;               /* replicates without a finite optimum at this budget, left out of the intervals */
    sk_fitted_range fitted;      /* NaN fields where the fit has no N and D */
    int ratio_within_fitted;     /* 1 if tokens_per_param.estimate lies in [fitted.ratio_min, ratio_max], 0 if not,
                                    -1 where unknown */
} sk_bootstrap_allocation;

/* The bootstrap plan at `compute` FLOPs into *out (set out->struct_size = sizeof(sk_bootstrap_allocation); the
 * nested sk_estimate sizes are filled in). Closed form or numerical as sk_bootstrap_plan.
 * Errors: SK_ERR_NULL_POINTER (bootstrap, out); SK_ERR_STRUCT_SIZE; SK_ERR_INVALID_ARGUMENT (compute not finite
 * and > 0, fewer than 2 replicates can be planned); SK_ERR_UNSUPPORTED (a law that cannot be planned). */
SK_API int sk_bootstrap_allocate(const sk_bootstrap *bootstrap, double compute, sk_bootstrap_allocation *out);


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
    size_t fitted;              /* runs the law was fitted on (a holdout's training side; n for leave-one-out)
                                   (since 0.4.0) */
    size_t failed;              /* leave-one-out refits that did not converge, left out of the scores; 0 for a
                                   holdout (since 0.4.0) */
} sk_prediction_errors;

/* Extrapolation test: fits `law` on the runs with split[i] < threshold and scores its predictions on the runs with
 * split[i] >= threshold. split is any per-run quantity (compute, N, D; n values) and need not be an input.
 * Runs the options leave out are left out of both sides (since 0.4.7; before, of the training side alone):
 * exclude_highest_loss drops the highest-loss runs of all n before the split, and runs of weight 0 are neither
 * fitted nor scored. The training fit's sk_fit_excluded lists rows of all n.
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

/* Since 0.4.0. Ranks n laws by their held-out errors (for example rmse from sk_law_holdout of each, on the same
 * runs and threshold): order[0 .. n-1] receives the indices best first. Lower rmse first; an exact tie goes to the
 * law with fewer parameters (param_counts[i], for example sk_law_param_count), then to the lower index; a NaN or
 * infinite rmse ranks last. Held-out error, not the in-sample objective, which always favours more parameters.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (n == 0 or > SK_MAX_LENGTH). */
SK_API int sk_law_rank(const double *rmse, const size_t *param_counts, size_t n, size_t *order);


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

/* ------------------------------------------------------------------------------------------------------------
 * Multi-power law: whole loss curves under any learning-rate schedule (since 0.3.0)
 *
 *   L(t) = L0 + A*(S1(t) + S_W)^-alpha
 *             - B * sum_{k=1..t} (lr_{k-1} - lr_k) * (1 - (C * lr_k^-gamma * S_k(t) + 1)^-beta)
 *   S1(t) = sum_{tau=1..t} lr_tau,   S_k(t) = sum_{tau=k..t} lr_tau,   S_W = sum of the warmup rates
 *
 * Luo et al. (2025), "A Multi-Power Law for Loss Curve Prediction Across Learning Rate Schedules", ICLR,
 * eq. 5-6. Parameters, in their published order: L0, A, alpha, B, C, beta, gamma (all >= 0).
 * Time t counts steps after warmup_steps, with lr_0 the rate at step warmup_steps. Luo et al.'s released
 * parameters use warmup_steps = 0 (the whole schedule, warmup included, is the law's time axis; the warmup
 * ramp-up then enters the sum as negative drops): with that convention their 25M-model parameters reproduce
 * their published held-out error.
 * ---------------------------------------------------------------------------------------------------------- */

/* One training run: its schedule and its measured loss. A plain struct (not extensible): a future version that
 * needs more fields will add a new type. The library reads it only during the call. */
typedef struct sk_loss_curve {
    const double *learning_rates; /* the rate of every optimiser step from step 0, warmup included (>= 0, and
                                     > 0 from warmup_steps on) */
    size_t n_steps;               /* length of learning_rates */
    size_t warmup_steps;          /* 0 .. n_steps-1; see above */
    const size_t *steps;          /* observation steps, each in [warmup_steps, n_steps) (not 0 when
                                     warmup_steps is 0: the law is infinite there) */
    const double *loss;           /* the measured loss at those steps (> 0); ignored by sk_mpl_predict */
    size_t n_obs;                 /* length of steps and loss */
} sk_loss_curve;

typedef struct sk_mpl_options {
    size_t struct_size;
    double huber_delta;           /* Huber delta on log residuals; > 0; default 1e-3 (Luo et al.) */
    const double *start_values;   /* starting values per parameter, concatenated (as in sk_law_fit_options) */
    const size_t *start_counts;   /* how many of start_values belong to each parameter (0 = the default) */
    size_t start_counts_len;      /* 0, or 7. Defaults are scaled to the data: L0 = 0.9 min loss, A = alpha =
                                     beta = 0.5, B in {0.1, 0.5} * loss range / largest rate decrease,
                                     C in {1, 4}, gamma in {0.5, 0.8}: 8 starts */
    sk_optimizer_options optimizer; /* iterations, tolerances, threads; screening defaults 4 and 2 */
} sk_mpl_options;

/* Fills *options with the defaults above; pass sizeof(sk_mpl_options).
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE. */
SK_API int sk_mpl_options_init(sk_mpl_options *options, size_t struct_size);

/* Fits the multi-power law to n_curves loss curves (each with its own schedule): minimises
 * sum Huber_delta(log predicted - log measured) over every observation with projected L-BFGS (all parameters
 * >= 0) and the exact gradient, multi-start, screened. options may be NULL for the defaults.
 * On success *out receives a new fit (release with sk_fit_free); its parameters are named "L0", "A", "alpha",
 * "B", "C", "beta", "gamma"; predict with sk_mpl_predict (sk_fit_predict refuses this law: it needs a schedule).
 * Cost: each evaluation sums over every rate change before every observation (about 2e6 terms for 170
 * observations of a 24,000-step cosine run, ~10 ms); a default fit of three such curves takes tens of seconds.
 * Errors: SK_ERR_NULL_POINTER (curves, out, or an array of a curve); SK_ERR_LENGTH (n_curves, n_steps or n_obs
 * 0 or > SK_MAX_LENGTH, fewer than 7 observations); SK_ERR_INVALID_ARGUMENT (a rate, step or loss out of
 * range, no curve whose rate changes after warmup, a bad option); SK_ERR_STRUCT_SIZE. */
SK_API int sk_mpl_fit(const sk_loss_curve *curves, size_t n_curves, const sk_mpl_options *options, sk_fit **out);

/* Predicts the loss at curve->steps[0 .. n_obs-1] of a run with curve's schedule, for the 7 parameters
 * params[0 .. 6] (L0, A, alpha, B, C, beta, gamma: for example from sk_fit_params, or published values), into
 * out[0 .. n_obs-1]. curve->loss is not read.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (n_params != 7, n_steps or n_obs 0 or too large);
 * SK_ERR_INVALID_ARGUMENT (non-finite parameters, a rate or step out of range). */
SK_API int sk_mpl_predict(const double *params, size_t n_params, const sk_loss_curve *curve, double *out);

/* Since 0.4.10. Leave-one-curve-out validation, the test Luo et al. put the law to (fit some schedules, predict
 * another): each curve predicted by the law refitted to the other curves (as sk_mpl_fit with these options, from
 * its starts, never from a fit that saw the curve). The honest measure of the law's error on a new schedule:
 * parameter covariances miss it (nominal 95 % delta-method intervals covered 1-66 % of Luo et al.'s held-out
 * points; the error of a long extrapolation is the law's misspecification). A curve is not predicted where the
 * other curves cannot identify the law (fewer than 7 observations, or none of their rates changes after warmup:
 * a cosine and a constant run, without the cosine) or where the refit does not converge.
 * per_curve (may be NULL; n_curves structs, each with struct_size set) receives each curve's errors: count = its
 * observations scored (0 where not predicted), fitted = the observations of the other curves (0 where they cannot
 * identify the law, so that no refit was made), failed = 1 where not predicted, else 0.
 * predictions (may be NULL): n_curves pointers; predictions[c] receives curves[c].n_obs predictions, NaN where the
 * curve was not predicted.
 * *errors: pooled over the curves predicted: count = how many; rmse and max_relative_error over all their
 * observations; mean_relative_error = the mean over those curves of each one's mean relative error (Luo et al.'s
 * PredE); fitted = n_curves - 1; failed = curves not predicted. NaN scores where no curve was predicted.
 * fits (may be NULL): n_curves slots; fits[c] receives the refit without curve c (its parameters, converged flag
 * and message: why it did not converge), or NULL where no refit was made. Release each with sk_fit_free.
 * Nothing is written to fits unless the call succeeds.
 * Cost: n_curves fits, one after another (each as sk_mpl_fit, tens of seconds for Luo et al.'s curves).
 * Errors: as sk_mpl_fit; SK_ERR_LENGTH (n_curves < 2); SK_ERR_NULL_POINTER (curves, errors, an entry of
 * predictions); SK_ERR_STRUCT_SIZE. */
SK_API int sk_mpl_leave_one_out(const sk_loss_curve *curves, size_t n_curves, const sk_mpl_options *options,
                                double *const *predictions, sk_prediction_errors *per_curve,
                                sk_prediction_errors *errors, sk_fit **fits);

/* ------------------------------------------------------------------------------------------------------------
 * Hyperparameter transfer (since 0.3.0): from a tuned proxy model to a larger target
 *
 * Width rules are mup's (Yang et al. 2022, Tensor Programs V; PyPI mup 1.0.0): an axis of a parameter is
 * width-scaled exactly when its size differs between the base and the delta shape (the delta defaults to the
 * target), so a target equal to its base is the identity. Shapes are PyTorch's, (fan_out, fan_in) for a matrix.
 * Results are multipliers relative to the proxy's hyperparameters (sk_transfer_rules) or absolute values
 * (sk_transfer). Depth rules are CompleteP's (Dey et al. 2025): residual x m_L^-alpha, hidden Adam learning
 * rates x m_L^(alpha-1), Adam epsilon x m_N^-1 m_L^-alpha.
 * ---------------------------------------------------------------------------------------------------------- */

typedef enum sk_parametrization {
    SK_PARAM_STANDARD = 0,       /* every multiplier 1; PyTorch's 1/sqrt(fan_in) init */
    SK_PARAM_MUP = 1,            /* muP, Table 8 (as mup implements it): readout forward x 1/m */
    SK_PARAM_MUP_TABLE3 = 2      /* muP, Table 3: readout init std and learning rate x 1/m instead */
} sk_parametrization;

typedef enum sk_optimizer { SK_OPTIMIZER_ADAM = 0, SK_OPTIMIZER_SGD = 1 } sk_optimizer;   /* Adam-like, SGD-like */

typedef enum sk_wd_rule {
    SK_WD_INVERSE_LR = 0,        /* x 1/(learning-rate multiplier): per-step decay lr*wd kept (mup; Wang & Aitchison) */
    SK_WD_SQRT_WIDTH = 1,        /* matrix-like x sqrt(m) (Fan et al. 2025); others x 1 */
    SK_WD_FIXED = 2,             /* x 1 */
    SK_WD_INDEPENDENT = 3        /* lr*wd held at the proxy's through width, depth, batch and horizon rules (u-muP) */
} sk_wd_rule;

typedef enum sk_role {
    SK_ROLE_INFERRED = 0,        /* from the shape: 0 scaled axes bias, 1 input (vector-like), 2 hidden (matrix-like) */
    SK_ROLE_INPUT = 1, SK_ROLE_HIDDEN = 2,
    SK_ROLE_READOUT = 3,         /* must be named: a readout's shape looks like an embedding's */
    SK_ROLE_BIAS = 4, SK_ROLE_NORM = 5
} sk_role;

typedef enum sk_batch_rule {
    SK_BATCH_NONE = 0,
    SK_BATCH_SQRT = 1,           /* Adam: lr x sqrt(k), 1-beta x k, eps / sqrt(k) (Malladi et al. 2022) */
    SK_BATCH_LINEAR = 2          /* SGD: lr x k (Goyal et al. 2017) */
} sk_batch_rule;

#define SK_MAX_RANK 8

/* One parameter (group) of the model. The shapes are read, not kept. */
typedef struct sk_param_group {
    size_t struct_size;
    const char *name;            /* may be NULL */
    size_t rank;                 /* 1 .. SK_MAX_RANK */
    const int64_t *base_shape;   /* rank sizes in the proxy */
    const int64_t *delta_shape;  /* rank sizes in a second proxy width, or NULL: the target's */
    const int64_t *target_shape; /* rank sizes in the target */
    int role;                    /* sk_role */
    int in_residual_block;       /* 1: inside a residual block (depth rules apply), 0: not */
} sk_param_group;

typedef struct sk_transfer_options {
    size_t struct_size;
    int parametrization;         /* sk_parametrization; default SK_PARAM_MUP */
    int optimizer;               /* sk_optimizer; default SK_OPTIMIZER_ADAM */
    int weight_decay_rule;       /* sk_wd_rule; default SK_WD_INVERSE_LR */
    int batch_rule;              /* sk_batch_rule; default SK_BATCH_NONE */
    double depth_alpha;          /* 0 (default): no depth rule; else in [0.5, 1] (1 CompleteP, 0.5 Depth-muP) */
    size_t base_layers, layers;  /* with depth_alpha: the proxy's and the target's residual blocks */
    int hold_timescale;          /* 1: weight decay holds AdamW's tau = B/(lr wd D) per group (replaces the rule) */
    double horizon_exponent;     /* lr x (D_target/D_proxy)^-exponent (Bjorck et al. 2024); default 0 */
} sk_transfer_options;

/* Fills *options with the defaults above. Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE. */
SK_API int sk_transfer_options_init(sk_transfer_options *options, size_t struct_size);

/* The proxy's tuned hyperparameters and its run. */
typedef struct sk_proxy_hparams {
    size_t struct_size;
    double learning_rate;        /* > 0 */
    double weight_decay;         /* >= 0, PyTorch's coupled convention */
    double init_std;             /* > 0: the proxy's base init std of a weight */
    double beta1, beta2, epsilon;
    double batch_tokens, tokens; /* tokens per step and training tokens, > 0 */
} sk_proxy_hparams;

/* One group's result. Multipliers are target over proxy; absolute values are filled by sk_transfer only (NaN
 * from sk_transfer_rules). */
typedef struct sk_group_hparams {
    size_t struct_size;
    int role;                    /* the role used (an inferred role resolved) */
    int scaled_axes;             /* mup's ninf */
    double width_mult, fan_in_mult, fan_out_mult;
    double init_std_mult, forward_mult, lr_mult, wd_mult, eps_mult;
    double learning_rate, weight_decay, init_std, epsilon;
} sk_group_hparams;

/* What sk_transfer kept of the proxy although the target differs from it by more than 2x (bits of
 * sk_transfer_info.notes; sk_transfer_note_string describes each). muP transfers the learning rate across width,
 * not across batch size or training horizon. */
#define SK_TRANSFER_NOTE_BATCH_KEPT 1u    /* target batch differs, no batch rule: the learning rates ignore it */
#define SK_TRANSFER_NOTE_HORIZON_KEPT 2u  /* target tokens differ, no horizon exponent: the rates ignore it */

typedef struct sk_transfer_info {
    size_t struct_size;
    double residual_mult;        /* CompleteP m_L^-alpha; 1 without a depth rule */
    double beta1, beta2;         /* after the batch rule */
    double lr_scale;             /* what the batch and horizon rules multiply every learning rate by */
    /* since 0.4.5 (a caller compiled against 0.4.0-0.4.4 passes the earlier struct_size and gets the fields above):
     * SK_TRANSFER_NOTE_* bits, 0 when the transfer kept nothing it should say */
    unsigned int notes;
} sk_transfer_info;

/* A static sentence describing one SK_TRANSFER_NOTE_* bit; NULL for anything else (0, several bits, unknown).
 * Since 0.4.5. */
SK_API const char *sk_transfer_note_string(unsigned int note);

/* The multipliers of groups[0 .. n-1] into out[0 .. n-1]. options may be NULL for the defaults. Every
 * groups[i].struct_size and out[0].struct_size must be the current sizeof.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (n 0 or too large, rank 0 or > SK_MAX_RANK); SK_ERR_STRUCT_SIZE;
 * SK_ERR_INVALID_ARGUMENT (sizes <= 0, a scaled axis that shrinks, an unknown enum, a bad option);
 * SK_ERR_UNSUPPORTED (more than two width-scaled axes; SGD with a depth alpha other than 0.5). */
SK_API int sk_transfer_rules(const sk_param_group *groups, size_t n, const sk_transfer_options *options,
                             sk_group_hparams *out);

/* The target's hyperparameters from the proxy's in one call: multipliers as sk_transfer_rules, then the batch
 * rule (k = target_batch_tokens / proxy->batch_tokens), the horizon rule and weight decay; absolute values in
 * out[i], the global ones in *info (may be NULL). Errors: as sk_transfer_rules, and SK_ERR_INVALID_ARGUMENT for a
 * proxy value out of range or a batch rule of the other optimizer family. */
SK_API int sk_transfer(const sk_param_group *groups, size_t n, const sk_proxy_hparams *proxy,
                       double target_batch_tokens, double target_tokens, const sk_transfer_options *options,
                       sk_group_hparams *out, sk_transfer_info *info);

typedef enum sk_umup_type { SK_UMUP_WEIGHT = 0, SK_UMUP_BIAS = 1, SK_UMUP_NORM = 2, SK_UMUP_OUTPUT = 3 } sk_umup_type;

/* u-muP (Blake et al. 2024) as unit-scaling 0.3.5 scales learning rates: Adam weight fan_in^-1/2, bias/norm/
 * output 1; SGD weight fan_in^1/2, bias/norm shape[0], output 1; all x depth^-1/2 inside a stack of `depth`
 * residual layers (0: not in one). fan_in: shape[0] (rank 1), shape[1] (rank 2), shape[1]*shape[2] (rank 3).
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (rank 0 or > SK_MAX_RANK); SK_ERR_UNSUPPORTED (rank above 3);
 * SK_ERR_INVALID_ARGUMENT (sizes <= 0, an unknown type or optimizer). */
SK_API int sk_transfer_umup_lr_scale(int type, const int64_t *shape, size_t rank, size_t depth, int optimizer,
                                     double *out);

/* u-muP's independent weight decay (unit-scaling 0.3.5 `independent_weight_decay`; Loshchilov & Hutter 2019):
 * the optimizer weight_decay of a group whose learning rate is `group_lr`, lambda / group_lr, so that PyTorch's
 * AdamW (which decays by lr * weight_decay a step) decays by lambda a step at that rate, whatever u-muP's scale
 * made it; a schedule that scales lr scales the decay with it. Since 0.4.0.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_INVALID_ARGUMENT (lambda not finite and >= 0, group_lr not finite and > 0). */
SK_API int sk_transfer_umup_weight_decay(double lambda, double group_lr, double *out);

/* u-muP's residual rule (Blake et al. 2024, App. G; unit-scaling 0.3.5): tau of residual layer `index`
 * (attention at even indices, MLP at odd) in a stack of `layers`, for a residual multiplier and an attention-to-MLP
 * ratio (both 1 by default in unit-scaling). The branch is scaled by tau/sqrt(1+tau^2), the skip by 1/sqrt(1+tau^2).
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_INVALID_ARGUMENT (index >= layers, a value not finite and > 0). */
SK_API int sk_transfer_umup_residual_tau(size_t index, size_t layers, double residual_mult, double attn_ratio,
                                         double *out);

/* The factor on attention logits q.k: SP 1/sqrt(head_dim); muP sqrt(base_head_dim)/head_dim (TP5 Def. 4.1: 1/d,
 * equal to SP at the base, where the proxy was tuned). Errors: SK_ERR_NULL_POINTER; SK_ERR_INVALID_ARGUMENT. */
SK_API int sk_transfer_attention_scale(size_t head_dim, size_t base_head_dim, int parametrization, double *out);

/* A published hyperparameter law: "deepseek" (Bi et al. 2024: lr = 0.3118 C^-0.125, batch = 0.2920 C^0.3271
 * tokens, C = M D FLOPs; N and D ignored) or "step_law" (Li et al. 2025: lr = 1.79 N^-0.713 D^0.307,
 * batch = 0.58 D^0.571 tokens, N non-embedding parameters; C ignored). Pass NaN for what the law ignores.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_INVALID_ARGUMENT (an unknown name, a needed value not finite and > 0). */
SK_API int sk_hp_law(const char *name, double N, double D, double C, double *learning_rate, double *batch_tokens);

/* Adam's square-root rule for k times the batch (Malladi et al. 2022): in/out hold {lr, beta1, beta2, epsilon}
 * (4 doubles each; they may alias). Errors: SK_ERR_NULL_POINTER; SK_ERR_INVALID_ARGUMENT (k or lr not finite and
 * > 0, epsilon not finite and >= 0, a beta outside [0, 1), k (1 - beta) > 1). */
SK_API int sk_transfer_adam_sqrt(double k, const double *in, double *out);

/* The optimal learning rate at `batch` for an optimizer whose noise scale is noise_scale and peak rate `peak`:
 * SGD peak / (1 + B_noise/B) (McCandlish et al. 2018); Adam peak / (0.5 (sqrt(B_noise/B) + sqrt(B/B_noise)))
 * (Li et al. 2024, the surge). Errors: SK_ERR_NULL_POINTER; SK_ERR_INVALID_ARGUMENT. */
SK_API int sk_transfer_optimal_lr(int optimizer, double batch, double noise_scale, double peak, double *out);

/* AdamW's timescale tau = B / (lr wd D) (Wang & Aitchison 2024; Power Lines 2025), B and D in one unit.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_INVALID_ARGUMENT (a value not finite and > 0). */
SK_API int sk_transfer_adamw_timescale(double batch, double learning_rate, double weight_decay, double tokens,
                                       double *out);

/* Hyperparameter scaling laws fitted from your own sweep: per (N, D, batch) cell a parabola of the loss in ln lr
 * near its best run (vertex and a delta-method interval; cells with fewer than 3 learning rates, no convex minimum
 * or the best run at an end of the sweep are kept but not used: sk_hp_sweep_cell_note says why), then lr_opt = k N^a D^b through the best cell of each (N, D),
 * and batch_opt = k' N^a' D^b' where a (N, D) has 3+ batches with an interior optimum. An exponent whose variable
 * does not vary independently across the optima is NaN: where the optima lie on a line in (ln N, ln D) (one D,
 * one N, or a fixed D/N such as D = 20 N, each within 2 %), the law is fitted along that line alone, its
 * `*_support_*` fields say which, and sk_hp_sweep_predict refuses points more than 10 % off it. */
typedef struct sk_hp_sweep sk_hp_sweep;

typedef struct sk_hp_sweep_info {
    size_t struct_size;
    double lr_coefficient, lr_exponent_N, lr_exponent_D, lr_stderr_N, lr_stderr_D;  /* stderr: the larger of OLS's
                                   and White's HC1 (since 0.4.8), also in sk_hp_sweep_predict's interval */
    size_t lr_points;
    int has_batch_law;           /* 0: batch_* are NaN */
    double batch_coefficient, batch_exponent_N, batch_exponent_D;
    size_t batch_points;
    size_t cells, cells_located;
    int has_timescale_law;       /* 0: timescale_* are NaN (no weight decays, or optima at < 2 ratios D/N) */
    double timescale_coefficient, timescale_exponent, timescale_stderr;  /* tau_opt = c (D/N)^m */
    size_t timescale_cells, timescale_points;
    /* since 0.4.4 (a caller compiled against 0.4.0-0.4.3 passes the earlier struct_size and gets the fields above).
     * Where each law holds, NaN where unconstrained (both NaN: the whole (N, D) plane; batch_* NaN without a
     * batch law): every optimum has N = *_support_N, and/or D = *_support_D_coefficient N^*_support_D_exponent
     * (exponent 0: one D; 1: a fixed D/N). */
    double lr_support_N, lr_support_D_coefficient, lr_support_D_exponent;
    double batch_support_N, batch_support_D_coefficient, batch_support_D_exponent;
} sk_hp_sweep_info;

typedef struct sk_hp_sweep_cell {
    size_t struct_size;
    double N, D, batch;
    double weight_decay;         /* the cell's weight decay (0 without weight decays) */
    size_t runs, learning_rates;
    int located;                 /* 1: optimal_lr, interval, optimal_loss hold values (interval NaN with 3 runs) */
    double optimal_lr;
    sk_interval interval;        /* delta method on the parabola's vertex in ln lr, mapped back */
    double optimal_loss;
} sk_hp_sweep_cell;

/* Fits n runs (N[i], D[i], lr[i], batch[i], loss[i], weight_decay[i]); weight_decay may be NULL. Learning-rate
 * cells share (N, D, batch, weight decay). Where the weight decay varies at a fixed (N, D, batch, lr), the loss is
 * fitted in ln tau, tau = batch/(lr wd D) (AdamW's timescale), and tau_opt = c (D/N)^m through the best such cell
 * of each (N, D) (Power Lines 2025). A loss of NaN or +inf is a run that diverged (since 0.4.5; refused before):
 * its learning rate counts as swept and worse than any run that trained, and no parabola goes through it.
 * *out receives the result (release with sk_hp_sweep_free).
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH; SK_ERR_INVALID_ARGUMENT (a value not finite and > 0, a loss of -inf,
 * a weight decay < 0, or no cell with 3+ learning rates and an interior minimum: no optimum can be located). */
SK_API int sk_hp_sweep_fit(const double *N, const double *D, const double *lr, const double *batch,
                           const double *loss, const double *weight_decay, size_t n, sk_hp_sweep **out);
SK_API void sk_hp_sweep_free(sk_hp_sweep *sweep);
/* Message of the fit: how many cells located an optimum, what entered the laws. Owned by the sweep. Returns ""
 * for a NULL sweep (NULL before 0.4.7, unlike every other message accessor). */
SK_API const char *sk_hp_sweep_message(const sk_hp_sweep *sweep);
/* Set info->struct_size first. Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE. */
SK_API int sk_hp_sweep_get_info(const sk_hp_sweep *sweep, sk_hp_sweep_info *info);
/* Cell `index` (0 .. info.cells-1, sorted by N, D, batch). Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (index out
 * of range); SK_ERR_STRUCT_SIZE. */
SK_API int sk_hp_sweep_cell_at(const sk_hp_sweep *sweep, size_t index, sk_hp_sweep_cell *cell);
/* How cell `index` was read ("optimum located (parabola through the best of the learning rates and its
 * neighbours, 5 of 7)"), or why it locates no optimum ("... the optimum lies outside the sweep, widen it"). A
 * cell's vertex comes from its best learning rate and two neighbours on each side, or one on each side where
 * that vertex lands more than half a grid step from the best run (one parabola through every run is dragged
 * toward the gentle side of a lopsided or diverging sweep). Owned by the sweep; NULL for a NULL sweep or an index
 * out of range. Since 0.4.4. */
SK_API const char *sk_hp_sweep_cell_note(const sk_hp_sweep *sweep, size_t index);
/* The fitted laws at (N, D): lr with its `confidence` interval (NaN ends without residual degrees of freedom)
 * and the batch (NaN without a batch law, or at a point more than 10 % off the batch law's support).
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_INVALID_ARGUMENT (N or D not finite and > 0, confidence outside (0, 1), or
 * (N, D) more than 10 % off the lr law's support: a sweep at one D/N cannot say what another D/N does). */
SK_API int sk_hp_sweep_predict(const sk_hp_sweep *sweep, double N, double D, double confidence, double *lr,
                               sk_interval *lr_interval, double *batch);

typedef enum sk_coord_verdict { SK_COORD_STABLE = 0, SK_COORD_GROWS = 1, SK_COORD_VANISHES = 2 } sk_coord_verdict;

/* The coordinate check (TP5; mup.coord_check): n records (layer[i] a layer index, width[i], step[i], rms[i]);
 * per layer (in order of first appearance) the slope of ln rms against ln width of largest magnitude over its
 * steps, into worst_slope[k] and verdict[k] (sk_coord_verdict, |slope| > threshold flagged), k < *layers <=
 * capacity. Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (n 0, capacity smaller than the layer count);
 * SK_ERR_INVALID_ARGUMENT (a width or rms not finite and > 0, a (layer, step) with fewer than 2 widths). */
SK_API int sk_coord_check(const int64_t *layer, const double *width, const int64_t *step, const double *rms,
                          size_t n, double threshold, double *worst_slope, int *verdict, size_t capacity,
                          size_t *layers);

/* ------------------------------------------------------------------------------------------------------------
 * Critical batch size (since 0.3.0): the streaming gradient noise scale, the steps-vs-batch trade-off, and the
 * several published meanings of "critical batch size"
 *
 * The estimator takes squared gradient norms at a small and a big batch each step and forms the unbiased
 * estimates of |G|^2 and tr(Sigma) (McCandlish et al. 2018, App. A.1):
 *   |G|^2 ~ (B_big |G_big|^2 - B_small |G_small|^2) / (B_big - B_small)
 *   tr(S) ~ (|G_small|^2 - |G_big|^2) / (1/B_small - 1/B_big)
 * It smooths the two separately (never their ratio, which is biased) and reads B_simple = tr(S)/|G|^2.
 *
 * What to pass, in a training loop:
 *  - Norms of gradients of the MEAN loss over each batch (not the sum: a summed loss scales the big-batch norm by
 *    B_big^2 and is reported as `inconsistent`). With gradient accumulation, the small norm is the mean over
 *    micro-batches of |g_micro|^2 and the big norm is |mean of the micro-batch gradients|^2.
 *  - After un-scaling a mixed-precision loss scale and BEFORE clipping: a clipped gradient is not an unbiased
 *    sample of the batch gradient.
 *  - The batch sizes in one unit (examples, sequences or tokens; set options.batch_unit to record which): B_simple
 *    comes out in that unit.
 *  - The learning rate of the step (0 during warm-up is fine; NaN if unknown): readings say when they mix
 *    temperatures.
 * Lag: every smoothed reading lags a moving B_simple. The default SK_GNS_ADAPTIVE keeps six moving averages and
 * reads the longest one that agrees with all shorter ones (Lepski's rule), so it shortens its memory while B_simple
 * drifts (reading.horizon says how far back it looks; reading.drift how much it moved) and widens the interval by
 * the lag it allows. Measured: see the smoothing values below. Cost: ~6 ns (170 instructions) per update more than
 * one EMA.
 * A handle is mutable: do not use one handle from two threads at once; distinct handles are independent.
 * ---------------------------------------------------------------------------------------------------------- */

typedef struct sk_gns sk_gns;

typedef enum sk_gns_smoothing {
    SK_GNS_EMA = 0,              /* exponential moving average with bias correction (ema_beta) */
    SK_GNS_WINDOW = 1,           /* plain means over the last `window` measurements */
    SK_GNS_CUMULATIVE = 2,       /* plain means over every measurement (stationary runs: the most precise) */
    SK_GNS_ADAPTIVE = 3          /* default since 0.4: EMAs at beta = 0.8 ... 0.995 read by Lepski's rule. On
                                    closed-form SGD runs with accumulation, B_simple rising 30x in 250 steps: median
                                    error 20 %, 84 % interval coverage (one EMA at 0.99: 66 %, 3 %); a slow 1.85x
                                    drift over 3,000 steps: 5.3 %, 95 %; stationary: 4.4 %, 96 % */
} sk_gns_smoothing;

typedef enum sk_gns_unit {
    SK_GNS_EXAMPLES = 0,         /* batch sizes (and B_simple) in examples */
    SK_GNS_SEQUENCES = 1,        /* in sequences */
    SK_GNS_TOKENS = 2            /* in tokens */
} sk_gns_unit;

typedef enum sk_gns_construction {
    SK_GNS_DATA_PARALLEL = 0,    /* small: mean of per-rank local squared norms (before all-reduce); big: reduced */
    SK_GNS_ACCUMULATION = 1,     /* small: mean of micro-batch squared norms; big: the accumulated gradient's */
    SK_GNS_PER_EXAMPLE = 2,      /* small: mean of per-example squared norms (B_small = 1) */
    SK_GNS_CONSECUTIVE = 3       /* big: averaged over consecutive steps; biased, flagged in every reading */
} sk_gns_construction;

typedef enum sk_gns_preconditioning {
    SK_GNS_RAW = 0,              /* raw gradients */
    SK_GNS_WHITENED = 1,         /* P^-1/2 g (Adam: g / sqrt(sqrt(v_hat) + eps)) */
    SK_GNS_UPDATE = 2            /* P^-1 g (Adam's update direction g / (sqrt(v_hat) + eps); AdaptDL's convention) */
} sk_gns_preconditioning;

typedef struct sk_gns_options {
    size_t struct_size;
    int smoothing;               /* sk_gns_smoothing; default SK_GNS_ADAPTIVE */
    double ema_beta;             /* for SK_GNS_EMA, in [0, 1); default 0.99 */
    size_t window;               /* for SK_GNS_WINDOW, >= 1; default 1000 */
    int construction;            /* sk_gns_construction; default SK_GNS_DATA_PARALLEL (recorded) */
    int preconditioning;         /* sk_gns_preconditioning; default SK_GNS_RAW (recorded) */
    double dataset_size;         /* > 1: disjoint shards from a finite data set, corrected; 0 (default): i.i.d. */
    size_t groups;               /* parameter groups per update, >= 1; default 1 */
    double confidence;           /* of the interval on B_simple; default 0.95 */
    int batch_unit;              /* sk_gns_unit of the batch sizes passed; default SK_GNS_EXAMPLES (recorded) */
} sk_gns_options;

typedef struct sk_gns_reading {
    size_t struct_size;
    double gradient_squared;     /* smoothed |G|^2 (may be <= 0 early: then b_simple is NaN and valid 0) */
    double trace_covariance;     /* smoothed tr(Sigma) */
    double b_simple;             /* tr(Sigma) / |G|^2 */
    double stderr_b_simple;      /* delta method on the smoothed means (measurements treated as independent) */
    sk_interval interval;        /* Student-t at options.confidence in log space, widened by the lag allowance
                                    (drift); NaN ends when undefined */
    size_t measurements;
    double effective_measurements;  /* (sum w)^2 / sum w^2 of the weights the reading uses */
    double learning_rate;        /* of the last update (NaN if never given) */
    double batch_size;           /* the last big batch, in batch_unit */
    int valid;                   /* 1: b_simple defined, >= 2 effective measurements, a finite interval and
                                    consistent norms; use the reading only then */
    int temperature_changed;     /* 1: learning_rate / batch varied by more than 5 % over the reading's horizon
                                    (since creation or reset for SK_GNS_CUMULATIVE): it mixes temperatures */
    int biased;                  /* 1: consecutive construction */
    int preconditioning;         /* as configured */
    int construction;            /* sk_gns_construction, as configured */
    int batch_unit;              /* sk_gns_unit, as configured: the unit of b_simple */
    double horizon;              /* mean age in steps of what the reading averages: its lag behind a trend */
    double drift;                /* relative gap between the chosen horizon's B_simple and the next shorter one's
                                    (the lag allowance in the interval); 0 with one horizon */
    double learning_rate_min, learning_rate_max;  /* over the reading's horizon (NaN if none given) */
    int inconsistent;            /* 1: tr(Sigma) < 0 beyond its noise: the big-batch norm exceeds the small ones
                                    on average (a summed loss, a norm after clipping, swapped batch sizes) */
} sk_gns_reading;

/* Fills *options with the defaults above. Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE. */
SK_API int sk_gns_options_init(sk_gns_options *options, size_t struct_size);

/* A new estimator (release with sk_gns_free); options may be NULL for the defaults. All memory is allocated here.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE; SK_ERR_INVALID_ARGUMENT (a bad option). */
SK_API int sk_gns_create(const sk_gns_options *options, sk_gns **out);
SK_API void sk_gns_free(sk_gns *gns);

/* One step, one group: the (mean) small-batch squared norm, the big-batch squared norm, the two batch sizes and
 * the learning rate (0 allowed, NaN if unknown). No allocation. A bad value rejects the step and leaves the state
 * intact. Cost: ~45 ns with SK_GNS_ADAPTIVE, ~36 ns with one EMA (bindings/c/benchmarks/bench_gns.c).
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_INVALID_ARGUMENT (a norm NaN, Inf or < 0, a batch <= 0, small >= big, a
 * learning rate < 0 or infinite, an estimator with several groups, norms whose |G|^2 or tr(Sigma) estimate exceeds
 * 1e150: rescale them, B_simple is scale-free). */
SK_API int sk_gns_update(sk_gns *gns, double small_sq_norm, double big_sq_norm, double small_batch, double big_batch,
                         double learning_rate);

/* One step with groups[0 .. n-1] norms per parameter group (n = options.groups); the total sums the groups'
 * components. Errors: as sk_gns_update, and SK_ERR_LENGTH for n != options.groups. */
SK_API int sk_gns_update_groups(sk_gns *gns, const double *small_sq_norms, const double *big_sq_norms, size_t n,
                                double small_batch, double big_batch, double learning_rate);

/* A data-parallel step: the ranks' local squared norms (each over local_batch examples, before the all-reduce) and
 * the all-reduced squared norm over ranks * local_batch. Errors: as sk_gns_update; SK_ERR_LENGTH (ranks < 2). */
SK_API int sk_gns_update_ranks(sk_gns *gns, const double *local_sq_norms, size_t ranks, double reduced_sq_norm,
                               double local_batch, double learning_rate);

/* The reading of the total (group = -1) or of one group. Set out->struct_size first.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_STRUCT_SIZE; SK_ERR_INVALID_ARGUMENT (no measurement yet, group out of
 * range). */
SK_API int sk_gns_read(const sk_gns *gns, int64_t group, sk_gns_reading *out);

/* Forgets every measurement. Errors: SK_ERR_NULL_POINTER. */
SK_API int sk_gns_reset(sk_gns *gns);

/* The steps-vs-batch trade-off S = S_min (1 + B_crit / B) (McCandlish et al. 2018, eq. 2.11), fitted in log space. */
#define SK_TRADEOFF_MESSAGE_SIZE 384   /* bytes of sk_cbs_tradeoff.message, its NUL included (since 0.4.6) */
typedef struct sk_cbs_tradeoff {
    size_t struct_size;
    double target_loss;          /* NaN for a single unlabelled target */
    double min_steps, min_examples, critical_batch;
    sk_interval critical_batch_interval;   /* Student-t, n - 2 dof; NaN ends with 3 points and an exact fit, and
                                              (since 0.4.5) where B_crit is a bound of the search, not an estimate:
                                              steps that never fall (below 1e-3 x the smallest batch) or fall as 1/B
                                              throughout (above 1e3 x the largest) */
    sk_interval min_steps_interval, min_examples_interval;
    double rms_log_residual;
    size_t points;
    int identified;              /* 0: the batch grid does not straddle B_crit (no batch <= B_crit/2 or >= 2 B_crit) */
    /* since 0.4.6 (a caller compiled against 0.4.0-0.4.5 passes the earlier struct_size and gets the fields above;
     * in an array, sk_cbs_tradeoff_fit_targets then strides by that size) */
    char message[SK_TRADEOFF_MESSAGE_SIZE]; /* what the fit found, NUL-terminated UTF-8, cut at a character boundary
                                  if longer: "fitted on 6 points; ...", or "warning: ..." where B_crit is not
                                  identified or is a bound of the search (which side, and why) */
} sk_cbs_tradeoff;

/* Fits steps[i] steps needed at batch[i] (3+ distinct batches). Set out->struct_size first.
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH; SK_ERR_INVALID_ARGUMENT (values not finite and > 0, fewer than 3
 * batch sizes, confidence outside (0, 1), or, since 0.4.5, steps that rise with the batch: log-log slope > 0 at
 * t > 2, as when examples B x S are passed as steps); SK_ERR_STRUCT_SIZE. */
SK_API int sk_cbs_tradeoff_fit(const double *batch, const double *steps, size_t n, double confidence,
                               sk_cbs_tradeoff *out);

/* Since 0.4.6. The step at which one run's logged loss curve (loss[i] at steps[i], steps strictly increasing and
 * >= 0, losses finite and > 0) reaches target: the curve made non-increasing by least squares (pool adjacent
 * violators, which averages the noise that makes a first crossing come early), its crossing interpolated linearly
 * between the logged steps around it; the input of sk_cbs_tradeoff_fit, one call per run and target.
 * *reached: 1 (reached, *step set); 0 (not within the logged steps: the run needed more; *step NaN); -1 (at or
 * before the first logged step, too easy a target for this log; *step NaN).
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (n = 0); SK_ERR_INVALID_ARGUMENT (steps not increasing, a loss not
 * finite and > 0, named "a run that diverged?" for NaN or inf, a target not finite and > 0). */
SK_API int sk_cbs_steps_to_target(const double *steps, const double *loss, size_t n, double target, double *step,
                                  int *reached);

/* Since 0.4.6. Steps to every target for every run of a sweep logged as one table (sk_cbs_steps_to_target per run):
 * run[i] labels row i's run (any int64; runs taken in order of first appearance, each run's rows in table order,
 * steps increasing), batch[i] its batch size (one per run), step[i] and loss[i] one logged point. Writes one entry
 * per (run, target), runs in that order and targets in the given order, into out_run, out_batch, out_steps and
 * out_reached [0 .. *count-1] (*count = runs x n_targets; entry k is for targets[k % n_targets]): out_steps NaN and
 * out_reached 0 or -1 where sk_cbs_steps_to_target says so. The reached entries are sk_cbs_tradeoff_fit_targets's
 * input. Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (n or n_targets 0; capacity below *count: pass n x n_targets
 * if the run count is unknown); SK_ERR_INVALID_ARGUMENT (a run with two batch sizes, or what
 * sk_cbs_steps_to_target refuses, with the run's label in the message). */
SK_API int sk_cbs_steps_table(const int64_t *run, const double *batch, const double *step, const double *loss, size_t n,
                              const double *targets, size_t n_targets, int64_t *out_run, double *out_batch,
                              double *out_steps, int *out_reached, size_t capacity, size_t *count);

/* One fit per distinct target_loss[i] into fits[0 .. *count-1] (ascending loss), and Kaplan et al.'s
 * B_crit(L) = B_star / L^(1/alpha_B) through those whose fit is identified (*b_star, *alpha_b; NaN with fewer than
 * 2 identified targets; since 0.4.5: before, every target went in, identified or not). Set fits[0].struct_size
 * first: the array's elements are that many bytes apart (sizeof(sk_cbs_tradeoff) of the caller's header). Errors: as sk_cbs_tradeoff_fit; SK_ERR_LENGTH (capacity below the target count). */
SK_API int sk_cbs_tradeoff_fit_targets(const double *batch, const double *steps, const double *target_loss, size_t n,
                                       double confidence, sk_cbs_tradeoff *fits, size_t capacity, size_t *count,
                                       double *b_star, double *alpha_b);

typedef enum sk_cbs_definition {
    SK_CBS_OVERHEAD = 0,         /* theta * B_crit: theta more examples than the B -> 0 limit */
    SK_CBS_ZHANG = 1             /* (1 + theta) B_ref + theta B_crit: theta over linear scaling from B_ref (Zhang 2024) */
} sk_cbs_definition;

/* Converts McCandlish's B_crit into another definition (theta = 0.2 and B_ref = 256 in Zhang et al.; reference
 * is ignored for SK_CBS_OVERHEAD). Errors: SK_ERR_NULL_POINTER; SK_ERR_INVALID_ARGUMENT. */
SK_API int sk_cbs_convert(int definition, double critical_batch, double theta, double reference_batch, double *out);

/* Steps and examples at batch B relative to their minima: 1 + B_crit/B and 1 + B/B_crit; and AdaptDL's statistical
 * efficiency (phi + M0)/(phi + M) of batch B against initial_batch M0 for noise scale phi = B_simple (NaN phi:
 * skipped). Errors: SK_ERR_NULL_POINTER; SK_ERR_INVALID_ARGUMENT. */
/* steps[i] = min_steps * (1 + critical_batch / batch[i]) for a fitted trade-off (McCandlish et al. 2018, eq. 2.11).
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH; SK_ERR_INVALID_ARGUMENT (a value not finite and > 0). */
SK_API int sk_cbs_steps(double min_steps, double critical_batch, const double *batch, size_t n, double *steps);

/* batch[i] = b_star / loss[i]^(1 / alpha_b): Kaplan et al. (2020, eq. 1.4) for the law sk_cbs_tradeoff_fit_targets
 * fitted. Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH; SK_ERR_INVALID_ARGUMENT (a value not finite and > 0). */
SK_API int sk_cbs_kaplan_critical_batch(double b_star, double alpha_b, const double *loss, size_t n, double *batch);

SK_API int sk_cbs_cost(double batch, double critical_batch, double initial_batch, double noise_scale,
                       double *relative_steps, double *relative_examples, double *efficiency);

/* A published batch law at its variable x, in tokens per step: "kaplan" (B_crit, x = loss in nats), "deepseek"
 * (B_opt, x = C = M D FLOPs), "step_law" (B_opt, x = D tokens). Errors: SK_ERR_NULL_POINTER;
 * SK_ERR_INVALID_ARGUMENT (unknown name, x not finite and > 0). */
SK_API int sk_cbs_law(const char *name, double x, double *batch_tokens);

/* A warm-up schedule following B_crit(tokens) = coefficient * tokens^exponent: batches min_batch * 2^k, at most
 * fraction * B_crit and max_batch, never decreasing, scanned at 256 log-spaced points up to total_tokens; writes
 * (tokens[i], batch[i]) for i < *count <= capacity (tokens[0] = 0, batch[0] = min_batch).
 * Errors: SK_ERR_NULL_POINTER; SK_ERR_LENGTH (capacity too small); SK_ERR_INVALID_ARGUMENT. */
SK_API int sk_cbs_schedule(double coefficient, double exponent, double total_tokens, double min_batch,
                           double max_batch, double fraction, double *tokens, double *batch, size_t capacity,
                           size_t *count);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SCALINGKIT_H */

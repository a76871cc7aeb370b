/* C tests of libscalingkit through its public header only, exactly as a C trainer would call it.
 * Build: cc -std=c11 test_scalingkit.c $(pkg-config --cflags --libs scalingkit) -lpthread -lm */
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "scalingkit.h"

static int passed = 0, failed = 0;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        if (cond) { passed++; }                                           \
        else {                                                            \
            failed++;                                                     \
            printf("  FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);      \
            printf(__VA_ARGS__);                                          \
            printf("\n");                                                 \
        }                                                                 \
    } while (0)

/* Asserts a status and that the thread's last error mentions `needle`. */
#define CHECK_ERR(call, status, needle)                                                         \
    do {                                                                                        \
        int rc_ = (call);                                                                       \
        CHECK(rc_ == (status), "%s returned %d, want %d (%s)", #call, rc_, (int)(status),      \
              sk_last_error());                                                                 \
        CHECK(strstr(sk_last_error(), (needle)) != NULL, "message '%s' lacks '%s'",             \
              sk_last_error(), (needle));                                                       \
    } while (0)

/* Synthetic runs from a known law, noise-free: a 4x4 grid of (N, D). */
enum { NPTS = 16 };
/* A struct as a caller compiled against an earlier header passes it: every byte a canary, struct_size `size` (the
 * offset of the first field added since). earlier_untouched says whether the library wrote anything past it. */
static void as_earlier(void *s, size_t full, size_t size) {
    memset(s, 0xAB, full);
    memcpy(s, &size, sizeof size);
}
static int earlier_untouched(const void *s, size_t full, size_t size) {
    const unsigned char *bytes = s;
    for (size_t k = size; k < full; k++)
        if (bytes[k] != 0xAB) return 0;
    return 1;
}

static double N[NPTS], D[NPTS], L[NPTS];
static const double TRUE_E = 1.8, TRUE_A = 400.0, TRUE_B = 2000.0, TRUE_ALPHA = 0.34, TRUE_BETA = 0.37;

static void make_data(void) {
    for (int i = 0; i < NPTS; i++) {
        N[i] = 1e7 * pow(10.0, (i / 4) * 0.8);
        D[i] = 1e9 * pow(10.0, (i % 4) * 0.7);
        L[i] = TRUE_E + TRUE_A / pow(N[i], TRUE_ALPHA) + TRUE_B / pow(D[i], TRUE_BETA);
    }
}

/* A small grid around the truth keeps the test fast. */
static const double g_alpha[] = {0.2, 0.5}, g_beta[] = {0.2, 0.5}, g_e[] = {0.0, 0.5}, g_a[] = {5.0, 7.0},
                    g_b[] = {7.0, 9.0};

static void small_grid(sk_chinchilla_options *o) {
    o->start_alpha = g_alpha; o->start_alpha_len = 2;
    o->start_beta = g_beta; o->start_beta_len = 2;
    o->start_e = g_e; o->start_e_len = 2;
    o->start_a = g_a; o->start_a_len = 2;
    o->start_b = g_b; o->start_b_len = 2;
}

static void test_version_and_strings(void) {
    CHECK(sk_version_number() == SK_VERSION_NUMBER, "library %u vs header %d", sk_version_number(), SK_VERSION_NUMBER);
    CHECK(strcmp(sk_version_string(), SK_VERSION_STRING) == 0, "'%s'", sk_version_string());
    CHECK(sk_last_error() != NULL, "last error is NULL");
    CHECK(strstr(sk_status_string(SK_ERR_LENGTH), "SK_ERR_LENGTH") != NULL, "'%s'", sk_status_string(SK_ERR_LENGTH));
    CHECK(strcmp(sk_status_string(12345), "unknown status") == 0, "'%s'", sk_status_string(12345));
    sk_fit_free(NULL); /* must be a no-op */
    CHECK(sk_fit_param_count(NULL) == 0, "count of NULL");
    CHECK(sk_fit_param_name(NULL, 0) == NULL, "name of NULL");
    CHECK(strcmp(sk_fit_message(NULL), "") == 0, "message of NULL");
}

static void test_options(void) {
    sk_chinchilla_options o;
    CHECK_ERR(sk_chinchilla_options_init(NULL, sizeof o), SK_ERR_NULL_POINTER, "options");
    CHECK_ERR(sk_chinchilla_options_init(&o, sizeof o - 8), SK_ERR_STRUCT_SIZE, "struct_size");
    CHECK_ERR(sk_chinchilla_options_init(&o, SIZE_MAX), SK_ERR_STRUCT_SIZE, "struct_size");
    CHECK(sk_chinchilla_options_init(&o, sizeof o) == SK_OK, "init: %s", sk_last_error());
    CHECK(o.struct_size == sizeof o && o.huber_delta == 1e-3 && o.exclude_highest_loss == 0 && o.optimizer.threads == 0 &&
              o.start_alpha == NULL && o.optimizer.max_iterations > 0,
          "defaults");
}

static void test_bad_input(void) {
    sk_fit *fit = NULL;
    sk_chinchilla_options o;
    sk_chinchilla_options_init(&o, sizeof o);
    small_grid(&o);
    double bad[NPTS];

    CHECK_ERR(sk_chinchilla_fit(NULL, D, L, NPTS, &o, &fit), SK_ERR_NULL_POINTER, "'N' is NULL");
    CHECK_ERR(sk_chinchilla_fit(N, NULL, L, NPTS, &o, &fit), SK_ERR_NULL_POINTER, "'D' is NULL");
    CHECK_ERR(sk_chinchilla_fit(N, D, NULL, NPTS, &o, &fit), SK_ERR_NULL_POINTER, "'loss' is NULL");
    CHECK_ERR(sk_chinchilla_fit(N, D, L, NPTS, &o, NULL), SK_ERR_NULL_POINTER, "'out' is NULL");
    CHECK_ERR(sk_chinchilla_fit(N, D, L, 0, &o, &fit), SK_ERR_LENGTH, "no data");
    CHECK_ERR(sk_chinchilla_fit(N, D, L, SIZE_MAX, &o, &fit), SK_ERR_LENGTH, "SK_MAX_LENGTH");
    CHECK_ERR(sk_chinchilla_fit(N, D, L, SK_MAX_LENGTH + 1, &o, &fit), SK_ERR_LENGTH, "SK_MAX_LENGTH");
    CHECK_ERR(sk_chinchilla_fit(N, D, L, 3, &o, &fit), SK_ERR_LENGTH, "fewer than 5");

    memcpy(bad, L, sizeof bad); bad[3] = NAN;
    CHECK_ERR(sk_chinchilla_fit(N, D, bad, NPTS, &o, &fit), SK_ERR_INVALID_ARGUMENT, "'loss'[3] is not finite");
    memcpy(bad, L, sizeof bad); bad[0] = INFINITY;
    CHECK_ERR(sk_chinchilla_fit(N, D, bad, NPTS, &o, &fit), SK_ERR_INVALID_ARGUMENT, "'loss'[0] is not finite");
    memcpy(bad, N, sizeof bad); bad[5] = 0.0;
    CHECK_ERR(sk_chinchilla_fit(bad, D, L, NPTS, &o, &fit), SK_ERR_INVALID_ARGUMENT, "'N'[5] must be > 0");
    memcpy(bad, D, sizeof bad); bad[7] = -1e9;
    CHECK_ERR(sk_chinchilla_fit(N, bad, L, NPTS, &o, &fit), SK_ERR_INVALID_ARGUMENT, "'D'[7] must be > 0");

    sk_chinchilla_options w = o;
    w.struct_size = 1;
    CHECK_ERR(sk_chinchilla_fit(N, D, L, NPTS, &w, &fit), SK_ERR_STRUCT_SIZE, "struct_size");
    w = o; w.huber_delta = -1;
    CHECK_ERR(sk_chinchilla_fit(N, D, L, NPTS, &w, &fit), SK_ERR_INVALID_ARGUMENT, "huber delta");
    w = o; w.huber_delta = NAN;
    CHECK_ERR(sk_chinchilla_fit(N, D, L, NPTS, &w, &fit), SK_ERR_INVALID_ARGUMENT, "huber delta");
    w = o; w.exclude_highest_loss = NPTS;
    CHECK_ERR(sk_chinchilla_fit(N, D, L, NPTS, &w, &fit), SK_ERR_LENGTH, "excluded");
    w = o; w.start_alpha = NULL; w.start_alpha_len = 3;
    CHECK_ERR(sk_chinchilla_fit(N, D, L, NPTS, &w, &fit), SK_ERR_NULL_POINTER, "start_alpha");
    w = o; w.start_beta_len = 0;
    CHECK_ERR(sk_chinchilla_fit(N, D, L, NPTS, &w, &fit), SK_ERR_LENGTH, "start_beta");
    w = o; w.start_e_len = SIZE_MAX;
    CHECK_ERR(sk_chinchilla_fit(N, D, L, NPTS, &w, &fit), SK_ERR_LENGTH, "start_e_len");
    w = o; w.optimizer.max_iterations = 0;
    CHECK_ERR(sk_chinchilla_fit(N, D, L, NPTS, &w, &fit), SK_ERR_INVALID_ARGUMENT, "iterations");
    CHECK(fit == NULL, "out was written on failure");
}

static void test_fit(void) {
    sk_chinchilla_options o;
    sk_chinchilla_options_init(&o, sizeof o);
    small_grid(&o);
    sk_fit *fit = NULL;
    int rc = sk_chinchilla_fit(N, D, L, NPTS, &o, &fit);
    CHECK(rc == SK_OK && fit != NULL, "fit failed: %d %s", rc, sk_last_error());
    if (!fit) return;

    sk_fit_info info;
    info.struct_size = sizeof info;
    CHECK(sk_fit_get_info(fit, &info) == SK_OK, "info: %s", sk_last_error());
    CHECK(info.converged == 1 && info.starts == 32 && info.points_used == NPTS && info.points_excluded == 0,
          "converged %d starts %zu used %zu", info.converged, info.starts, info.points_used);
    CHECK(info.objective < 1e-14, "objective %g on noise-free data", info.objective);
    CHECK(info.explained > 1 - 1e-9 && info.explained <= 1, "explained %.17g on noise-free data", info.explained);
    {   /* Since 0.4.3: a caller compiled against 0.4.0-0.4.2 (no `explained`) gets the fields it has, nothing past. */
        sk_fit_info old;
        as_earlier(&old, sizeof old, offsetof(sk_fit_info, explained));
        CHECK(sk_fit_get_info(fit, &old) == SK_OK && old.objective == info.objective &&
                  old.starts_refined == info.starts_refined,
              "0.4.2-sized sk_fit_info: %s", sk_last_error());
        CHECK(old.struct_size == offsetof(sk_fit_info, explained), "struct_size rewritten: %zu", old.struct_size);
        CHECK(earlier_untouched(&old, sizeof old, offsetof(sk_fit_info, explained)), "wrote past a 0.4.2-sized sk_fit_info");
    }
    {   /* Since 0.4.5: a caller compiled against 0.4.3-0.4.4 (no repeated_*) gets the fields it has, nothing past. */
        sk_fit_info old;
        as_earlier(&old, sizeof old, offsetof(sk_fit_info, repeated_points));
        CHECK(sk_fit_get_info(fit, &old) == SK_OK && old.explained == info.explained, "0.4.4-sized sk_fit_info: %s",
              sk_last_error());
        CHECK(earlier_untouched(&old, sizeof old, offsetof(sk_fit_info, repeated_points)),
              "wrote past a 0.4.4-sized sk_fit_info");
    }
    {   /* Since 0.4.6: a caller compiled against 0.4.5 (no outlying_*) gets the fields it has, nothing past. */
        sk_fit_info old;
        as_earlier(&old, sizeof old, offsetof(sk_fit_info, outlying_runs));
        CHECK(sk_fit_get_info(fit, &old) == SK_OK && old.repeated_points == info.repeated_points,
              "0.4.5-sized sk_fit_info: %s", sk_last_error());
        CHECK(earlier_untouched(&old, sizeof old, offsetof(sk_fit_info, outlying_runs)), "wrote past a 0.4.5-sized sk_fit_info");
    }
    {   /* Since 0.4.7: a caller compiled against 0.4.6 (no outlier_influence*) gets the fields it has, nothing past.
         * Its sizeof ended in int outliers_highest and padding: the offset of the double that follows. */
        sk_fit_info old;
        as_earlier(&old, sizeof old, offsetof(sk_fit_info, outlier_influence));
        CHECK(sk_fit_get_info(fit, &old) == SK_OK && old.outliers_highest == info.outliers_highest,
              "0.4.6-sized sk_fit_info: %s", sk_last_error());
        CHECK(earlier_untouched(&old, sizeof old, offsetof(sk_fit_info, outlier_influence)),
              "wrote past a 0.4.6-sized sk_fit_info");
    }
    /* Noise-free runs: no run is off the law (rounding never counts). */
    CHECK(info.outlying_runs == 0 && isnan(info.outlier_score) && info.outliers_highest == 0 &&
              sk_fit_outliers(fit, NULL, 0) == SK_OK && isnan(info.outlier_influence) &&
              isnan(info.outlier_influence_without) && isnan(info.outlier_allocation_without) &&
              isnan(info.outlier_allocation_shift) && info.outlier_influence_param == -1,
          "outlying %zu %g influence %g", info.outlying_runs, info.outlier_score, info.outlier_influence);
    {   /* One run 50 % high among runs with 1 % noise: 10+ robust SDs off, listed, noted, still fitted. */
        double Lo[NPTS];
        for (int i = 0; i < NPTS; i++) Lo[i] = L[i] * (1 + 0.01 * sin(1.7 * i));
        Lo[9] *= 1.5;
        sk_fit *off = NULL;
        sk_fit_info oi = {.struct_size = sizeof oi};
        size_t rows[1] = {99};
        CHECK(sk_chinchilla_fit(N, D, Lo, NPTS, &o, &off) == SK_OK && sk_fit_get_info(off, &oi) == SK_OK &&
                  oi.outlying_runs == 1 && oi.outlier_score > 10 && sk_fit_outliers(off, rows, 1) == SK_OK && rows[0] == 9 &&
                  strstr(sk_fit_data_note(off), "1 run(s) lie up to") == sk_fit_data_note(off) &&
                  strstr(sk_fit_message(off), sk_fit_data_note(off)) != NULL,
              "outlier: %zu %g row %zu '%s'", oi.outlying_runs, oi.outlier_score, rows[0],
              off ? sk_fit_data_note(off) : sk_last_error());
        /* Since 0.4.7: how far the refit without it moves the fit, by parameter index, in standard errors; the
         * allocation exponent a = beta/(alpha+beta) too. The message says it in words. */
        CHECK(oi.outlier_influence > 0 && isfinite(oi.outlier_influence) && oi.outlier_influence_param >= 0 &&
                  (size_t)oi.outlier_influence_param < sk_fit_param_count(off) && isfinite(oi.outlier_influence_without) &&
                  oi.outlier_allocation_without > 0 && oi.outlier_allocation_without < 1 &&
                  oi.outlier_allocation_shift >= 0 && strstr(sk_fit_message(off), "without them ") != NULL &&
                  strstr(sk_fit_message(off), sk_fit_param_name(off, (size_t)oi.outlier_influence_param)) != NULL,
              "influence %g param %d without %g a %g (%g)", oi.outlier_influence, oi.outlier_influence_param,
              oi.outlier_influence_without, oi.outlier_allocation_without, oi.outlier_allocation_shift);
        CHECK_ERR(sk_fit_outliers(off, rows, 0), SK_ERR_LENGTH, "outlying runs");
        CHECK_ERR(sk_fit_outliers(NULL, rows, 1), SK_ERR_NULL_POINTER, "fit");
        sk_fit_free(off);
    }
    /* One run per (N, D): nothing repeated. */
    CHECK(info.repeated_points == 0 && info.repeated_runs == 0 && isnan(info.repeat_spread) &&
              strcmp(sk_fit_data_note(fit), "") == 0 && strcmp(sk_fit_data_note(NULL), "") == 0,
          "repeated %zu %zu %g '%s'", info.repeated_points, info.repeated_runs, info.repeat_spread, sk_fit_data_note(fit));
    {   /* The same 16 points again, 5 % higher (a second dataset in one table): counted, noted, still fitted. */
        double N2[2 * NPTS], D2[2 * NPTS], L2[2 * NPTS];
        for (int i = 0; i < NPTS; i++) {
            N2[i] = N2[i + NPTS] = N[i];
            D2[i] = D2[i + NPTS] = D[i];
            L2[i] = L[i];
            L2[i + NPTS] = 1.05 * L[i];
        }
        sk_fit *mixed = NULL;
        sk_fit_info mi = {.struct_size = sizeof mi};
        CHECK(sk_chinchilla_fit(N2, D2, L2, 2 * NPTS, &o, &mixed) == SK_OK && sk_fit_get_info(mixed, &mi) == SK_OK &&
                  mi.repeated_points == NPTS && mi.repeated_runs == 2 * NPTS && fabs(mi.repeat_spread - 0.05) < 1e-12 &&
                  strstr(sk_fit_data_note(mixed), "32 runs share 16 (N, D) point(s)") != NULL &&
                  strstr(sk_fit_message(mixed), sk_fit_data_note(mixed)) != NULL,
              "mixed table: %zu %zu %g '%s'", mi.repeated_points, mi.repeated_runs, mi.repeat_spread,
              mixed ? sk_fit_data_note(mixed) : sk_last_error());
        sk_fit_free(mixed);
    }
    CHECK(strlen(sk_fit_message(fit)) > 0, "empty message");

    CHECK(sk_fit_param_count(fit) == 5, "count %zu", sk_fit_param_count(fit));
    CHECK(strcmp(sk_fit_param_name(fit, 3), "alpha") == 0, "name 3");
    CHECK(sk_fit_param_name(fit, 5) == NULL, "name out of range");
    CHECK(sk_fit_param_name(fit, SIZE_MAX) == NULL, "name SIZE_MAX");
    double p[5], v;
    CHECK(sk_fit_params(fit, p, 5) == SK_OK, "params");
    CHECK(fabs(p[0] - TRUE_E) < 1e-6 && fabs(p[3] - TRUE_ALPHA) < 1e-6 && fabs(p[4] - TRUE_BETA) < 1e-6 &&
              fabs(p[1] / TRUE_A - 1) < 1e-5 && fabs(p[2] / TRUE_B - 1) < 1e-5,
          "recovered E %.9g A %.9g B %.9g alpha %.9g beta %.9g", p[0], p[1], p[2], p[3], p[4]);
    CHECK(sk_fit_param(fit, "beta", &v) == SK_OK && v == p[4], "param beta");
    CHECK_ERR(sk_fit_param(fit, "gamma", &v), SK_ERR_INVALID_ARGUMENT, "unknown parameter 'gamma'");
    CHECK_ERR(sk_fit_param(fit, NULL, &v), SK_ERR_NULL_POINTER, "'name'");
    {
        char long_name[300];
        memset(long_name, 'a', sizeof long_name - 1);
        long_name[sizeof long_name - 1] = '\0';
        CHECK_ERR(sk_fit_param(fit, long_name, &v), SK_ERR_LENGTH, "'name' is longer than 256 bytes");
        CHECK_ERR(sk_fit_param(fit, "\xff", &v), SK_ERR_INVALID_ARGUMENT, "'name' is not valid UTF-8");
        size_t idx[3];
        CHECK_ERR(sk_fit_excluded(fit, idx, 3), SK_ERR_LENGTH, "the fit excluded 0 points");
    }
    CHECK_ERR(sk_fit_params(fit, p, 4), SK_ERR_LENGTH, "5 parameters");
    CHECK_ERR(sk_fit_params(fit, NULL, 5), SK_ERR_NULL_POINTER, "'values'");
    CHECK_ERR(sk_fit_params(NULL, p, 5), SK_ERR_NULL_POINTER, "'fit'");
    CHECK(sk_fit_excluded_count(fit) == 0 && sk_fit_excluded(fit, NULL, 0) == SK_OK, "no exclusions");
    info.struct_size = 3;
    CHECK_ERR(sk_fit_get_info(fit, &info), SK_ERR_STRUCT_SIZE, "sk_fit_info");

    double pred[2];
    CHECK(sk_chinchilla_predict(fit, N, D, 2, pred) == SK_OK && fabs(pred[1] - L[1]) < 1e-9, "predict");
    {
        const double *cols[] = {N, D};
        double e[2], l[2], u[2];
        CHECK(sk_fit_predict_interval(fit, cols, 2, 2, SK_INTERVAL_PREDICTION, 0.95, e, l, u) == SK_OK &&
              l[1] <= e[1] && e[1] <= u[1] && fabs(e[1] - pred[1]) < 1e-9, "Chinchilla intervals: %s", sk_last_error());
    }
    CHECK_ERR(sk_chinchilla_predict(fit, N, D, SIZE_MAX, pred), SK_ERR_LENGTH, "SK_MAX_LENGTH");
    double badN[2] = {1e9, -1};
    CHECK_ERR(sk_chinchilla_predict(fit, badN, D, 2, pred), SK_ERR_INVALID_ARGUMENT, "'N'[1]");

    sk_allocation plan;
    plan.struct_size = sizeof plan;
    CHECK(sk_plan_allocate(fit, 5.76e23, &plan) == SK_OK, "allocate: %s", sk_last_error());
    double a = TRUE_BETA / (TRUE_ALPHA + TRUE_BETA);
    CHECK(fabs(plan.a - a) < 1e-6 && fabs(plan.a + plan.b - 1) < 1e-12, "a %g", plan.a);
    CHECK(fabs(6 * plan.params * plan.tokens / 5.76e23 - 1) < 1e-9, "6ND != C");
    CHECK(fabs(plan.tokens_per_param - plan.tokens / plan.params) < 1e-9 * plan.tokens_per_param, "D/N");
    {   /* Since 0.4.2: a fit on counts in millions and billions (N/1e6, D/1e9) is refused by the planners, by name. */
        double Ns[NPTS], Ds[NPTS];
        for (size_t i = 0; i < NPTS; i++) { Ns[i] = N[i] / 1e6; Ds[i] = D[i] / 1e9; }
        sk_fit *scaled = NULL;
        CHECK(sk_chinchilla_fit(Ns, Ds, L, NPTS, &o, &scaled) == SK_OK, "scaled fit: %s", sk_last_error());
        sk_allocation refused = {.struct_size = sizeof refused};
        CHECK_ERR(sk_plan_allocate(scaled, 1e22, &refused), SK_ERR_INVALID_ARGUMENT,
                  "needs N in parameters and D in tokens");
        CHECK_ERR(sk_plan_minimum_compute(scaled, 2.5, &refused), SK_ERR_INVALID_ARGUMENT, "fit on raw counts");
        sk_fit_free(scaled);
    }
    {   /* Since 0.4.1: the span of the fitted runs, and whether the plan's D/N lies inside it. */
        double nlo = N[0], nhi = N[0], dlo = D[0], dhi = D[0], rlo = D[0] / N[0], rhi = rlo;
        for (size_t i = 1; i < NPTS; i++) {
            nlo = fmin(nlo, N[i]); nhi = fmax(nhi, N[i]); dlo = fmin(dlo, D[i]); dhi = fmax(dhi, D[i]);
            rlo = fmin(rlo, D[i] / N[i]); rhi = fmax(rhi, D[i] / N[i]);
        }
        CHECK(plan.fitted.params_min == nlo && plan.fitted.params_max == nhi && plan.fitted.tokens_min == dlo &&
                  plan.fitted.tokens_max == dhi && plan.fitted.ratio_min == rlo && plan.fitted.ratio_max == rhi,
              "fitted range N [%g, %g] D [%g, %g] D/N [%g, %g]", plan.fitted.params_min, plan.fitted.params_max,
              plan.fitted.tokens_min, plan.fitted.tokens_max, plan.fitted.ratio_min, plan.fitted.ratio_max);
        int inside = plan.tokens_per_param >= rlo && plan.tokens_per_param <= rhi;
        CHECK(plan.ratio_within_fitted == inside, "ratio_within_fitted %d for D/N %g in [%g, %g]",
              plan.ratio_within_fitted, plan.tokens_per_param, rlo, rhi);
        sk_allocation far;
        far.struct_size = sizeof far;
        CHECK(sk_plan_at_ratio(fit, 5.76e23, 1e6, &far) == SK_OK && far.ratio_within_fitted == 0 &&
                  far.fitted.ratio_max == rhi, "a ratio of 1e6 is outside: %d", far.ratio_within_fitted);
        /* A caller compiled against 0.4.0 (the struct without the range) gets the fields it has, nothing past. */
        union { sk_allocation a; unsigned char bytes[sizeof(sk_allocation)]; } old;
        memset(old.bytes, 0xAB, sizeof old.bytes);
        old.a.struct_size = offsetof(sk_allocation, fitted);
        CHECK(sk_plan_allocate(fit, 5.76e23, &old.a) == SK_OK && old.a.params == plan.params &&
                  old.a.struct_size == offsetof(sk_allocation, fitted),
              "0.4.0-sized sk_allocation: %s", sk_last_error());
        int untouched = 1;
        for (size_t k = offsetof(sk_allocation, fitted); k < sizeof old.bytes; k++) untouched &= old.bytes[k] == 0xAB;
        CHECK(untouched, "wrote past a 0.4.0-sized sk_allocation");
    }
    CHECK_ERR(sk_plan_allocate(fit, 0.0, &plan), SK_ERR_INVALID_ARGUMENT, "compute budget");
    CHECK_ERR(sk_plan_allocate(fit, NAN, &plan), SK_ERR_INVALID_ARGUMENT, "compute budget");
    CHECK_ERR(sk_plan_allocate(fit, 1e23, NULL), SK_ERR_NULL_POINTER, "'out'");
    plan.struct_size = 0;
    CHECK_ERR(sk_plan_allocate(fit, 1e23, &plan), SK_ERR_STRUCT_SIZE, "sk_allocation");
    sk_fit_free(fit);
}

static void test_exclusion(void) {
    sk_chinchilla_options o;
    sk_chinchilla_options_init(&o, sizeof o);
    small_grid(&o);
    o.exclude_highest_loss = 2;
    sk_fit *fit = NULL;
    CHECK(sk_chinchilla_fit(N, D, L, NPTS, &o, &fit) == SK_OK, "fit: %s", sk_last_error());
    size_t idx[2];
    CHECK(sk_fit_excluded_count(fit) == 2 && sk_fit_excluded(fit, idx, 2) == SK_OK, "excluded");
    /* The two highest losses are the smallest model with the two smallest token counts: rows 0 and 1. */
    CHECK(idx[0] == 0 && idx[1] == 1, "excluded %zu %zu", idx[0], idx[1]);
    CHECK_ERR(sk_fit_excluded(fit, idx, 1), SK_ERR_LENGTH, "excluded 2");
    sk_fit_free(fit);
}

/* The last error is per thread: a failure on another thread does not touch this thread's message. */
static void *fail_on_thread(void *arg) {
    (void)arg;
    sk_fit *fit = NULL;
    sk_chinchilla_fit(NULL, D, L, NPTS, NULL, &fit);
    return (void *)(strstr(sk_last_error(), "'N' is NULL") != NULL ? (void *)1 : NULL);
}

static void test_thread_local_error(void) {
    sk_chinchilla_options_init(NULL, 0);
    char before[256];
    snprintf(before, sizeof before, "%s", sk_last_error());
    pthread_t t;
    void *ret = NULL;
    pthread_create(&t, NULL, fail_on_thread, NULL);
    pthread_join(t, &ret);
    CHECK(ret == (void *)1, "other thread's message wrong");
    CHECK(strcmp(before, sk_last_error()) == 0, "this thread's message changed: '%s'", sk_last_error());
}

static void test_laws(void) {
    sk_law *law = NULL;
    CHECK(strstr(sk_law_catalogue(), "kaplan_nd") != NULL, "catalogue '%s'", sk_law_catalogue());
    CHECK_ERR(sk_law_from_name("chinchila", &law), SK_ERR_INVALID_ARGUMENT, "unknown law 'chinchila'");
    CHECK_ERR(sk_law_from_name(NULL, &law), SK_ERR_NULL_POINTER, "'name'");
    CHECK_ERR(sk_law_from_name("chinchilla", NULL), SK_ERR_NULL_POINTER, "'out'");
    const char *inputs[] = {"N", "D"};
    CHECK_ERR(sk_law_from_formula("E + A*N^-alpha +", inputs, 2, &law), SK_ERR_INVALID_ARGUMENT, "at position 16");
    CHECK_ERR(sk_law_from_formula("E + A*N^-alpha", NULL, 2, &law), SK_ERR_NULL_POINTER, "'inputs'");
    CHECK_ERR(sk_law_from_formula("E + A*N^-alpha", inputs, SIZE_MAX, &law), SK_ERR_LENGTH, "n_inputs");
    CHECK_ERR(sk_law_from_formula("\xff\xfe", inputs, 2, &law), SK_ERR_INVALID_ARGUMENT, "UTF-8");
    CHECK(law == NULL, "law written on failure");
    sk_law_free(NULL);
    CHECK(sk_law_param_count(NULL) == 0 && sk_law_param_name(NULL, 0) == NULL && strcmp(sk_law_formula(NULL), "") == 0,
          "NULL law accessors");

    /* A formula law fitted to the synthetic data recovers the truth. */
    CHECK(sk_law_from_formula("E + A*N^-alpha + B*D^-beta", inputs, 2, &law) == SK_OK, "%s", sk_last_error());
    CHECK(sk_law_input_count(law) == 2 && sk_law_param_count(law) == 5, "counts");
    CHECK(strcmp(sk_law_param_name(law, 2), "alpha") == 0 && strcmp(sk_law_name(law), "custom") == 0, "names");
    const double *columns[] = {N, D};
    sk_law_fit_options o;
    CHECK(sk_law_fit_options_init(&o, sizeof o) == SK_OK && o.loss == SK_LOSS_HUBER && o.space == SK_SPACE_LOG,
          "options defaults");
    /* Starting values near the truth, coefficients in log space: E, A, alpha, B, beta. */
    double starts[] = {1.5, 300, 0.3, 1500, 0.3};
    size_t counts[] = {1, 1, 1, 1, 1};
    int logs[] = {0, 1, 0, 1, 0};
    o.start_values = starts; o.start_counts = counts; o.start_counts_len = 5;
    o.log_scaled = logs; o.log_scaled_len = 5;
    sk_fit *fit = NULL;
    CHECK(sk_law_fit(law, columns, 2, L, NPTS, &o, &fit) == SK_OK, "law fit: %s", sk_last_error());
    double p[5];
    CHECK(sk_fit_params(fit, p, 5) == SK_OK && fabs(p[2] - TRUE_ALPHA) < 1e-6 && fabs(p[4] - TRUE_BETA) < 1e-6,
          "alpha %g beta %g", p[2], p[4]);
    CHECK(sk_fit_input_count(fit) == 2 && strcmp(sk_fit_input_name(fit, 1), "D") == 0, "fit inputs");
    double pred[NPTS];
    CHECK(sk_fit_predict(fit, columns, 2, NPTS, pred) == SK_OK && fabs(pred[7] - L[7]) < 1e-9, "predict");
    CHECK_ERR(sk_fit_predict(fit, columns, 1, NPTS, pred), SK_ERR_LENGTH, "reads 2 input");
    CHECK_ERR(sk_chinchilla_predict(fit, N, D, NPTS, pred), SK_ERR_UNSUPPORTED, "not a Chinchilla fit");
    sk_fit_free(fit);

    /* Since 0.4.0: the default search needs no hints (linear parameters solved at each start), says how it
     * searched, and carries confidence and prediction intervals. */
    sk_law_fit_options d;
    sk_law_fit_options_init(&d, sizeof d);
    CHECK(d.search == SK_SEARCH_AUTOMATIC && d.grid_step == 0.02, "search defaults %d %g", d.search, d.grid_step);
    CHECK(sk_law_fit(law, columns, 2, L, NPTS, &d, &fit) == SK_OK, "default law fit: %s", sk_last_error());
    CHECK(sk_fit_params(fit, p, 5) == SK_OK && fabs(p[2] - TRUE_ALPHA) < 1e-6 && fabs(p[4] - TRUE_BETA) < 1e-6,
          "default fit alpha %g beta %g", p[2], p[4]);
    CHECK(strstr(sk_fit_search(fit), "variable projection") != NULL && strstr(sk_fit_search(fit), "step 0.02") != NULL,
          "search '%s'", sk_fit_search(fit));
    sk_fit_info di = {.struct_size = sizeof di};
    CHECK(sk_fit_get_info(fit, &di) == SK_OK && di.converged == 1 && di.starts_at_optimum >= 2 &&
          (di.objective < 1e-20 || !(di.predicted_decrease > 1e-10)) && di.relative_gradient >= 0, "default fit info");
    double est[NPTS], lo[NPTS], hi[NPTS], plo[NPTS], phi[NPTS];
    CHECK(sk_fit_predict_interval(fit, columns, 2, NPTS, SK_INTERVAL_CONFIDENCE, 0.95, est, lo, hi) == SK_OK,
          "confidence interval: %s", sk_last_error());
    CHECK(sk_fit_predict_interval(fit, columns, 2, NPTS, SK_INTERVAL_PREDICTION, 0.95, NULL, plo, phi) == SK_OK,
          "prediction interval: %s", sk_last_error());
    CHECK(lo[3] <= est[3] && est[3] <= hi[3] && plo[3] <= lo[3] && hi[3] <= phi[3] && fabs(est[3] - pred[3]) < 1e-9,
          "interval order %g %g %g %g %g", plo[3], lo[3], est[3], hi[3], phi[3]);
    CHECK_ERR(sk_fit_predict_interval(fit, columns, 2, NPTS, 7, 0.95, est, lo, hi), SK_ERR_INVALID_ARGUMENT,
              "sk_interval_kind");
    CHECK_ERR(sk_fit_predict_interval(fit, columns, 2, NPTS, SK_INTERVAL_PREDICTION, 1.5, est, lo, hi),
              SK_ERR_INVALID_ARGUMENT, "level must be in (0, 1)");
    CHECK_ERR(sk_fit_predict_interval(NULL, columns, 2, NPTS, SK_INTERVAL_PREDICTION, 0.95, est, lo, hi),
              SK_ERR_NULL_POINTER, "'fit'");
    sk_fit_free(fit);
    fit = NULL;
    d.search = SK_SEARCH_SINGLE;
    CHECK(sk_law_fit(law, columns, 2, L, NPTS, &d, &fit) == SK_OK, "single start: %s", sk_last_error());
    CHECK(sk_fit_get_info(fit, &di) == SK_OK && di.converged == 0 && di.starts == 1 &&
          strstr(sk_fit_message(fit), "global optimum was not checked") != NULL, "single start: '%s'", sk_fit_message(fit));
    sk_fit_free(fit);
    fit = NULL;
    d.search = 3;
    CHECK_ERR(sk_law_fit(law, columns, 2, L, NPTS, &d, &fit), SK_ERR_INVALID_ARGUMENT, "sk_search");
    d.search = SK_SEARCH_AUTOMATIC; d.grid_step = 0;
    CHECK_ERR(sk_law_fit(law, columns, 2, L, NPTS, &d, &fit), SK_ERR_INVALID_ARGUMENT, "gridStep must be finite and > 0");

    /* Options errors. */
    sk_law_fit_options w = o;
    w.loss = 7;
    CHECK_ERR(sk_law_fit(law, columns, 2, L, NPTS, &w, &fit), SK_ERR_INVALID_ARGUMENT, "(an sk_loss)");
    CHECK(o.log_output == -1, "log_output default %d", o.log_output);
    w = o; w.log_output = 2;
    CHECK_ERR(sk_law_fit(law, columns, 2, L, NPTS, &w, &fit), SK_ERR_INVALID_ARGUMENT, "log_output");
    w = o; w.method = 9;
    CHECK_ERR(sk_law_fit(law, columns, 2, L, NPTS, &w, &fit), SK_ERR_INVALID_ARGUMENT, "(an sk_method)");
    w = o; w.method = SK_METHOD_LEVENBERG_MARQUARDT;
    CHECK_ERR(sk_law_fit(law, columns, 2, L, NPTS, &w, &fit), SK_ERR_INVALID_ARGUMENT, "needs the squared loss");
    w = o; w.method = SK_METHOD_LEVENBERG_MARQUARDT; w.loss = SK_LOSS_SQUARED;
    CHECK(sk_law_fit(law, columns, 2, L, NPTS, &w, &fit) == SK_OK, "lm: %s", sk_last_error());
    sk_fit_free(fit);
    fit = NULL;

    /* Since 0.4.8: rows that are checkpoints of a few runs carry cluster labels; the intervals then count runs
     * (wider here: each run's checkpoints share an offset), a 0.4.7-sized struct is still accepted (and its
     * bytes past the old end are not read), and bad labels are refused. */
    {
        enum { RUNS = 4, CKPT = 6, M = RUNS * CKPT };
        double cd[M], cl[M];
        long long labels[M];
        for (int r = 0; r < RUNS; r++) {
            for (int k = 0; k < CKPT; k++) {
                int i = r * CKPT + k;
                cd[i] = 1e8 * pow(2.0, k);
                cl[i] = (1.9 + 410 * pow(cd[i], -0.28)) * exp(0.02 * sin(3.0 * r + 1.0) + 0.002 * sin(7.0 * i));
                labels[i] = 100 + r;
            }
        }
        const char *dname[] = {"D"};
        const double *ccols[] = {cd};
        sk_law *dl = NULL;
        CHECK(sk_law_from_formula("E + B*D^-beta", dname, 1, &dl) == SK_OK, "%s", sk_last_error());
        sk_law_fit_options co;
        sk_law_fit_options_init(&co, sizeof co);
        CHECK(co.clusters == NULL && co.clusters_len == 0, "clusters default");
        sk_fit *rows = NULL, *runs = NULL;
        CHECK(sk_law_fit(dl, ccols, 1, cl, M, &co, &rows) == SK_OK, "rows: %s", sk_last_error());
        co.clusters = labels; co.clusters_len = M;
        CHECK(sk_law_fit(dl, ccols, 1, cl, M, &co, &runs) == SK_OK, "clusters: %s", sk_last_error());
        double at[] = {2e9}, e1, l1, u1, e2, l2, u2;
        const double *atc[] = {at};
        CHECK(sk_fit_predict_interval(rows, atc, 1, 1, SK_INTERVAL_CONFIDENCE, 0.95, &e1, &l1, &u1) == SK_OK &&
              sk_fit_predict_interval(runs, atc, 1, 1, SK_INTERVAL_CONFIDENCE, 0.95, &e2, &l2, &u2) == SK_OK,
              "cluster intervals: %s", sk_last_error());
        CHECK(fabs(e1 - e2) < 1e-9 && u2 - l2 > u1 - l1, "clustered interval [%g, %g] vs rows [%g, %g]", l2, u2, l1, u1);
        sk_fit_free(runs);
        runs = NULL;
        struct { sk_law_fit_options o; unsigned char canary[16]; } old047;
        memset(&old047, 0xAB, sizeof old047);
        sk_law_fit_options_init(&old047.o, offsetof(sk_law_fit_options, clusters));
        CHECK(old047.canary[0] == 0xAB && old047.o.struct_size == offsetof(sk_law_fit_options, clusters),
              "0.4.7-sized init wrote past its end");
        CHECK(sk_law_fit(dl, ccols, 1, cl, M, &old047.o, &runs) == SK_OK, "0.4.7-sized options: %s", sk_last_error());
        double e3, l3, u3;
        CHECK(sk_fit_predict_interval(runs, atc, 1, 1, SK_INTERVAL_CONFIDENCE, 0.95, &e3, &l3, &u3) == SK_OK &&
              l3 == l1 && u3 == u1, "0.4.7-sized options read clusters");
        sk_fit_free(runs);
        runs = NULL;
        co.clusters_len = 3;
        CHECK_ERR(sk_law_fit(dl, ccols, 1, cl, M, &co, &runs), SK_ERR_LENGTH, "'clusters_len' is 3 for 24 runs");
        co.clusters = NULL; co.clusters_len = M;
        CHECK_ERR(sk_law_fit(dl, ccols, 1, cl, M, &co, &runs), SK_ERR_NULL_POINTER, "clusters");
        for (int i = 0; i < M; i++) labels[i] = 7;
        co.clusters = labels;
        CHECK_ERR(sk_law_fit(dl, ccols, 1, cl, M, &co, &runs), SK_ERR_INVALID_ARGUMENT, "lie in 1 cluster(s)");
        CHECK(runs == NULL, "no fit on error");
        sk_fit_free(rows);
        sk_law_free(dl);
        /* The Chinchilla engine takes labels the same way; its 0.4.7-sized options are still accepted. */
        sk_chinchilla_options ch;
        CHECK(sk_chinchilla_options_init(&ch, sizeof ch) == SK_OK && ch.clusters == NULL && ch.clusters_len == 0,
              "chinchilla clusters default");
        struct { sk_chinchilla_options o; unsigned char canary[16]; } ch047;
        memset(&ch047, 0xAB, sizeof ch047);
        CHECK(sk_chinchilla_options_init(&ch047.o, offsetof(sk_chinchilla_options, clusters)) == SK_OK &&
              ch047.canary[0] == 0xAB, "0.4.7-sized chinchilla options");
        long long two[2] = {1, 2};
        ch.clusters = two; ch.clusters_len = 2;
        sk_fit *cf = NULL;
        CHECK_ERR(sk_chinchilla_fit(N, D, L, NPTS, &ch, &cf), SK_ERR_LENGTH, "'clusters' has 2 labels for");
        CHECK(cf == NULL, "no chinchilla fit on error");
    }
    w = o; w.space = -1;
    CHECK_ERR(sk_law_fit(law, columns, 2, L, NPTS, &w, &fit), SK_ERR_INVALID_ARGUMENT, "(an sk_residual_space)");
    double fixed[3] = {NAN, NAN, NAN};
    w = o; w.fixed = fixed; w.fixed_len = 3;
    CHECK_ERR(sk_law_fit(law, columns, 2, L, NPTS, &w, &fit), SK_ERR_LENGTH, "fixed_len");
    double lower[5] = {NAN, NAN, 1.0, NAN, NAN}, upper[5] = {NAN, NAN, 0.5, NAN, NAN};
    w = o; w.lower = lower; w.lower_len = 5; w.upper = upper; w.upper_len = 5;
    CHECK_ERR(sk_law_fit(law, columns, 2, L, NPTS, &w, &fit), SK_ERR_INVALID_ARGUMENT, "bounds of 'alpha'");
    w = o; w.struct_size = 12;
    CHECK_ERR(sk_law_fit(law, columns, 2, L, NPTS, &w, &fit), SK_ERR_STRUCT_SIZE, "sk_law_fit_options");
    const double *bad_columns[] = {N, NULL};
    CHECK_ERR(sk_law_fit(law, bad_columns, 2, L, NPTS, &o, &fit), SK_ERR_NULL_POINTER, "columns[1] (D)");
    CHECK_ERR(sk_law_fit(law, columns, 2, L, 3, &o, &fit), SK_ERR_LENGTH, "not identified");
    CHECK_ERR(sk_law_fit(NULL, columns, 2, L, NPTS, &o, &fit), SK_ERR_NULL_POINTER, "'law'");
    sk_law_free(law);

    /* Planning from a law fit (numerical) against the closed form of the same law. */
    sk_law_fit_options po;
    sk_law_fit_options_init(&po, sizeof po);
    const double truth[5] = {TRUE_E, TRUE_A, TRUE_ALPHA, TRUE_B, TRUE_BETA};   /* the law's order: E, A, alpha, B, beta */
    const size_t one[5] = {1, 1, 1, 1, 1};
    sk_law *chin = NULL;
    sk_law_from_name("chinchilla", &chin);
    po.start_values = truth; po.start_counts = one; po.start_counts_len = 5;
    fit = NULL;
    CHECK(sk_law_fit(chin, columns, 2, L, NPTS, &po, &fit) == SK_OK, "law fit for planning: %s", sk_last_error());
    sk_allocation numeric = {.struct_size = sizeof numeric}, closed = {.struct_size = sizeof closed};
    CHECK(sk_plan_allocate(fit, 5.76e23, &numeric) == SK_OK, "plan: %s", sk_last_error());
    sk_chinchilla_options co;
    sk_chinchilla_options_init(&co, sizeof co);
    small_grid(&co);
    sk_fit *cfit = NULL;
    sk_chinchilla_fit(N, D, L, NPTS, &co, &cfit);
    CHECK(sk_plan_allocate(cfit, 5.76e23, &closed) == SK_OK, "closed plan");
    CHECK(fabs(numeric.params / closed.params - 1) < 1e-5 && fabs(numeric.a - closed.a) < 1e-4,
          "numeric N %g vs closed %g; a %g vs %g", numeric.params, closed.params, numeric.a, closed.a);
    sk_allocation inverse = {.struct_size = sizeof inverse};
    CHECK(sk_plan_minimum_compute(cfit, closed.loss, &inverse) == SK_OK && fabs(inverse.compute / 5.76e23 - 1) < 1e-6,
          "minimum compute %g", inverse.compute);
    CHECK_ERR(sk_plan_minimum_compute(cfit, TRUE_E, &inverse), SK_ERR_INVALID_ARGUMENT, "irreducible");
    sk_allocation ratio = {.struct_size = sizeof ratio};
    CHECK(sk_plan_at_ratio(cfit, 5.76e23, 640, &ratio) == SK_OK && ratio.loss > closed.loss &&
              fabs(ratio.tokens / ratio.params - 640) < 1e-9,
          "at ratio 640: loss %g vs optimal %g", ratio.loss, closed.loss);
    CHECK_ERR(sk_plan_at_ratio(cfit, 5.76e23, 0, &ratio), SK_ERR_INVALID_ARGUMENT, "tokens per parameter");
    sk_inference_plan ip = {.struct_size = sizeof ip};
    CHECK(sk_plan_inference_aware(cfit, closed.loss, 1e13, &ip) == SK_OK && ip.params < ip.optimal_params &&
              ip.saved_flops > 0 && fabs(ip.optimal_params / closed.params - 1) < 1e-6,
          "inference-aware: %s N %g optimal %g", sk_last_error(), ip.params, ip.optimal_params);
    {   /* Since 0.4.1 the inference plan carries the fitted span too; heavy inference pushes D/N past it. */
        double rhi = 0;
        for (size_t i = 0; i < NPTS; i++) rhi = fmax(rhi, D[i] / N[i]);
        CHECK(ip.fitted.ratio_max == rhi && ip.ratio_within_fitted == (ip.tokens / ip.params <= rhi),
              "inference plan range: max %g (want %g), within %d at D/N %g", ip.fitted.ratio_max, rhi,
              ip.ratio_within_fitted, ip.tokens / ip.params);
        sk_inference_plan heavy = {.struct_size = sizeof heavy};
        double demand = 1e13;
        do {
            demand *= 10;
            CHECK(sk_plan_inference_aware(cfit, closed.loss, demand, &heavy) == SK_OK, "heavy: %s", sk_last_error());
        } while (heavy.ratio_within_fitted != 0 && demand < 1e24);
        CHECK(heavy.ratio_within_fitted == 0 && heavy.tokens / heavy.params > rhi,
              "no demand up to %g took D/N (%g) past the fitted %g", demand, heavy.tokens / heavy.params, rhi);
        /* A 0.4.0-sized struct gets the fields it had, nothing past. */
        union { sk_inference_plan p; unsigned char bytes[sizeof(sk_inference_plan)]; } old;
        memset(old.bytes, 0xAB, sizeof old.bytes);
        old.p.struct_size = offsetof(sk_inference_plan, fitted);
        CHECK(sk_plan_inference_aware(cfit, closed.loss, 1e13, &old.p) == SK_OK && old.p.params == ip.params &&
                  old.p.struct_size == offsetof(sk_inference_plan, fitted),
              "0.4.0-sized sk_inference_plan: %s", sk_last_error());
        int untouched = 1;
        for (size_t k = offsetof(sk_inference_plan, fitted); k < sizeof old.bytes; k++) untouched &= old.bytes[k] == 0xAB;
        CHECK(untouched, "wrote past a 0.4.0-sized sk_inference_plan");
    }
    CHECK_ERR(sk_plan_inference_aware(cfit, closed.loss, -1, &ip), SK_ERR_INVALID_ARGUMENT, "inference tokens");
    ip.struct_size = 0;
    CHECK_ERR(sk_plan_inference_aware(cfit, closed.loss, 1e12, &ip), SK_ERR_STRUCT_SIZE, "sk_inference_plan");

    /* Time-aware: the frontier runs from the fastest (all devices) to the cheapest plan; a deadline between picks a
     * plan no dearer than the frontier's at that time. */
    sk_hardware hw = {.struct_size = sizeof hw, .devices = 1024, .flops_per_second = 4e14, .tokens_per_device = 32768};
    sk_timed_plan front[32];
    size_t nfront = 0;
    front[0].struct_size = sizeof front[0];
    CHECK(sk_plan_time_aware(cfit, closed.loss, 8.0, 0.462, &hw, front, 32, &nfront) == SK_OK && nfront >= 10 &&
              nfront <= 32 && front[0].seconds < front[nfront - 1].seconds &&
              front[0].compute > front[nfront - 1].compute && front[0].devices_used == 1024 &&
              front[nfront - 1].batch == 32768,
          "time-aware: %s, %zu points", sk_last_error(), nfront);
    for (size_t i = 0; i < nfront; i++) {
        const sk_timed_plan *t = &front[i];
        CHECK(fabs((t->steps / t->min_steps - 1) * (t->tokens / t->min_tokens - 1) - 1) < 1e-9 &&
                  fabs(t->compute / (6 * t->params * t->tokens) - 1) < 1e-12,
              "point %zu off the trade-off hyperbola", i);
    }
    {   /* Since 0.4.2 a timed plan carries the fitted span, and whether D_min/N (where the law is read) lies in it. */
        sk_allocation span = {.struct_size = sizeof span};
        CHECK(sk_plan_allocate(cfit, 1e22, &span) == SK_OK, "allocate: %s", sk_last_error());
        for (size_t i = 0; i < nfront; i++) {
            const sk_timed_plan *t = &front[i];
            double r = t->min_tokens / t->params;
            int inside = r >= span.fitted.ratio_min && r <= span.fitted.ratio_max;
            CHECK(t->fitted.ratio_min == span.fitted.ratio_min && t->fitted.params_max == span.fitted.params_max &&
                      t->ratio_within_fitted == inside,
                  "point %zu: D_min/N %g, within %d", i, r, t->ratio_within_fitted);
        }
        /* A caller compiled against 0.4.1 passes the earlier size, which is also its array's stride. */
        struct timed041 { size_t struct_size; double v[10]; };
        union { struct timed041 p[33]; unsigned char bytes[33 * sizeof(struct timed041)]; } old;
        memset(old.bytes, 0xAB, sizeof old.bytes);
        old.p[0].struct_size = offsetof(sk_timed_plan, fitted);
        size_t nold = 0;
        CHECK(sizeof(struct timed041) == offsetof(sk_timed_plan, fitted) &&
                  sk_plan_time_aware(cfit, closed.loss, 8.0, 0.462, &hw, (sk_timed_plan *)(void *)old.p, 32, &nold) ==
                      SK_OK && nold == nfront,
              "0.4.1-sized sk_timed_plan array: %s", sk_last_error());
        int same = 1;
        for (size_t i = 0; i < nold; i++) same &= old.p[i].struct_size == sizeof(struct timed041) &&
                                                  old.p[i].v[0] == front[i].params && old.p[i].v[9] == front[i].seconds;
        CHECK(same, "a 0.4.1-sized array read back differently");
        int untouched = 1;
        for (size_t k = nold * sizeof(struct timed041); k < sizeof old.bytes; k++) untouched &= old.bytes[k] == 0xAB;
        CHECK(untouched, "wrote past a 0.4.1-sized sk_timed_plan array");
        front[0].struct_size = offsetof(sk_timed_plan, fitted) + 8;
        CHECK_ERR(sk_plan_time_aware(cfit, closed.loss, 8.0, 0.462, &hw, front, 32, &nfront), SK_ERR_STRUCT_SIZE,
                  "sk_timed_plan");
        front[0].struct_size = sizeof front[0];
    }
    sk_timed_plan within = {.struct_size = sizeof within};
    int found = -1;
    CHECK(sk_plan_within_deadline(cfit, closed.loss, 8.0, 0.462, &hw, front[nfront / 2].seconds, &within, &found) ==
                  SK_OK && found == 1 && fabs(within.compute / front[nfront / 2].compute - 1) < 1e-9,
          "deadline: %s found %d", sk_last_error(), found);
    CHECK(sk_plan_within_deadline(cfit, closed.loss, 8.0, 0.462, &hw, front[0].seconds / 2, &within, &found) == SK_OK &&
              found == 0, "an impossible deadline: found %d", found);
    CHECK_ERR(sk_plan_within_deadline(cfit, closed.loss, 8.0, 0.462, &hw, -1, &within, &found), SK_ERR_INVALID_ARGUMENT,
              "deadline");
    CHECK_ERR(sk_plan_time_aware(cfit, closed.loss, 0, 0.462, &hw, front, 32, &nfront), SK_ERR_INVALID_ARGUMENT,
              "critical batch coefficient");
    CHECK_ERR(sk_plan_time_aware(cfit, closed.loss, 8.0, 0.462, &hw, front, 1, &nfront), SK_ERR_LENGTH, "capacity");
    CHECK_ERR(sk_plan_time_aware(cfit, closed.loss, 8.0, 0.462, NULL, front, 32, &nfront), SK_ERR_NULL_POINTER,
              "'hardware'");
    CHECK_ERR(sk_plan_time_aware(cfit, closed.loss, 8.0, 0.462, &hw, front, 32, NULL), SK_ERR_NULL_POINTER, "'count'");
    hw.devices = 0;
    CHECK_ERR(sk_plan_time_aware(cfit, closed.loss, 8.0, 0.462, &hw, front, 32, &nfront), SK_ERR_INVALID_ARGUMENT,
              "devices");
    hw.devices = 8;
    hw.struct_size = 4;
    CHECK_ERR(sk_plan_time_aware(cfit, closed.loss, 8.0, 0.462, &hw, front, 32, &nfront), SK_ERR_STRUCT_SIZE,
              "sk_hardware");
    CHECK_ERR(sk_plan_allocate(cfit, -1, &inverse), SK_ERR_INVALID_ARGUMENT, "compute");
    CHECK_ERR(sk_plan_allocate(NULL, 1e22, &inverse), SK_ERR_NULL_POINTER, "'fit'");
    CHECK_ERR(sk_plan_allocate(cfit, 1e22, NULL), SK_ERR_NULL_POINTER, "'out'");
    inverse.struct_size = 5;
    CHECK_ERR(sk_plan_allocate(cfit, 1e22, &inverse), SK_ERR_STRUCT_SIZE, "sk_allocation");
    sk_fit_free(cfit);
    sk_fit_free(fit);
    sk_law_free(chin);

    /* A catalogue law. */
    CHECK(sk_law_from_name("kaplan_nd", &law) == SK_OK && strstr(sk_law_citation(law), "Kaplan") != NULL,
          "kaplan_nd: %s", sk_last_error());
    sk_law_free(law);
}

static void test_bootstrap(void) {
    sk_chinchilla_options o;
    sk_chinchilla_options_init(&o, sizeof o);
    small_grid(&o);
    sk_fit *fit = NULL;
    sk_chinchilla_fit(N, D, L, NPTS, &o, &fit);
    sk_bootstrap_options b;
    CHECK_ERR(sk_bootstrap_options_init(&b, 3), SK_ERR_STRUCT_SIZE, "sk_bootstrap_options");
    CHECK(sk_bootstrap_options_init(&b, sizeof b) == SK_OK && b.replicates == 1000 && b.confidence == 0.95, "defaults");
    b.replicates = 40;
    b.seed = 5;
    sk_bootstrap *boot = NULL;
    CHECK(sk_chinchilla_bootstrap(N, D, L, NPTS, fit, &b, &boot) == SK_OK, "bootstrap: %s", sk_last_error());
    sk_bootstrap_info info = {.struct_size = sizeof info};
    CHECK(sk_bootstrap_get_info(boot, &info) == SK_OK && info.replicates == 40 && info.param_count == 5 &&
              info.kept + info.failed == 40,
          "info");
    double samples[40 * 5];
    CHECK(sk_bootstrap_samples(boot, samples, info.kept * 5) == SK_OK, "samples: %s", sk_last_error());
    CHECK_ERR(sk_bootstrap_samples(boot, samples, 7), SK_ERR_LENGTH, "replicates");
    sk_estimate alpha = {.struct_size = sizeof alpha};
    /* Noise-free data: every resample has the same optimum. */
    CHECK(sk_bootstrap_param(boot, "alpha", &alpha) == SK_OK && fabs(alpha.interval.lower - TRUE_ALPHA) < 1e-5 &&
              fabs(alpha.interval.upper - TRUE_ALPHA) < 1e-5 && alpha.interval.level == 0.95,
          "alpha interval %g %g", alpha.interval.lower, alpha.interval.upper);
    CHECK_ERR(sk_bootstrap_param(boot, "gamma", &alpha), SK_ERR_INVALID_ARGUMENT, "unknown parameter 'gamma'");
    sk_estimate a = {.struct_size = sizeof a};
    CHECK(sk_bootstrap_plan(boot, 1e22, &a, NULL, NULL, NULL, NULL) == SK_OK &&
              fabs(a.estimate - TRUE_BETA / (TRUE_ALPHA + TRUE_BETA)) < 1e-6,
          "plan a %g", a.estimate);
    CHECK_ERR(sk_bootstrap_plan(boot, 0, &a, NULL, NULL, NULL, NULL), SK_ERR_INVALID_ARGUMENT, "compute");
    {   /* Since 0.4.2: the bootstrap plan in one struct, with the fitted span and the replicates left out. */
        sk_estimate n = {.struct_size = sizeof n}, ratio = {.struct_size = sizeof ratio};
        CHECK(sk_bootstrap_plan(boot, 5.76e23, &a, &n, NULL, &ratio, NULL) == SK_OK, "plan: %s", sk_last_error());
        sk_bootstrap_allocation all;
        memset(&all, 0, sizeof all);
        all.struct_size = sizeof all;
        CHECK(sk_bootstrap_allocate(boot, 5.76e23, &all) == SK_OK, "allocate: %s", sk_last_error());
        CHECK(all.compute == 5.76e23 && all.a.estimate == a.estimate && all.params.estimate == n.estimate &&
                  all.params.interval.lower == n.interval.lower && all.tokens_per_param.standard_error ==
                  ratio.standard_error && all.failed == 0 && all.loss.struct_size == sizeof(sk_estimate),
              "bootstrap allocation differs from sk_bootstrap_plan: a %g vs %g", all.a.estimate, a.estimate);
        double rlo = D[0] / N[0], rhi = rlo;
        for (size_t i = 1; i < NPTS; i++) { rlo = fmin(rlo, D[i] / N[i]); rhi = fmax(rhi, D[i] / N[i]); }
        int inside = all.tokens_per_param.estimate >= rlo && all.tokens_per_param.estimate <= rhi;
        CHECK(all.fitted.ratio_min == rlo && all.fitted.ratio_max == rhi && all.fitted.params_min == N[0] &&
                  all.ratio_within_fitted == inside,
              "bootstrap allocation's range D/N [%g, %g], within %d", all.fitted.ratio_min, all.fitted.ratio_max,
              all.ratio_within_fitted);
        sk_allocation point = {.struct_size = sizeof point};
        CHECK(sk_plan_allocate(fit, 5.76e23, &point) == SK_OK && point.ratio_within_fitted == all.ratio_within_fitted,
              "the point plan and the bootstrap plan disagree on the fitted ratios");
        CHECK_ERR(sk_bootstrap_allocate(boot, 5.76e23, NULL), SK_ERR_NULL_POINTER, "'out'");
        CHECK_ERR(sk_bootstrap_allocate(NULL, 5.76e23, &all), SK_ERR_NULL_POINTER, "'bootstrap'");
        CHECK_ERR(sk_bootstrap_allocate(boot, -1, &all), SK_ERR_INVALID_ARGUMENT, "compute");
        CHECK_ERR(sk_bootstrap_allocate(boot, NAN, &all), SK_ERR_INVALID_ARGUMENT, "compute");
        all.struct_size = sizeof all - 1;
        CHECK_ERR(sk_bootstrap_allocate(boot, 5.76e23, &all), SK_ERR_STRUCT_SIZE, "sk_bootstrap_allocation");
    }
    sk_bootstrap_free(boot);
    sk_bootstrap_free(NULL);
    {   /* Since 0.4.2: clusters. One run per cluster, in order, draws what the row bootstrap draws. */
        long long labels[NPTS];
        for (size_t i = 0; i < NPTS; i++) labels[i] = (long long)i;
        sk_bootstrap_options c = b;
        c.replicates = 20;
        sk_bootstrap *rows = NULL, *clustered = NULL;
        CHECK(sk_chinchilla_bootstrap(N, D, L, NPTS, fit, &c, &rows) == SK_OK, "rows: %s", sk_last_error());
        c.clusters = labels;
        c.clusters_len = NPTS;
        CHECK(sk_chinchilla_bootstrap(N, D, L, NPTS, fit, &c, &clustered) == SK_OK, "clusters: %s", sk_last_error());
        sk_bootstrap_info ri = {.struct_size = sizeof ri}, ci = {.struct_size = sizeof ci};
        double rs[20 * 5], cs[20 * 5];
        CHECK(sk_bootstrap_get_info(rows, &ri) == SK_OK && sk_bootstrap_get_info(clustered, &ci) == SK_OK &&
                  ri.kept == ci.kept && sk_bootstrap_samples(rows, rs, ri.kept * 5) == SK_OK &&
                  sk_bootstrap_samples(clustered, cs, ci.kept * 5) == SK_OK &&
                  memcmp(rs, cs, ri.kept * 5 * sizeof(double)) == 0,
              "one run per cluster differs from the row bootstrap");
        sk_bootstrap_free(rows);
        sk_bootstrap_free(clustered);
        sk_bootstrap *none = NULL;
        c.clusters_len = NPTS - 1;
        CHECK_ERR(sk_chinchilla_bootstrap(N, D, L, NPTS, fit, &c, &none), SK_ERR_LENGTH, "one label per run");
        c.clusters = NULL;
        c.clusters_len = NPTS;
        CHECK_ERR(sk_chinchilla_bootstrap(N, D, L, NPTS, fit, &c, &none), SK_ERR_NULL_POINTER, "'clusters'");
        for (size_t i = 0; i < NPTS; i++) labels[i] = 3;
        c.clusters = labels;
        CHECK_ERR(sk_chinchilla_bootstrap(N, D, L, NPTS, fit, &c, &none), SK_ERR_INVALID_ARGUMENT, "at least 2");
        /* A caller compiled against 0.4.1 passes the earlier size: defaults for what it lacks, rows resampled. */
        union { sk_bootstrap_options o; unsigned char bytes[sizeof(sk_bootstrap_options)]; } old;
        memset(old.bytes, 0xAB, sizeof old.bytes);
        CHECK(sk_bootstrap_options_init(&old.o, offsetof(sk_bootstrap_options, clusters)) == SK_OK &&
                  old.o.replicates == 1000 && old.bytes[offsetof(sk_bootstrap_options, clusters)] == 0xAB,
              "0.4.1-sized options_init: %s", sk_last_error());
        old.o.replicates = 20;
        CHECK(sk_chinchilla_bootstrap(N, D, L, NPTS, fit, &old.o, &none) == SK_OK, "0.4.1-sized options: %s",
              sk_last_error());
        sk_bootstrap_free(none);
    }
    b.replicates = 1;
    CHECK_ERR(sk_chinchilla_bootstrap(N, D, L, NPTS, fit, &b, &boot), SK_ERR_INVALID_ARGUMENT, "at least 2");
    b.replicates = 10;
    CHECK_ERR(sk_chinchilla_bootstrap(N, D, L, NPTS - 1, fit, &b, &boot), SK_ERR_LENGTH, "the fit used");
    CHECK_ERR(sk_chinchilla_bootstrap(N, D, L, NPTS, NULL, &b, &boot), SK_ERR_NULL_POINTER, "'fit'");
    sk_fit_free(fit);
}

static void test_validation(void) {
    sk_law *law = NULL;
    sk_law_from_name("chinchilla", &law);
    const double *columns[] = {N, D};
    double split[NPTS];
    for (int i = 0; i < NPTS; i++) split[i] = 6 * N[i] * D[i];
    sk_law_fit_options o;
    sk_law_fit_options_init(&o, sizeof o);
    double starts[] = {1.5, 300, 0.3, 1500, 0.3};
    size_t counts[] = {1, 1, 1, 1, 1};
    o.start_values = starts; o.start_counts = counts; o.start_counts_len = 5;
    sk_prediction_errors e = {.struct_size = sizeof e};
    sk_fit *fit = NULL;
    /* Noise-free data: fitted on the small budgets, the law predicts the large ones exactly. */
    CHECK(sk_law_holdout(law, columns, 2, L, NPTS, split, 1e21, &o, &e, &fit) == SK_OK, "holdout: %s", sk_last_error());
    CHECK(e.count > 0 && e.max_relative_error < 1e-6, "holdout errors %zu %g", e.count, e.max_relative_error);
    size_t below = 0;
    for (size_t i = 0; i < NPTS; i++) below += split[i] < 1e21;
    CHECK(e.fitted == below && e.count == NPTS - below && e.failed == 0, "holdout counts from the core: %zu fitted, %zu scored",
          e.fitted, e.count);
    /* 0.3's struct (without fitted and failed) belongs to another ABI line: refused by name. */
    struct { size_t struct_size, count; double rmse, max_relative_error, mean_relative_error; } old = {sizeof old, 0, 0, 0, 0};
    CHECK_ERR(sk_law_holdout(law, columns, 2, L, NPTS, split, 1e21, &o, (sk_prediction_errors *)(void *)&old, NULL),
              SK_ERR_STRUCT_SIZE, "sk_prediction_errors.struct_size");
    CHECK_ERR(sk_law_holdout(law, columns, 2, L, NPTS, split, 1e40, &o, &e, NULL), SK_ERR_LENGTH, "nothing to score");
    CHECK_ERR(sk_law_holdout(law, columns, 2, L, NPTS, NULL, 1e21, &o, &e, NULL), SK_ERR_NULL_POINTER, "'split'");
    e.struct_size = 0;
    CHECK_ERR(sk_law_holdout(law, columns, 2, L, NPTS, split, 1e21, &o, &e, NULL), SK_ERR_STRUCT_SIZE,
              "sk_prediction_errors");
    sk_fit_free(fit);

    CHECK(sk_law_fit(law, columns, 2, L, NPTS, &o, &fit) == SK_OK, "fit: %s", sk_last_error());
    double predictions[NPTS];
    e.struct_size = sizeof e;
    CHECK(sk_law_leave_one_out(law, columns, 2, L, NPTS, &o, fit, predictions, &e) == SK_OK &&
              e.count == NPTS && e.max_relative_error < 1e-6 && e.fitted == NPTS && e.failed == 0,
          "loo: %s %g", sk_last_error(), e.max_relative_error);
    CHECK_ERR(sk_law_leave_one_out(law, columns, 2, L, NPTS, &o, fit, NULL, &e), SK_ERR_NULL_POINTER, "'predictions'");
    sk_fit_free(fit);
    sk_law_free(law);

    /* Ranking by held-out RMSE: exact ties to fewer parameters, NaN last. */
    const double rmse[4] = {0.2, NAN, 0.1, 0.1};
    const size_t params[4] = {3, 2, 5, 4};
    size_t order[4] = {9, 9, 9, 9};
    CHECK(sk_law_rank(rmse, params, 4, order) == SK_OK && order[0] == 3 && order[1] == 2 && order[2] == 0 &&
              order[3] == 1, "rank: %zu %zu %zu %zu", order[0], order[1], order[2], order[3]);
    CHECK_ERR(sk_law_rank(rmse, params, 0, order), SK_ERR_LENGTH, "'n' is 0");
    CHECK_ERR(sk_law_rank(rmse, NULL, 4, order), SK_ERR_NULL_POINTER, "'param_counts'");
    const size_t huge[1] = {(size_t)-1};
    CHECK_ERR(sk_law_rank(rmse, huge, 1, order), SK_ERR_INVALID_ARGUMENT, "param_counts[0]");
}

/* The 0.4 ABI line: a struct of another size (a program built against 0.3, whose sk_chinchilla_options had the
 * optimiser fields inline) is refused by name, and the library never writes past the struct it is given. */
static void test_struct_sizes(void) {
    struct { sk_chinchilla_options o; unsigned long long guard; } g;
    g.guard = 0xFEEDFACECAFEBEEFull;
    CHECK(sk_chinchilla_options_init(&g.o, sizeof g.o) == SK_OK && g.guard == 0xFEEDFACECAFEBEEFull,
          "options_init stays inside its struct");
    sk_chinchilla_options o = g.o;
    CHECK(o.huber_delta == 1e-3 && o.optimizer.max_iterations == 1000 && o.optimizer.threads == 0, "defaults");
    CHECK_ERR(sk_chinchilla_options_init(&o, offsetof(sk_chinchilla_options, optimizer)), SK_ERR_STRUCT_SIZE,
              "sk_chinchilla_options.struct_size");
    o.struct_size = sizeof o - 8;
    sk_fit *fit = NULL;
    CHECK_ERR(sk_chinchilla_fit(N, D, L, NPTS, &o, &fit), SK_ERR_STRUCT_SIZE, "sk_chinchilla_options.struct_size");
    CHECK(fit == NULL, "no fit on a refused struct");
    sk_law_fit_options lo;
    CHECK_ERR(sk_law_fit_options_init(&lo, offsetof(sk_law_fit_options, optimizer)), SK_ERR_STRUCT_SIZE,
              "sk_law_fit_options.struct_size");
    sk_mpl_options mo;
    CHECK_ERR(sk_mpl_options_init(&mo, offsetof(sk_mpl_options, optimizer)), SK_ERR_STRUCT_SIZE,
              "sk_mpl_options.struct_size");
}

/* Start screening: the default refines batches of 64 until four starts agree; exhaustive gives the same optimum. */
static void test_screening(void) {
    sk_chinchilla_options o;
    sk_chinchilla_options_init(&o, sizeof o);
    sk_fit *fit = NULL;
    CHECK(sk_chinchilla_fit(N, D, L, NPTS, &o, &fit) == SK_OK, "default fit: %s", sk_last_error());
    sk_fit_info info;
    memset(&info, 0xCD, sizeof info);
    info.struct_size = sizeof info;
    CHECK(sk_fit_get_info(fit, &info) == SK_OK && info.starts == 4500 && info.converged == 1, "info: %s",
          sk_last_error());
    /* Noise-free data: starts end at objectives of 1e-20 and below, which a relative 1e-9 does not call equal,
     * so screening refines more batches of 64 before four agree; never all 4500 here. */
    CHECK(sk_fit_get_info(fit, &info) == SK_OK && info.starts_refined % 64 == 0 && info.starts_refined < 4500,
          "default screening refines batches of 64 (got %zu)", info.starts_refined);
    double screened[5];
    sk_fit_params(fit, screened, 5);
    sk_fit_free(fit);

    /* screen_refine = 0 runs every start; the optimum is the same. */
    sk_chinchilla_options_init(&o, sizeof o);
    CHECK(o.optimizer.screen_refine == 64 && o.optimizer.screen_confirmations == 4, "screening defaults");
    o.optimizer.screen_refine = 0;
    fit = NULL;
    CHECK(sk_chinchilla_fit(N, D, L, NPTS, &o, &fit) == SK_OK, "exhaustive fit: %s", sk_last_error());
    sk_fit_get_info(fit, &info);
    double all[5];
    sk_fit_params(fit, all, 5);
    CHECK(info.starts_refined == 4500, "exhaustive refined %zu", info.starts_refined);
    for (int i = 0; i < 5; i++) CHECK(fabs(all[i] / screened[i] - 1) < 1e-6, "param %d %g vs %g", i, all[i], screened[i]);
    sk_fit_free(fit);

    o.optimizer.screen_refine = 4;
    o.optimizer.screen_confirmations = 5;
    CHECK_ERR(sk_chinchilla_fit(N, D, L, NPTS, &o, &fit), SK_ERR_INVALID_ARGUMENT, "confirmations");
}

/* Weakly determined parameters (since 0.4.11): a constant run and one step down, with 2e-4 noise, leave C and gamma
 * entering almost only through C * lr^-gamma (the warmup's rising rates, counted with warmup_steps 0, are the
 * rest). With the warmup left out, only the step's rate remains: gamma is not identified, and the fit says so. */
static void test_multi_power_weak(void) {
    enum { STEPS = 3000, OBS = 57 };
    static double constant[STEPS], drop[STEPS];
    size_t steps[OBS];
    for (int s = 0; s < STEPS; s++) {
        double warm = 3e-4 * (s + 1) / 100.0;
        constant[s] = s < 100 ? warm : 3e-4;
        drop[s] = s < 100 ? warm : (s < 1500 ? 3e-4 : 9e-5);
    }
    for (int i = 0; i < OBS; i++) steps[i] = 150 + 50 * (size_t)i;
    const double truth[7] = {2.5, 0.6, 0.45, 400, 2, 0.6, 0.6};
    double loss_a[OBS], loss_b[OBS];
    sk_loss_curve curves[2] = {{constant, STEPS, 0, steps, loss_a, OBS}, {drop, STEPS, 0, steps, loss_b, OBS}};
    CHECK(sk_mpl_predict(truth, 7, &curves[0], loss_a) == SK_OK && sk_mpl_predict(truth, 7, &curves[1], loss_b) == SK_OK,
          "predict: %s", sk_last_error());
    uint64_t state = 12345;   /* Knuth's MMIX LCG: noise uniform in [-1e-4, 1e-4] */
    for (int i = 0; i < 2 * OBS; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(state >> 11) / 9007199254740992.0;
        (i < OBS ? loss_a : loss_b)[i % OBS] *= 1 + 2e-4 * (u - 0.5);
    }
    sk_fit *fit = NULL;
    CHECK(sk_mpl_fit(curves, 2, NULL, &fit) == SK_OK, "mpl fit: %s", sk_last_error());
    if (!fit) return;
    CHECK(sk_fit_weak_param_count(fit) == 2 && sk_fit_weak_param_count(NULL) == 0, "weak count %zu: %s",
          sk_fit_weak_param_count(fit), sk_fit_message(fit));
    sk_weak_param w[2] = {{.struct_size = sizeof(sk_weak_param)}, {.struct_size = sizeof(sk_weak_param)}};
    CHECK(sk_fit_weak_param_at(fit, 0, &w[0]) == SK_OK && sk_fit_weak_param_at(fit, 1, &w[1]) == SK_OK, "weak: %s",
          sk_last_error());
    double p[7];
    CHECK(sk_fit_params(fit, p, 7) == SK_OK, "params");
    CHECK(w[0].param == 4 && w[1].param == 6 && w[0].partner == 6 && w[1].partner == 4, "C and gamma: %d %d %d %d",
          w[0].param, w[1].param, w[0].partner, w[1].partner);
    for (int k = 0; k < 2; k++) {
        CHECK(w[k].value == p[w[k].param] && w[k].standard_error > fabs(w[k].value) && w[k].correlation < -0.99,
              "weak %d: %g +- %g, correlation %g", k, w[k].value, w[k].standard_error, w[k].correlation);
    }
    CHECK(strstr(sk_fit_data_note(fit), "weakly determined: C = ") == sk_fit_data_note(fit) &&
          strstr(sk_fit_message(fit), sk_fit_data_note(fit)) != NULL, "note '%s'", sk_fit_data_note(fit));
    CHECK_ERR(sk_fit_weak_param_at(fit, 2, &w[0]), SK_ERR_LENGTH, "out of range (2 weakly determined");
    CHECK_ERR(sk_fit_weak_param_at(fit, 0, NULL), SK_ERR_NULL_POINTER, "param");
    w[0].struct_size = 8;
    CHECK_ERR(sk_fit_weak_param_at(fit, 0, &w[0]), SK_ERR_STRUCT_SIZE, "sk_weak_param");
    sk_fit_free(fit);

    curves[0].warmup_steps = curves[1].warmup_steps = 100;
    fit = NULL;
    CHECK(sk_mpl_fit(curves, 2, NULL, &fit) == SK_OK, "mpl fit: %s", sk_last_error());
    if (!fit) return;
    sk_fit_info info;
    info.struct_size = sizeof info;
    /* Which of the two is named is the pivot order's choice: either is the other's multiple. */
    const char *lead = "not identified: the data do not determine ", *said = strstr(sk_fit_message(fit), lead);
    CHECK(sk_fit_get_info(fit, &info) == SK_OK && info.converged == 0 && said != NULL &&
          (strncmp(said + strlen(lead), "C (", 3) == 0 || strncmp(said + strlen(lead), "gamma (", 7) == 0),
          "unidentified: %s", sk_fit_message(fit));
    sk_fit_free(fit);
}

/* The multi-power law: predictions from known parameters, a fit that recovers them, and bad input. */
static void test_multi_power(void) {
    enum { STEPS = 600, OBS = 28 };
    static double cosine[STEPS], step_decay[STEPS], linear[STEPS];
    size_t steps[OBS];
    for (int s = 0; s < STEPS; s++) {
        double warm = 3e-4 * (s + 1) / 50.0;
        cosine[s] = s < 50 ? warm : 3e-5 + 1.35e-4 * (1 + cos(3.141592653589793 * (s - 50) / 550.0));
        step_decay[s] = s < 50 ? warm : (s < 300 ? 3e-4 : 9e-5);
        linear[s] = s < 50 ? warm : (s < 450 ? 3e-4 : 3e-4 - 2.7e-4 * (s - 450) / 150.0);
    }
    for (int i = 0; i < OBS; i++) steps[i] = 60 + 19 * (size_t)i;
    const double truth[7] = {2.5, 0.6, 0.45, 400, 2, 0.6, 0.6};
    double loss_a[OBS], loss_b[OBS], loss_c[OBS], pred[OBS];
    sk_loss_curve curves[3] = {
        {cosine, STEPS, 50, steps, loss_a, OBS}, {step_decay, STEPS, 50, steps, loss_b, OBS},
        {linear, STEPS, 50, steps, loss_c, OBS}};
    CHECK(sk_mpl_predict(truth, 7, &curves[0], loss_a) == SK_OK, "predict: %s", sk_last_error());
    CHECK(sk_mpl_predict(truth, 7, &curves[1], loss_b) == SK_OK, "predict b");
    CHECK(sk_mpl_predict(truth, 7, &curves[2], loss_c) == SK_OK, "predict c");
    CHECK(loss_a[OBS - 1] < loss_a[0] && loss_a[0] > 2.5, "a falling curve above L0: %g .. %g", loss_a[0], loss_a[OBS - 1]);

    sk_mpl_options o;
    CHECK(sk_mpl_options_init(&o, sizeof o) == SK_OK && o.huber_delta == 1e-3 && o.optimizer.screen_refine == 4
          && o.optimizer.function_tolerance == 0, "mpl defaults (no stop on a small change of f since 0.4.9)");
    sk_fit *fit = NULL;
    CHECK(sk_mpl_fit(curves, 2, &o, &fit) == SK_OK, "mpl fit: %s", sk_last_error());
    if (fit) {
        sk_fit_info info;
        info.struct_size = sizeof info;
        sk_fit_get_info(fit, &info);
        double p[7];
        CHECK(sk_fit_params(fit, p, 7) == SK_OK && strcmp(sk_fit_param_name(fit, 6), "gamma") == 0, "mpl params");
        CHECK(info.converged == 1 && info.starts == 8 && info.points_used == 2 * OBS, "mpl info %d %zu", info.converged, info.starts);
        /* Noise-free curves determine every parameter: no "weakly determined" note (since 0.4.11). */
        CHECK(strcmp(sk_fit_data_note(fit), "") == 0, "mpl data note '%s'", sk_fit_data_note(fit));
        /* The third schedule was not fitted: its curve is predicted to 1e-3 relative. */
        CHECK(sk_mpl_predict(p, 7, &curves[2], pred) == SK_OK, "predict held-out");
        double worst = 0;
        for (int i = 0; i < OBS; i++) worst = fmax(worst, fabs(pred[i] / loss_c[i] - 1));
        CHECK(worst < 1e-3, "held-out relative error %g", worst);
        double x[1] = {1}, y[1];
        const double *cols[2] = {x, x};
        CHECK_ERR(sk_fit_predict(fit, cols, 2, 1, y), SK_ERR_UNSUPPORTED, "sk_mpl_predict");
        sk_fit_free(fit);
    }

    CHECK_ERR(sk_mpl_fit(NULL, 1, NULL, &fit), SK_ERR_NULL_POINTER, "'curves'");
    CHECK_ERR(sk_mpl_fit(curves, 0, NULL, &fit), SK_ERR_LENGTH, "n_curves");
    CHECK_ERR(sk_mpl_fit(curves, 2, NULL, NULL), SK_ERR_NULL_POINTER, "'out'");
    CHECK_ERR(sk_mpl_predict(truth, 6, &curves[0], pred), SK_ERR_LENGTH, "7");
    CHECK_ERR(sk_mpl_predict(truth, 7, NULL, pred), SK_ERR_NULL_POINTER, "'curve'");
    CHECK_ERR(sk_mpl_predict(truth, 7, &curves[0], NULL), SK_ERR_NULL_POINTER, "'out'");
    sk_loss_curve bad = curves[0];
    size_t late[1] = {STEPS};
    bad.steps = late; bad.n_obs = 1;
    CHECK_ERR(sk_mpl_predict(truth, 7, &bad, pred), SK_ERR_INVALID_ARGUMENT, "outside 50..<600");
    bad = curves[0]; bad.n_obs = SIZE_MAX;
    CHECK_ERR(sk_mpl_predict(truth, 7, &bad, pred), SK_ERR_LENGTH, "n_obs");
    bad = curves[0]; bad.warmup_steps = SIZE_MAX;
    CHECK_ERR(sk_mpl_fit(&bad, 1, NULL, &fit), SK_ERR_INVALID_ARGUMENT, "warmup_steps");
    bad = curves[0]; bad.loss = NULL;
    CHECK_ERR(sk_mpl_fit(&bad, 1, NULL, &fit), SK_ERR_NULL_POINTER, "loss");
    double nan_params[7] = {2.5, 0.6, NAN, 400, 2, 0.6, 0.6};
    CHECK_ERR(sk_mpl_predict(nan_params, 7, &curves[0], pred), SK_ERR_INVALID_ARGUMENT, "finite");
    sk_loss_curve flat = {linear, 300, 50, steps, loss_a, 10};   /* constant after warmup for 300 steps */
    CHECK_ERR(sk_mpl_fit(&flat, 1, NULL, &fit), SK_ERR_INVALID_ARGUMENT, "not identified");
    o.optimizer.screen_confirmations = 0;
    CHECK_ERR(sk_mpl_fit(curves, 2, &o, &fit), SK_ERR_INVALID_ARGUMENT, "confirmations");

    /* Leave-one-curve-out (since 0.4.10): each curve predicted by the law refitted to the other two, from two starts
     * near the truth (the test is of the validation, not of the search); noise-free, so each refit recovers it. */
    CHECK(sk_mpl_options_init(&o, sizeof o) == SK_OK, "mpl defaults");
    const double start_values[8] = {2.3, 2.4, 0.6, 0.45, 400, 2, 0.6, 0.6};
    const size_t start_counts[7] = {2, 1, 1, 1, 1, 1, 1};
    o.start_values = start_values; o.start_counts = start_counts; o.start_counts_len = 7;
    double held_a[OBS], held_b[OBS], held_c[OBS];
    double *held[3] = {held_a, held_b, held_c};
    const double *measured[3] = {loss_a, loss_b, loss_c};
    sk_prediction_errors per[3], all;
    for (int c = 0; c < 3; c++) per[c].struct_size = sizeof per[c];
    all.struct_size = sizeof all;
    sk_fit *refits[3] = {NULL, NULL, NULL};
    CHECK(sk_mpl_leave_one_out(curves, 3, &o, held, per, &all, refits) == SK_OK, "mpl leave one out: %s", sk_last_error());
    double mean = 0, worst = 0;
    for (int c = 0; c < 3; c++) {
        CHECK(per[c].count == OBS && per[c].fitted == 2 * OBS && per[c].failed == 0, "curve %d predicted: %zu %zu %zu",
              c, per[c].count, per[c].fitted, per[c].failed);
        for (int i = 0; i < OBS; i++) worst = fmax(worst, fabs(held[c][i] / measured[c][i] - 1));
        mean += per[c].mean_relative_error / 3;
        double q[7] = {0};
        sk_fit_info refit_info;
        refit_info.struct_size = sizeof refit_info;
        CHECK(refits[c] && sk_fit_get_info(refits[c], &refit_info) == SK_OK && refit_info.converged == 1
              && sk_fit_params(refits[c], q, 7) == SK_OK && fabs(q[0] / truth[0] - 1) < 1e-6,
              "refit without curve %d: L0 %g", c, q[0]);
        sk_fit_free(refits[c]);
    }
    CHECK(worst < 1e-6, "held-out curves to rounding: worst relative error %g", worst);
    CHECK(all.count == 3 && all.fitted == 2 && all.failed == 0 && all.mean_relative_error == mean,
          "pooled: %zu curves, PredE %g (mean of the curves' %g)", all.count, all.mean_relative_error, mean);
    /* Two runs constant after warmup: no rate ever decreases, so no refit is made and nothing is predicted. */
    sk_loss_curve flats[2] = {flat, flat};
    refits[0] = refits[1] = (sk_fit *)&all;     /* must be overwritten: NULL where no refit was made */
    CHECK(sk_mpl_leave_one_out(flats, 2, NULL, NULL, per, &all, refits) == SK_OK, "flat: %s", sk_last_error());
    CHECK(all.count == 0 && all.failed == 2 && isnan(all.rmse) && per[0].fitted == 0 && per[1].failed == 1
          && refits[0] == NULL && refits[1] == NULL, "nothing predicted: %zu %zu", all.count, all.failed);
    CHECK_ERR(sk_mpl_leave_one_out(curves, 1, NULL, NULL, NULL, &all, NULL), SK_ERR_LENGTH, "2 or more");
    CHECK_ERR(sk_mpl_leave_one_out(curves, 3, NULL, NULL, NULL, NULL, NULL), SK_ERR_NULL_POINTER, "'errors'");
    double *missing[3] = {held_a, NULL, held_c};
    CHECK_ERR(sk_mpl_leave_one_out(curves, 3, NULL, missing, NULL, &all, NULL), SK_ERR_NULL_POINTER, "predictions[1]");
    per[2].struct_size = 3;
    CHECK_ERR(sk_mpl_leave_one_out(curves, 3, NULL, NULL, per, &all, NULL), SK_ERR_STRUCT_SIZE, "per_curve[2]");
}

/* IsoFLOP profiles (Approach 2) on a symmetric synthetic surface (alpha = beta: a = b = 0.5). */
static void test_isoflop(void) {
    enum { PER = 9, BUDGETS = 4 };
    double n[PER * BUDGETS + 3], d[PER * BUDGETS + 3], l[PER * BUDGETS + 3], c[PER * BUDGETS + 3];
    const double E = 1.7, A = 400, B = 410, AL = 0.34, BE = 0.34;
    size_t k = 0;
    for (int j = 0; j < BUDGETS; j++) {
        double C = pow(10, 18 + j);
        double G = pow(AL * A / (BE * B), 1 / (AL + BE)), nopt = G * pow(C / 6, BE / (AL + BE));
        for (int i = -4; i <= 4; i++, k++) {
            n[k] = nopt * pow(10, 0.15 * i); d[k] = C / (6 * n[k]); c[k] = C;
            l[k] = E + A / pow(n[k], AL) + B / pow(d[k], BE);
        }
    }
    /* A budget with only three runs, all on one side of its optimum: excluded. */
    for (int i = 0; i < 3; i++, k++) { n[k] = 1e6 * (i + 1); d[k] = 1e22 / (6 * n[k]); c[k] = 1e22; l[k] = 3.0 - 0.01 * i; }
    sk_isoflop_options o;
    CHECK(sk_isoflop_options_init(&o, sizeof o) == SK_OK && o.min_runs_per_budget == 3 && o.require_interior_minimum == 1,
          "isoflop defaults");
    sk_isoflop *r = NULL;
    CHECK(sk_isoflop_fit(n, d, l, c, k, &o, &r) == SK_OK, "isoflop: %s", sk_last_error());
    sk_isoflop_info info = {.struct_size = sizeof info};
    CHECK(sk_isoflop_get_info(r, &info) == SK_OK && fabs(info.a - 0.5) < 0.01 && fabs(info.b - 0.5) < 0.01 &&
              info.has_intervals == 1 && info.a_interval.lower < info.a && info.a < info.a_interval.upper &&
              info.a_interval.level == 0.95,
          "a %g b %g", info.a, info.b);
    CHECK(info.budgets == 5 && info.budgets_used == 4 && sk_isoflop_budget_count(r) == 5, "budgets %zu used %zu",
          info.budgets, info.budgets_used);
    sk_isoflop_budget b = {.struct_size = sizeof b};
    CHECK(sk_isoflop_budget_at(r, 4, &b) == SK_OK && b.used == 0 && b.compute == 1e22, "excluded budget");
    CHECK(strlen(sk_isoflop_budget_note(r, 4)) > 0 && strstr(sk_isoflop_message(r), "excluded") != NULL,
          "note '%s'", sk_isoflop_budget_note(r, 4));
    CHECK(sk_isoflop_budget_at(r, 0, &b) == SK_OK && b.used == 1 && b.has_vertex == 1 && b.curvature_n > 0, "budget 0");
    CHECK_ERR(sk_isoflop_budget_at(r, 5, &b), SK_ERR_LENGTH, "index 5");
    CHECK(strcmp(sk_isoflop_budget_note(r, 99), "") == 0 && strcmp(sk_isoflop_message(NULL), "") == 0, "empty strings");
    sk_isoflop_free(r);
    sk_isoflop_free(NULL);
    CHECK_ERR(sk_isoflop_fit(n, d, l, NULL, k, NULL, &r), SK_ERR_NULL_POINTER, "'budget'");
    CHECK_ERR(sk_isoflop_fit(n, d, l, c, 0, NULL, &r), SK_ERR_LENGTH, "no data");
    CHECK_ERR(sk_isoflop_fit(n, d, l, c, 9, NULL, &r), SK_ERR_INVALID_ARGUMENT, "need 2 or more");
    o.min_runs_per_budget = 2;
    CHECK_ERR(sk_isoflop_fit(n, d, l, c, k, &o, &r), SK_ERR_INVALID_ARGUMENT, "minimumRunsPerBudget");
    sk_isoflop_options_init(&o, sizeof o);
    o.require_interior_minimum = 7;
    CHECK_ERR(sk_isoflop_fit(n, d, l, c, k, &o, &r), SK_ERR_INVALID_ARGUMENT, "require_interior_minimum");

    /* Approach 1 on curves of the same law: 30 sizes, 40 checkpoints each. */
    enum { SIZES = 30, CK = 40 };
    static double run[SIZES * CK], en[SIZES * CK], ec[SIZES * CK], el[SIZES * CK];
    size_t m = 0;
    for (int i = 0; i < SIZES; i++) {
        double size = 1e7 * pow(10, 0.12 * i);
        for (int j = 0; j < CK; j++, m++) {
            double tokens = 20 * size * pow(10, -2 + 0.09 * j);
            run[m] = i; en[m] = size; ec[m] = 6 * size * tokens; el[m] = E + A / pow(size, AL) + B / pow(tokens, BE);
        }
    }
    sk_envelope_info env = {.struct_size = sizeof env};
    CHECK(sk_envelope_fit(run, en, ec, el, m, NULL, &env) == SK_OK && fabs(env.a - 0.5) < 0.03 && env.sizes > 5,
          "envelope a %g sizes %zu: %s", env.a, env.sizes, sk_last_error());
    /* Its intervals count segments (stretches won by one size), not the ~1,500 points. */
    CHECK(env.segments >= 3 && env.segments < env.points && env.a_interval.lower < env.a &&
              env.a < env.a_interval.upper && fabs(env.b_stderr - env.a_stderr) < 1e-9 * env.a_stderr,
          "envelope segments %zu of %zu points, a in [%g, %g]", env.segments, env.points, env.a_interval.lower,
          env.a_interval.upper);
    {   /* A caller compiled against 0.4.0-0.4.4 (no segments) gets the fields it has, nothing past. */
        sk_envelope_info old;
        as_earlier(&old, sizeof old, offsetof(sk_envelope_info, segments));
        CHECK(sk_envelope_fit(run, en, ec, el, m, NULL, &old) == SK_OK && old.a == env.a && old.sizes == env.sizes,
              "0.4.4-sized sk_envelope_info: %s", sk_last_error());
        CHECK(earlier_untouched(&old, sizeof old, offsetof(sk_envelope_info, segments)),
              "wrote past a 0.4.4-sized sk_envelope_info");
    }
    sk_envelope_options eo;
    CHECK(sk_envelope_options_init(&eo, sizeof eo) == SK_OK && eo.grid_points == 1500, "envelope defaults");
    eo.exclude_edge_sizes = 3;
    CHECK_ERR(sk_envelope_fit(run, en, ec, el, m, &eo, &env), SK_ERR_INVALID_ARGUMENT, "exclude_edge_sizes");
    CHECK_ERR(sk_envelope_fit(run, en, ec, el, m, NULL, NULL), SK_ERR_NULL_POINTER, "'info'");
    en[1] = 2e7;
    CHECK_ERR(sk_envelope_fit(run, en, ec, el, m, NULL, &env), SK_ERR_INVALID_ARGUMENT, "two sizes");
}

/* Parameter accounting: published counts, a shape by hand, and bad shapes. */
static void test_transformer_count(void) {
    sk_transformer_shape shape = {.struct_size = sizeof shape};
    sk_transformer_count count = {.struct_size = sizeof count};
    CHECK(sk_transformer_shape_preset("gpt2_small", &shape) == SK_OK &&
              sk_transformer_count_parameters(&shape, &count) == SK_OK && count.total == 124439808u,
          "gpt2 small %zu: %s", count.total, sk_last_error());
    CHECK(sk_transformer_shape_preset("llama2_7b", &shape) == SK_OK &&
              sk_transformer_count_parameters(&shape, &count) == SK_OK && count.total == 6738415616u,
          "llama 2 7b %zu", count.total);
    CHECK(count.training_flops == 3 * count.forward_flops && count.unembedding == 32000u * 4096u, "flops");
    CHECK(sk_transformer_shape_init(&shape, sizeof shape) == SK_OK && shape.positional == SK_POS_ROTARY, "init");
    shape.d_model = 512; shape.layers = 8; shape.heads = 8; shape.vocab = 32000; shape.sequence_length = 2048;
    CHECK(sk_transformer_count_parameters(&shape, &count) == SK_OK && count.non_embedding == 8u * 12u * 512u * 512u + 8u * 2u * 1024u + 1024u,
          "by hand %zu", count.non_embedding);
    CHECK_ERR(sk_transformer_shape_preset("gpt5", &shape), SK_ERR_INVALID_ARGUMENT, "unknown architecture 'gpt5'");
    CHECK_ERR(sk_transformer_shape_preset(NULL, &shape), SK_ERR_NULL_POINTER, "'name'");
    shape.heads = 7;
    CHECK_ERR(sk_transformer_count_parameters(&shape, &count), SK_ERR_INVALID_ARGUMENT, "not divisible");
    shape.heads = 8; shape.mlp = 5;
    CHECK_ERR(sk_transformer_count_parameters(&shape, &count), SK_ERR_INVALID_ARGUMENT, "sk_mlp");
    shape.mlp = SK_MLP_STANDARD; shape.layers = SIZE_MAX;
    CHECK_ERR(sk_transformer_count_parameters(&shape, &count), SK_ERR_INVALID_ARGUMENT, "layers");
    CHECK_ERR(sk_transformer_count_parameters(NULL, &count), SK_ERR_NULL_POINTER, "'shape'");
    sk_transformer_shape family = {.struct_size = sizeof family}, near[4];
    size_t near_params[4], found = 0;
    sk_transformer_shape_preset("llama2_7b", &family);
    near[0].struct_size = sizeof near[0];
    CHECK(sk_transformer_nearest(&family, 6738415616.0, near, near_params, 4, &found) == SK_OK && found == 4 &&
              near[0].d_model == 4096 && near[0].layers == 32 && near_params[0] == 6738415616u,
          "nearest: %s", sk_last_error());
    CHECK_ERR(sk_transformer_nearest(&family, 0, near, near_params, 4, &found), SK_ERR_INVALID_ARGUMENT, "target");
    CHECK_ERR(sk_transformer_nearest(&family, 1e9, near, near_params, 0, &found), SK_ERR_LENGTH, "capacity");
    count.struct_size = 1; shape.layers = 8;
    CHECK_ERR(sk_transformer_count_parameters(&shape, &count), SK_ERR_STRUCT_SIZE, "sk_transformer_count");
}

static void test_transfer(void) {
    /* mup 1.0.0 at width 64 -> 1024 (m = 16): hidden (1024,1024) Adam lr 1/16, wd 16, SGD lr 1; input (1024,32)
     * SGD lr 16; MuReadout (10,1024) forward 1/16; its bias (10,) all 1 (Tests/data/transfer/mup_vectors.csv). */
    int64_t hb[2] = {64, 64}, ht[2] = {1024, 1024}, ib[2] = {64, 32}, it[2] = {1024, 32};
    int64_t rb[2] = {10, 64}, rt[2] = {10, 1024}, bb[1] = {10};
    sk_param_group g[4] = {
        {sizeof(sk_param_group), "hidden", 2, hb, NULL, ht, SK_ROLE_INFERRED, 1},
        {sizeof(sk_param_group), "input", 2, ib, NULL, it, SK_ROLE_INFERRED, 0},
        {sizeof(sk_param_group), "readout", 2, rb, NULL, rt, SK_ROLE_READOUT, 0},
        {sizeof(sk_param_group), NULL, 1, bb, NULL, bb, SK_ROLE_INFERRED, 0},
    };
    sk_group_hparams out[4];
    out[0].struct_size = sizeof out[0];
    CHECK(sk_transfer_rules(g, 4, NULL, out) == SK_OK && out[0].scaled_axes == 2 && out[0].lr_mult == 1.0 / 16 &&
              out[0].wd_mult == 16 && out[0].init_std_mult == 0.25 && out[2].forward_mult == 1.0 / 16 &&
              out[3].scaled_axes == 0 && out[3].lr_mult == 1 && out[2].role == SK_ROLE_READOUT &&
              out[1].role == SK_ROLE_INPUT && isnan(out[0].learning_rate),
          "mup rules: %s", sk_last_error());
    sk_transfer_options o;
    CHECK(sk_transfer_options_init(&o, sizeof o) == SK_OK && o.parametrization == SK_PARAM_MUP, "options");
    o.optimizer = SK_OPTIMIZER_SGD;
    CHECK(sk_transfer_rules(g, 4, &o, out) == SK_OK && out[0].lr_mult == 1 && out[1].lr_mult == 16 &&
              out[1].wd_mult == 1.0 / 16, "MuSGD rules: %s", sk_last_error());

    /* One call: CompleteP depth x4, square-root batch rule x4. */
    sk_transfer_options_init(&o, sizeof o);
    o.depth_alpha = 1;
    o.base_layers = 4;
    o.layers = 16;
    o.batch_rule = SK_BATCH_SQRT;
    sk_proxy_hparams proxy = {sizeof proxy, 6e-3, 0.1, 0.02, 0.9, 0.95, 1e-8, 2.5e5, 2e9};
    sk_transfer_info info = {.struct_size = sizeof info};
    CHECK(sk_transfer(g, 4, &proxy, 1e6, 2e10, &o, out, &info) == SK_OK && fabs(info.residual_mult - 0.25) < 1e-15 &&
              fabs(info.lr_scale - 2) < 1e-15 && fabs(out[0].learning_rate - 6e-3 / 16 * 2) < 1e-15 &&
              fabs(out[0].epsilon - 1e-8 / 16 / 4 / 2) < 1e-22 && fabs(out[0].init_std - 0.005) < 1e-15,
          "transfer: %s lr %g", sk_last_error(), out[0].learning_rate);
    /* 10x the proxy's tokens and no horizon exponent: kept, and said (the batch has its rule). */
    CHECK(info.notes == SK_TRANSFER_NOTE_HORIZON_KEPT &&
              strstr(sk_transfer_note_string(SK_TRANSFER_NOTE_HORIZON_KEPT), "no horizon exponent") != NULL &&
              strstr(sk_transfer_note_string(SK_TRANSFER_NOTE_BATCH_KEPT), "no batch rule") != NULL &&
              sk_transfer_note_string(0) == NULL && sk_transfer_note_string(3) == NULL &&
              sk_transfer_note_string(1u << 31) == NULL,
          "transfer notes %u", info.notes);
    {   /* A caller compiled against 0.4.0-0.4.4 (no notes) gets the fields it has, nothing past. */
        sk_transfer_info old;
        as_earlier(&old, sizeof old, offsetof(sk_transfer_info, notes));
        CHECK(sk_transfer(g, 4, &proxy, 1e6, 2e10, &o, out, &old) == SK_OK && old.lr_scale == info.lr_scale,
              "0.4.4-sized sk_transfer_info: %s", sk_last_error());
        CHECK(earlier_untouched(&old, sizeof old, offsetof(sk_transfer_info, notes)),
              "wrote past a 0.4.4-sized sk_transfer_info");
    }
    o.batch_rule = SK_BATCH_LINEAR;
    CHECK_ERR(sk_transfer(g, 4, &proxy, 1e6, 2e10, &o, out, &info), SK_ERR_INVALID_ARGUMENT, "linear batch rule");
    o.batch_rule = 7;
    CHECK_ERR(sk_transfer_rules(g, 4, &o, out), SK_ERR_INVALID_ARGUMENT, "options.batch_rule");
    sk_transfer_options_init(&o, sizeof o);
    o.depth_alpha = 3;
    o.base_layers = 4;
    o.layers = 8;
    CHECK_ERR(sk_transfer_rules(g, 4, &o, out), SK_ERR_INVALID_ARGUMENT, "depth alpha");

    /* Bad shapes and lengths. */
    int64_t shrink[2] = {32, 64}, three_b[3] = {8, 8, 8}, three_t[3] = {16, 16, 16};
    sk_param_group bad = {sizeof(sk_param_group), "w", 2, hb, NULL, shrink, SK_ROLE_INFERRED, 0};
    CHECK_ERR(sk_transfer_rules(&bad, 1, NULL, out), SK_ERR_INVALID_ARGUMENT, "shrinks");
    sk_param_group three = {sizeof(sk_param_group), "w", 3, three_b, NULL, three_t, SK_ROLE_INFERRED, 0};
    CHECK_ERR(sk_transfer_rules(&three, 1, NULL, out), SK_ERR_UNSUPPORTED, "3 width-scaled axes");
    bad.rank = 0;
    CHECK_ERR(sk_transfer_rules(&bad, 1, NULL, out), SK_ERR_LENGTH, "rank");
    bad.rank = 2;
    bad.target_shape = NULL;
    CHECK_ERR(sk_transfer_rules(&bad, 1, NULL, out), SK_ERR_NULL_POINTER, "target_shape");
    CHECK_ERR(sk_transfer_rules(g, 0, NULL, out), SK_ERR_LENGTH, "'n'");
    CHECK_ERR(sk_transfer_rules(NULL, 1, NULL, out), SK_ERR_NULL_POINTER, "'groups'");
    g[1].role = 42;
    CHECK_ERR(sk_transfer_rules(g, 4, NULL, out), SK_ERR_INVALID_ARGUMENT, "role");
    g[1].role = SK_ROLE_INFERRED;

    double tau = 0, scale = 0;
    CHECK(sk_transfer_umup_residual_tau(1, 4, 1.0, 1.0, &tau) == SK_OK && fabs(tau - 0.5773502691896258) < 1e-15,
          "u-muP tau %g", tau);
    CHECK_ERR(sk_transfer_umup_residual_tau(4, 4, 1.0, 1.0, &tau), SK_ERR_INVALID_ARGUMENT, "index");
    double wd = 0;
    CHECK(sk_transfer_umup_weight_decay(0.1, 4e-3, &wd) == SK_OK && fabs(wd - 25.0) < 1e-12, "u-muP weight decay %g", wd);
    CHECK(sk_transfer_umup_weight_decay(0.0, 4e-3, &wd) == SK_OK && wd == 0.0, "u-muP weight decay 0");
    CHECK_ERR(sk_transfer_umup_weight_decay(-0.1, 4e-3, &wd), SK_ERR_INVALID_ARGUMENT, "weight decay must be");
    CHECK_ERR(sk_transfer_umup_weight_decay(0.1, 0.0, &wd), SK_ERR_INVALID_ARGUMENT, "learning rate must be");
    CHECK_ERR(sk_transfer_umup_weight_decay(0.1, NAN, &wd), SK_ERR_INVALID_ARGUMENT, "learning rate must be");
    CHECK_ERR(sk_transfer_umup_weight_decay(0.1, 4e-3, NULL), SK_ERR_NULL_POINTER, "out");
    CHECK(sk_transfer_attention_scale(256, 64, SK_PARAM_MUP, &scale) == SK_OK && scale == 8.0 / 256, "attention scale");
    sk_transfer_options_init(&o, sizeof o);
    o.weight_decay_rule = SK_WD_INDEPENDENT;
    o.batch_rule = SK_BATCH_SQRT;
    CHECK(sk_transfer(g, 4, &proxy, 1e6, 2e10, &o, out, &info) == SK_OK &&
              fabs(out[0].learning_rate * out[0].weight_decay - 6e-3 * 0.1) < 1e-15, "independent weight decay");

    /* u-muP, presets, batch rules. */
    int64_t emb[2] = {100, 64};
    double v = 0;
    (void)scale;
    CHECK(sk_transfer_umup_lr_scale(SK_UMUP_WEIGHT, emb, 2, 0, SK_OPTIMIZER_ADAM, &v) == SK_OK && v == 0.125,
          "u-muP embedding: %g", v);
    CHECK_ERR(sk_transfer_umup_lr_scale(9, emb, 2, 0, SK_OPTIMIZER_ADAM, &v), SK_ERR_INVALID_ARGUMENT, "type");
    double lr = 0, batch = 0;
    CHECK(sk_hp_law("deepseek", NAN, NAN, 1e21, &lr, &batch) == SK_OK && fabs(lr / 7.394e-4 - 1) < 1e-4 &&
              fabs(batch / 2.16e6 - 1) < 1e-3, "DeepSeek at 1e21: %g %g", lr, batch);
    CHECK(sk_hp_law("step_law", 7e9, 1.4e12, NAN, &lr, &batch) == SK_OK && fabs(lr / 9.166e-4 - 1) < 1e-4,
          "Step Law: %g", lr);
    CHECK_ERR(sk_hp_law("kaplan", 1e9, 1e10, NAN, &lr, &batch), SK_ERR_INVALID_ARGUMENT, "unknown hyperparameter law");
    double in[4] = {1e-3, 0.9, 0.99, 1e-8}, adam[4];
    CHECK(sk_transfer_adam_sqrt(4, in, adam) == SK_OK && fabs(adam[0] - 2e-3) < 1e-18 && fabs(adam[1] - 0.6) < 1e-12,
          "square-root rule");
    CHECK(sk_transfer_optimal_lr(SK_OPTIMIZER_ADAM, 512, 512, 1e-3, &v) == SK_OK && fabs(v - 1e-3) < 1e-18, "surge peak");
    CHECK(sk_transfer_adamw_timescale(1e6, 1e-3, 0.1, 1e11, &v) == SK_OK && fabs(v - 0.1) < 1e-15, "timescale");
    CHECK_ERR(sk_transfer_adamw_timescale(1e6, 0, 0.1, 1e11, &v), SK_ERR_INVALID_ARGUMENT, "finite and > 0");

    /* A sweep whose optima follow lr* = 0.5 N^-0.5 (one horizon): 3 sizes x 5 learning rates. */
    double sN[15], sD[15], slr[15], sB[15], sL[15];
    for (int i = 0; i < 3; i++) {
        double n = 1e8 * pow(10, i), best = 0.5 / sqrt(n);
        for (int j = 0; j < 5; j++) {
            int k = 5 * i + j;
            sN[k] = n; sD[k] = 1e10; sB[k] = 1e6;
            slr[k] = best * pow(2, j - 2 + 0.25);
            sL[k] = 2 + 0.05 * pow(log(slr[k] / best), 2);
        }
    }
    sk_hp_sweep *sw = NULL;
    CHECK(sk_hp_sweep_fit(sN, sD, slr, sB, sL, NULL, 15, &sw) == SK_OK, "sweep: %s", sk_last_error());
    sk_hp_sweep_info si = {.struct_size = sizeof si};
    CHECK(sk_hp_sweep_get_info(sw, &si) == SK_OK && fabs(si.lr_exponent_N + 0.5) < 1e-9 && isnan(si.lr_exponent_D) &&
              si.cells == 3 && si.cells_located == 3 && si.has_batch_law == 0 && si.has_timescale_law == 0 &&
              isnan(si.timescale_exponent),
          "sweep law: %g %s", si.lr_exponent_N, sk_hp_sweep_message(sw));
    /* Since 0.4.7 a NULL sweep's message is "" as every other message accessor's (it was NULL: printf crashed). */
    CHECK(sk_hp_sweep_message(NULL) != NULL && strcmp(sk_hp_sweep_message(NULL), "") == 0, "NULL sweep message");
    double p;
    sk_interval lr_interval;
    CHECK(sk_hp_sweep_predict(sw, 1e11, 1e10, 0.9, &p, &lr_interval, &batch) == SK_OK &&
              fabs(p / (0.5 / sqrt(1e11)) - 1) < 1e-8 && isnan(batch) && lr_interval.level == 0.9,
          "sweep predict %g", p);
    CHECK_ERR(sk_hp_sweep_predict(sw, 1e11, 1e10, 0.9, &p, NULL, &batch), SK_ERR_NULL_POINTER, "lr_interval");
    /* Every size trained on D = 1e10: the law holds at that D alone (since 0.4.4). */
    CHECK(isnan(si.lr_support_N) && si.lr_support_D_coefficient == 1e10 && si.lr_support_D_exponent == 0 &&
              isnan(si.batch_support_N) && isnan(si.batch_support_D_coefficient),
          "sweep support: %g %g %g", si.lr_support_N, si.lr_support_D_coefficient, si.lr_support_D_exponent);
    CHECK_ERR(sk_hp_sweep_predict(sw, 1e11, 2e12, 0.9, &p, &lr_interval, &batch), SK_ERR_INVALID_ARGUMENT,
              "fitted along D = 1.0e10");
    {   /* A caller compiled against 0.4.0-0.4.3 (no support fields) gets the fields it has, nothing past. */
        sk_hp_sweep_info old;
        as_earlier(&old, sizeof old, offsetof(sk_hp_sweep_info, lr_support_N));
        CHECK(sk_hp_sweep_get_info(sw, &old) == SK_OK && old.lr_exponent_N == si.lr_exponent_N &&
                  old.timescale_points == si.timescale_points,
              "0.4.3-sized sk_hp_sweep_info: %s", sk_last_error());
        CHECK(earlier_untouched(&old, sizeof old, offsetof(sk_hp_sweep_info, lr_support_N)),
              "wrote past a 0.4.3-sized sk_hp_sweep_info");
    }
    sk_hp_sweep_cell cell = {.struct_size = sizeof cell};
    CHECK(sk_hp_sweep_cell_at(sw, 2, &cell) == SK_OK && cell.located == 1 && cell.N == 1e10, "cell");
    CHECK_ERR(sk_hp_sweep_cell_at(sw, 3, &cell), SK_ERR_LENGTH, "out of range");
    CHECK(strcmp(sk_hp_sweep_cell_note(sw, 2), "optimum located (parabola through all 5 learning rates)") == 0,
          "cell note: %s", sk_hp_sweep_cell_note(sw, 2));
    CHECK(sk_hp_sweep_cell_note(sw, 3) == NULL && sk_hp_sweep_cell_note(NULL, 0) == NULL, "cell note out of range");
    sk_hp_sweep_free(sw);
    sk_hp_sweep_free(NULL);
    CHECK_ERR(sk_hp_sweep_fit(sN, sD, slr, sB, sL, NULL, 2, &sw), SK_ERR_INVALID_ARGUMENT, "no optimum can be located");
    /* Since 0.4.5 a NaN or +inf loss is a diverged run: each size's top rate diverged, and the other four locate. */
    for (int i = 0; i < 3; i++) sL[5 * i + 4] = i == 1 ? INFINITY : NAN;
    CHECK(sk_hp_sweep_fit(sN, sD, slr, sB, sL, NULL, 15, &sw) == SK_OK && sk_hp_sweep_get_info(sw, &si) == SK_OK &&
              fabs(si.lr_exponent_N + 0.5) < 1e-9 && si.cells_located == 3 &&
              strstr(sk_hp_sweep_cell_note(sw, 0), "1 of the 5 learning rates diverged") != NULL,
          "sweep with diverged runs: %s", sw ? sk_hp_sweep_cell_note(sw, 0) : sk_last_error());
    sk_hp_sweep_free(sw);
    sL[4] = -INFINITY;
    CHECK_ERR(sk_hp_sweep_fit(sN, sD, slr, sB, sL, NULL, 15, &sw), SK_ERR_INVALID_ARGUMENT, "loss[4] is -inf");

    /* Coordinate check: layer 0 flat, layer 1 grows as sqrt(width). */
    int64_t layer[6] = {0, 1, 0, 1, 0, 1}, step[6] = {0, 0, 0, 0, 0, 0};
    double width[6] = {128, 128, 256, 256, 512, 512}, rms[6] = {1, sqrt(128), 1, sqrt(256), 1, sqrt(512)};
    double worst[2];
    int verdict[2];
    size_t nl = 0;
    CHECK(sk_coord_check(layer, width, step, rms, 6, 0.25, worst, verdict, 2, &nl) == SK_OK && nl == 2 &&
              verdict[0] == SK_COORD_STABLE && verdict[1] == SK_COORD_GROWS && fabs(worst[1] - 0.5) < 1e-12,
          "coord check: %s", sk_last_error());
    CHECK_ERR(sk_coord_check(layer, width, step, rms, 6, 0.25, worst, verdict, 1, &nl), SK_ERR_LENGTH, "capacity");
}

static void test_batch_size(void) {
    sk_gns_options o;
    CHECK(sk_gns_options_init(&o, sizeof o) == SK_OK && o.smoothing == SK_GNS_ADAPTIVE && o.ema_beta == 0.99 &&
              o.groups == 1 && o.batch_unit == SK_GNS_EXAMPLES,
          "gns defaults");
    o.smoothing = SK_GNS_CUMULATIVE;
    sk_gns *g = NULL;
    CHECK(sk_gns_create(&o, &g) == SK_OK && g != NULL, "gns create: %s", sk_last_error());
    sk_gns_reading r = {.struct_size = sizeof r};
    CHECK_ERR(sk_gns_read(g, -1, &r), SK_ERR_INVALID_ARGUMENT, "no measurements yet");
    /* (small, big) = (2.0, 1.0) at (4, 16): |G|^2 = (16 - 8)/12, tr = 1/(1/4 - 1/16). */
    CHECK(sk_gns_update(g, 2.0, 1.0, 4, 16, 0.1) == SK_OK, "update: %s", sk_last_error());
    CHECK_ERR(sk_gns_update(g, NAN, 1.0, 4, 16, 0.1), SK_ERR_INVALID_ARGUMENT, "step rejected");
    CHECK_ERR(sk_gns_update(g, 2.0, 1.0, 16, 16, 0.1), SK_ERR_INVALID_ARGUMENT, "must be smaller");
    CHECK_ERR(sk_gns_update(g, 2.0, 1.0, -4, 16, 0.1), SK_ERR_INVALID_ARGUMENT, "batch sizes");
    CHECK(sk_gns_read(g, -1, &r) == SK_OK && r.measurements == 1 && fabs(r.gradient_squared - 8.0 / 12) < 1e-15 &&
              fabs(r.trace_covariance - 1 / (0.25 - 1.0 / 16)) < 1e-12 && isnan(r.stderr_b_simple) &&
              r.valid == 0 /* one measurement: no interval */ && r.b_simple > 0 && r.learning_rate == 0.1 &&
              r.batch_size == 16 && r.construction == SK_GNS_DATA_PARALLEL && r.batch_unit == SK_GNS_EXAMPLES &&
              r.drift == 0 && r.inconsistent == 0,
          "reading: %s %g", sk_last_error(), r.gradient_squared);
    double local[4] = {2.0, 2.2, 1.8, 2.0};
    CHECK(sk_gns_update_ranks(g, local, 4, 1.0, 4, 0.1) == SK_OK && sk_gns_read(g, -1, &r) == SK_OK &&
              r.measurements == 2 && fabs(r.gradient_squared - 8.0 / 12) < 1e-15, "ranks: %s", sk_last_error());
    CHECK_ERR(sk_gns_update_ranks(g, local, 1, 1.0, 4, 0.1), SK_ERR_LENGTH, "ranks");
    CHECK_ERR(sk_gns_read(g, 3, &r), SK_ERR_INVALID_ARGUMENT, "out of range");
    CHECK(sk_gns_reset(g) == SK_OK, "reset");
    CHECK_ERR(sk_gns_read(g, -1, &r), SK_ERR_INVALID_ARGUMENT, "no measurements yet");
    double smalls[2] = {1, 1};
    CHECK_ERR(sk_gns_update_groups(g, smalls, smalls, 2, 4, 16, 0.1), SK_ERR_LENGTH, "group");
    sk_gns_free(g);
    sk_gns_free(NULL);
    o.ema_beta = 1.0;
    o.smoothing = SK_GNS_EMA;
    CHECK_ERR(sk_gns_create(&o, &g), SK_ERR_INVALID_ARGUMENT, "beta");
    o.ema_beta = 0.9;
    o.construction = 9;
    CHECK_ERR(sk_gns_create(&o, &g), SK_ERR_INVALID_ARGUMENT, "construction");
    CHECK_ERR(sk_gns_update(NULL, 1, 0.5, 4, 16, 0.1), SK_ERR_NULL_POINTER, "'gns'");
    o.construction = SK_GNS_ACCUMULATION;
    o.batch_unit = 7;
    CHECK_ERR(sk_gns_create(&o, &g), SK_ERR_INVALID_ARGUMENT, "sk_gns_unit");

    /* The default (adaptive) reading: lr = 0 at the first warm-up step is a valid temperature; the reading names its
     * construction and unit and reports the learning-rate range; a loss summed over the big batch (its squared norm
     * B_big^2 times too large) is flagged inconsistent and not valid. */
    sk_gns_options_init(&o, sizeof o);
    o.construction = SK_GNS_ACCUMULATION;
    o.batch_unit = SK_GNS_TOKENS;
    CHECK(sk_gns_create(&o, &g) == SK_OK, "adaptive create: %s", sk_last_error());
    for (int k = 0; k < 50; k++)
        CHECK(sk_gns_update(g, 2.0 + 0.01 * (k % 3), 1.0, 4, 16, 1e-3 * k / 49.0) == SK_OK, "warm-up %d: %s", k,
              sk_last_error());
    CHECK(sk_gns_read(g, -1, &r) == SK_OK && r.valid == 1 && r.construction == SK_GNS_ACCUMULATION &&
              r.batch_unit == SK_GNS_TOKENS && r.temperature_changed == 1 && r.learning_rate_max == 1e-3 &&
              r.horizon >= 0 && r.effective_measurements >= 2 && r.interval.lower < r.b_simple && r.b_simple < r.interval.upper,
          "adaptive reading: %s valid %d", sk_last_error(), r.valid);
    sk_gns_free(g);
    sk_gns_options_init(&o, sizeof o);
    CHECK(sk_gns_create(&o, &g) == SK_OK, "create");
    for (int k = 0; k < 100; k++) sk_gns_update(g, 2.0 + 0.01 * (k % 3), 1.0 * 16 * 16, 4, 16, 1e-3);
    CHECK(sk_gns_read(g, -1, &r) == SK_OK && r.inconsistent == 1 && r.valid == 0, "summed loss flagged: %d %d",
          r.inconsistent, r.valid);
    sk_gns_free(g);

    /* Trade-off: exact data S = 1000 (1 + 2000/B). */
    double B[6] = {64, 256, 1024, 4096, 16384, 65536}, S[6];
    for (int i = 0; i < 6; i++) S[i] = 1000 * (1 + 2000 / B[i]);
    sk_cbs_tradeoff t = {.struct_size = sizeof t};
    CHECK(sk_cbs_tradeoff_fit(B, S, 6, 0.95, &t) == SK_OK && fabs(t.critical_batch / 2000 - 1) < 1e-8 &&
              fabs(t.min_examples / 2e6 - 1) < 1e-8 && t.identified == 1 && isnan(t.target_loss),
          "trade-off: %s %g", sk_last_error(), t.critical_batch);
    CHECK_ERR(sk_cbs_tradeoff_fit(B, S, 2, 0.95, &t), SK_ERR_INVALID_ARGUMENT, "at least 3 batch sizes");
    double B2[12], S2[12], L2[12];
    for (int i = 0; i < 12; i++) {
        double loss = i < 6 ? 3.5 : 4.0, bc = 2e8 / pow(loss, 1 / 0.21);
        B2[i] = 8192 * pow(4, i % 6);
        S2[i] = 5000 * (1 + bc / B2[i]);
        L2[i] = loss;
    }
    sk_cbs_tradeoff fits[2];
    fits[0].struct_size = sizeof fits[0];
    size_t nf = 0;
    double bstar = 0, alpha = 0;
    CHECK(sk_cbs_tradeoff_fit_targets(B2, S2, L2, 12, 0.95, fits, 2, &nf, &bstar, &alpha) == SK_OK && nf == 2 &&
              fabs(alpha - 0.21) < 1e-6 && fits[0].target_loss == 3.5, "targets: %s %g", sk_last_error(), alpha);
    CHECK_ERR(sk_cbs_tradeoff_fit_targets(B2, S2, L2, 12, 0.95, fits, 1, &nf, &bstar, &alpha), SK_ERR_LENGTH, "capacity");
    {   /* Since 0.4.6: steps to a target from a logged curve; the dip at step 20 is pooled, not taken. */
        double st[6] = {0, 10, 20, 30, 40, 50}, lo[6] = {4, 3, 1.9, 2.6, 2.2, 1.8}, at = 0;
        int reached = 7;
        CHECK(sk_cbs_steps_to_target(st, lo, 6, 2.0, &at, &reached) == SK_OK && reached == 1 && fabs(at - 45) < 1e-12,
              "steps to target %d %g", reached, at);
        CHECK(sk_cbs_steps_to_target(st, lo, 6, 1.0, &at, &reached) == SK_OK && reached == 0 && isnan(at), "not reached");
        CHECK(sk_cbs_steps_to_target(st, lo, 6, 5.0, &at, &reached) == SK_OK && reached == -1 && isnan(at), "at first");
        lo[3] = NAN;
        CHECK_ERR(sk_cbs_steps_to_target(st, lo, 6, 2.0, &at, &reached), SK_ERR_INVALID_ARGUMENT, "a run that diverged?");
        CHECK_ERR(sk_cbs_steps_to_target(st, lo, 0, 2.0, &at, &reached), SK_ERR_LENGTH, "n");
        CHECK_ERR(sk_cbs_steps_to_target(st, lo, 6, 2.0, NULL, &reached), SK_ERR_NULL_POINTER, "step");
        /* The whole sweep in one call: two runs (labels 7, 3) at two targets. */
        int64_t run[6] = {7, 7, 7, 3, 3, 3}, orun[4];
        double b[6] = {64, 64, 64, 256, 256, 256}, s6[6] = {0, 10, 20, 0, 10, 20}, l6[6] = {4, 3, 2, 4, 3.5, 3.2};
        double tg[2] = {2.5, 5}, ob[4], os[4];
        int orc[4];
        size_t count = 0;
        CHECK(sk_cbs_steps_table(run, b, s6, l6, 6, tg, 2, orun, ob, os, orc, 4, &count) == SK_OK && count == 4 &&
                  orun[0] == 7 && orun[2] == 3 && os[0] == 15 && orc[0] == 1 && orc[1] == -1 && orc[2] == 0 &&
                  isnan(os[2]) && ob[2] == 256,
              "steps table %zu %s", count, sk_last_error());
        CHECK_ERR(sk_cbs_steps_table(run, b, s6, l6, 6, tg, 2, orun, ob, os, orc, 3, &count), SK_ERR_LENGTH, "capacity");
        b[2] = 65;
        CHECK_ERR(sk_cbs_steps_table(run, b, s6, l6, 6, tg, 2, orun, ob, os, orc, 4, &count), SK_ERR_INVALID_ARGUMENT,
                  "run 7 has batch sizes 64 and 65");
    }
    /* Since 0.4.6 each fit says what it found: straddled here; a grid that ends below B_crit is a warning. */
    CHECK(strncmp(t.message, "fitted on 6 points", 18) == 0 && strncmp(fits[1].message, "fitted on 6 points", 18) == 0,
          "trade-off message '%s' '%s'", t.message, fits[1].message);
    {
        double Bl[4] = {64, 128, 256, 512}, Sl[4];
        for (int i = 0; i < 4; i++) Sl[i] = 1000 * (1 + 2000 / Bl[i]);
        sk_cbs_tradeoff low = {.struct_size = sizeof low};
        CHECK(sk_cbs_tradeoff_fit(Bl, Sl, 4, 0.95, &low) == SK_OK && low.identified == 0 &&
                  strstr(low.message, "warning: the batch grid (64 to 512) does not straddle B_crit = 2000") == low.message,
              "unidentified message '%s'", low.message);
    }
    {   /* A caller compiled against 0.4.0-0.4.5 (no message): its array is strided by its own, smaller sizeof. */
        /* 0.4.5's sizeof: up to `identified`, padded to the struct's alignment (where `message` now begins). */
        enum { OLD = (offsetof(sk_cbs_tradeoff, message) + sizeof(double) - 1) / sizeof(double) * sizeof(double) };
        _Alignas(sk_cbs_tradeoff) unsigned char old[2 * OLD + 64];
        memset(old, 0xA5, sizeof old);
        size_t size = OLD;
        memcpy(old, &size, sizeof size);
        CHECK(sk_cbs_tradeoff_fit_targets(B2, S2, L2, 12, 0.95, (sk_cbs_tradeoff *)(void *)old, 2, &nf, &bstar, &alpha)
                  == SK_OK && nf == 2, "0.4.5-sized array: %s", sk_last_error());
        sk_cbs_tradeoff second;
        memcpy(&second, old + OLD, OLD);
        CHECK(second.struct_size == OLD && second.target_loss == 4.0 && second.critical_batch == fits[1].critical_batch,
              "second element at the caller's stride: %zu %g", second.struct_size, second.target_loss);
        int untouched = 1;
        for (size_t i = 2 * OLD; i < sizeof old; i++) untouched &= old[i] == 0xA5;
        CHECK(untouched, "wrote past a 0.4.5-sized array of 2");
    }

    double v = 0, rs = 0, re = 0, eff = 0;
    CHECK(sk_cbs_convert(SK_CBS_ZHANG, 2000, 0.2, 32, &v) == SK_OK && fabs(v - 438.4) < 1e-9, "Zhang CBS %g", v);
    CHECK(sk_cbs_convert(SK_CBS_OVERHEAD, 2000, 0.1, NAN, &v) == SK_OK && v == 200, "overhead");
    CHECK_ERR(sk_cbs_convert(7, 2000, 0.1, 0, &v), SK_ERR_INVALID_ARGUMENT, "definition");
    CHECK(sk_cbs_cost(2000, 2000, 128, 768, &rs, &re, &eff) == SK_OK && rs == 2 && re == 2 &&
              fabs(eff - (768.0 + 128) / (768 + 2000)) < 1e-15, "cost");
    CHECK(sk_cbs_law("kaplan", 3.0, &v) == SK_OK && fabs(v / (2e8 / pow(3.0, 1 / 0.21)) - 1) < 1e-12, "Kaplan law");
    CHECK_ERR(sk_cbs_law("power_lines", 3.0, &v), SK_ERR_INVALID_ARGUMENT, "unknown batch law");
    double tok[64], bat[64];
    size_t ns = 0;
    CHECK(sk_cbs_schedule(0.58, 0.571, 1e12, 65536, 8388608, 1.0, tok, bat, 64, &ns) == SK_OK && ns >= 3 &&
              tok[0] == 0 && bat[0] == 65536 && bat[ns - 1] == 2097152, "schedule: %s %zu", sk_last_error(), ns);
    CHECK_ERR(sk_cbs_schedule(0.58, 0.571, 1e12, 65536, 8388608, 1.0, tok, bat, 2, &ns), SK_ERR_LENGTH, "capacity");

    /* The evaluators the bindings call instead of computing: closed forms. */
    double xs[3] = {1e20, 1e22, 1e24}, ys[3] = {0};
    CHECK(sk_power_law_evaluate(0.1, 0.5, xs, 3, ys) == SK_OK && fabs(ys[1] - 1e10) < 1e-3 && fabs(ys[2] - 1e11) < 1e-2,
          "power law %g %g", ys[1], ys[2]);
    double bs[2] = {1000, 4000}, st[2] = {0};
    CHECK(sk_cbs_steps(5000, 2000, bs, 2, st) == SK_OK && st[0] == 15000 && st[1] == 7500, "steps %g %g", st[0], st[1]);
    double ls[1] = {3.0}, bc[1] = {0};
    CHECK(sk_cbs_kaplan_critical_batch(2e8, 0.21, ls, 1, bc) == SK_OK && fabs(bc[0] / (2e8 / pow(3.0, 1 / 0.21)) - 1) < 1e-14,
          "Kaplan B_crit %g", bc[0]);
    CHECK(sk_cbs_law("kaplan", 3.0, &v) == SK_OK && fabs(v / bc[0] - 1) < 1e-12, "one Kaplan law: preset %g, fitted form %g",
          v, bc[0]);
}

int main(void) {
    make_data();
    test_version_and_strings();
    test_options();
    test_bad_input();
    test_fit();
    test_exclusion();
    test_thread_local_error();
    test_laws();
    test_bootstrap();
    test_validation();
    test_struct_sizes();
    test_screening();
    test_multi_power();
    test_multi_power_weak();
    test_isoflop();
    test_transformer_count();
    test_transfer();
    test_batch_size();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

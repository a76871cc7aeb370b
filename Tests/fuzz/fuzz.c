/* libFuzzer harness for ScalingKit (issue 8, part 2). One binary, four targets, chosen by SK_FUZZ_TARGET:
 *
 *   formula  the input is a formula: sk_law_from_formula, then (when it compiles) a short fit and predictions.
 *   abi      the input is a program of C ABI calls: each step picks an entry point and draws its arguments from
 *            the input: NULL or live pointers, in-range, zero or over-limit lengths, and doubles that are NaN,
 *            ±Inf, subnormal, negative, huge or arbitrary bit patterns; struct_size right or wrong; enums in and
 *            out of range; handles created, used and freed.
 *   csv      the input is a CSV file for the CLI's reader (Readers.swift).
 *   jsonl    the input is a JSON Lines file for the CLI's reader.
 *
 * The contract checked on every call: the status is one the header defines and never SK_ERR_INTERNAL; a failure
 * leaves a non-empty message in sk_last_error(); a success's primary outputs are not NaN. ASan (and libFuzzer's
 * timeout and RSS limits) catch the rest: out-of-bounds reads of our buffers, leaks, hangs.
 *
 * The harness never lies to the library about a buffer's length: a wrong length is only ever one above
 * SK_MAX_LENGTH, which the header promises is rejected before anything is read. Build: Tests/fuzz/build.sh.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scalingkit.h"

void skfuzz_csv(const uint8_t *data, size_t n);
void skfuzz_jsonl(const uint8_t *data, size_t n);

enum { T_FORMULA, T_ABI, T_CSV, T_JSONL };
static int target = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    const char *t = getenv("SK_FUZZ_TARGET");
    if (!t) { fprintf(stderr, "set SK_FUZZ_TARGET to formula, abi, csv or jsonl\n"); exit(2); }
    target = !strcmp(t, "formula") ? T_FORMULA : !strcmp(t, "abi") ? T_ABI : !strcmp(t, "csv") ? T_CSV
           : !strcmp(t, "jsonl") ? T_JSONL : -1;
    if (target < 0) { fprintf(stderr, "unknown SK_FUZZ_TARGET '%s'\n", t); exit(2); }
    return 0;
}

/* ---- the contract ------------------------------------------------------------------------------------------ */

static void fail(const char *what, const char *call, int st) {
    fprintf(stderr, "CONTRACT BROKEN in %s: %s (status %d, message '%s')\n", call, what, st,
            sk_last_error() ? sk_last_error() : "(null)");
    abort();
}

/* Checks a status and returns it, so calls read `if (ok(sk_x(...), "sk_x") == SK_OK)`. */
static int ok(int st, const char *call) {
    if (st == SK_ERR_INTERNAL) fail("internal error", call, st);
    if (st != SK_OK && st != SK_ERR_NULL_POINTER && st != SK_ERR_INVALID_ARGUMENT && st != SK_ERR_LENGTH
        && st != SK_ERR_STRUCT_SIZE && st != SK_ERR_UNSUPPORTED && st != SK_ERR_OUT_OF_MEMORY)
        fail("status not in the header", call, st);
    if (st != SK_OK) {
        const char *m = sk_last_error();
        if (!m || !*m) fail("failure without a message", call, st);
        if (!sk_status_string(st) || !*sk_status_string(st)) fail("status without a name", call, st);
    }
    return st;
}

static void not_nan(double v, const char *call) { if (isnan(v)) fail("NaN output on success", call, 0); }

/* ---- drawing arguments from the input ---------------------------------------------------------------------- */

typedef struct { const uint8_t *p; size_t n; } src;

static uint8_t u8(src *s) { if (!s->n) return 0; s->n--; return *s->p++; }

static const double special[] = {
    0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 6.0, 10.0, 1e-300, 5e-324, -5e-324, 1e300, -1e300, 1.7976931348623157e308,
    INFINITY, -INFINITY, NAN, 1e9, 1e12, 1e20, 1e23, 3.0, 0.34, 0.28, 1.69, 406.4, 410.7, 0.99, 0.95, 1e-8, 64, 4096,
};

static double dbl(src *s) {
    uint8_t k = u8(s);
    if (k < 0xC0) return special[k % (sizeof special / sizeof *special)];
    if (k < 0xE0) return pow(10.0, (double)(int8_t)u8(s) / 8.0);          /* positive, 10^-16 .. 10^16 */
    uint64_t bits = 0;
    for (int i = 0; i < 8; i++) bits = bits << 8 | u8(s);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* A length for a buffer of `have` elements: mostly in range, sometimes 0, sometimes beyond SK_MAX_LENGTH. */
static size_t len(src *s, size_t have) {
    uint8_t k = u8(s);
    if (k == 0xFF) return (size_t)-1;
    if (k == 0xFE) return SK_MAX_LENGTH + 1;
    return k % (have + 1);
}

static void fill(src *s, double *a, size_t n) { for (size_t i = 0; i < n; i++) a[i] = dbl(s); }

/* The pointer, or NULL about one time in 16. */
#define MAYBE(s, ptr) ((u8(s) & 15) == 0 ? NULL : (ptr))
/* A struct_size: right most of the time, else 0, one short or one long. */
static size_t ssize(src *s, size_t right) {
    uint8_t k = u8(s) & 31;
    return k == 0 ? 0 : k == 1 ? right - 1 : k == 2 ? right + 8 : right;
}

static void cstring(src *s, char *out, size_t cap) {
    size_t n = u8(s) % cap;
    for (size_t i = 0; i < n; i++) out[i] = (char)u8(s);
    out[n] = 0;
}

/* ---- the steps --------------------------------------------------------------------------------------------- */

#define MAXN 12

static void use_fit(src *s, sk_fit *fit) {
    sk_fit_info info = { .struct_size = ssize(s, sizeof info) };
    ok(sk_fit_get_info(fit, &info), "sk_fit_get_info");
    if (!sk_fit_message(fit)) fail("no message", "sk_fit_message", 0);
    size_t np = sk_fit_param_count(fit);
    double params[16];
    if (np <= 16 && ok(sk_fit_params(fit, params, len(s, 16)), "sk_fit_params") == SK_OK)
        for (size_t i = 0; i < np; i++) not_nan(params[i], "sk_fit_params");
    (void)sk_fit_param_name(fit, u8(s) % 20);
    (void)sk_fit_input_name(fit, u8(s) % 4);
    (void)sk_fit_param_at_bound(fit, u8(s) % 20);
    double v;
    char name[8];
    cstring(s, name, sizeof name);
    ok(sk_fit_param(fit, u8(s) & 1 ? "E" : name, &v), "sk_fit_param");
    size_t excluded[MAXN];
    ok(sk_fit_excluded(fit, excluded, len(s, MAXN)), "sk_fit_excluded");
    double N[MAXN], D[MAXN], out[MAXN];
    size_t n = len(s, MAXN);
    fill(s, N, MAXN); fill(s, D, MAXN);
    const double *cols[2] = { N, D };
    ok(sk_fit_predict(fit, cols, u8(s) % 4, n, MAYBE(s, out)), "sk_fit_predict");
    ok(sk_chinchilla_predict(fit, N, D, n, out), "sk_chinchilla_predict");
    sk_allocation a = { .struct_size = ssize(s, sizeof a) };
    if (ok(sk_plan_allocate(fit, dbl(s), &a), "sk_plan_allocate") == SK_OK) { not_nan(a.params, "sk_plan_allocate"); not_nan(a.tokens, "sk_plan_allocate"); }
    if (ok(sk_plan_minimum_compute(fit, dbl(s), &a), "sk_plan_minimum_compute") == SK_OK) not_nan(a.compute, "sk_plan_minimum_compute");
    if (ok(sk_plan_at_ratio(fit, dbl(s), dbl(s), &a), "sk_plan_at_ratio") == SK_OK) not_nan(a.loss, "sk_plan_at_ratio");
    sk_inference_plan ip = { .struct_size = ssize(s, sizeof ip) };
    if (ok(sk_plan_inference_aware(fit, dbl(s), dbl(s), &ip), "sk_plan_inference_aware") == SK_OK) not_nan(ip.params, "sk_plan_inference_aware");
}

static void step_chinchilla(src *s) {
    double N[MAXN], D[MAXN], L[MAXN], start[3][2];
    size_t n = len(s, MAXN);
    fill(s, N, MAXN); fill(s, D, MAXN); fill(s, L, MAXN);
    fill(s, start[0], 2); fill(s, start[1], 2); fill(s, start[2], 2);
    sk_chinchilla_options o;
    ok(sk_chinchilla_options_init(&o, ssize(s, sizeof o)), "sk_chinchilla_options_init");
    sk_chinchilla_options_init(&o, sizeof o);
    o.optimizer.threads = 1; o.optimizer.max_iterations = 1 + u8(s) % 30; o.optimizer.screen_refine = 1; o.optimizer.screen_confirmations = 1;
    o.huber_delta = u8(s) & 1 ? dbl(s) : 1e-3;
    o.exclude_highest_loss = u8(s) % 3;
    o.start_alpha = start[0]; o.start_alpha_len = 1 + (u8(s) & 1);
    o.start_beta = start[1]; o.start_beta_len = 1;
    o.start_e = start[2]; o.start_e_len = 1;
    o.start_a = start[0]; o.start_a_len = 1;
    o.start_b = MAYBE(s, start[1]); o.start_b_len = 1;
    sk_fit *fit = NULL;
    /* Always our small options: NULL means the defaults (4,500 starts), seconds per call under ASan, which the
     * C tests already cover; here it only made libFuzzer report slow inputs as timeouts. */
    if (ok(sk_chinchilla_fit(MAYBE(s, N), D, L, n, &o, MAYBE(s, &fit)), "sk_chinchilla_fit") == SK_OK) {
        if (!fit) fail("success without a handle", "sk_chinchilla_fit", 0);
        use_fit(s, fit);
    }
    sk_fit_free(fit);
}

static const char *const inputs[] = { "N", "D", "C" };

static void step_formula_text(const char *text, src *s) {
    sk_law *law = NULL;
    if (ok(sk_law_from_formula(text, inputs, 2, &law), "sk_law_from_formula") != SK_OK) return;
    if (!law) fail("success without a handle", "sk_law_from_formula", 0);
    if (!sk_law_formula(law) || !sk_law_name(law)) fail("law without text", "sk_law_formula", 0);
    for (size_t i = 0; i < sk_law_param_count(law); i++)
        if (!sk_law_param_name(law, i)) fail("parameter without a name", "sk_law_param_name", 0);
    (void)sk_law_input_name(law, 5);
    /* A short fit on a fixed, Chinchilla-like data set. */
    static const double N[6] = { 1e7, 3e7, 1e8, 3e8, 1e9, 3e9 }, D[6] = { 2e8, 6e8, 2e9, 6e9, 2e10, 6e10 };
    double L[6], out[6];
    for (int i = 0; i < 6; i++) L[i] = 1.69 + 406.4 / pow(N[i], 0.34) + 410.7 / pow(D[i], 0.28);
    const double *cols[2] = { N, D };
    sk_law_fit_options o;
    sk_law_fit_options_init(&o, sizeof o);
    o.optimizer.threads = 1; o.optimizer.max_iterations = 10; o.optimizer.screen_refine = 1; o.optimizer.screen_confirmations = 1;
    o.method = s ? u8(s) % 3 : 0;
    o.loss = s ? u8(s) % 3 : 0;
    /* A small Latin hypercube instead of the automatic search's grid of up to 22,801 starts (fast under ASan). */
    o.random_starts = 8;
    o.search = s ? u8(s) % 4 : 0;
    sk_fit *fit = NULL;
    if (ok(sk_law_fit(law, cols, 2, L, 6, &o, &fit), "sk_law_fit") == SK_OK) {
        size_t np = sk_fit_param_count(fit);
        double params[64];
        if (np <= 64 && ok(sk_fit_params(fit, params, np), "sk_fit_params") == SK_OK)
            for (size_t i = 0; i < np; i++) not_nan(params[i], "sk_fit_params");
        ok(sk_fit_predict(fit, cols, 2, 6, out), "sk_fit_predict");
        double lo[6], hi[6];
        if (ok(sk_fit_predict_interval(fit, cols, 2, 6, s ? u8(s) % 3 : 1, 0.95, out, lo, hi), "sk_fit_predict_interval") == SK_OK)
            for (int i = 0; i < 6; i++) { not_nan(lo[i], "sk_fit_predict_interval"); not_nan(hi[i], "sk_fit_predict_interval"); }
        if (!sk_fit_search(fit)) fail("NULL search description", "sk_fit_search", 0);
        sk_prediction_errors e = { .struct_size = sizeof e };
        ok(sk_law_leave_one_out(law, cols, 2, L, 3, &o, NULL, NULL, &e), "sk_law_leave_one_out");
    }
    sk_fit_free(fit);
    sk_law_free(law);
}

static void step_law(src *s) {
    char text[48];
    static const char *const named[] = { "chinchilla", "kaplan_nd", "compute", "broken_power_law", "lr_annealing", "nope", "" };
    sk_law *law = NULL;
    if (u8(s) & 1) {
        ok(sk_law_from_name(named[u8(s) % 7], MAYBE(s, &law)), "sk_law_from_name");
        sk_law_free(law);
        return;
    }
    cstring(s, text, sizeof text);
    step_formula_text(text, s);
    ok(sk_law_from_formula(text, MAYBE(s, inputs), len(s, 3), &law), "sk_law_from_formula");
    sk_law_free(law);
}

static void step_isoflop(src *s) {
    double N[MAXN], D[MAXN], L[MAXN], C[MAXN];
    size_t n = len(s, MAXN);
    fill(s, N, MAXN); fill(s, D, MAXN); fill(s, L, MAXN); fill(s, C, MAXN);
    sk_isoflop_options o;
    ok(sk_isoflop_options_init(&o, ssize(s, sizeof o)), "sk_isoflop_options_init");
    sk_isoflop_options_init(&o, sizeof o);
    o.min_runs_per_budget = u8(s) % 5; o.require_interior_minimum = u8(s) % 3; o.confidence = u8(s) & 1 ? dbl(s) : 0.95;
    sk_isoflop *r = NULL;
    if (ok(sk_isoflop_fit(N, D, L, MAYBE(s, C), n, &o, &r), "sk_isoflop_fit") == SK_OK) {
        sk_isoflop_info info = { .struct_size = ssize(s, sizeof info) };
        ok(sk_isoflop_get_info(r, &info), "sk_isoflop_get_info");
        sk_isoflop_budget b = { .struct_size = sizeof b };
        ok(sk_isoflop_budget_at(r, u8(s) % 4, &b), "sk_isoflop_budget_at");
        (void)sk_isoflop_budget_note(r, u8(s) % 4);
        if (!sk_isoflop_message(r)) fail("no message", "sk_isoflop_message", 0);
    }
    sk_isoflop_free(r);
    sk_envelope_options eo;
    sk_envelope_options_init(&eo, sizeof eo);
    eo.grid_points = u8(s) % 64; eo.min_runs_covering = u8(s) % 4; eo.exclude_edge_sizes = u8(s) % 3;
    sk_envelope_info ei = { .struct_size = ssize(s, sizeof ei) };
    if (ok(sk_envelope_fit(C, N, D, L, n, &eo, MAYBE(s, &ei)), "sk_envelope_fit") == SK_OK) not_nan(ei.a, "sk_envelope_fit");
}

static void step_transformer(src *s) {
    sk_transformer_shape sh;
    ok(sk_transformer_shape_init(&sh, ssize(s, sizeof sh)), "sk_transformer_shape_init");
    static const char *const presets[] = { "gpt2_small", "llama2_7b", "chinchilla_70b", "?", "" };
    if (u8(s) & 1) ok(sk_transformer_shape_preset(presets[u8(s) % 5], &sh), "sk_transformer_shape_preset");
    else {
        sk_transformer_shape_init(&sh, sizeof sh);
        sh.d_model = u8(s) * 16; sh.layers = u8(s) % 64; sh.heads = u8(s) % 33; sh.kv_heads = u8(s) % 9;
        sh.head_dim = u8(s) % 3 * 64; sh.d_ff = u8(s) * 64; sh.vocab = u8(s) * 1000; sh.sequence_length = u8(s) * 64;
        sh.mlp = (int8_t)u8(s) % 4; sh.norm = (int8_t)u8(s) % 4; sh.positional = (int8_t)u8(s) % 5;
        sh.tied_embeddings = u8(s) % 3; sh.biases = u8(s) % 3;
        if (u8(s) == 0xFF) sh.d_model = (size_t)-1;
    }
    sk_transformer_count c = { .struct_size = ssize(s, sizeof c) };
    if (ok(sk_transformer_count_parameters(&sh, &c), "sk_transformer_count_parameters") == SK_OK)
        not_nan(c.training_flops, "sk_transformer_count_parameters");
    sk_transformer_shape out[4];
    size_t params[4], count = 0;
    ok(sk_transformer_nearest(&sh, dbl(s), out, params, len(s, 4), &count), "sk_transformer_nearest");
}

static void step_transfer(src *s) {
    enum { G = 4 };
    int64_t base[G][2], delta[G][2], tgt[G][2];
    sk_param_group g[G];
    char names[G][8];
    for (int i = 0; i < G; i++) {
        for (int k = 0; k < 2; k++) {
            base[i][k] = (int8_t)u8(s); delta[i][k] = u8(s) & 1 ? base[i][k] : base[i][k] * 2; tgt[i][k] = (int8_t)u8(s) * 8;
        }
        cstring(s, names[i], sizeof names[i]);
        g[i] = (sk_param_group){ .struct_size = ssize(s, sizeof g[i]), .name = MAYBE(s, names[i]), .rank = u8(s) % 4,
                                 .base_shape = base[i], .delta_shape = MAYBE(s, delta[i]), .target_shape = tgt[i],
                                 .role = (int8_t)u8(s) % 8, .in_residual_block = u8(s) & 1 };
        if (g[i].rank > 2) g[i].rank = 2;
    }
    size_t n = len(s, G);
    sk_transfer_options o;
    ok(sk_transfer_options_init(&o, ssize(s, sizeof o)), "sk_transfer_options_init");
    sk_transfer_options_init(&o, sizeof o);
    o.parametrization = (int8_t)u8(s) % 8; o.optimizer = (int8_t)u8(s) % 3; o.weight_decay_rule = (int8_t)u8(s) % 5;
    o.batch_rule = (int8_t)u8(s) % 4; o.hold_timescale = u8(s) & 1;
    if (u8(s) & 1) { o.depth_alpha = dbl(s); o.base_layers = u8(s) % 8; o.layers = u8(s) % 64; }
    sk_group_hparams out[G];
    for (int i = 0; i < G; i++) out[i].struct_size = sizeof out[i];
    if (ok(sk_transfer_rules(g, n, &o, out), "sk_transfer_rules") == SK_OK)
        for (size_t i = 0; i < n; i++) not_nan(out[i].lr_mult, "sk_transfer_rules");
    sk_proxy_hparams p = { .struct_size = ssize(s, sizeof p), .learning_rate = dbl(s), .weight_decay = dbl(s),
                           .init_std = dbl(s), .beta1 = 0.9, .beta2 = 0.95, .epsilon = 1e-8,
                           .batch_tokens = dbl(s), .tokens = dbl(s) };
    sk_transfer_info info = { .struct_size = sizeof info };
    if (ok(sk_transfer(g, n, MAYBE(s, &p), dbl(s), dbl(s), &o, out, &info), "sk_transfer") == SK_OK)
        for (size_t i = 0; i < n; i++) not_nan(out[i].learning_rate, "sk_transfer");
    double v;
    int64_t shape[2] = { (int8_t)u8(s), (int8_t)u8(s) };
    if (ok(sk_transfer_umup_lr_scale((int8_t)u8(s) % 6, shape, u8(s) % 3, u8(s) % 8, (int8_t)u8(s) % 3, &v), "sk_transfer_umup_lr_scale") == SK_OK) not_nan(v, "sk_transfer_umup_lr_scale");
    if (ok(sk_transfer_umup_weight_decay(dbl(s), dbl(s), &v), "sk_transfer_umup_weight_decay") == SK_OK) not_nan(v, "sk_transfer_umup_weight_decay");
    if (ok(sk_transfer_umup_residual_tau(u8(s) % 10, u8(s) % 8, dbl(s), dbl(s), &v), "sk_transfer_umup_residual_tau") == SK_OK) not_nan(v, "sk_transfer_umup_residual_tau");
    if (ok(sk_transfer_attention_scale(u8(s), u8(s), (int8_t)u8(s) % 5, &v), "sk_transfer_attention_scale") == SK_OK) not_nan(v, "sk_transfer_attention_scale");
}

static void step_sweep(src *s) {
    double N[MAXN], D[MAXN], lr[MAXN], B[MAXN], L[MAXN], wd[MAXN];
    size_t n = len(s, MAXN);
    /* Sweeps need repeated (N, D) cells to say anything, so draw from few distinct values. */
    for (size_t i = 0; i < MAXN; i++) {
        N[i] = u8(s) & 1 ? 1e8 : 4e8; D[i] = u8(s) & 1 ? 2e9 : dbl(s); lr[i] = pow(2.0, -(double)(u8(s) % 12));
        B[i] = u8(s) & 1 ? 256 : dbl(s); L[i] = u8(s) & 3 ? 3.0 + (double)(u8(s) % 16) / 16 : dbl(s); wd[i] = dbl(s);
    }
    sk_hp_sweep *sw = NULL;
    if (ok(sk_hp_sweep_fit(N, D, MAYBE(s, lr), B, L, u8(s) & 1 ? wd : NULL, n, &sw), "sk_hp_sweep_fit") == SK_OK) {
        sk_hp_sweep_info info = { .struct_size = ssize(s, sizeof info) };
        ok(sk_hp_sweep_get_info(sw, &info), "sk_hp_sweep_get_info");
        sk_hp_sweep_cell c = { .struct_size = sizeof c };
        size_t k = u8(s) % 6;
        if (ok(sk_hp_sweep_cell_at(sw, k, &c), "sk_hp_sweep_cell_at") == SK_OK && !sk_hp_sweep_cell_note(sw, k))
            fail("a cell without a note", "sk_hp_sweep_cell_note", 0);
        double a, b;
        sk_interval lr_interval;
        if (ok(sk_hp_sweep_predict(sw, dbl(s), dbl(s), dbl(s), &a, &lr_interval, &b), "sk_hp_sweep_predict") == SK_OK) not_nan(a, "sk_hp_sweep_predict");
        if (!sk_hp_sweep_message(sw)) fail("no message", "sk_hp_sweep_message", 0);
    }
    sk_hp_sweep_free(sw);
    int64_t layer[MAXN], step[MAXN];
    double worst[4];
    int verdict[4];
    size_t layers = 0;
    for (size_t i = 0; i < MAXN; i++) { layer[i] = (int8_t)u8(s) % 3; step[i] = (int8_t)u8(s) % 2; }
    fill(s, wd, MAXN);
    if (ok(sk_coord_check(layer, N, step, wd, n, dbl(s), worst, verdict, len(s, 4), &layers), "sk_coord_check") == SK_OK)
        for (size_t i = 0; i < layers && i < 4; i++) not_nan(worst[i], "sk_coord_check");
}

static void step_gns(src *s) {
    sk_gns_options o;
    ok(sk_gns_options_init(&o, ssize(s, sizeof o)), "sk_gns_options_init");
    sk_gns_options_init(&o, sizeof o);
    o.smoothing = (int8_t)u8(s) % 4; o.construction = (int8_t)u8(s) % 5; o.preconditioning = (int8_t)u8(s) % 4;
    o.window = u8(s) % 8; o.groups = u8(s) % 4;
    if (u8(s) & 1) o.ema_beta = dbl(s);
    if (u8(s) & 1) o.dataset_size = dbl(s);
    if (u8(s) & 1) o.confidence = dbl(s);
    sk_gns *g = NULL;
    if (ok(sk_gns_create(&o, &g), "sk_gns_create") != SK_OK) return;
    for (int k = u8(s) % 16; k > 0; k--) {
        double a[4], b[4];
        fill(s, a, 4); fill(s, b, 4);
        switch (u8(s) % 5) {
        case 0: ok(sk_gns_update(g, dbl(s), dbl(s), dbl(s), dbl(s), dbl(s)), "sk_gns_update"); break;
        case 1: ok(sk_gns_update(g, 2.0 + dbl(s) * 0, 1.5, 32, 256, 1e-3), "sk_gns_update"); break;
        case 2: ok(sk_gns_update_groups(g, a, MAYBE(s, b), len(s, 4), dbl(s), dbl(s), dbl(s)), "sk_gns_update_groups"); break;
        case 3: ok(sk_gns_update_ranks(g, MAYBE(s, a), len(s, 4), dbl(s), dbl(s), dbl(s)), "sk_gns_update_ranks"); break;
        default: ok(sk_gns_reset(g), "sk_gns_reset");
        }
        sk_gns_reading r = { .struct_size = ssize(s, sizeof r) };
        if (ok(sk_gns_read(g, (int8_t)u8(s) % 5 - 1, &r), "sk_gns_read") == SK_OK && r.valid) not_nan(r.b_simple, "sk_gns_read");
    }
    sk_gns_free(g);
}

static void step_batch(src *s) {
    double B[MAXN], S[MAXN], T[MAXN];
    size_t n = len(s, MAXN);
    for (size_t i = 0; i < MAXN; i++) {
        B[i] = u8(s) & 3 ? pow(2.0, 4 + u8(s) % 10) : dbl(s);
        S[i] = u8(s) & 3 ? 1000 * (1 + 2000 / B[i]) * (1 + (double)(int8_t)u8(s) / 4096) : dbl(s);
        T[i] = u8(s) & 1 ? 3.0 : 3.5;
    }
    sk_cbs_tradeoff t = { .struct_size = ssize(s, sizeof t) };
    if (ok(sk_cbs_tradeoff_fit(MAYBE(s, B), S, n, u8(s) & 1 ? dbl(s) : 0.95, &t), "sk_cbs_tradeoff_fit") == SK_OK)
        not_nan(t.critical_batch, "sk_cbs_tradeoff_fit");
    sk_cbs_tradeoff fits[2] = { { .struct_size = sizeof fits[0] }, { .struct_size = sizeof fits[1] } };
    size_t count = 0;
    double bstar, alpha;
    ok(sk_cbs_tradeoff_fit_targets(B, S, T, n, 0.95, fits, len(s, 2), &count, &bstar, &alpha), "sk_cbs_tradeoff_fit_targets");
    double v, a, b, c;
    if (ok(sk_cbs_convert((int8_t)u8(s) % 3, dbl(s), dbl(s), dbl(s), &v), "sk_cbs_convert") == SK_OK) not_nan(v, "sk_cbs_convert");
    if (ok(sk_cbs_cost(dbl(s), dbl(s), dbl(s), dbl(s), &a, &b, &c), "sk_cbs_cost") == SK_OK) not_nan(a, "sk_cbs_cost");
    static const char *const laws[] = { "kaplan", "deepseek", "step_law", "zhang", "x", "" };
    if (ok(sk_cbs_law(laws[u8(s) % 6], dbl(s), &v), "sk_cbs_law") == SK_OK) not_nan(v, "sk_cbs_law");
    double tok[8], bat[8];
    ok(sk_cbs_schedule(dbl(s), dbl(s), dbl(s), dbl(s), dbl(s), dbl(s), tok, bat, len(s, 8), &count), "sk_cbs_schedule");
}

static void step_scalars(src *s) {
    double v, w, in[4], out[4];
    static const char *const hp[] = { "deepseek", "step_law", "porian", "x", "" };
    if (ok(sk_hp_law(hp[u8(s) % 5], dbl(s), dbl(s), dbl(s), &v, &w), "sk_hp_law") == SK_OK) not_nan(v, "sk_hp_law");
    fill(s, in, 4);
    if (ok(sk_transfer_adam_sqrt(dbl(s), MAYBE(s, in), out), "sk_transfer_adam_sqrt") == SK_OK) not_nan(out[0], "sk_transfer_adam_sqrt");
    if (ok(sk_transfer_optimal_lr((int8_t)u8(s) % 3, dbl(s), dbl(s), dbl(s), &v), "sk_transfer_optimal_lr") == SK_OK) not_nan(v, "sk_transfer_optimal_lr");
    if (ok(sk_transfer_adamw_timescale(dbl(s), dbl(s), dbl(s), dbl(s), &v), "sk_transfer_adamw_timescale") == SK_OK) not_nan(v, "sk_transfer_adamw_timescale");
    double lr[MAXN], s1[MAXN], s2[MAXN];
    size_t n = len(s, MAXN);
    fill(s, lr, MAXN);
    ok(sk_lr_schedule_areas(lr, n, dbl(s), s1, MAYBE(s, s2)), "sk_lr_schedule_areas");
    double params[7], loss[MAXN], pred[MAXN];
    size_t steps[MAXN];
    fill(s, params, 7);
    for (size_t i = 0; i < MAXN; i++) { steps[i] = u8(s) % (MAXN + 2); loss[i] = 3; }
    sk_loss_curve curve = { .learning_rates = lr, .n_steps = n, .warmup_steps = u8(s) % 4, .steps = steps,
                            .loss = loss, .n_obs = len(s, MAXN) };
    ok(sk_mpl_predict(params, len(s, 7), MAYBE(s, &curve), pred), "sk_mpl_predict");
    (void)sk_status_string((int8_t)u8(s));
    if (!sk_version_string() || sk_version_number() != SK_VERSION_NUMBER) fail("version", "sk_version_string", 0);
}

static void run_abi(const uint8_t *data, size_t size) {
    src s = { data, size };
    for (int steps = 0; steps < 8 && s.n > 0; steps++) {
        switch (u8(&s) % 10) {
        case 0: step_chinchilla(&s); break;
        case 1: step_law(&s); break;
        case 2: step_isoflop(&s); break;
        case 3: step_transformer(&s); break;
        case 4: step_transfer(&s); break;
        case 5: step_sweep(&s); break;
        case 6: step_gns(&s); break;
        case 7: step_batch(&s); break;
        default: step_scalars(&s); break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    switch (target) {
    case T_FORMULA: {
        if (size > 8192) return 0;
        char *text = malloc(size + 1);
        memcpy(text, data, size);
        text[size] = 0;
        step_formula_text(text, NULL);
        free(text);
        break;
    }
    case T_ABI: run_abi(data, size); break;
    case T_CSV: skfuzz_csv(data, size); break;
    case T_JSONL: skfuzz_jsonl(data, size); break;
    }
    return 0;
}

/* The C ABI's bad-input matrix: one row per case, each asserting the status and that the message names the
 * problem. Rows cover every capability's entry points: null pointers, zero and SIZE_MAX lengths, NaN/Inf/negative
 * values, wrong struct_size, out-of-range enums, invalid UTF-8 and over-long strings, and data that cannot identify
 * what is asked. Built and run by the test command; a reader can scan it top to bottom.
 *
 *   cc -std=c11 bindings/c/tests/bad_input_matrix.c $(pkg-config --cflags --libs scalingkit) -lm -o matrix
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "scalingkit.h"

static int passed = 0, failed = 0;

#define ROW(label, call, status, needle)                                                                     \
    do {                                                                                                     \
        int rc_ = (call);                                                                                    \
        const char *msg_ = sk_last_error();                                                                  \
        if (rc_ == (status) && strstr(msg_, (needle)) != NULL) {                                             \
            passed++;                                                                                        \
        } else {                                                                                             \
            failed++;                                                                                        \
            printf("FAIL %-44s returned %d (want %d), message '%s' (want '%s')\n", label, rc_, (int)(status), \
                   msg_, needle);                                                                            \
        }                                                                                                    \
    } while (0)

int main(void) {
    double N[6] = {1e8, 2e8, 4e8, 1e9, 2e9, 4e9}, D[6] = {2e9, 4e9, 8e9, 2e10, 4e10, 8e10};
    double L[6] = {3.2, 3.0, 2.9, 2.7, 2.6, 2.5}, nanL[6] = {3.2, NAN, 2.9, 2.7, 2.6, 2.5};
    double negN[6] = {1e8, -2e8, 4e8, 1e9, 2e9, 4e9}, inf[6] = {INFINITY, 1, 1, 1, 1, 1};
    double tiny[6] = {4.9e-324, 1, 1, 1, 1, 1};
    sk_fit *fit = NULL;
    sk_allocation a = {.struct_size = sizeof a};
    sk_chinchilla_options co;
    sk_chinchilla_options_init(&co, sizeof co);

    /* ---------------------------------------------------------------- fitting */
    ROW("fit: N NULL", sk_chinchilla_fit(NULL, D, L, 6, NULL, &fit), SK_ERR_NULL_POINTER, "'N'");
    ROW("fit: out NULL", sk_chinchilla_fit(N, D, L, 6, NULL, NULL), SK_ERR_NULL_POINTER, "'out'");
    ROW("fit: n = 0", sk_chinchilla_fit(N, D, L, 0, NULL, &fit), SK_ERR_LENGTH, "no data");
    ROW("fit: n = SIZE_MAX", sk_chinchilla_fit(N, D, L, SIZE_MAX, NULL, &fit), SK_ERR_LENGTH, "SK_MAX_LENGTH");
    ROW("fit: NaN loss", sk_chinchilla_fit(N, D, nanL, 6, NULL, &fit), SK_ERR_INVALID_ARGUMENT, "not finite");
    ROW("fit: negative N", sk_chinchilla_fit(negN, D, L, 6, NULL, &fit), SK_ERR_INVALID_ARGUMENT, "must be > 0");
    ROW("fit: +Inf N", sk_chinchilla_fit(inf, D, L, 6, NULL, &fit), SK_ERR_INVALID_ARGUMENT, "not finite");
    co.struct_size = 3;
    ROW("fit: options struct_size 3", sk_chinchilla_fit(N, D, L, 6, &co, &fit), SK_ERR_STRUCT_SIZE, "struct_size");
    ROW("options_init: NULL", sk_chinchilla_options_init(NULL, sizeof co), SK_ERR_NULL_POINTER, "'options'");
    ROW("law: unknown name", sk_law_from_name("chinchila", &(sk_law *){NULL}), SK_ERR_INVALID_ARGUMENT, "chinchila");
    ROW("law: invalid UTF-8 formula", sk_law_from_formula("E + A*N^\xff", (const char *const[]){"N"}, 1, &(sk_law *){NULL}),
        SK_ERR_INVALID_ARGUMENT, "UTF-8");
    char deep[1100];
    memset(deep, '(', 1000); strcpy(deep + 1000, "N");
    ROW("law: 1000-deep formula", sk_law_from_formula(deep, (const char *const[]){"N"}, 1, &(sk_law *){NULL}),
        SK_ERR_INVALID_ARGUMENT, "nested more than 64 levels");
    ROW("law: formula NULL", sk_law_from_formula(NULL, NULL, 0, &(sk_law *){NULL}), SK_ERR_NULL_POINTER, "'formula'");
    ROW("law rank: no laws", sk_law_rank((double[]){0.1}, (size_t[]){2}, 0, (size_t[1]){0}), SK_ERR_LENGTH, "'n' is 0");
    ROW("predict: fit NULL", sk_chinchilla_predict(NULL, N, D, 6, L), SK_ERR_NULL_POINTER, "'fit'");
    ROW("predict interval: fit NULL", sk_fit_predict_interval(NULL, (const double *const[]){N}, 1, 6,
        SK_INTERVAL_PREDICTION, 0.95, L, L, L), SK_ERR_NULL_POINTER, "'fit'");

    /* ---------------------------------------------------------------- planning */
    ROW("allocate: fit NULL", sk_plan_allocate(NULL, 1e22, &a), SK_ERR_NULL_POINTER, "'fit'");
    ROW("schedule areas: lr NULL", sk_lr_schedule_areas(NULL, 3, 0.9, &(double){0}, &(double){0}), SK_ERR_NULL_POINTER, "'lr' is NULL");
    ROW("isoflop: n = 0", sk_isoflop_fit(N, D, L, N, 0, NULL, &(sk_isoflop *){NULL}), SK_ERR_LENGTH, "no data");
    ROW("transformer count: d_model 2^32 (overflowed Int, a trap, before 0.4.0)",
        sk_transformer_count_parameters(&(sk_transformer_shape){.struct_size = sizeof(sk_transformer_shape),
            .d_model = (size_t)1 << 32, .layers = 1, .heads = 1, .vocab = 1, .sequence_length = 1},
            &(sk_transformer_count){.struct_size = sizeof(sk_transformer_count)}), SK_ERR_INVALID_ARGUMENT, "beyond the 2^62");
    ROW("transformer preset: unknown", sk_transformer_shape_preset("gpt5", &(sk_transformer_shape){.struct_size = sizeof(sk_transformer_shape)}),
        SK_ERR_INVALID_ARGUMENT, "gpt5");
    ROW("envelope: a subnormal size (legal; no envelope)", sk_envelope_fit(N, tiny, N, L, 6, NULL, &(sk_envelope_info){.struct_size = sizeof(sk_envelope_info)}),
        SK_ERR_INVALID_ARGUMENT, "2 or more");

    /* ---------------------------------------------------------------- transfer */
    int64_t b2[2] = {64, 64}, t2[2] = {1024, 1024}, shrink[2] = {32, 64};
    sk_param_group g = {sizeof(sk_param_group), "w", 2, b2, NULL, t2, SK_ROLE_INFERRED, 0};
    sk_group_hparams out = {.struct_size = sizeof out};
    ROW("transfer: groups NULL", sk_transfer_rules(NULL, 1, NULL, &out), SK_ERR_NULL_POINTER, "'groups'");
    ROW("transfer: n = 0", sk_transfer_rules(&g, 0, NULL, &out), SK_ERR_LENGTH, "'n'");
    ROW("transfer: out NULL", sk_transfer_rules(&g, 1, NULL, NULL), SK_ERR_NULL_POINTER, "'out'");
    g.target_shape = shrink;
    ROW("transfer: shrinking axis", sk_transfer_rules(&g, 1, NULL, &out), SK_ERR_INVALID_ARGUMENT, "shrinks");
    g.target_shape = t2; g.rank = 9;
    ROW("transfer: rank 9", sk_transfer_rules(&g, 1, NULL, &out), SK_ERR_LENGTH, "rank");
    g.rank = 2; g.role = 77;
    ROW("transfer: role 77", sk_transfer_rules(&g, 1, NULL, &out), SK_ERR_INVALID_ARGUMENT, "role");
    g.role = 0; g.struct_size = 8;
    ROW("transfer: group struct_size 8", sk_transfer_rules(&g, 1, NULL, &out), SK_ERR_STRUCT_SIZE, "sk_param_group");
    g.struct_size = sizeof g;
    sk_proxy_hparams proxy = {sizeof proxy, NAN, 0.1, 0.02, 0.9, 0.95, 1e-8, 1e5, 1e9};
    ROW("transfer: NaN learning rate", sk_transfer(&g, 1, &proxy, 1e6, 1e10, NULL, &out, NULL), SK_ERR_INVALID_ARGUMENT,
        "learning rate");
    ROW("hp law: unknown", sk_hp_law("kaplan", 1e9, 1e10, NAN, &(double){0}, &(double){0}), SK_ERR_INVALID_ARGUMENT,
        "unknown hyperparameter law");
    ROW("hp law: step law without D", sk_hp_law("step_law", 1e9, NAN, NAN, &(double){0}, &(double){0}),
        SK_ERR_INVALID_ARGUMENT, "finite and > 0");
    ROW("adam sqrt: k = -1", sk_transfer_adam_sqrt(-1, (double[]){1e-3, 0.9, 0.99, 1e-8}, (double[4]){0}),
        SK_ERR_INVALID_ARGUMENT, "kappa");
    ROW("umup: rank 4", sk_transfer_umup_lr_scale(SK_UMUP_WEIGHT, (int64_t[]){2, 2, 2, 2}, 4, 0, SK_OPTIMIZER_ADAM, &(double){0}),
        SK_ERR_UNSUPPORTED, "rank 4");
    double one[3] = {1e8, 1e8, 1e8}, lrs[3] = {1e-3, 1e-3, 1e-3};
    ROW("sweep: one learning rate", sk_hp_sweep_fit(one, one, lrs, one, L, NULL, 3, &(sk_hp_sweep *){NULL}),
        SK_ERR_INVALID_ARGUMENT, "no optimum can be located");
    ROW("coord check: one width", sk_coord_check((int64_t[]){0}, (double[]){64}, (int64_t[]){0}, (double[]){1}, 1, 0.25,
        (double[1]){0}, (int[1]){0}, 1, &(size_t){0}), SK_ERR_INVALID_ARGUMENT, "fewer than 2 widths");

    /* ---------------------------------------------------------------- batch size */
    sk_gns *gns = NULL;
    sk_gns_create(NULL, &gns);
    ROW("gns: handle NULL", sk_gns_update(NULL, 1, 0.5, 4, 16, NAN), SK_ERR_NULL_POINTER, "'gns'");
    ROW("gns: small >= big batch", sk_gns_update(gns, 1, 0.5, 16, 16, NAN), SK_ERR_INVALID_ARGUMENT, "smaller");
    ROW("gns: NaN norm", sk_gns_update(gns, NAN, 0.5, 4, 16, NAN), SK_ERR_INVALID_ARGUMENT, "step rejected");
    ROW("gns: -Inf norm", sk_gns_update(gns, 1, -INFINITY, 4, 16, NAN), SK_ERR_INVALID_ARGUMENT, "step rejected");
    ROW("gns: zero batch", sk_gns_update(gns, 1, 0.5, 0, 16, NAN), SK_ERR_INVALID_ARGUMENT, "batch sizes");
    ROW("gns: negative learning rate", sk_gns_update(gns, 1, 0.5, 4, 16, -1), SK_ERR_INVALID_ARGUMENT, "learning rate");
    ROW("gns: read before any update", sk_gns_read(gns, -1, &(sk_gns_reading){.struct_size = sizeof(sk_gns_reading)}),
        SK_ERR_INVALID_ARGUMENT, "no measurements yet");
    ROW("gns: reading struct_size 0", sk_gns_read(gns, -1, &(sk_gns_reading){.struct_size = 0}), SK_ERR_STRUCT_SIZE, "sk_gns_reading");
    ROW("gns: ranks = SIZE_MAX", sk_gns_update_ranks(gns, (double[]){1, 1}, SIZE_MAX, 0.5, 4, NAN), SK_ERR_LENGTH,
        "SK_MAX_LENGTH");
    sk_gns_options go;
    sk_gns_options_init(&go, sizeof go);
    go.smoothing = 5;
    ROW("gns: smoothing 5", sk_gns_create(&go, &(sk_gns *){NULL}), SK_ERR_INVALID_ARGUMENT, "smoothing");
    sk_gns_options_init(&go, sizeof go);
    go.dataset_size = 1;
    ROW("gns: data set of 1", sk_gns_create(&go, &(sk_gns *){NULL}), SK_ERR_INVALID_ARGUMENT, "data-set size");
    sk_gns_free(gns);
    sk_gns_free(NULL); /* documented as safe */
    ROW("trade-off: 2 batch sizes", sk_cbs_tradeoff_fit((double[]){32, 64}, (double[]){10, 5}, 2, 0.95,
        &(sk_cbs_tradeoff){.struct_size = sizeof(sk_cbs_tradeoff)}), SK_ERR_INVALID_ARGUMENT, "at least 3 batch sizes");
    ROW("trade-off: confidence 1", sk_cbs_tradeoff_fit((double[]){32, 64, 128}, (double[]){10, 5, 3}, 3, 1.0,
        &(sk_cbs_tradeoff){.struct_size = sizeof(sk_cbs_tradeoff)}), SK_ERR_INVALID_ARGUMENT, "confidence");
    ROW("steps to target: n = SIZE_MAX", sk_cbs_steps_to_target((double[]){0, 1}, (double[]){3, 2}, SIZE_MAX, 2.5,
        &(double){0}, &(int){0}), SK_ERR_LENGTH, "SK_MAX_LENGTH");
    ROW("steps to target: steps fall", sk_cbs_steps_to_target((double[]){1, 0}, (double[]){3, 2}, 2, 2.5, &(double){0},
        &(int){0}), SK_ERR_INVALID_ARGUMENT, "steps must increase");
    ROW("steps to target: inf target", sk_cbs_steps_to_target((double[]){0, 1}, (double[]){3, 2}, 2, INFINITY,
        &(double){0}, &(int){0}), SK_ERR_INVALID_ARGUMENT, "target loss");
    ROW("steps to target: NULL reached", sk_cbs_steps_to_target((double[]){0, 1}, (double[]){3, 2}, 2, 2.5, &(double){0},
        NULL), SK_ERR_NULL_POINTER, "reached");
    ROW("steps table: n = SIZE_MAX", sk_cbs_steps_table((int64_t[]){1, 1}, (double[]){8, 8}, (double[]){0, 1},
        (double[]){3, 2}, SIZE_MAX, (double[]){2.5}, 1, (int64_t[2]){0}, (double[2]){0}, (double[2]){0}, (int[2]){0}, 2,
        &(size_t){0}), SK_ERR_LENGTH, "SK_MAX_LENGTH");
    ROW("steps table: no targets", sk_cbs_steps_table((int64_t[]){1, 1}, (double[]){8, 8}, (double[]){0, 1},
        (double[]){3, 2}, 2, (double[]){2.5}, 0, (int64_t[2]){0}, (double[2]){0}, (double[2]){0}, (int[2]){0}, 2,
        &(size_t){0}), SK_ERR_LENGTH, "n_targets");
    ROW("steps table: NULL count", sk_cbs_steps_table((int64_t[]){1, 1}, (double[]){8, 8}, (double[]){0, 1},
        (double[]){3, 2}, 2, (double[]){2.5}, 1, (int64_t[2]){0}, (double[2]){0}, (double[2]){0}, (int[2]){0}, 2, NULL),
        SK_ERR_NULL_POINTER, "count");
    ROW("fit outliers: NULL fit", sk_fit_outliers(NULL, (size_t[1]){0}, 1), SK_ERR_NULL_POINTER, "fit");
    ROW("weak param: NULL fit", sk_fit_weak_param_at(NULL, 0, &(sk_weak_param){.struct_size = sizeof(sk_weak_param)}),
        SK_ERR_NULL_POINTER, "fit");
    ROW("cbs convert: definition 9", sk_cbs_convert(9, 2000, 0.2, 256, &(double){0}), SK_ERR_INVALID_ARGUMENT, "definition");
    ROW("cbs law: unknown", sk_cbs_law("power_lines", 1e12, &(double){0}), SK_ERR_INVALID_ARGUMENT, "unknown batch law");
    ROW("cbs schedule: max < min", sk_cbs_schedule(0.58, 0.571, 1e12, 1024, 512, 1, (double[64]){0}, (double[64]){0}, 64,
        &(size_t){0}), SK_ERR_INVALID_ARGUMENT, "maximum batch");
    ROW("time-aware: devices 0", sk_plan_time_aware(NULL, 2.0, 8, 0.462,
        &(sk_hardware){sizeof(sk_hardware), 0, 1e14, 1e4}, (sk_timed_plan[2]){{.struct_size = sizeof(sk_timed_plan)}}, 2, &(size_t){0}),
        SK_ERR_NULL_POINTER, "'fit'");

    ROW("power law: x NULL", sk_power_law_evaluate(2, 0.5, NULL, 1, &(double){0}), SK_ERR_NULL_POINTER, "'x'");
    ROW("power law: y NULL", sk_power_law_evaluate(2, 0.5, (double[]){4}, 1, NULL), SK_ERR_NULL_POINTER, "'y'");
    ROW("power law: n = 0", sk_power_law_evaluate(2, 0.5, (double[]){4}, 0, &(double){0}), SK_ERR_LENGTH, "n");
    ROW("power law: x < 0", sk_power_law_evaluate(2, 0.5, (double[]){4, -1}, 2, (double[2]){0}), SK_ERR_INVALID_ARGUMENT,
        "x[1]");
    ROW("power law: NaN exponent", sk_power_law_evaluate(2, NAN, (double[]){4}, 1, &(double){0}), SK_ERR_INVALID_ARGUMENT,
        "finite");
    ROW("power law: overflow", sk_power_law_evaluate(1e300, 2, (double[]){1e300}, 1, &(double){0}),
        SK_ERR_INVALID_ARGUMENT, "overflows");
    ROW("cbs steps: batch 0", sk_cbs_steps(1000, 2000, (double[]){0}, 1, &(double){0}), SK_ERR_INVALID_ARGUMENT, "batch[0]");
    ROW("cbs kaplan: alpha_b 0", sk_cbs_kaplan_critical_batch(2e8, 0, (double[]){3}, 1, &(double){0}),
        SK_ERR_INVALID_ARGUMENT, "alpha_B");
    printf("bad-input matrix: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

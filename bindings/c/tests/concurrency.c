/* Concurrency stress for the C ABI (issue 8, part 4): THREADS pthreads at once, each with its own handles,
 * fitting (Chinchilla and a formula law), transferring, streaming GNS updates and triggering errors, ROUNDS times.
 * Every result must be bit-identical (memcmp) to the same work done first on one thread, and every failure's
 * sk_last_error() must be the calling thread's own message, never another thread's.
 *
 *   cc -std=c11 bindings/c/tests/concurrency.c $(pkg-config --cflags --libs scalingkit) -lpthread -lm
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scalingkit.h"

enum { THREADS = 8, ROUNDS = 6, RUNS = 24, STEPS = 2000 };

static double N[RUNS], D[RUNS], L[RUNS];

/* Deterministic synthetic sweep: Hoffmann et al.'s constants plus a fixed ±1 % wiggle. */
static void make_data(void) {
    for (int i = 0; i < RUNS; i++) {
        N[i] = 1e7 * pow(10, (i % 6) * 0.5);
        D[i] = N[i] * pow(10, 0.5 + (i / 6) * 0.5);
        L[i] = (1.69 + 406.4 / pow(N[i], 0.34) + 410.7 / pow(D[i], 0.28)) * (1 + 0.01 * sin(7.0 * i));
    }
}

typedef struct {
    double chinchilla[5];
    double law[4];
    sk_group_hparams transfer[3];
    sk_gns_reading gns;
} result;

static int failures = 0;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(int id, const char *what) {
    pthread_mutex_lock(&lock);
    fprintf(stderr, "thread %d: %s (last error: %s)\n", id, what, sk_last_error());
    failures++;
    pthread_mutex_unlock(&lock);
}

/* One round of work; `id` seeds the GNS stream and the error messages. Returns 0 on success. */
static int work(int id, result *r) {
    memset(r, 0, sizeof *r);
    /* 1. Chinchilla fit (its own worker threads: threads = 2, so pools nest inside our pthreads). */
    sk_chinchilla_options co;
    sk_chinchilla_options_init(&co, sizeof co);
    co.optimizer.threads = 2;
    static const double sa[] = {0.3, 0.6}, sb[] = {0.3, 0.6}, se[] = {0.5}, sA[] = {5, 7}, sB[] = {5, 7};
    co.start_alpha = sa; co.start_alpha_len = 2; co.start_beta = sb; co.start_beta_len = 2;
    co.start_e = se; co.start_e_len = 1; co.start_a = sA; co.start_a_len = 2; co.start_b = sB; co.start_b_len = 2;
    sk_fit *fit = NULL;
    if (sk_chinchilla_fit(N, D, L, RUNS, &co, &fit) != SK_OK) { fail(id, "sk_chinchilla_fit"); return 1; }
    sk_fit_params(fit, r->chinchilla, 5);
    sk_fit_free(fit);

    /* 2. A formula law, fitted with one worker thread. */
    static const char *const inputs[] = {"N", "D"};
    sk_law *law = NULL;
    if (sk_law_from_formula("E + A / N^alpha + 1e3 / D^0.3", inputs, 2, &law) != SK_OK) { fail(id, "formula"); return 1; }
    sk_law_fit_options lo;
    sk_law_fit_options_init(&lo, sizeof lo);
    lo.optimizer.threads = 1;
    const double *cols[2] = {N, D};
    if (sk_law_fit(law, cols, 2, L, RUNS, &lo, &fit) != SK_OK) { fail(id, "sk_law_fit"); sk_law_free(law); return 1; }
    sk_fit_params(fit, r->law, sk_fit_param_count(fit) < 4 ? sk_fit_param_count(fit) : 4);
    sk_fit_free(fit);
    sk_law_free(law);

    /* 3. A transfer. */
    int64_t eb[2] = {50304, 256}, et[2] = {50304, 2048}, hb[2] = {1024, 256}, ht[2] = {8192, 2048};
    sk_param_group g[3] = {
        {sizeof(sk_param_group), "wte", 2, eb, NULL, et, SK_ROLE_INPUT, 0},
        {sizeof(sk_param_group), "fc", 2, hb, NULL, ht, SK_ROLE_INFERRED, 1},
        {sizeof(sk_param_group), "head", 2, eb, NULL, et, SK_ROLE_READOUT, 0},
    };
    sk_transfer_options to;
    sk_transfer_options_init(&to, sizeof to);
    to.depth_alpha = 1.0; to.base_layers = 4; to.layers = 16; to.batch_rule = SK_BATCH_SQRT;
    sk_proxy_hparams proxy = {sizeof proxy, 6e-3, 0.1, 0.02, 0.9, 0.95, 1e-8, 2.5e5, 2e9};
    for (int k = 0; k < 3; k++) r->transfer[k].struct_size = sizeof r->transfer[k];
    sk_transfer_info info = {.struct_size = sizeof info};
    if (sk_transfer(g, 3, &proxy, 1e6, 2e10, &to, r->transfer, &info) != SK_OK) { fail(id, "sk_transfer"); return 1; }

    /* 4. A GNS stream of STEPS data-parallel updates, its values a function of id alone. */
    sk_gns *gns = NULL;
    if (sk_gns_create(NULL, &gns) != SK_OK) { fail(id, "sk_gns_create"); return 1; }
    uint64_t state = 0x9E3779B97F4A7C15ull * (uint64_t)(id + 1);
    for (int s = 0; s < STEPS; s++) {
        double local[4];
        for (int k = 0; k < 4; k++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            local[k] = 2.0 + (double)(state >> 11) / 9007199254740992.0;
        }
        if (sk_gns_update_ranks(gns, local, 4, 1.1 + 0.1 * (id % 3), 32, 1e-3) != SK_OK) { fail(id, "update"); break; }
    }
    r->gns.struct_size = sizeof r->gns;
    if (sk_gns_read(gns, -1, &r->gns) != SK_OK) fail(id, "sk_gns_read");
    sk_gns_free(gns);

    /* 5. Errors with this thread's own text: the message must name it, whatever the other threads do. */
    char name[64], expect[80];
    for (int k = 0; k < 50; k++) {
        snprintf(name, sizeof name, "law-of-thread-%d-try-%d", id, k);
        if (sk_law_from_name(name, &law) == SK_OK) { fail(id, "unknown law accepted"); sk_law_free(law); return 1; }
        snprintf(expect, sizeof expect, "'%s'", name);
        if (!strstr(sk_last_error(), expect)) { fail(id, "crossed or missing error message"); return 1; }
    }
    return 0;
}

static result reference[THREADS];

static void *run(void *arg) {
    int id = (int)(intptr_t)arg;
    for (int round = 0; round < ROUNDS; round++) {
        result r;
        if (work(id, &r) != 0) return NULL;
        /* Bit-identical to the single-threaded reference, field by field (padding excluded). */
        if (memcmp(r.chinchilla, reference[id].chinchilla, sizeof r.chinchilla) != 0) fail(id, "Chinchilla fit differs");
        if (memcmp(r.law, reference[id].law, sizeof r.law) != 0) fail(id, "law fit differs");
        for (int k = 0; k < 3; k++)
            if (r.transfer[k].learning_rate != reference[id].transfer[k].learning_rate
                || r.transfer[k].init_std != reference[id].transfer[k].init_std
                || r.transfer[k].weight_decay != reference[id].transfer[k].weight_decay) fail(id, "transfer differs");
        if (memcmp(&r.gns.b_simple, &reference[id].gns.b_simple, sizeof(double)) != 0
            || memcmp(&r.gns.gradient_squared, &reference[id].gns.gradient_squared, sizeof(double)) != 0
            || r.gns.measurements != reference[id].gns.measurements) fail(id, "GNS reading differs");
    }
    return NULL;
}

int main(void) {
    make_data();
    for (int id = 0; id < THREADS; id++)
        if (work(id, &reference[id]) != 0) { fprintf(stderr, "single-threaded reference failed\n"); return 1; }
    pthread_t t[THREADS];
    for (int id = 0; id < THREADS; id++) pthread_create(&t[id], NULL, run, (void *)(intptr_t)id);
    for (int id = 0; id < THREADS; id++) pthread_join(t[id], NULL);
    if (failures) { printf("concurrency: %d failures\n", failures); return 1; }
    printf("concurrency: %d threads x %d rounds (Chinchilla fit, law fit, transfer, %d GNS updates, 50 errors each): "
           "bit-identical to one thread, messages never crossed\n", THREADS, ROUNDS, STEPS);
    return 0;
}

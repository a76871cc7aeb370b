/* A small training loop that streams its gradient norms into the noise-scale estimator.
 *
 * Linear regression y = x.w* + noise with x ~ N(0, diag(1/i)), trained by SGD on 4 simulated data-parallel ranks of
 * 16 examples each. Every step, each rank's local squared gradient norm (before the "all-reduce") and the reduced
 * gradient's squared norm go into sk_gns_update_ranks; every 500 steps the loop prints B_simple with its interval,
 * next to the closed form tr(Sigma)/|G|^2 at the current weights (Isserlis: G = S d, tr Sigma = (d'Sd + s^2) tr S
 * + |Sd|^2 with d = w - w*). As the loss falls, the noise scale grows (McCandlish et al. 2018), the EMA lags
 * behind the moving truth, and once B_simple is far above the 64-example big batch the interval says the reading
 * is no longer trustworthy (the estimate's variance grows with B_simple / B_big).
 *
 *   cc -std=c11 examples/c/train_loop_gns.c $(pkg-config --cflags --libs scalingkit) -lm -o train_loop_gns
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "scalingkit.h"

#define DIM 8
#define RANKS 4
#define LOCAL 16

static uint64_t state = 0x9E3779B97F4A7C15ull;

static double uniform(void) { /* xorshift64* */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (double)((state * 0x2545F4914F6CDD1Dull) >> 11) * 0x1p-53;
}

static double gaussian(void) {
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

int main(void) {
    double lambda[DIM], delta[DIM];
    for (int i = 0; i < DIM; i++) {
        lambda[i] = 1.0 / (i + 1);
        delta[i] = 3.0 * ((i % 3) - 1.0) + 1.5; /* w - w*, the distance still to travel */
    }
    sk_gns_options options;
    sk_gns_options_init(&options, sizeof options);
    options.smoothing = SK_GNS_EMA;
    options.ema_beta = 0.98;
    sk_gns *gns = NULL;
    if (sk_gns_create(&options, &gns) != SK_OK) {
        fprintf(stderr, "sk_gns_create: %s\n", sk_last_error());
        return 1;
    }
    const double lr = 0.02;
    printf("%6s  %9s  %10s  %22s  %10s\n", "step", "loss", "B_simple", "95% interval", "closed form");
    for (int step = 1; step <= 2000; step++) {
        double local_norms[RANKS], reduced[DIM] = {0};
        for (int r = 0; r < RANKS; r++) {
            double g[DIM] = {0};
            for (int e = 0; e < LOCAL; e++) {
                double x[DIM], dot = 0;
                for (int i = 0; i < DIM; i++) {
                    x[i] = sqrt(lambda[i]) * gaussian();
                    dot += x[i] * delta[i];
                }
                double residual = dot - gaussian(); /* x.w - y with unit label noise */
                for (int i = 0; i < DIM; i++) g[i] += x[i] * residual / LOCAL;
            }
            local_norms[r] = 0;
            for (int i = 0; i < DIM; i++) {
                local_norms[r] += g[i] * g[i];
                reduced[i] += g[i] / RANKS;
            }
        }
        double reduced_norm = 0;
        for (int i = 0; i < DIM; i++) reduced_norm += reduced[i] * reduced[i];
        int rc = sk_gns_update_ranks(gns, local_norms, RANKS, reduced_norm, LOCAL, lr);
        if (rc != SK_OK) {
            fprintf(stderr, "sk_gns_update_ranks: %s\n", sk_last_error());
            return 1;
        }
        for (int i = 0; i < DIM; i++) delta[i] -= lr * reduced[i]; /* the SGD step */
        if (step % 250 == 0) {
            double quad = 0, trace = 0, g2 = 0;
            for (int i = 0; i < DIM; i++) {
                quad += lambda[i] * delta[i] * delta[i];
                trace += lambda[i];
                g2 += lambda[i] * lambda[i] * delta[i] * delta[i];
            }
            sk_gns_reading reading = {.struct_size = sizeof reading};
            sk_gns_read(gns, -1, &reading);
            printf("%6d  %9.5f  %10.1f  [%9.1f, %9.1f]  %10.1f\n", step, 0.5 * (quad + 1), reading.b_simple,
                   reading.lower, reading.upper, ((quad + 1) * trace + g2) / g2);
        }
    }
    sk_gns_free(gns);
    return 0;
}

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
#include <stdio.h>

#include "regression_sim.h"
#include "scalingkit.h"

#define RANKS 4
#define LOCAL 16

int main(void) {
    regression m = regression_start(0x9E3779B97F4A7C15ull);
    sk_gns_options options;
    sk_gns_options_init(&options, sizeof options);
    options.smoothing = SK_GNS_EMA; /* one moving average, to show its lag (the default, SK_GNS_ADAPTIVE, follows) */
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
            for (int e = 0; e < LOCAL; e++) regression_add_example(&m, 1.0 / LOCAL, g);
            local_norms[r] = squared_norm(g);
            for (int i = 0; i < DIM; i++) reduced[i] += g[i] / RANKS;
        }
        int rc = sk_gns_update_ranks(gns, local_norms, RANKS, squared_norm(reduced), LOCAL, lr);
        if (rc != SK_OK) {
            fprintf(stderr, "sk_gns_update_ranks: %s\n", sk_last_error());
            return 1;
        }
        for (int i = 0; i < DIM; i++) m.delta[i] -= lr * reduced[i]; /* the SGD step */
        if (step % 250 == 0) {
            sk_gns_reading reading = {.struct_size = sizeof reading};
            sk_gns_read(gns, -1, &reading);
            printf("%6d  %9.5f  %10.1f  [%9.1f, %9.1f]  %10.1f\n", step, regression_loss(&m), reading.b_simple,
                   reading.interval.lower, reading.interval.upper, regression_b_simple(&m));
        }
    }
    sk_gns_free(gns);
    return 0;
}

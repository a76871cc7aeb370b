/* The noise scale from a C trainer with gradient accumulation (llm.c style), the way it belongs in the loop.
 *
 * Linear regression y = x.w* + noise, x ~ N(0, diag(1/i)), trained by SGD with a linear learning-rate warm-up from
 * 0, 4 micro-batches of 16 sequences of 64 tokens accumulated per step, a simulated mixed-precision loss scale and
 * gradient clipping. Each step, in this order:
 *   1. every micro-batch's gradient is of the MEAN loss over its sequences (scaled by the loss scale, as autocast
 *      would); un-scale it, then take its squared norm: the mean over micro-batches is the small-batch norm;
 *   2. the accumulated gradient is the mean of the micro-batch gradients: its squared norm is the big-batch norm;
 *   3. sk_gns_update with both norms, the batch sizes in tokens (so B_simple comes out in tokens) and the step's
 *      learning rate (0 at the first warm-up step is fine);
 *   4. only then clip the accumulated gradient and take the optimizer step (a clipped norm is not an unbiased
 *      sample, so the estimator never sees one).
 * Every 50 steps it prints the reading next to the closed-form B_simple at the current weights (Isserlis:
 * G = S d, tr Sigma = (d'Sd + s^2) tr S + |Sd|^2 per sequence, with d = w - w*), and at the end how often the
 * interval covered it. B_simple rises ~100x as the loss falls; the reading's horizon (mean age in steps) shortens
 * while it moves, and once B_simple is far above the 4,096-token big batch each step carries little information
 * and the interval widens to say so.
 *
 *   cc -std=c11 examples/c/train_loop_accumulation.c $(pkg-config --cflags --libs scalingkit) -lm -o train_loop_acc
 */
#include <math.h>
#include <stdio.h>

#include "regression_sim.h"
#include "scalingkit.h"

#define MICRO 4          /* micro-batches accumulated per optimizer step */
#define PER_MICRO 16     /* sequences per micro-batch */
#define TOKENS 64        /* tokens per sequence */
#define STEPS 600
#define WARMUP 200

int main(void) {
    regression m = regression_start(0x2545F4914F6CDD1Dull);
    sk_gns_options options;
    sk_gns_options_init(&options, sizeof options); /* smoothing: SK_GNS_ADAPTIVE, the default */
    options.construction = SK_GNS_ACCUMULATION;
    options.batch_unit = SK_GNS_TOKENS;
    sk_gns *gns = NULL;
    if (sk_gns_create(&options, &gns) != SK_OK) {
        fprintf(stderr, "sk_gns_create: %s\n", sk_last_error());
        return 1;
    }
    const double peak_lr = 0.05, loss_scale = 1024.0, clip = 5.0;
    const double small_tokens = PER_MICRO * TOKENS, big_tokens = MICRO * PER_MICRO * TOKENS;
    int checkpoints = 0, covered = 0;
    printf("%5s  %8s  %10s  %23s  %10s  %7s  %6s\n", "step", "lr", "B_simple", "95% interval (tokens)",
           "closed form", "horizon", "drift");
    for (int step = 0; step < STEPS; step++) {
        double lr = step < WARMUP ? peak_lr * step / WARMUP : peak_lr;
        double accumulated[DIM] = {0}, small_sq = 0;
        for (int k = 0; k < MICRO; k++) {
            double g[DIM] = {0};
            /* backward() of loss_scale * the mean loss over the micro-batch: the scaled gradient */
            for (int e = 0; e < PER_MICRO; e++) regression_add_example(&m, loss_scale / PER_MICRO, g);
            for (int i = 0; i < DIM; i++) g[i] /= loss_scale; /* un-scale before any norm */
            small_sq += squared_norm(g) / MICRO;
            for (int i = 0; i < DIM; i++) accumulated[i] += g[i] / MICRO;
        }
        double big_sq = squared_norm(accumulated);
        if (sk_gns_update(gns, small_sq, big_sq, small_tokens, big_tokens, lr) != SK_OK) {
            fprintf(stderr, "sk_gns_update: %s\n", sk_last_error());
            return 1;
        }
        double norm = sqrt(big_sq), factor = norm > clip ? clip / norm : 1.0; /* clip after the estimator */
        for (int i = 0; i < DIM; i++) m.delta[i] -= lr * factor * accumulated[i];

        if (step % 50 == 49) {
            /* Per sequence; B_simple is in tokens because the batch sizes were: x TOKENS. */
            double truth = TOKENS * regression_b_simple(&m);
            sk_gns_reading r = {.struct_size = sizeof r};
            if (sk_gns_read(gns, -1, &r) != SK_OK) {
                fprintf(stderr, "sk_gns_read: %s\n", sk_last_error());
                return 1;
            }
            if (!r.valid) {
                printf("%5d  %8.4f  %10s  (not valid yet%s)\n", step + 1, lr, "-", r.inconsistent ? ": inconsistent" : "");
                continue;
            }
            checkpoints++;
            covered += r.interval.lower <= truth && truth <= r.interval.upper;
            printf("%5d  %8.4f  %10.0f  [%9.0f, %11.0f]  %10.0f  %7.1f  %5.1f%%%s\n", step + 1, lr, r.b_simple, r.interval.lower,
                   r.interval.upper, truth, r.horizon, 100 * r.drift, r.temperature_changed ? "  (lr varied)" : "");
        }
    }
    printf("the interval covered the closed-form B_simple at %d of %d checkpoints\n", covered, checkpoints);
    sk_gns_free(gns);
    return checkpoints > 0 ? 0 : 1;
}

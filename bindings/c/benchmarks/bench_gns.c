/* Per-update cost of the streaming noise-scale estimator from C, next to the floor: the same two-batch estimate and
 * bias-corrected EMAs written inline (what a trainer would hand-roll, with no interval, groups or checks).
 *
 *   cc -O2 -std=c11 bindings/c/benchmarks/bench_gns.c $(pkg-config --cflags --libs scalingkit) -o build/bench_gns
 *   build/bench_gns [updates]
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "scalingkit.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 20000000;
    double *small = malloc(1024 * sizeof *small), *big = malloc(1024 * sizeof *big);
    for (int i = 0; i < 1024; i++) {
        small[i] = 2.0 + 0.001 * (i % 17);
        big[i] = 1.0 + 0.0007 * (i % 13);
    }
    sk_gns *gns = NULL;
    if (sk_gns_create(NULL, &gns) != SK_OK) return 1;
    double best = 1e30, floor_best = 1e30, sink = 0;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        for (long i = 0; i < n; i++) {
            if (sk_gns_update(gns, small[i & 1023], big[i & 1023], 16, 256, 1e-3) != SK_OK) return 1;
        }
        double t1 = now();
        if ((t1 - t0) / n < best) best = (t1 - t0) / n;

        /* The floor: McCandlish App. A.1 and two bias-corrected EMAs, inline. */
        double g_ema = 0, t_ema = 0, w = 0;
        t0 = now();
        for (long i = 0; i < n; i++) {
            double s = small[i & 1023], b = big[i & 1023];
            double g = (256 * b - 16 * s) / 240, t = (s - b) / (1.0 / 16 - 1.0 / 256);
            g_ema = 0.99 * g_ema + 0.01 * g;
            t_ema = 0.99 * t_ema + 0.01 * t;
            w = 0.99 * w + 0.01;
        }
        t1 = now();
        sink += t_ema / g_ema / w;
        if ((t1 - t0) / n < floor_best) floor_best = (t1 - t0) / n;
    }
    sk_gns_reading r = {.struct_size = sizeof r};
    sk_gns_read(gns, -1, &r);
    printf("sk_gns_update: %.1f ns per update (best of 3 x %ld); inline floor %.1f ns; ratio %.1fx\n", best * 1e9, n,
           floor_best * 1e9, best / floor_best);
    printf("(B_simple %.4f, floor %.4f)\n", r.b_simple, sink / 3);
    sk_gns_free(gns);
    free(small);
    free(big);
    return 0;
}

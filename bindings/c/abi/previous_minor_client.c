/* A program compiled against the previous minor header (bindings/c/abi/v0.2.0/scalingkit.h, frozen as released)
 * and run against the current library: the ABI gate's promise that a minor release breaks no compiled caller.
 * It passes the 0.2.0 struct sizes (shorter sk_chinchilla_options, sk_fit_info and sk_law_fit_options), so the
 * library must read and write only the bytes those structs have, and it checks the numbers, not just the status.
 *
 *   cc -std=c11 -I bindings/c/abi/v0.2.0 bindings/c/abi/previous_minor_client.c -Lbuild/lib -lscalingkit -lm
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scalingkit.h"

#if SK_VERSION_MAJOR != 0 || SK_VERSION_MINOR != 2
#error "compile against the frozen 0.2.0 header"
#endif

enum { MAX_ROWS = 1000 };
static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); \
                                             printf(" (%s)\n", sk_last_error()); failures++; } } while (0)

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "examples/data/chinchilla_epoch.csv";
    static double N[MAX_ROWS], D[MAX_ROWS], L[MAX_ROWS];
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); return 1; }
    char line[512];
    size_t n = 0;
    if (!fgets(line, sizeof line, f)) return 1;
    while (n < MAX_ROWS && fgets(line, sizeof line, f)) {
        double c;
        if (sscanf(line, "%lf,%lf,%lf,%lf", &N[n], &D[n], &c, &L[n]) == 4) n++;
    }
    fclose(f);

    /* A newer library under an older header: same major, higher minor. */
    CHECK(sk_version_number() / 10000 == SK_VERSION_MAJOR && sk_version_number() >= SK_VERSION_NUMBER,
          "library %s under header %s", sk_version_string(), SK_VERSION_STRING);

    /* Options of the 0.2.0 size, with a guard word after them that the library must not touch. */
    struct { sk_chinchilla_options o; unsigned long long guard; } co;
    co.guard = 0xFEEDFACECAFEBEEFull;
    CHECK(sk_chinchilla_options_init(&co.o, sizeof co.o) == SK_OK, "options_init with the 0.2.0 size");
    CHECK(co.guard == 0xFEEDFACECAFEBEEFull, "options_init wrote past the 0.2.0 struct");
    co.o.exclude_highest_loss = 5;
    sk_fit *fit = NULL;
    CHECK(sk_chinchilla_fit(N, D, L, n, &co.o, &fit) == SK_OK, "sk_chinchilla_fit");
    if (fit) {
        struct { sk_fit_info info; unsigned long long guard; } fi = {.info = {.struct_size = sizeof(sk_fit_info)},
                                                                    .guard = 0xFEEDFACECAFEBEEFull};
        CHECK(sk_fit_get_info(fit, &fi.info) == SK_OK, "sk_fit_get_info with the 0.2.0 size");
        CHECK(fi.guard == 0xFEEDFACECAFEBEEFull, "sk_fit_get_info wrote past the 0.2.0 struct");
        CHECK(fi.info.converged && fi.info.points_used == n - 5, "info: converged %d, %zu points", fi.info.converged,
              fi.info.points_used);
        double alpha = 0, beta = 0;
        sk_fit_param(fit, "alpha", &alpha);
        sk_fit_param(fit, "beta", &beta);
        /* Besiroglu et al. (2024)'s replication, as the current examples check: alpha 0.3473, beta 0.3672. */
        CHECK(fabs(alpha - 0.34731) < 5e-5 && fabs(beta - 0.36717) < 5e-5, "alpha %.5f beta %.5f", alpha, beta);
        sk_allocation plan = {.struct_size = sizeof plan};
        CHECK(sk_chinchilla_allocate(fit, 5.76e23, &plan) == SK_OK && plan.params > 1e10 && plan.params < 1e12,
              "allocate: N = %g", plan.params);
        sk_fit_free(fit);
    }

    /* A generic law fit with the 0.2.0 sk_law_fit_options. */
    sk_law *law = NULL;
    CHECK(sk_law_from_name("kaplan_nd", &law) == SK_OK, "sk_law_from_name");
    struct { sk_law_fit_options o; unsigned long long guard; } lo;
    lo.guard = 0xFEEDFACECAFEBEEFull;
    CHECK(sk_law_fit_options_init(&lo.o, sizeof lo.o) == SK_OK, "law options_init with the 0.2.0 size");
    CHECK(lo.guard == 0xFEEDFACECAFEBEEFull, "law options_init wrote past the 0.2.0 struct");
    lo.o.threads = 2;
    const double *cols[2] = {N, D};
    fit = NULL;
    CHECK(law && sk_law_fit(law, cols, 2, L, n, &lo.o, &fit) == SK_OK, "sk_law_fit");
    if (fit) {
        static double pred[MAX_ROWS];
        double err = 0;
        CHECK(sk_fit_predict(fit, cols, 2, n, pred) == SK_OK, "sk_fit_predict");
        for (size_t i = 0; i < n; i++) err += fabs(pred[i] - L[i]) / L[i] / (double)n;
        CHECK(err < 0.05, "mean relative error of the predictions %.3f", err);
        sk_fit_free(fit);
    }
    sk_law_free(law);

    /* Errors keep their 0.2.0 codes and messages. */
    CHECK(sk_chinchilla_fit(NULL, D, L, n, NULL, &fit) == SK_ERR_NULL_POINTER && strstr(sk_last_error(), "NULL"),
          "NULL N");
    if (failures) { printf("previous-minor client: %d failures\n", failures); return 1; }
    printf("previous-minor client (header %s, library %s): fits, plans and errors as expected\n", SK_VERSION_STRING,
           sk_version_string());
    return 0;
}

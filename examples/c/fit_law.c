/* Fit a catalogue law (or a formula) from C, bootstrap its parameters and score it on held-out runs.
 *
 *   cc -std=c11 fit_law.c $(pkg-config --cflags --libs scalingkit) -o fit_law
 *   ./fit_law ../data/chinchilla_epoch.csv
 */
#include <stdio.h>
#include <stdlib.h>

#include "scalingkit.h"

enum { MAX_ROWS = 100000 };

static int fail(const char *what) {
    fprintf(stderr, "%s: %s\n", what, sk_last_error());
    return 1;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "examples/data/chinchilla_epoch.csv";
    static double N[MAX_ROWS], D[MAX_ROWS], C[MAX_ROWS], loss[MAX_ROWS];
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); return 1; }
    char line[512];
    size_t n = 0;
    if (!fgets(line, sizeof line, f)) { fclose(f); return 1; }
    while (n < MAX_ROWS && fgets(line, sizeof line, f)) {
        if (sscanf(line, "%lf,%lf,%lf,%lf", &N[n], &D[n], &C[n], &loss[n]) == 4) n++;
    }
    fclose(f);

    /* Kaplan et al. (2020) L(N, D) = [(Nc/N)^(alphaN/alphaD) + Dc/D]^alphaD from the catalogue. */
    sk_law *law = NULL;
    if (sk_law_from_name("kaplan_nd", &law) != SK_OK) return fail("law");
    printf("%s: L = %s\n  (%s)\n", sk_law_name(law), sk_law_formula(law), sk_law_citation(law));

    const double *columns[] = {N, D};   /* in sk_law_input_name order: N, D */
    sk_fit *fit = NULL;
    if (sk_law_fit(law, columns, 2, loss, n, NULL, &fit) != SK_OK) return fail("fit");
    sk_fit_info info = {.struct_size = sizeof info};
    sk_fit_get_info(fit, &info);
    printf("objective %.10e (%s), %zu runs\n", info.objective, info.converged ? "converged" : "NOT converged",
           info.points_used);
    printf("search: %s\n", sk_fit_search(fit));

    /* A new run at Chinchilla's scale: where the mean law is, and where one run's loss will fall. */
    const double n70[] = {7e10}, d14[] = {1.4e12};
    const double *at[] = {n70, d14};
    double est, lo, hi, plo, phi;
    if (sk_fit_predict_interval(fit, at, 2, 1, SK_INTERVAL_CONFIDENCE, 0.95, &est, &lo, &hi) != SK_OK ||
        sk_fit_predict_interval(fit, at, 2, 1, SK_INTERVAL_PREDICTION, 0.95, NULL, &plo, &phi) != SK_OK)
        return fail("predict interval");
    printf("N = 7e10, D = 1.4e12: loss %.4f, mean in [%.4f, %.4f], a new run in [%.4f, %.4f] (95%%)\n", est, lo, hi,
           plo, phi);

    sk_bootstrap_options b;
    sk_bootstrap_options_init(&b, sizeof b);
    b.replicates = 500;
    sk_bootstrap *boot = NULL;
    if (sk_law_bootstrap(law, columns, 2, loss, n, NULL, fit, &b, &boot) != SK_OK) return fail("bootstrap");
    for (size_t i = 0; i < sk_fit_param_count(fit); i++) {
        sk_estimate e = {.struct_size = sizeof e};
        sk_bootstrap_param(boot, sk_fit_param_name(fit, i), &e);
        printf("  %-7s = %-12.5g %.0f%% interval [%.5g, %.5g]\n", sk_fit_param_name(fit, i), e.estimate,
               100 * e.interval.level, e.interval.lower, e.interval.upper);
    }

    /* Extrapolation: fit below 1e21 FLOPs, score the larger runs. */
    sk_prediction_errors e = {.struct_size = sizeof e};
    if (sk_law_holdout(law, columns, 2, loss, n, C, 1e21, NULL, &e, NULL) != SK_OK) return fail("holdout");
    printf("held out %zu runs >= 1e21 FLOPs: RMSE %.4f, max relative error %.2f%%\n", e.count, e.rmse,
           100 * e.max_relative_error);

    sk_bootstrap_free(boot);
    sk_fit_free(fit);
    sk_law_free(law);
    return 0;
}

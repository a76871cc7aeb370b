/* Fit the Chinchilla law to the bundled data from C and print the compute-optimal plan.
 *
 *   cc -std=c11 fit_chinchilla.c $(pkg-config --cflags --libs scalingkit) -o fit_chinchilla
 *   ./fit_chinchilla ../data/chinchilla_epoch.csv
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scalingkit.h"

enum { MAX_ROWS = 100000 };

/* Reads the columns N, D, C, loss of the bundled CSV (header line first). Returns the number of rows. */
static size_t read_csv(const char *path, double *N, double *D, double *loss) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(1); }
    char line[512];
    size_t n = 0;
    if (!fgets(line, sizeof line, f)) { fprintf(stderr, "%s: empty\n", path); exit(1); }
    while (n < MAX_ROWS && fgets(line, sizeof line, f)) {
        double c;
        if (sscanf(line, "%lf,%lf,%lf,%lf", &N[n], &D[n], &c, &loss[n]) == 4) n++;
    }
    fclose(f);
    return n;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "examples/data/chinchilla_epoch.csv";
    static double N[MAX_ROWS], D[MAX_ROWS], loss[MAX_ROWS];
    size_t n = read_csv(path, N, D, loss);

    if (sk_version_number() != SK_VERSION_NUMBER) {
        fprintf(stderr, "header %s but library %s\n", SK_VERSION_STRING, sk_version_string());
        return 1;
    }

    sk_chinchilla_options options;
    sk_chinchilla_options_init(&options, sizeof options);
    options.exclude_highest_loss = 5; /* as Besiroglu et al. (2024) did */

    sk_fit *fit = NULL;
    if (sk_chinchilla_fit(N, D, loss, n, &options, &fit) != SK_OK) {
        fprintf(stderr, "fit failed: %s\n", sk_last_error());
        return 1;
    }

    sk_fit_info info = {.struct_size = sizeof info};
    sk_fit_get_info(fit, &info);
    printf("Chinchilla fit of %zu runs (%zu used):\n", n, info.points_used);
    for (size_t i = 0; i < sk_fit_param_count(fit); i++) {
        double v;
        sk_fit_param(fit, sk_fit_param_name(fit, i), &v);
        printf("  %-6s = %.6g\n", sk_fit_param_name(fit, i), v);
    }
    printf("  objective = %.13e (%s)\n  %s\n", info.objective, info.converged ? "converged" : "NOT converged",
           sk_fit_message(fit));

    sk_allocation plan = {.struct_size = sizeof plan};
    if (sk_plan_allocate(fit, 5.76e23, &plan) != SK_OK) {
        fprintf(stderr, "plan failed: %s\n", sk_last_error());
        sk_fit_free(fit);
        return 1;
    }
    printf("compute-optimal at C = %.3g FLOPs: N = %.4g params, D = %.4g tokens (%.1f tokens/param), loss %.4f\n",
           plan.compute, plan.params, plan.tokens, plan.tokens_per_param, plan.loss);
    sk_fit_free(fit);
    return 0;
}

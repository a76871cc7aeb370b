/* The simulated model of the two training-loop examples: linear regression y = x.w* + e with x ~ N(0, S),
 * S = diag(1/i), e ~ N(0, 1), at weights w = w* + d. The per-example gradient of (x.w - y)^2 / 2 is x (x.d - e), so
 * the true gradient is G = S d and (Isserlis) tr Sigma = (d'Sd + 1) tr S + |Sd|^2: the closed-form B_simple at the
 * current weights, to compare the streamed estimate with.
 */
#ifndef REGRESSION_SIM_H
#define REGRESSION_SIM_H

#include <math.h>
#include <stdint.h>

#define DIM 8

typedef struct {
    double lambda[DIM]; /* the diagonal of S */
    double delta[DIM];  /* w - w*, the distance still to travel */
    uint64_t state;     /* xorshift64* */
} regression;

static inline regression regression_start(uint64_t seed) {
    regression m;
    for (int i = 0; i < DIM; i++) {
        m.lambda[i] = 1.0 / (i + 1);
        m.delta[i] = 3.0 * ((i % 3) - 1.0) + 1.5;
    }
    m.state = seed;
    return m;
}

static inline double regression_uniform(regression *m) {
    m->state ^= m->state >> 12;
    m->state ^= m->state << 25;
    m->state ^= m->state >> 27;
    return (double)((m->state * 0x2545F4914F6CDD1Dull) >> 11) * 0x1p-53;
}

static inline double regression_gaussian(regression *m) {
    double u1 = regression_uniform(m), u2 = regression_uniform(m);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Adds weight * (the gradient of one fresh example's loss) to g. */
static inline void regression_add_example(regression *m, double weight, double *g) {
    double x[DIM], dot = 0;
    for (int i = 0; i < DIM; i++) {
        x[i] = sqrt(m->lambda[i]) * regression_gaussian(m);
        dot += x[i] * m->delta[i];
    }
    double residual = dot - regression_gaussian(m); /* x.w - y with unit label noise */
    for (int i = 0; i < DIM; i++) g[i] += weight * x[i] * residual;
}

static inline double squared_norm(const double *v) {
    double s = 0;
    for (int i = 0; i < DIM; i++) s += v[i] * v[i];
    return s;
}

/* The expected loss (d'Sd + 1) / 2 and the closed-form B_simple per example at the current weights. */
static inline double regression_loss(const regression *m) {
    double quad = 0;
    for (int i = 0; i < DIM; i++) quad += m->lambda[i] * m->delta[i] * m->delta[i];
    return 0.5 * (quad + 1);
}

static inline double regression_b_simple(const regression *m) {
    double quad = 0, trace = 0, g2 = 0;
    for (int i = 0; i < DIM; i++) {
        quad += m->lambda[i] * m->delta[i] * m->delta[i];
        trace += m->lambda[i];
        g2 += m->lambda[i] * m->lambda[i] * m->delta[i] * m->delta[i];
    }
    return ((quad + 1) * trace + g2) / g2;
}

#endif

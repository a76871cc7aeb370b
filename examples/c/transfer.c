/* Transfer hyperparameters tuned on a proxy (width 256, 4 blocks) to a target (width 2048, 16 blocks) from C:
 * muP across width, CompleteP across depth, Adam's square-root rule across batch size.
 *
 *   cc -std=c11 examples/c/transfer.c $(pkg-config --cflags --libs scalingkit) -o transfer && ./transfer
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "scalingkit.h"

int main(void) {
    /* PyTorch shapes, (fan_out, fan_in) for matrices. */
    int64_t emb_base[2] = {50304, 256}, emb_target[2] = {50304, 2048};
    int64_t fc_base[2] = {1024, 256}, fc_target[2] = {8192, 2048};
    int64_t ln_base[1] = {256}, ln_target[1] = {2048};
    sk_param_group groups[4] = {
        {sizeof(sk_param_group), "wte", 2, emb_base, NULL, emb_target, SK_ROLE_INPUT, 0},
        {sizeof(sk_param_group), "h.mlp.c_fc.weight", 2, fc_base, NULL, fc_target, SK_ROLE_INFERRED, 1},
        {sizeof(sk_param_group), "h.ln_1.weight", 1, ln_base, NULL, ln_target, SK_ROLE_NORM, 1},
        {sizeof(sk_param_group), "lm_head.weight", 2, emb_base, NULL, emb_target, SK_ROLE_READOUT, 0},
    };
    sk_transfer_options options;
    if (sk_transfer_options_init(&options, sizeof options) != SK_OK) return 1;
    options.depth_alpha = 1.0; /* CompleteP */
    options.base_layers = 4;
    options.layers = 16;
    options.batch_rule = SK_BATCH_SQRT;

    sk_proxy_hparams proxy = {sizeof proxy, 6e-3, 0.1, 0.02, 0.9, 0.95, 1e-8, 2.5e5, 2e9};
    sk_group_hparams out[4];
    out[0].struct_size = sizeof out[0];
    sk_transfer_info info = {.struct_size = sizeof info};
    int rc = sk_transfer(groups, 4, &proxy, 1e6, 2e10, &options, out, &info);
    if (rc != SK_OK) {
        fprintf(stderr, "sk_transfer failed (%d): %s\n", rc, sk_last_error());
        return 1;
    }
    printf("%-20s %-6s %-12s %-12s %-12s %s\n", "group", "ninf", "lr", "weight decay", "init std", "forward x");
    for (int i = 0; i < 4; i++) {
        printf("%-20s %-6d %-12.4g %-12.4g %-12.4g %.4g\n", groups[i].name, out[i].scaled_axes, out[i].learning_rate,
               out[i].weight_decay, out[i].init_std, out[i].forward_mult);
    }
    printf("residual branches x %.4g, Adam betas (%.4g, %.4g)\n", info.residual_mult, info.beta1, info.beta2);
    /* What the transfer kept although the target differs (here: 10x the tokens, no horizon exponent). */
    for (unsigned bit = 1; bit != 0; bit <<= 1) {
        if (info.notes & bit) printf("note: %s\n", sk_transfer_note_string(bit));
    }

    double lr = 0, batch = 0;
    if (sk_hp_law("step_law", 8.1e8, 2e10, NAN, &lr, &batch) == SK_OK) {
        printf("Step Law at N = 8.1e8, D = 2e10: lr %.3g, batch %.3g tokens\n", lr, batch);
    }
    return 0;
}

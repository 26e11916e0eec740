/* Digits accuracy of every learning rule with its documented defaults,
 * exactly as the issue states the command:
 *     cogscope train --data digits --rule R --layers 64,100,10 --seed S
 * (no other flag), final test accuracy (450 held-out images):
 * FA >= 96 %, DFA >= 96 %, EP >= 94 %, PC >= 92 %, FF >= 94 %, NP >= 93 %.
 * "For most seeds": in the Release build seeds 1, 2 and 3, of which at
 * least two must reach the bar and none may fall more than 3 points below
 * it; in the sanitizer build (ten times slower) seed 1 alone.
 * Seeds 1..10 measured with these defaults are listed in
 * docs/learning-rules.md. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define N_SEEDS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define N_SEEDS 1
#endif
#endif
#ifndef N_SEEDS
#define N_SEEDS 3
#endif

static double final_acc(const char *rule, int seed)
{
    char args[256], *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "train --data digits --rule %s --layers 64,100,10 --seed %d --json", rule, seed);
    int rc = tu_cli(args, &out, &err);
    cr_assert_eq(rc, 0, "%s: exit %d, %s", args, rc, err ? err : "");
    const char *key = out ? strstr(out, "\"final_test_acc\":") : NULL;
    cr_assert_not_null(key, "%s: no final_test_acc in %s", args, out ? out : "");
    double acc = strtod(key + strlen("\"final_test_acc\":"), NULL);
    free(out);
    free(err);
    return acc;
}

static void check_rule(const char *rule, double bar)
{
    int pass = 0;
    for (int seed = 1; seed <= N_SEEDS; seed++) {
        double acc = final_acc(rule, seed);
        cr_log_info("%s seed %d: final test accuracy %.4f (bar %.2f)", rule, seed, acc, bar);
        pass += acc >= bar;
        cr_expect_geq(acc, bar - 0.03, "%s seed %d: %.4f is far below %.2f", rule, seed, acc, bar);
    }
    int need = N_SEEDS == 1 ? 1 : 2;
    cr_expect_geq(pass, need, "%s: only %d of %d seeds reach %.2f", rule, pass, N_SEEDS, bar);
}

Test(rules_accuracy, fa_digits) { check_rule("fa", 0.96); }
Test(rules_accuracy, dfa_digits) { check_rule("dfa", 0.96); }
Test(rules_accuracy, ep_digits) { check_rule("ep", 0.94); }
Test(rules_accuracy, pc_digits) { check_rule("pc", 0.92); }
Test(rules_accuracy, ff_digits) { check_rule("ff", 0.94); }
Test(rules_accuracy, np_digits) { check_rule("np", 0.93); }

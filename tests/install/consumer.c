/* A program built against the installed tree by tests/install/test_install.sh
 * (with pkg-config, and with find_package(cogscope) against both the shared
 * and the static library): it includes the public headers and calls the
 * library. The Gaussian MI of a bivariate normal with correlation r is
 * -ln(1 - r^2)/2 exactly when given the covariance; r = 0.6 gives
 * 0.22314355131420976 nats. Exit 0 when the installed library says so. */
#include <math.h>
#include <stdio.h>

#include "cogscope/core.h"
#include "cogscope/info.h"

int main(void)
{
    cs_info_params p;
    cs_info_params_default(CS_INFO_MI, CS_EST_GAUSSIAN, &p);
    cs_info *c = NULL;
    double cov[4] = {1.0, 0.6, 0.6, 1.0}, v = 0;
    size_t x = 0, y = 1;
    if (cs_info_create(&p, &c) || cs_info_set_covariance(c, cov, 2, &x, 1, &y, 1, NULL, 0, 0) ||
        cs_info_average(c, &v)) {
        fprintf(stderr, "consumer: %s\n", cs_last_error());
        cs_info_destroy(c);
        return 1;
    }
    cs_info_destroy(c);
    double want = -0.5 * log(1.0 - 0.36);
    printf("I = %.17g nats (closed form %.17g)\n", v, want);
    return fabs(v - want) <= 1e-14 ? 0 : 1;
}

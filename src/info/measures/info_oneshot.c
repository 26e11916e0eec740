/* Inform-style one-shot pairs cs_info_<measure> / cs_info_local_<measure>
 * (cogscope/info.h): create, observe, evaluate, destroy. */
#include "cogscope/info.h"

static cs_status one_shot(const cs_info_params *p0, cs_info_measure m, cs_matrix x, cs_matrix y, cs_matrix z,
                          double *value, double *local, size_t *count)
{
    cs_info_params p = *p0;
    p.measure = m;
    cs_info *c;
    cs_status st = cs_info_create(&p, &c);
    if (st)
        return st;
    if (!(st = cs_info_set_observations(c, x, y, z))) {
        if (count)
            *count = cs_info_count(c);
        st = local ? cs_info_local(c, local, value) : cs_info_average(c, value);
    }
    cs_info_destroy(c);
    return st;
}

static const cs_matrix none = {NULL, 0, 0, 0};

cs_status cs_info_entropy(const cs_info_params *p, cs_matrix x, double *value)
{
    return one_shot(p, CS_INFO_ENTROPY, x, none, none, value, NULL, NULL);
}
cs_status cs_info_local_entropy(const cs_info_params *p, cs_matrix x, double *local, size_t *count)
{
    return one_shot(p, CS_INFO_ENTROPY, x, none, none, NULL, local, count);
}
cs_status cs_info_centropy(const cs_info_params *p, cs_matrix x, cs_matrix y, double *value)
{
    return one_shot(p, CS_INFO_CENTROPY, x, y, none, value, NULL, NULL);
}
cs_status cs_info_local_centropy(const cs_info_params *p, cs_matrix x, cs_matrix y, double *local, size_t *count)
{
    return one_shot(p, CS_INFO_CENTROPY, x, y, none, NULL, local, count);
}
cs_status cs_info_mi(const cs_info_params *p, cs_matrix x, cs_matrix y, double *value)
{
    return one_shot(p, CS_INFO_MI, x, y, none, value, NULL, NULL);
}
cs_status cs_info_local_mi(const cs_info_params *p, cs_matrix x, cs_matrix y, double *local, size_t *count)
{
    return one_shot(p, CS_INFO_MI, x, y, none, NULL, local, count);
}
cs_status cs_info_cmi(const cs_info_params *p, cs_matrix x, cs_matrix y, cs_matrix z, double *value)
{
    return one_shot(p, CS_INFO_CMI, x, y, z, value, NULL, NULL);
}
cs_status cs_info_local_cmi(const cs_info_params *p, cs_matrix x, cs_matrix y, cs_matrix z, double *local,
                            size_t *count)
{
    return one_shot(p, CS_INFO_CMI, x, y, z, NULL, local, count);
}
cs_status cs_info_te(const cs_info_params *p, cs_matrix src, cs_matrix dst, cs_matrix cond, double *value)
{
    return one_shot(p, CS_INFO_TE, src, dst, cond, value, NULL, NULL);
}
cs_status cs_info_local_te(const cs_info_params *p, cs_matrix src, cs_matrix dst, cs_matrix cond, double *local,
                           size_t *count)
{
    return one_shot(p, CS_INFO_TE, src, dst, cond, NULL, local, count);
}
cs_status cs_info_ais(const cs_info_params *p, cs_matrix x, double *value)
{
    return one_shot(p, CS_INFO_AIS, x, none, none, value, NULL, NULL);
}
cs_status cs_info_local_ais(const cs_info_params *p, cs_matrix x, double *local, size_t *count)
{
    return one_shot(p, CS_INFO_AIS, x, none, none, NULL, local, count);
}

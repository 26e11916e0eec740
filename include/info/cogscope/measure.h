/* The measure table: every information measure declares its roles, the
 * estimators that serve it and the options it admits, and one function
 * validates a request against the table (the library's calculators, the
 * CLI and the Python package all call it; none repeats its checks).
 *
 *   measure   roles (required / optional)          estimators
 *   entropy   x                                     discrete, gaussian
 *   centropy  x, y                                  discrete, gaussian
 *   mi        x, y                                  all
 *   cmi       x, y, z                               all
 *   te        x = source, y = destination, [z = conditioning]   all
 *   ais       x                                     all
 *   omega     x = layer units, y = target           gaussian, gcopula
 *   tc, dtc, oinfo, sinfo, tse   x = the variables     discrete, gaussian, gcopula
 *   pid       x = source 1, y = source 2, z = target   discrete, gaussian, gcopula
 *   phiid     x = series 1, y = series 2               discrete, gaussian, gcopula
 * entropy..ais are measures of the cs_info calculator (cogscope/info.h);
 * omega is cogscope/omega.h;
 * tc..tse are cogscope/multivariate.h, pid cogscope/pid.h and phiid
 * cogscope/phiid.h, each written once over the estimator registry too.
 *
 * Options: CS_OPT_* of cogscope/estimator.h; an option is accepted when
 * both the measure and the estimator admit it. Variables typed discrete
 * (CS_OPT_DISCRETE_VARS): discrete serves every measure; gaussian, gcopula
 * and ksg1 serve mi and cmi (the mixed estimators of cogscope/mixed.h);
 * gaussian and gcopula serve omega with a discrete y (the class-conditional
 * model). */
#ifndef COGSCOPE_MEASURE_H
#define COGSCOPE_MEASURE_H

#include "cogscope/core.h"
#include "cogscope/estimator.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CS_INFO_ENTROPY = 0,
    CS_INFO_CENTROPY, /* conditional entropy H(X|Y) */
    CS_INFO_MI,
    CS_INFO_CMI,
    CS_INFO_TE,
    CS_INFO_AIS,
    CS_INFO_OMEGA, /* Syn/I of a whole layer: its own entry points (cogscope/omega.h), not cs_info */
    CS_INFO_TC,    /* total correlation; the multivariate measures of cogscope/multivariate.h */
    CS_INFO_DTC,
    CS_INFO_OINFO,
    CS_INFO_SINFO,
    CS_INFO_TSE,
    CS_INFO_PID,   /* cogscope/pid.h */
    CS_INFO_PHIID, /* cogscope/phiid.h */
    CS_INFO_MEASURE_COUNT
} cs_info_measure;

/* The last measure of the cs_info calculator (cogscope/info.h). */
#define CS_INFO_CALC_LAST CS_INFO_AIS

/* "entropy", "centropy", "mi", "cmi", "te", "ais", "omega", "tc", "dtc", "oinfo",
 * "sinfo", "tse", "pid", "phiid" and back (CS_EINVAL if unknown). */
const char *cs_info_measure_name(cs_info_measure m);
cs_status cs_info_measure_parse(const char *name, cs_info_measure *out);

enum { CS_ROLE_X = 0, CS_ROLE_Y = 1, CS_ROLE_Z = 2 };
/* Role bits of cs_measure_entry.required/allowed and cs_measure_request.roles. */
enum { CS_ROLE_BIT_X = 1u << CS_ROLE_X, CS_ROLE_BIT_Y = 1u << CS_ROLE_Y, CS_ROLE_BIT_Z = 1u << CS_ROLE_Z };

typedef struct {
    cs_info_measure id;
    const char *name;
    const char *formula;       /* e.g. "I(X;Y|Z)" */
    const char *role_names[3]; /* what x, y, z mean for this measure */
    unsigned required;         /* CS_ROLE_BIT_* that must be given */
    unsigned allowed;          /* CS_ROLE_BIT_* that may be given */
    unsigned estimators;       /* bit (1u << CS_EST_*) per estimator that serves it */
    unsigned options;          /* CS_OPT_* the measure admits */
    int dependence;            /* 1: measures dependence (surrogates shuffle x) */
} cs_measure_entry;

/* The table entry of m, NULL if m is not a measure. */
const cs_measure_entry *cs_measure_lookup(cs_info_measure m);

/* A request to validate: the measure, the estimator, the roles given
 * (CS_ROLE_BIT_*), the options asked for (CS_OPT_*: only those the caller
 * sets away from their defaults or asks to run) and the role types. */
typedef struct {
    cs_info_measure measure;
    cs_info_estimator estimator;
    unsigned roles;
    unsigned options;
    cs_var_type types[3];
} cs_measure_request;

/* CS_OK when the table admits the request; CS_EINVAL with a sentence naming
 * the measure, the role or the option (as the CLI spells it) otherwise. */
cs_status cs_measure_validate(const cs_measure_request *r);

#ifdef __cplusplus
}
#endif
#endif

/* Internal: the embeddings of cogscope/embed.h laid out in the order of a
 * measure's column sets, so that the embedded matrix is the estimator's work
 * matrix itself (no reordering copy):
 *   TE  [ source | future | past | cond ]   (X | Y | Z of I(X;Y|Z))
 *   AIS [ past | future ]                   (X | Y of I(X;Y))
 * sets_order = 0 gives the public layout. Values, time indices and origins
 * are those of cs_embed_te / cs_embed_ais. */
#ifndef COGSCOPE_INFO_EMBED_INTERNAL_H
#define COGSCOPE_INFO_EMBED_INTERNAL_H

#include "cogscope/embed.h"

cs_status embed_te_ordered(cs_matrix x, cs_matrix y, cs_matrix z, const cs_embed_params *p, int sets_order,
                           cs_embedding *out);
cs_status embed_ais_ordered(cs_matrix x, size_t k, size_t k_tau, int sets_order, cs_embedding *out);

#endif

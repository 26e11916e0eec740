/* How info and report print a run log's layers: the trainer's unit counts
 * (/config layers, input first: "64-100-10") when the log has them, else the
 * named layers with their units ("fc1 (256), fc2 (10)"). */
#ifndef COGSCOPE_TOOLS_RUNLOG_TEXT_H
#define COGSCOPE_TOOLS_RUNLOG_TEXT_H

#include <stdio.h>

#include "cogscope/json.h"
#include "cogscope/runlog.h"

void cli_layers_text(FILE *out, const cs_runlog *r, const char *sep);
/* The learning rule; for a log without one (a PyTorch Observer's), "not
 * recorded" and what the log does say: "(trainer torch, model Sequential)". */
void cli_rule_text(FILE *out, const cs_runlog *r);
/* s, or "not recorded" for an empty string (a conventional /config entry the
 * log does not have). */
const char *cli_or_unrecorded(const char *s);
/* 1 when "epochs done" means something: the log has the epoch of every step
 * and of every evaluation (/steps/epoch and /eval/epoch). */
int cli_epochs_recorded(const cs_runlog *r);
/* A JSON array: the unit counts, else the layer names. */
void cli_layers_json(cs_json *j, const cs_runlog *r);

#endif

/* How info and report print a run log's layers: the trainer's unit counts
 * (/config layers, input first: "64-100-10") when the log has them, else the
 * named layers with their units ("fc1 (256), fc2 (10)"). */
#ifndef COGSCOPE_TOOLS_RUNLOG_TEXT_H
#define COGSCOPE_TOOLS_RUNLOG_TEXT_H

#include <stdio.h>

#include "cogscope/json.h"
#include "cogscope/runlog.h"

void cli_layers_text(FILE *out, const cs_runlog *r, const char *sep);
/* A JSON array: the unit counts, else the layer names. */
void cli_layers_json(cs_json *j, const cs_runlog *r);

#endif

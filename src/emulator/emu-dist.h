/* emu-dist.h: distributions of task durations, so that a run of many tasks
 * looks like the service's (most take a minute or two, a few much longer)
 * and stays reproducible with a seed.
 *
 *   5000                                       always 5000
 *   uniform:min=1000,max=5000                  uniform in [min, max]
 *   lognormal:median=90000,sigma=0.7[,min=5000][,max=600000]
 *       exp(ln(median) + sigma * N(0,1)), redrawn while outside [min, max]
 *
 * Values are milliseconds.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _EmuDist EmuDist;

EmuDist *emu_dist_parse (const char *text, GError ** error);
EmuDist *emu_dist_new_fixed (gint64 value);
EmuDist *emu_dist_copy (const EmuDist * dist);
void emu_dist_free (EmuDist * dist);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuDist, emu_dist_free)

/* One draw, in [min, max] (whole milliseconds). */
gint64 emu_dist_draw (const EmuDist * dist, GRand * rand);

/* The text form, as parsed. */
char *emu_dist_to_string (const EmuDist * dist);

G_END_DECLS

/* wanr2v-job-phase.c: the names of a job's phases (GLib only: the plugin
 * names the phase of a kept video it serves itself). */
#include "wanr2v-job.h"

static const char *phase_names[] = {
  "preparing", "uploading", "submitting", "queued", "generating",
  "downloading", "done", "failed"
};

const char *
wanr2v_job_phase_to_string (WanR2vJobPhase phase)
{
  if ((guint) phase < G_N_ELEMENTS (phase_names))
    return phase_names[phase];
  return "?";
}

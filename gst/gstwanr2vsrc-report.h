/* gstwanr2vsrc-report.h: telling the application what a job does, through the
 * bus: progress messages, "wanr2v/task" element messages and errors. */
#pragma once

#include <gst/gst.h>
#include "wanr2v-job.h"

G_BEGIN_DECLS

/* Posts what @event means for a user: progress and the task message. */
void gst_wanr2v_src_report_event (GstElement * element,
    const WanR2vJobEvent * event);

/* Posts an ERROR message for a failed job, with the service's details in
 * the error's details structure, then an ERROR progress message. */
void gst_wanr2v_src_report_job_error (GstElement * element, const GError * error,
    const WanR2vErrorInfo * details);

#define WANR2V_TAG_MODEL "wanr2v-model"
#define WANR2V_TAG_TASK_ID "wanr2v-task-id"

/* The tags of a run, as far as they are known: the model and the prompt
 * of @request (the request actually built; NULL when following a task by
 * id), the task that makes the video and the prompt the service actually
 * used (NULLs are left out). */
GstTagList *gst_wanr2v_src_report_make_tags (const WanR2vRequest * request,
    const char *task_id, const char *actual_prompt);

/* Posts a tag message with @tags, describing the finished video. */
void gst_wanr2v_src_report_tags (GstElement * element, const GstTagList * tags);

/* Posts a CANCELED progress message (the job was stopped unfinished). */
void gst_wanr2v_src_report_cancelled (GstElement * element, const char *task_id);

G_END_DECLS

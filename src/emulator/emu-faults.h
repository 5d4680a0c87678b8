/* emu-faults.h: faults the emulator injects, so that clients' retry logic
 * can be tested exactly.
 *
 * A fault has a target (which requests it applies to), a kind (what it does
 * to them), a `count` (how many times it fires; -1: always) and an `after`
 * (how many matching requests it lets through first).  Faults are written
 * either as a SPEC string or as a JSON object with the same keys:
 *
 *   create:status=429,code=Throttling.RateQuota,count=2
 *   {"target": "create", "status": 429, "code": "Throttling.RateQuota",
 *    "count": 2}
 *
 * The first key after the colon names the kind (any order works: exactly
 * one key must be a kind); `message`, which may hold commas, must come last
 * in a SPEC and takes the rest of it.  A request of a target is offered to
 * the live faults of that target in the order they were added: each counts
 * it as seen, and the first one past its `after` fires; the others do not
 * see that request.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  EMU_FAULT_TARGET_CREATE,      /* POST .../video-synthesis */
  EMU_FAULT_TARGET_QUERY,       /* GET /tasks/{id} */
  EMU_FAULT_TARGET_TASK,        /* the outcome of a newly created task */
  EMU_FAULT_TARGET_DOWNLOAD,    /* GET of a result URL */
  EMU_FAULT_TARGET_POLICY,      /* GET /uploads?action=getPolicy */
  EMU_FAULT_TARGET_UPLOAD,      /* POST of the upload form */
  EMU_FAULT_TARGET_CANCEL,      /* POST /tasks/{id}/cancel */
  EMU_FAULT_TARGET_LIST,        /* GET /tasks/ */
  EMU_FAULT_N_TARGETS
} EmuFaultTarget;

typedef enum
{
  EMU_FAULT_STATUS,             /* an error reply: status, code, message */
  EMU_FAULT_DELAY,              /* the reply is held back `value` ms */
  EMU_FAULT_RESET,              /* RST (download: after `value` bytes) */
  EMU_FAULT_DROP,               /* create: the task is made, no reply */
  EMU_FAULT_MALFORMED,          /* query: 200 with a body that is not JSON */
  EMU_FAULT_TRUNCATED,          /* query: 200 with half the JSON */
  EMU_FAULT_FAIL,               /* task: FAILED (code, message optional) */
  EMU_FAULT_CANCEL,             /* task: CANCELED when its pending time ends */
  EMU_FAULT_UNKNOWN,            /* task: queries answer UNKNOWN */
  EMU_FAULT_HANG,               /* task: RUNNING for ever */
  EMU_FAULT_TRUNCATE,           /* download: FIN after `value` body bytes */
  EMU_FAULT_EXPIRED,            /* download: 403 expired; policy: expired */
  EMU_FAULT_IGNORE_RANGE,       /* download: 200 and the whole file */
  EMU_FAULT_RATE,               /* download: paced at `value` bytes/s */
  EMU_FAULT_HTML,               /* download: 200 text/html, `value` bytes */
  EMU_FAULT_CORRUPT,            /* download: byte `value` of the object
                                 * inverted, headers (CRC) unchanged */
  EMU_FAULT_WRONG_RANGE,        /* download: a Range answered from byte 0 */
  EMU_FAULT_AGED,               /* task: made `value` s earlier, as far as
                                 * its times, lists and expiry tell */
} EmuFaultKind;

typedef struct
{
  guint id;                     /* 1, 2, ... in order of addition */
  EmuFaultTarget target;
  EmuFaultKind kind;
  gint64 value;                 /* ms, bytes or bytes/s, per kind; else 0 */
  guint status;                 /* EMU_FAULT_STATUS */
  char *code;                   /* STATUS, FAIL; NULL: unset */
  char *message;
  gint64 count;                 /* -1: always */
  gint64 after;
  gint64 seen;                  /* matching requests offered to it */
  gint64 fired;
} EmuFault;

typedef struct _EmuFaults EmuFaults;

EmuFaults *emu_faults_new (void);
void emu_faults_free (EmuFaults * faults);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuFaults, emu_faults_free)

/* Parses @spec and appends the fault; FALSE (and nothing added) when
 * @spec is not valid. */
gboolean emu_faults_add_spec (EmuFaults * faults, const char *spec,
    GError ** error);

/* Appends a fault object, a SPEC string, or an array of those; all or
 * nothing.  Returns the number added, or -1 with @error set. */
gint emu_faults_add_json (EmuFaults * faults, JsonNode * node,
    GError ** error);

/* Removes every fault (ids keep counting). */
void emu_faults_clear (EmuFaults * faults);

/* A JSON array: every fault with its `seen` and `fired` counts. */
JsonNode *emu_faults_to_json (EmuFaults * faults);

/* Offers a request of @target to the faults; returns the fault that fires
 * (counted as fired), or NULL.  @has_range: the request carries a Range
 * header (ignore-range faults see only such requests). */
const EmuFault *emu_faults_take (EmuFaults * faults, EmuFaultTarget target,
    gboolean has_range);

/* "create:drop": what the request log records. */
char *emu_fault_name (const EmuFault * fault);

/* The SPEC form of @fault (message last). */
char *emu_fault_to_spec (const EmuFault * fault);

/* Code and message of a status fault: its own, else the service's usual
 * ones for that status (@oss: OSS's codes rather than DashScope's). */
void emu_fault_error_text (const EmuFault * fault, gboolean oss,
    const char **code, const char **message);

G_END_DECLS

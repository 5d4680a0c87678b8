/* emu-dist.c: distributions of task durations. */
#include "emu-dist.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

/* A lognormal draw outside [min, max] is redrawn at most this many times,
 * then clamped: bounds far in the tails must not loop for ever. */
#define MAX_REDRAWS 1000

typedef enum
{
  DIST_FIXED,
  DIST_UNIFORM,
  DIST_LOGNORMAL,
} DistKind;

struct _EmuDist
{
  DistKind kind;
  gint64 min, max;              /* FIXED: both the value */
  double median, sigma;         /* LOGNORMAL */
};

EmuDist *
emu_dist_new_fixed (gint64 value)
{
  EmuDist *dist = g_new0 (EmuDist, 1);

  dist->kind = DIST_FIXED;
  dist->min = dist->max = value;
  return dist;
}

EmuDist *
emu_dist_copy (const EmuDist * dist)
{
  return g_memdup2 (dist, sizeof (EmuDist));
}

void
emu_dist_free (EmuDist * dist)
{
  g_free (dist);
}

static gboolean
bad (GError ** error, const char *text, const char *why)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
      "bad distribution '%s': %s", text, why);
  return FALSE;
}

static gboolean
parse_ms (const char *value, gint64 * out)
{
  return value != NULL
      && g_ascii_string_to_signed (value, 10, 0, G_MAXINT32, out, NULL);
}

static gboolean
parse_positive_double (const char *value, double *out)
{
  char *end = NULL;

  if (value == NULL || *value == '\0')
    return FALSE;
  *out = g_ascii_strtod (value, &end);
  return *end == '\0' && isfinite (*out) && *out > 0;
}

EmuDist *
emu_dist_parse (const char *text, GError ** error)
{
  g_autoptr (EmuDist) dist = g_new0 (EmuDist, 1);
  g_auto (GStrv) params = NULL;
  const char *colon = strchr (text, ':');
  gboolean have_min = FALSE, have_max = FALSE, have_median = FALSE,
      have_sigma = FALSE;
  guint i;

  if (colon == NULL) {
    gint64 value;

    if (!parse_ms (text, &value)) {
      bad (error, text, "expected MS, uniform:min=MS,max=MS or "
          "lognormal:median=MS,sigma=S[,min=MS][,max=MS]");
      return NULL;
    }
    return emu_dist_new_fixed (value);
  }
  if (strncmp (text, "uniform:", colon - text + 1) == 0)
    dist->kind = DIST_UNIFORM;
  else if (strncmp (text, "lognormal:", colon - text + 1) == 0)
    dist->kind = DIST_LOGNORMAL;
  else {
    bad (error, text, "the kinds are uniform and lognormal");
    return NULL;
  }

  dist->max = G_MAXINT32;
  params = g_strsplit (colon + 1, ",", -1);
  for (i = 0; params[i]; i++) {
    char *eq = strchr (params[i], '=');
    const char *value = eq ? eq + 1 : NULL;

    if (eq)
      *eq = '\0';
    if (strcmp (params[i], "min") == 0 && parse_ms (value, &dist->min))
      have_min = TRUE;
    else if (strcmp (params[i], "max") == 0 && parse_ms (value, &dist->max))
      have_max = TRUE;
    else if (dist->kind == DIST_LOGNORMAL && strcmp (params[i], "median") == 0
        && parse_positive_double (value, &dist->median))
      have_median = TRUE;
    else if (dist->kind == DIST_LOGNORMAL && strcmp (params[i], "sigma") == 0
        && parse_positive_double (value, &dist->sigma))
      have_sigma = TRUE;
    else {
      bad (error, text, "unknown parameter or bad value");
      return NULL;
    }
  }
  if (dist->kind == DIST_UNIFORM && !(have_min && have_max)) {
    bad (error, text, "uniform needs min and max");
    return NULL;
  }
  if (dist->kind == DIST_LOGNORMAL && !(have_median && have_sigma)) {
    bad (error, text, "lognormal needs median and sigma");
    return NULL;
  }
  if (dist->min > dist->max) {
    bad (error, text, "min is above max");
    return NULL;
  }
  return g_steal_pointer (&dist);
}

/* A standard normal deviate (Box-Muller). */
static double
normal (GRand * rand)
{
  double u1 = g_rand_double (rand), u2 = g_rand_double (rand);

  /* g_rand_double is in [0, 1): 1 - u1 is never 0. */
  return sqrt (-2.0 * log (1.0 - u1)) * cos (2.0 * G_PI * u2);
}

gint64
emu_dist_draw (const EmuDist * dist, GRand * rand)
{
  guint i;

  switch (dist->kind) {
    case DIST_FIXED:
      return dist->min;
    case DIST_UNIFORM:
      return dist->min + (gint64) floor (g_rand_double (rand)
          * (double) (dist->max - dist->min + 1));
    case DIST_LOGNORMAL:
      for (i = 0; i < MAX_REDRAWS; i++) {
        double v = round (exp (log (dist->median)
                + dist->sigma * normal (rand)));

        if (v >= dist->min && v <= dist->max)
          return (gint64) v;
      }
      return CLAMP ((gint64) round (dist->median), dist->min, dist->max);
  }
  g_assert_not_reached ();
}

char *
emu_dist_to_string (const EmuDist * dist)
{
  char median[G_ASCII_DTOSTR_BUF_SIZE], sigma[G_ASCII_DTOSTR_BUF_SIZE];

  switch (dist->kind) {
    case DIST_FIXED:
      return g_strdup_printf ("%" G_GINT64_FORMAT, dist->min);
    case DIST_UNIFORM:
      return g_strdup_printf ("uniform:min=%" G_GINT64_FORMAT ",max=%"
          G_GINT64_FORMAT, dist->min, dist->max);
    case DIST_LOGNORMAL:
      g_ascii_dtostr (median, sizeof (median), dist->median);
      g_ascii_dtostr (sigma, sizeof (sigma), dist->sigma);
      return g_strdup_printf ("lognormal:median=%s,sigma=%s,min=%"
          G_GINT64_FORMAT ",max=%" G_GINT64_FORMAT, median, sigma, dist->min,
          dist->max);
  }
  g_assert_not_reached ();
}

/* bench-util.c: what the benchmark's client programs share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <sys/resource.h>

#include "bench-util.h"

int
bench_compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

double
bench_percentile (const double *sorted, guint n, double p)
{
  guint rank;

  if (n == 0)
    return NAN;
  rank = (guint) ceil (p / 100.0 * n);
  return sorted[CLAMP (rank, 1, n) - 1];
}

double
bench_cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Whole lines, also when several threads emit. */
void
bench_emit (GString *line)
{
  flockfile (stdout);
  fputs (line->str, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
  funlockfile (stdout);
}

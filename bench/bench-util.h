/* bench-util.h: what the benchmark's client programs share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* For qsort() and g_array_sort() of doubles, ascending. */
int    bench_compare_double (gconstpointer a, gconstpointer b);
/* Nearest-rank percentile of @n sorted values; NAN when there are none. */
double bench_percentile     (const double *sorted, guint n, double p);
/* CPU time (user + system) this process has used, in seconds. */
double bench_cpu_seconds    (void);
/* Writes @line and a newline to stdout, flushed: one JSON event. */
void   bench_emit           (GString *line);

G_END_DECLS

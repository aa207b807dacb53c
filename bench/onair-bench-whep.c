/* onair-bench-whep: N WebRTC (WHEP) viewers in one process, for the benchmark
 *
 *   onair-bench-whep URL N SECONDS [--warmup S] [--hold] [--connect-timeout S]
 *
 * Each viewer is its own recvonly webrtcbin (tests/whep-client.c) that
 * receives H.264 without decoding it and counts frames by the RTP marker
 * bit. Signalling is WHEP: POST the offer to URL's /whep, set the answer,
 * DELETE the Location when done. A ?token= in URL is sent as a Bearer token.
 *
 * stdout carries JSON lines like onair-bench-mjpeg's: "connected",
 * "window_start", then "result" with the per-viewer fps. With --hold the
 * viewers stay until stdin closes, then leave with DELETE.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gst/gst.h>
#include <libsoup/soup.h>

#include "whep-client.h"

#define DELETE_TIMEOUT_S 5

typedef struct
{
  WhepViewer *viewer;
  char       *location;  /* absolute URL of the session */
  char       *error;
  guint64     frames_at_window;
  gint64      first_frame_us;
} Viewer;

static void
emit (GString *line)
{
  fputs (line->str, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static SoupMessage *
new_message (const char *method, const char *url, const char *token)
{
  SoupMessage *msg = soup_message_new (method, url);

  if (msg != NULL && token != NULL)
    {
      g_autofree char *value = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
    }
  return msg;
}

static gboolean
connect_viewer (SoupSession *session, GUri *base, const char *token, Viewer *v, GError **error)
{
  g_autofree char *offer = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *whep_url = NULL;
  g_autoptr(GUri) whep = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) request = NULL;
  const char *location;

  v->viewer = whep_viewer_new ("H264", FALSE);
  offer = whep_viewer_create_offer (v->viewer, error);
  if (offer == NULL)
    return FALSE;

  whep = g_uri_parse_relative (base, "/whep", G_URI_FLAGS_NONE, error);
  if (whep == NULL)
    return FALSE;
  whep_url = g_uri_to_string (whep);
  msg = new_message ("POST", whep_url, token);
  request = g_bytes_new (offer, strlen (offer));
  soup_message_set_request_body_from_bytes (msg, "application/sdp", request);
  body = soup_session_send_and_read (session, msg, NULL, error);
  if (body == NULL)
    return FALSE;
  if (soup_message_get_status (msg) != SOUP_STATUS_CREATED)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "POST /whep answered %u: %.*s",
                   soup_message_get_status (msg), (int) MIN (g_bytes_get_size (body), 200),
                   (const char *) g_bytes_get_data (body, NULL));
      return FALSE;
    }
  location = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
  if (location != NULL)
    {
      g_autoptr(GUri) loc = g_uri_parse_relative (base, location, G_URI_FLAGS_NONE, NULL);
      if (loc != NULL)
        v->location = g_uri_to_string (loc);
    }
  answer = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return whep_viewer_set_answer (v->viewer, answer, error);
}

/* Ends the session with DELETE; returns FALSE when the server did not
 * answer, so the caller stops asking. */
static gboolean
disconnect_viewer (SoupSession *session, const char *token, Viewer *v, gboolean ask)
{
  gboolean answered = TRUE;

  if (ask && v->location != NULL)
    {
      g_autoptr(SoupMessage) msg = new_message ("DELETE", v->location, token);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);

      if (body == NULL)
        {
          g_printerr ("onair-bench-whep: DELETE %s: %s\n", v->location, error->message);
          answered = FALSE;
        }
      else if (soup_message_get_status (msg) != SOUP_STATUS_OK)
        g_printerr ("onair-bench-whep: DELETE %s answered %u\n", v->location, soup_message_get_status (msg));
    }
  g_clear_pointer (&v->viewer, whep_viewer_free);
  return answered;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("URL N SECONDS");
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) base = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GString) out = NULL;
  g_autoptr(GHashTable) query = NULL;
  g_autofree Viewer *viewers = NULL;
  g_autofree double *fps = NULL;
  g_autofree double *sorted = NULL;
  const char *token = NULL;
  double warmup = 3, connect_timeout = 15, seconds, span, cpu0;
  gboolean hold = FALSE, server_answers = TRUE;
  g_autoptr(SoupSession) delete_session = NULL;
  GOptionEntry entries[] = {
    { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &warmup, "Seconds between the last first frame and the window", "S" },
    { "hold", 0, 0, G_OPTION_ARG_NONE, &hold, "Keep the viewers after the result until stdin closes", NULL },
    { "connect-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &connect_timeout, "Seconds to wait for every viewer's first frame", "S" },
    { NULL }
  };
  gint64 started, deadline, slowest = 0, t0, t1;
  guint n, receiving = 0, connected = 0, stalled = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "N WHEP viewers in one process; prints JSON lines.");
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 4)
    {
      g_printerr ("usage: onair-bench-whep URL N SECONDS [--warmup S] [--hold] [--connect-timeout S]%s%s\n",
                  error ? ": " : "", error ? error->message : "");
      return 2;
    }
  gst_init (NULL, NULL);

  base = g_uri_parse (argv[1], G_URI_FLAGS_NONE, &error);
  n = (guint) g_ascii_strtoull (argv[2], NULL, 10);
  seconds = g_ascii_strtod (argv[3], NULL);
  if (base == NULL || n == 0 || n > 1000 || seconds <= 0)
    {
      g_printerr ("onair-bench-whep: need an http:// URL, N from 1 to 1000 and SECONDS > 0\n");
      return 2;
    }
  if (g_uri_get_query (base) != NULL)
    {
      query = g_uri_parse_params (g_uri_get_query (base), -1, "&", G_URI_PARAMS_NONE, NULL);
      if (query != NULL)
        token = g_hash_table_lookup (query, "token");
    }

  session = soup_session_new_with_options ("timeout", 20, NULL);
  viewers = g_new0 (Viewer, n);
  fps = g_new0 (double, n);
  sorted = g_new0 (double, n);

  started = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) local = NULL;

      if (connect_viewer (session, base, token, &viewers[i], &local))
        connected++;
      else
        viewers[i].error = g_strdup (local->message);
    }

  /* Every viewer has a frame, or the time is up. */
  deadline = g_get_monotonic_time () + (gint64) (connect_timeout * G_USEC_PER_SEC);
  do
    {
      receiving = 0;
      for (guint i = 0; i < n; i++)
        if (viewers[i].error == NULL && whep_viewer_get_frames (viewers[i].viewer) > 0)
          {
            if (viewers[i].first_frame_us == 0)
              {
                viewers[i].first_frame_us = g_get_monotonic_time ();
                slowest = MAX (slowest, viewers[i].first_frame_us - started);
              }
            receiving++;
          }
      if (receiving < connected)
        g_usleep (5000);
    }
  while (receiving < connected && g_get_monotonic_time () < deadline);

  out = g_string_new (NULL);
  g_string_printf (out, "{\"event\":\"connected\",\"receiving\":%u,\"failed\":%u,\"slowest_first_frame_ms\":%.1f,"
                   "\"signalling_s\":%.2f}",
                   receiving, n - receiving, slowest / 1000.0,
                   (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
  emit (out);

  g_usleep ((gulong) (warmup * G_USEC_PER_SEC));
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    if (viewers[i].viewer != NULL)
      viewers[i].frames_at_window = whep_viewer_get_frames (viewers[i].viewer);
  cpu0 = cpu_seconds ();
  g_string_assign (out, "{\"event\":\"window_start\"}");
  emit (out);

  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  t1 = g_get_monotonic_time ();
  span = (t1 - t0) / (double) G_USEC_PER_SEC;
  for (guint i = 0; i < n; i++)
    {
      fps[i] = viewers[i].viewer != NULL
               ? (whep_viewer_get_frames (viewers[i].viewer) - viewers[i].frames_at_window) / span : 0;
      sorted[i] = fps[i];
      if (viewers[i].error == NULL && fps[i] == 0)
        stalled++;
    }
  qsort (sorted, n, sizeof (double), compare_double);

  g_string_printf (out, "{\"event\":\"result\",\"viewers\":%u,\"open\":%u,\"failed\":%u,\"stalled\":%u,"
                   "\"window_s\":%.3f,\"fps\":[", n, connected, n - connected, stalled, span);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s%.2f", i ? "," : "", fps[i]);
  g_string_append_printf (out, "],\"fps_min\":%.2f,\"fps_median\":%.2f,\"fps_max\":%.2f",
                          sorted[0],
                          n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
                          sorted[n - 1]);
  g_string_append_printf (out, ",\"client_cpu_percent\":%.1f,\"errors\":[",
                          (cpu_seconds () - cpu0) / span * 100);
  for (guint i = 0, k = 0; i < n; i++)
    if (viewers[i].error != NULL)
      {
        g_autofree char *escaped = g_strescape (viewers[i].error, NULL);
        g_string_append_printf (out, "%s\"viewer %u: %s\"", k++ ? "," : "", i, escaped);
      }
  g_string_append (out, "]}");
  emit (out);

  if (hold)
    {
      char buf[256];
      while (read (0, buf, sizeof buf) > 0)
        ;
    }

  /* A server that stopped answering is not asked n more times. */
  delete_session = soup_session_new_with_options ("timeout", DELETE_TIMEOUT_S, NULL);
  for (guint i = 0; i < n; i++)
    {
      server_answers = disconnect_viewer (delete_session, token, &viewers[i], server_answers) && server_answers;
      g_free (viewers[i].location);
      g_free (viewers[i].error);
    }
  return 0;
}

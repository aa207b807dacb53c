/* onair-bench-audio: what sound costs and how well it keeps time
 *
 * Starts `onair --headless --source test` on 127.0.0.1 and connects
 * webrtcbin viewers over WHEP. One viewer decodes picture and sound and
 * measures, against the test source's video stamp and its clicks at whole
 * wall-clock seconds: the A/V offset after the receiver's RTCP lip sync
 * (p50), and the one-way latency of sound and picture on loopback (p50, at
 * the decoder's output, jitter buffer included). Then On Air's CPU time
 * with N viewers of video only against N viewers of video and sound: the
 * difference per viewer is what sound costs per viewer (the shared Opus
 * encoder included, spread over N). Last, in this process, a broadcast of
 * its own with one decoding viewer: how long after the mute switch the
 * sound stops at the viewer, and how long after unmuting it is back.
 *
 * Usage: onair-bench-audio ONAIR_BIN [N] [SECONDS]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "on-air-audio.h"
#include "on-air-broadcast.h"
#include "test-util.h"
#include "whep-audio.h"
#include "whep-client.h"


/* CPU seconds @pid used so far (utime + stime). */
static double
process_cpu (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (after = strrchr (text, ')')) == NULL)
    return 0;
  fields = g_strsplit (after + 2, " ", -1);
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / sysconf (_SC_CLK_TCK);
}

/* On Air's share of a core over @seconds. */
static double
measure_cpu (GPid pid, guint seconds)
{
  double start = process_cpu (pid);
  gint64 t0 = g_get_monotonic_time ();

  test_spin (seconds * 1000);
  return (process_cpu (pid) - start) / ((g_get_monotonic_time () - t0) / 1e6);
}

static GPtrArray *
connect_viewers (TestServer *ts, guint n, gboolean sound)
{
  GPtrArray *viewers = g_ptr_array_new_with_free_func ((GDestroyNotify) whep_viewer_free);

  for (guint i = 0; i < n; i++)
    {
      WhepViewer *viewer = whep_viewer_new ("H264", FALSE);
      g_autofree char *location = NULL;

      if (sound)
        whep_viewer_want_audio (viewer, 111, 0);
      location = test_whep_connect (ts, viewer);
      g_ptr_array_add (viewers, viewer);
    }
  test_spin (2000);
  return viewers;
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return values->len ? g_array_index (values, double, values->len / 2) : -1;
}

/* Mute and unmute @rounds times: the ms from the switch to the last loud
 * sound the viewer decoded (mute), and to the first (unmute). */
static void
measure_mute (guint rounds)
{
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 10);
  g_autoptr(WhepViewer) viewer = whep_viewer_new ("H264", TRUE);
  g_autofree char *location = NULL;
  g_autoptr(GArray) mute_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) unmute_ms = g_array_new (FALSE, FALSE, sizeof (double));
  double worst_mute = 0;
  WhepAudioStats stats;

  g_assert_true (test_server_wait_live (ts, 10000));
  whep_viewer_want_audio (viewer, 111, 0);
  location = test_whep_connect (ts, viewer);
  g_assert_true (test_wait_until (whep_viewer_is_loud, viewer, 15000));
  test_spin (2000);
  for (guint i = 0; i < rounds; i++)
    {
      gint64 switched = g_get_monotonic_time ();
      double ms;

      on_air_broadcast_set_audio_muted (ts->broadcast, TRUE);
      g_assert_true (test_wait_until (whep_viewer_is_silent, viewer, 5000));
      whep_audio_get_stats (whep_viewer_get_audio (viewer), &stats);
      ms = MAX (0, stats.last_loud_us - switched) / 1000.0;
      worst_mute = MAX (worst_mute, ms);
      g_array_append_val (mute_ms, ms);

      switched = g_get_monotonic_time ();
      on_air_broadcast_set_audio_muted (ts->broadcast, FALSE);
      g_assert_true (test_wait_until (whep_viewer_is_loud, viewer, 5000));
      whep_audio_get_stats (whep_viewer_get_audio (viewer), &stats);
      ms = (stats.last_loud_us - switched) / 1000.0;
      g_array_append_val (unmute_ms, ms);
      test_spin (500);
    }
  printf ("{\"test\": \"audio-mute\", \"rounds\": %u, \"mute_to_silence_p50_ms\": %.1f, "
          "\"mute_to_silence_max_ms\": %.1f, \"unmute_to_sound_p50_ms\": %.1f}\n",
          rounds, median (mute_ms), worst_mute, median (unmute_ms));
  fflush (stdout);
  test_server_free (ts);
}

int
main (int argc, char **argv)
{
  const char *onair = argc > 1 ? argv[1] : "onair";
  guint n = argc > 2 ? atoi (argv[2]) : 10;
  guint seconds = argc > 3 ? atoi (argv[3]) : 10;
  const char *args[] = { onair, "--headless", "--source", "test", "--port", "0", "--bind", "127.0.0.1",
                         "--token", TEST_TOKEN, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GUri) uri = NULL;
  TestServer ts = { 0 };
  WhepAudioStats stats;
  double cpu_video, cpu_sound;
  GPid pid;

  gst_init (&argc, &argv);
  proc = g_subprocess_newv (args, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  pid = atoi (g_subprocess_get_identifier (proc));
  line = test_read_line (proc);
  g_assert_nonnull (line);
  uri = g_uri_parse (strstr (line, "http://"), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  ts.base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uri));
  test_spin (2000);

  /* Sync and latency: one viewer that decodes both. */
  {
    g_autoptr(WhepViewer) probe = whep_viewer_new ("H264", TRUE);
    g_autofree char *location = NULL;

    whep_viewer_want_audio (probe, 111, 0);
    location = test_whep_connect (&ts, probe);
    test_spin (3000);
    whep_audio_reset (whep_viewer_get_audio (probe));
    test_spin (seconds * 1000);
    whep_audio_get_stats (whep_viewer_get_audio (probe), &stats);
    printf ("{\"test\": \"audio-sync\", \"clicks\": %u, \"tone_hz\": %.1f, \"av_offset_p50_ms\": %.1f, "
            "\"audio_latency_p50_ms\": %.1f, \"video_latency_p50_ms\": %.1f}\n",
            stats.clicks, stats.tone_hz, stats.av_offset_p50_ms, stats.audio_latency_p50_ms,
            stats.video_latency_p50_ms);
    fflush (stdout);
  }
  test_spin (2000);

  /* CPU: N viewers of video only, then N of video and sound. */
  {
    g_autoptr(GPtrArray) viewers = connect_viewers (&ts, n, FALSE);
    cpu_video = measure_cpu (pid, seconds);
  }
  test_spin (2000);
  {
    g_autoptr(GPtrArray) viewers = connect_viewers (&ts, n, TRUE);
    cpu_sound = measure_cpu (pid, seconds);
  }
  printf ("{\"test\": \"audio-cpu\", \"viewers\": %u, \"cpu_video_only\": %.4f, \"cpu_with_sound\": %.4f, "
          "\"sound_per_viewer_pct\": %.3f}\n",
          n, cpu_video, cpu_sound, 100 * (cpu_sound - cpu_video) / n);
  g_subprocess_send_signal (proc, SIGTERM);
  g_subprocess_wait (proc, NULL, NULL);
  g_free (ts.base);

  measure_mute (10);
  return 0;
}

/* whep-audio.h: what a test viewer hears, measured
 *
 * Watches a viewer's decoded sound (S16LE, mono, 48 kHz) and decoded
 * video: the test tone's frequency by zero crossings, its level, the
 * clicks On Air's test source puts at each whole second of the wall clock,
 * and the video's time stamp (on-air-stamp.h). From both: how far apart
 * sound and picture are presented (the receiver's timestamps after its
 * RTCP lip sync) and how late each arrives.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _WhepAudio WhepAudio;

typedef struct
{
  guint64 samples;          /* decoded */
  double  tone_hz;          /* by zero crossings, over loud buffers; 0 if none */
  double  level;            /* peak of the newest 100 ms, 0 … 1 */
  gint64  last_loud_us;     /* monotonic time sound was last above -40 dBFS */
  guint   clicks;
  guint   video_stamps;
  double  av_offset_p50_ms; /* audio presented later than video: > 0 */
  double  audio_latency_p50_ms;
  double  video_latency_p50_ms;
} WhepAudioStats;

WhepAudio *whep_audio_new         (void);
void       whep_audio_watch_audio (WhepAudio      *audio,
                                   GstPad         *pad);
void       whep_audio_watch_video (WhepAudio      *audio,
                                   GstPad         *pad);
void       whep_audio_get_stats   (WhepAudio      *audio,
                                   WhepAudioStats *stats);
/* Clears the offsets and latencies measured so far. */
void       whep_audio_reset       (WhepAudio      *audio);
void       whep_audio_free        (WhepAudio      *audio);

/* For test_wait_until() on a WhepViewer with sound: nothing loud for
 * 500 ms, or something loud in the last 50 ms. */
gboolean   whep_viewer_is_silent  (gpointer        viewer);
gboolean   whep_viewer_is_loud    (gpointer        viewer);

G_END_DECLS

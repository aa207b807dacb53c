/* on-air-webrtc-peer-link.c
 *
 * One viewer's link, as its receiver reports it (RTCP receiver reports on
 * the video stream: packets lost, round-trip time), and the rung its
 * video comes from. A link that loses a tenth of the packets, or whose
 * round trip grows by a quarter of a second, for two seconds (three
 * reports or more), cannot carry the shared encode: the viewer moves down
 * a rung, and the viewers whose links can keep theirs. After a long clean spell it tries the top
 * rung again, waiting longer each time that did not hold. Ordinary Wi-Fi
 * loss (a few packets in a hundred, resent on NACK) moves nobody.
 *
 * webrtcbin 1.22 makes no bandwidth estimate of its own: it answers
 * without goog-remb, and transport-cc would need its header extension in
 * every payloader's caps and the answer, for a finer answer than this one
 * needs (the link carries the shared encode or it does not). The reports
 * are read from its RTP session's statistics, twice a second on the main
 * context (a browser reports about once a second).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-webrtc-peer"

#include "config.h"

#include "on-air-webrtc-peer-private.h"

#define LINK_CHECK_MS 500
/* Loss over the reports of the last check, before retransmission. */
#define CONGESTED_LOSS 0.10
#define CLEAN_LOSS 0.03
/* Round trip above the lowest seen (a queue filling on the way). */
#define CONGESTED_RTT_GROWTH_MS 250
#define CLEAN_RTT_GROWTH_MS 150
#define DOWN_AFTER_US (2 * G_USEC_PER_SEC)
#define DOWN_AFTER_REPORTS 3
#define UP_AFTER_US (20 * G_USEC_PER_SEC)
#define UP_AFTER_MAX_US (160 * G_USEC_PER_SEC)
/* Back down this soon after going up: the top rung did not hold. */
#define FELL_BACK_US (30 * G_USEC_PER_SEC)

static gboolean
read_report (OnAirWebrtcPeer *self, OnAirLinkReport *report)
{
  g_autoptr(GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (self->webrtcbin), "rtpbin");
  g_autoptr(GObject) session = NULL;
  GValueArray *sources = NULL;
  gboolean found = FALSE;
  guint32 ssrc = on_air_rtp_tap_get_ssrc (self->tap);

  if (rtpbin == NULL)
    return FALSE;
  g_signal_emit_by_name (rtpbin, "get-internal-session", 0, &session);
  if (session == NULL)
    return FALSE;
  g_object_get (session, "sources", &sources, NULL);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  for (guint i = 0; sources != NULL && i < sources->n_values && !found; i++)
    {
      GObject *source = g_value_get_object (g_value_array_get_nth (sources, i));
      g_autoptr(GstStructure) stats = NULL;
      gboolean internal = TRUE, have_rb = FALSE;
      guint about = 0, rtt = 0;

      /* The viewer's own source holds its newest report block, and says
       * which of our streams it is about (video or sound). */
      g_object_get (source, "stats", &stats, NULL);
      if (stats == NULL ||
          !gst_structure_get_boolean (stats, "internal", &internal) || internal ||
          !gst_structure_get_boolean (stats, "have-rb", &have_rb) || !have_rb ||
          !gst_structure_get_uint (stats, "rb-ssrc", &about) || about != ssrc)
        continue;
      found = gst_structure_get_uint (stats, "rb-exthighestseq", &report->highest) &&
              gst_structure_get_int (stats, "rb-packetslost", &report->lost) &&
              gst_structure_get_uint (stats, "rb-round-trip", &rtt);
      /* In 1/65536 s (RFC 3550's compact NTP). */
      report->rtt_ms = rtt * 1000.0 / 65536.0;
    }
  g_clear_pointer (&sources, g_value_array_free);
  G_GNUC_END_IGNORE_DEPRECATIONS
  return found;
}

static void
move (OnAirWebrtcPeer *self, OnAirRung rung, double loss, double rtt_ms)
{
  gint64 now = g_get_monotonic_time ();

  g_debug ("Peer %s: %.0f %% lost, round trip %.0f ms: to the %s rung", self->id, loss * 100,
           rtt_ms, on_air_rung_to_string (rung));
  if (rung == ON_AIR_RUNG_LOW && self->link.up_at != 0 && now - self->link.up_at < FELL_BACK_US)
    self->link.up_after = MIN (self->link.up_after * 2, UP_AFTER_MAX_US);
  if (rung == ON_AIR_RUNG_HIGH)
    self->link.up_at = now;
  self->link.rung = rung;
  self->link.bad_since = 0;
  self->link.clean_since = 0;
  /* No encoder for it (the broadcast says why in its log): stays. */
  if (!on_air_broadcast_move_webrtc (self->broadcast, self->tap, rung))
    self->link.rung = on_air_rtp_tap_get_rung (self->tap);
}

/* A new report: loss since the previous one, and the round trip. */
static void
judge (OnAirWebrtcPeer *self, const OnAirLinkReport *report)
{
  gint64 now = g_get_monotonic_time ();
  gint64 expected = (gint64) report->highest - self->link.last.highest;
  gint64 lost = (gint64) report->lost - self->link.last.lost;
  guint64 shed = on_air_rtp_tap_get_frames_dropped (self->tap);
  double loss = expected > 0 ? CLAMP ((double) lost / expected, 0.0, 1.0) : 0.0;
  double growth;
  gboolean congested, clean;

  if (report->rtt_ms > 0 && (self->link.min_rtt_ms == 0 || report->rtt_ms < self->link.min_rtt_ms))
    self->link.min_rtt_ms = report->rtt_ms;
  growth = report->rtt_ms - self->link.min_rtt_ms;
  congested = loss >= CONGESTED_LOSS || growth >= CONGESTED_RTT_GROWTH_MS;
  clean = loss < CLEAN_LOSS && growth < CLEAN_RTT_GROWTH_MS;
  /* Packets this machine shed itself (the viewer's queue, when the
   * machine is too busy to send) say nothing of the link, and a lower
   * rung, one encoder more, would not help there. */
  if (shed != self->link.last_shed)
    congested = clean = FALSE;
  self->link.last_shed = shed;

  /* A report between clean and congested neither starts nor ends a
   * clean spell: one slow round trip on a busy machine is not a reason
   * to wait 20 s more. */
  self->link.bad_since = congested ? (self->link.bad_since ? self->link.bad_since : now) : 0;
  self->link.bad_reports = congested ? self->link.bad_reports + 1 : 0;
  if (congested)
    self->link.clean_since = 0;
  else if (clean && self->link.clean_since == 0)
    self->link.clean_since = now;

  if (self->link.rung == ON_AIR_RUNG_HIGH && self->link.bad_since != 0 &&
      now - self->link.bad_since >= DOWN_AFTER_US && self->link.bad_reports >= DOWN_AFTER_REPORTS)
    move (self, ON_AIR_RUNG_LOW, loss, report->rtt_ms);
  else if (self->link.rung == ON_AIR_RUNG_LOW && self->link.clean_since != 0 &&
           now - self->link.clean_since >= self->link.up_after)
    move (self, ON_AIR_RUNG_HIGH, loss, report->rtt_ms);
}

static gboolean
check_link (gpointer user_data)
{
  OnAirWebrtcPeer *self = user_data;
  OnAirLinkReport report = { 0, };
  OnAirRung rung;

  if (self->tap == NULL)
    {
      self->link.timer = 0;
      return G_SOURCE_REMOVE;
    }
  if (read_report (self, &report) && report.highest != self->link.last.highest)
    {
      /* The first report is the baseline: the loss before it includes
       * the start of the stream. */
      if (self->link.have_last)
        judge (self, &report);
      self->link.last = report;
      self->link.have_last = TRUE;
    }
  /* The rung changes at a keyframe, after the move was asked for. */
  rung = on_air_rtp_tap_get_rung (self->tap);
  if (rung != self->link.shown_rung)
    {
      self->link.shown_rung = rung;
      g_object_notify (G_OBJECT (self), "rung");
    }
  return G_SOURCE_CONTINUE;
}

void
_on_air_webrtc_peer_watch_link (OnAirWebrtcPeer *self)
{
  /* Only H.264 has a lower rung. */
  if (self->link.timer != 0 || self->tap == NULL || self->codec != ON_AIR_CODEC_H264)
    return;
  self->link.up_after = UP_AFTER_US;
  self->link.timer = _on_air_webrtc_peer_add_timeout (self, LINK_CHECK_MS, check_link);
}

void
_on_air_webrtc_peer_stop_watching_link (OnAirWebrtcPeer *self)
{
  g_clear_handle_id (&self->link.timer, g_source_remove);
}

/* onair-bench-floor: what one WebRTC packet costs at the least, on this machine
 *
 *   onair-bench-floor [--packets-per-s R] [--size BYTES] [--viewers N] [--seconds S]
 *
 * Every WebRTC viewer gets every packet encrypted with its own SRTP keys and
 * sent to its own address: no server can share those two steps between
 * viewers. This program measures them alone, without GStreamer's plumbing,
 * libnice, RTCP or anything else On Air does, so the benchmark can tell how
 * much of a viewer's cost is that floor:
 *
 * - srtp: GStreamer's srtpenc (libsrtp2, the one webrtcbin uses, with the
 *   profile it negotiates with browsers: AES-128-CM, HMAC-SHA1-80) protecting
 *   RTP packets of BYTES bytes pushed straight into its sink pad, less the
 *   same push into identity. Thread CPU time per packet.
 * - udp: one UDP socket sending BYTES-byte datagrams over loopback to N
 *   sockets read by another process, paced like video (R packets a second per
 *   viewer, sent as 30 bursts a second). Process CPU time per packet: on
 *   loopback the sender's system call also carries the receiver's delivery
 *   and wake-up, as it does for On Air in the benchmark.
 *
 * Prints one JSON line: microseconds of CPU per packet for each, and the
 * floor per viewer in % of one core at R packets a second.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gst/gst.h>

#include "bench-util.h"

#define FRAMES_PER_S 30

static double
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* ---------------------------------------------------------------------- */
/* srtp                                                                   */

static GstBuffer *
make_rtp_packet (guint size, guint16 seq)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, size, NULL);
  GstMapInfo map;

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  memset (map.data, 0x5a, map.size);
  map.data[0] = 0x80;                  /* version 2 */
  map.data[1] = 96;                    /* payload type, no marker */
  map.data[2] = seq >> 8;
  map.data[3] = seq & 0xff;
  memset (map.data + 4, 0, 4);         /* timestamp */
  map.data[8] = 0x12;                  /* SSRC */
  map.data[9] = 0x34;
  map.data[10] = 0x56;
  map.data[11] = 0x78;
  gst_buffer_unmap (buffer, &map);
  return buffer;
}

/* µs of this thread's CPU per packet pushed through @factory's element, or
 * a negative number when it cannot be built. */
static double
push_through (const char *factory, guint size, guint count)
{
  g_autoptr(GstElement) pipeline = gst_pipeline_new (NULL);
  GstElement *element = gst_element_factory_make (factory, NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  g_autoptr(GstPad) sinkpad = NULL;
  g_autoptr(GstPad) srcpad = NULL;
  g_autoptr(GstCaps) caps = NULL;
  GstSegment segment;
  double begin, spent;

  if (element == NULL || sink == NULL)
    return -1;
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), element, sink, NULL);

  if (g_str_equal (factory, "srtpenc"))
    {
      g_autoptr(GstBuffer) key = gst_buffer_new_allocate (NULL, 30, NULL);

      gst_buffer_memset (key, 0, 0x42, 30);
      g_object_set (element, "key", key, NULL);
      gst_util_set_object_arg (G_OBJECT (element), "rtp-cipher", "aes-128-icm");
      gst_util_set_object_arg (G_OBJECT (element), "rtp-auth", "hmac-sha1-80");
      sinkpad = gst_element_request_pad_simple (element, "rtp_sink_%u");
      srcpad = gst_element_get_static_pad (element, "rtp_src_0");
    }
  else
    {
      sinkpad = gst_element_get_static_pad (element, "sink");
      srcpad = gst_element_get_static_pad (element, "src");
    }
  if (sinkpad == NULL || srcpad == NULL)
    return -1;
  {
    g_autoptr(GstPad) fakesink_pad = gst_element_get_static_pad (sink, "sink");
    if (gst_pad_link (srcpad, fakesink_pad) != GST_PAD_LINK_OK)
      return -1;
  }
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    return -1;

  caps = gst_caps_from_string ("application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=96,ssrc=(uint)305419896");
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_send_event (sinkpad, gst_event_new_stream_start ("floor"));
  gst_pad_send_event (sinkpad, gst_event_new_caps (caps));
  gst_pad_send_event (sinkpad, gst_event_new_segment (&segment));

  /* Warm-up, then the measured pushes. Making the buffers is not counted. */
  for (guint i = 0; i < 200; i++)
    gst_pad_chain (sinkpad, make_rtp_packet (size, i));
  spent = 0;
  for (guint i = 0; i < count; i++)
    {
      GstBuffer *buffer = make_rtp_packet (size, 200 + i);
      GstFlowReturn ret;

      begin = thread_cpu_us ();
      ret = gst_pad_chain (sinkpad, buffer);
      spent += thread_cpu_us () - begin;
      if (ret != GST_FLOW_OK)
        return -1;
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (g_str_equal (factory, "srtpenc"))
    gst_element_release_request_pad (element, sinkpad);
  return spent / count;
}

/* ---------------------------------------------------------------------- */
/* udp                                                                    */

static void
receive_until_closed (int control, int *socks, guint n)
{
  g_autofree struct pollfd *fds = g_new0 (struct pollfd, n + 1);
  char buf[2048];

  for (guint i = 0; i < n; i++)
    fds[i] = (struct pollfd) { .fd = socks[i], .events = POLLIN };
  fds[n] = (struct pollfd) { .fd = control, .events = POLLIN };
  for (;;)
    {
      if (poll (fds, n + 1, -1) < 0 && errno != EINTR)
        _exit (1);
      if (fds[n].revents)
        _exit (0);
      for (guint i = 0; i < n; i++)
        if (fds[i].revents & POLLIN)
          while (recv (socks[i], buf, sizeof buf, MSG_DONTWAIT) > 0)
            ;
    }
}

/* µs of this process's CPU per datagram sent, or negative on failure. */
static double
send_paced (guint size, guint viewers, double packets_per_s, double seconds)
{
  g_autofree int *socks = g_new0 (int, viewers);
  g_autofree struct sockaddr_in *addrs = g_new0 (struct sockaddr_in, viewers);
  g_autofree char *payload = g_malloc0 (size);
  int control[2];
  int sender;
  pid_t child;
  guint per_burst = MAX (1, (guint) (packets_per_s / FRAMES_PER_S + 0.5));
  guint bursts = (guint) (seconds * FRAMES_PER_S);
  guint64 sent = 0;
  gint64 next;
  double begin, spent;

  for (guint i = 0; i < viewers; i++)
    {
      socklen_t len = sizeof addrs[i];

      socks[i] = socket (AF_INET, SOCK_DGRAM, 0);
      addrs[i].sin_family = AF_INET;
      addrs[i].sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      if (socks[i] < 0 || bind (socks[i], (struct sockaddr *) &addrs[i], sizeof addrs[i]) < 0 ||
          getsockname (socks[i], (struct sockaddr *) &addrs[i], &len) < 0)
        return -1;
    }
  if (pipe (control) < 0)
    return -1;
  child = fork ();
  if (child < 0)
    return -1;
  if (child == 0)
    {
      close (control[1]);
      receive_until_closed (control[0], socks, viewers);
    }
  close (control[0]);
  for (guint i = 0; i < viewers; i++)
    close (socks[i]);

  sender = socket (AF_INET, SOCK_DGRAM, 0);
  if (sender < 0)
    return -1;
  begin = bench_cpu_seconds () * 1e6;
  next = g_get_monotonic_time ();
  for (guint b = 0; b < bursts; b++)
    {
      /* One frame's packets to each viewer in turn, as a tee does. */
      for (guint v = 0; v < viewers; v++)
        for (guint p = 0; p < per_burst; p++)
          if (sendto (sender, payload, size, 0, (struct sockaddr *) &addrs[v], sizeof addrs[v]) == (ssize_t) size)
            sent++;
      next += G_USEC_PER_SEC / FRAMES_PER_S;
      if (next > g_get_monotonic_time ())
        g_usleep (next - g_get_monotonic_time ());
    }
  spent = bench_cpu_seconds () * 1e6 - begin;
  close (sender);
  close (control[1]);
  waitpid (child, NULL, 0);
  return sent > 0 ? spent / sent : -1;
}

int
main (int argc, char *argv[])
{
  double packets_per_s = 270, seconds = 10;
  int size = 1200, viewers = 20;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "packets-per-s", 0, 0, G_OPTION_ARG_DOUBLE, &packets_per_s, "RTP packets a second per viewer (default 270)", "R" },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "RTP packet size in bytes (default 1200)", "BYTES" },
    { "viewers", 0, 0, G_OPTION_ARG_INT, &viewers, "Receiving sockets (default 20)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Duration of the UDP part (default 10)", "S" },
    { NULL }
  };
  double srtp, identity, udp, floor_us;
  guint count;

  context = g_option_context_new ("- the least CPU a WebRTC packet costs here");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error) ||
      packets_per_s <= 0 || size < 12 || size > 1500 || viewers < 1 || seconds <= 0)
    {
      g_printerr ("onair-bench-floor: %s\n", error ? error->message : "bad arguments");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);

  count = 20000;
  srtp = push_through ("srtpenc", size, count);
  identity = push_through ("identity", size, count);
  if (srtp < 0 || identity < 0)
    {
      g_printerr ("onair-bench-floor: srtpenc or identity could not be run\n");
      return 1;
    }
  udp = send_paced (size, viewers, packets_per_s, seconds);
  if (udp < 0)
    {
      g_printerr ("onair-bench-floor: UDP over loopback failed: %s\n", g_strerror (errno));
      return 1;
    }
  floor_us = MAX (0, srtp - identity) + udp;
  g_print ("{\"event\":\"result\",\"size\":%d,\"packets_per_s\":%.1f,\"viewers\":%d,"
           "\"srtp_us\":%.2f,\"push_us\":%.2f,\"udp_us\":%.2f,\"floor_us\":%.2f,"
           "\"floor_percent_per_viewer\":%.3f}\n",
           size, packets_per_s, viewers, MAX (0, srtp - identity), identity, udp, floor_us,
           floor_us * packets_per_s / 1e4);
  return 0;
}

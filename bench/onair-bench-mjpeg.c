/* onair-bench-mjpeg: N MJPEG viewers in one process, for the benchmark
 *
 *   onair-bench-mjpeg URL N SECONDS [--warmup S] [--decode-rate R] [--hold] [--classify]
 *
 * Opens N HTTP connections to URL (an On Air /stream.mjpg, or any
 * multipart/x-mixed-replace JPEG stream) from one non-blocking main loop,
 * counts the parts each one receives, and decodes a sample of them (R per
 * second in all, taking the connections in turn) with jpegdec on a worker
 * thread to read the capture time stamped into the picture. Latency is the
 * wall-clock time when the part's last byte arrived plus the time its
 * decode took, minus the stamp: glass to decoded picture, without the time
 * a sample waits for the worker.
 *
 * Parts are framed by their Content-Length; a stream whose parts have
 * none (the Flask tutorial) is framed by the JPEG's own end marker, so a
 * part counts when its last byte arrives, not when the next part begins.
 *
 * stdout carries JSON lines: {"event":"connected"…} once every connection
 * has a frame (or the connect timeout passed), {"event":"window_start"}
 * after the warm-up, and {"event":"result"…} after SECONDS. With --hold
 * the connections stay open after the result until stdin closes, so the
 * caller can read the server's memory under load.
 *
 * With --classify every part of every connection is decoded, from the
 * start, and reported as a "frame" event: its arrival time (wall clock)
 * and whether it shows the camera (a recent stamp) or On Air's slate
 * (bench-classify.c). The outage bench reads these.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <glib-unix.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "bench-classify.h"
#include "bench-util.h"
#include "on-air-stamp.h"

#define READ_SIZE (256 * 1024)
#define LINE_MAX_LEN 8192
#define MAX_PART (16 * 1024 * 1024)
#define CONNECT_TIMEOUT_S 15
#define MAX_QUEUED_SAMPLES 4
#define MAX_QUEUED_CLASSIFY 64

typedef enum
{
  HTTP_STATUS_LINE,
  HTTP_HEADERS,
  HTTP_BODY,
} HttpState;

typedef enum
{
  CHUNK_SIZE,
  CHUNK_DATA,
  CHUNK_DATA_END,
  CHUNK_TRAILER,
} ChunkState;

typedef enum
{
  PART_PREAMBLE,  /* lines before a boundary */
  PART_HEADERS,
  PART_BODY,      /* Content-Length bytes */
  PART_SCAN,      /* no Content-Length: up to the JPEG's end marker */
} PartState;

typedef struct _Bench Bench;

typedef struct
{
  Bench      *bench;
  guint       index;
  int         fd;
  guint       watch;
  gboolean    alive;
  char       *error;

  HttpState   http;
  GString    *line;
  int         status;
  gboolean    chunked;

  ChunkState  chunk;
  gsize       chunk_left;

  char       *boundary;  /* "--" + boundary */
  PartState   part;
  gssize      part_length;
  gsize       part_left;
  gboolean    sampling;  /* keep this part's bytes for the decoder */
  GByteArray *body;
  /* JPEG end scanner for parts without a length */
  gsize       scan_pos;
  gboolean    scan_entropy;

  guint64     frames;
  guint64     frames_at_window;
  guint64     bytes;
  gint64      first_frame_us; /* monotonic */
  gint64      first_frame_real_us;
} Conn;

typedef struct
{
  GBytes *jpeg;
  gint64  arrival_real_us;
  guint   viewer;
} Sample;

struct _Bench
{
  GMainLoop     *loop;
  char          *host;
  guint          port;
  char          *path;
  guint          n;
  double         seconds;
  double         warmup;
  double         decode_rate;
  gboolean       hold;
  gboolean       classify;
  Conn          *conns;
  guint          next_connect;
  gint64         started_us;
  gboolean       connected_reported;
  gboolean       in_window;
  gint64         window_start_us;
  gint64         window_end_us;
  guint64        bytes_at_window;

  /* sampling, main thread */
  guint          sample_turn;
  gint64         next_sample_us;
  guint          samples_skipped;

  /* decoder worker */
  GAsyncQueue   *samples;
  GThread       *worker;
  GMutex         lock;
  GArray        *latencies;  /* double ms */
  GArray        *decode_ms;  /* double ms */
  guint          unreadable;
};

static void conn_close (Conn *conn, const char *error);

/* ---------------------------------------------------------------------- */
/* decoding worker                                                        */

static const Sample stop_sample = { 0 };

/* The stamp of a decoded sample; with --classify also reports the picture
 * as camera or slate. FALSE when no stamp could be read. */
static gboolean
read_decoded (Bench *bench, const Sample *s, GstSample *decoded, guint32 *stamp)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  gboolean ok = FALSE;

  /* jpegdec gives planar YUV or gray: plane 0 is the luma. */
  if (decoded == NULL || !gst_video_info_from_caps (&info, gst_sample_get_caps (decoded)) ||
      !(GST_VIDEO_INFO_IS_YUV (&info) || GST_VIDEO_INFO_IS_GRAY (&info)) ||
      !gst_video_frame_map (&frame, &info, gst_sample_get_buffer (decoded), GST_MAP_READ))
    return FALSE;
  if (bench->classify)
    {
      double age = 0;
      BenchFrameKind kind = bench_classify_frame (&frame, s->arrival_real_us, &age);

      bench_emit_frame ("mjpeg", s->viewer, s->arrival_real_us, kind, age);
      /* Latency only from camera frames: the slate has no stamp. */
      ok = kind == BENCH_FRAME_CAMERA;
      *stamp = (guint32) (s->arrival_real_us / 1000 - (gint64) age);
    }
  else
    ok = on_air_stamp_read (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0), GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
                            GST_VIDEO_FRAME_WIDTH (&frame), GST_VIDEO_FRAME_HEIGHT (&frame), stamp);
  gst_video_frame_unmap (&frame);
  return ok;
}

static gpointer
decode_worker (gpointer data)
{
  Bench *bench = data;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) src = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GError) error = NULL;

  pipeline = gst_parse_launch ("appsrc name=src caps=image/jpeg format=time is-live=false "
                               "! jpegdec ! appsink name=sink sync=false max-buffers=1",
                               &error);
  if (pipeline == NULL)
    {
      g_printerr ("onair-bench-mjpeg: cannot build the decoder: %s\n", error->message);
      exit (1);
    }
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  for (;;)
    {
      Sample *s = g_async_queue_pop (bench->samples);
      g_autoptr(GstSample) decoded = NULL;
      GstBuffer *buffer;
      gint64 t0, t1;
      guint32 stamp = 0;
      gboolean ok;

      if (s == &stop_sample)
        break;

      t0 = g_get_monotonic_time ();
      buffer = gst_buffer_new_wrapped_bytes (s->jpeg);
      gst_app_src_push_buffer (GST_APP_SRC (src), buffer);
      decoded = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 5 * GST_SECOND);
      t1 = g_get_monotonic_time ();

      ok = read_decoded (bench, s, decoded, &stamp);
      g_mutex_lock (&bench->lock);
      if (ok)
        {
          guint32 shown = (guint32) ((s->arrival_real_us + (t1 - t0)) / 1000);
          double latency = (double) (gint32) (shown - stamp);
          double dec = (t1 - t0) / 1000.0;

          g_array_append_val (bench->latencies, latency);
          g_array_append_val (bench->decode_ms, dec);
        }
      else
        bench->unreadable++;
      g_mutex_unlock (&bench->lock);
      g_bytes_unref (s->jpeg);
      g_free (s);
    }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  return NULL;
}

/* ---------------------------------------------------------------------- */
/* parts                                                                  */

static gboolean
take_sample_turn (Bench *bench, Conn *conn)
{
  gint64 now = g_get_monotonic_time ();
  guint alive = 0;

  if (bench->classify)
    {
      if (g_async_queue_length (bench->samples) < MAX_QUEUED_CLASSIFY)
        return TRUE;
      bench->samples_skipped++;
      return FALSE;
    }
  if (!bench->in_window || bench->decode_rate <= 0)
    return FALSE;
  if (conn->index != bench->sample_turn || now < bench->next_sample_us)
    return FALSE;

  /* The next connection that is still open takes the next turn. */
  for (guint i = 1; i <= bench->n; i++)
    {
      guint j = (conn->index + i) % bench->n;
      if (bench->conns[j].alive)
        {
          bench->sample_turn = j;
          alive++;
          break;
        }
    }
  if (alive == 0)
    bench->sample_turn = conn->index;
  bench->next_sample_us = MAX (bench->next_sample_us + G_USEC_PER_SEC / bench->decode_rate,
                               now - G_USEC_PER_SEC);
  if (g_async_queue_length (bench->samples) >= MAX_QUEUED_SAMPLES)
    {
      bench->samples_skipped++;
      return FALSE;
    }
  return TRUE;
}

static void
part_done (Conn *conn, const guint8 *jpeg, gsize length)
{
  Bench *bench = conn->bench;

  conn->frames++;
  if (conn->first_frame_us == 0)
    {
      conn->first_frame_us = g_get_monotonic_time ();
      conn->first_frame_real_us = g_get_real_time ();
    }
  if (jpeg != NULL)
    {
      Sample *s = g_new0 (Sample, 1);

      s->jpeg = g_bytes_new (jpeg, length);
      s->arrival_real_us = g_get_real_time ();
      s->viewer = conn->index;
      g_async_queue_push (bench->samples, s);
    }
}

/* Walks JPEG markers from conn->scan_pos; returns the length up to and with
 * EOI once it is in the buffer, else 0. */
static gsize
scan_jpeg_end (Conn *conn)
{
  const guint8 *d = conn->body->data;
  gsize len = conn->body->len;
  gsize i = conn->scan_pos;

  if (i == 0)
    {
      if (len < 2)
        return 0;
      if (d[0] != 0xFF || d[1] != 0xD8)
        {
          conn_close (conn, "a part is not a JPEG");
          return 0;
        }
      i = 2;
    }

  while (i + 1 < len)
    {
      if (conn->scan_entropy)
        {
          if (d[i] != 0xFF)
            {
              i++;
              continue;
            }
          if (d[i + 1] == 0x00 || d[i + 1] == 0xFF || (d[i + 1] >= 0xD0 && d[i + 1] <= 0xD7))
            {
              i += d[i + 1] == 0xFF ? 1 : 2;
              continue;
            }
          conn->scan_entropy = FALSE;
          continue; /* a marker: handled below */
        }

      if (d[i] != 0xFF)
        {
          conn_close (conn, "broken JPEG marker");
          return 0;
        }
      if (d[i + 1] == 0xFF)
        {
          i++;
          continue;
        }
      if (d[i + 1] == 0xD9)
        return i + 2;
      if (d[i + 1] == 0x01 || (d[i + 1] >= 0xD0 && d[i + 1] <= 0xD8))
        {
          i += 2;
          continue;
        }
      if (i + 3 >= len)
        break;
      {
        gsize seg = ((gsize) d[i + 2] << 8) | d[i + 3];
        gboolean sos = d[i + 1] == 0xDA;

        if (i + 2 + seg > len)
          break;
        i += 2 + seg;
        if (sos)
          conn->scan_entropy = TRUE;
      }
    }
  conn->scan_pos = i;
  return 0;
}

static void
start_part_body (Conn *conn)
{
  conn->sampling = take_sample_turn (conn->bench, conn);
  g_byte_array_set_size (conn->body, 0);
  conn->scan_pos = 0;
  conn->scan_entropy = FALSE;
  if (conn->part_length >= 0)
    {
      conn->part = PART_BODY;
      conn->part_left = conn->part_length;
      if (conn->part_left == 0)
        {
          conn_close (conn, "an empty part");
          return;
        }
    }
  else
    conn->part = PART_SCAN;
}

/* Appends the bytes up to and including the next LF to conn->line. Returns
 * the completed line without its CR LF (free it), or NULL while the line
 * goes on; a line over LINE_MAX_LEN closes the connection with @what. */
static char *
take_line (Conn *conn, const guint8 **data, gsize *len, const char *what)
{
  const guint8 *nl = memchr (*data, '\n', *len);
  gsize take = nl ? (gsize) (nl - *data) + 1 : *len;
  char *line;

  g_string_append_len (conn->line, (const char *) *data, take);
  *data += take;
  *len -= take;
  if (conn->line->len > LINE_MAX_LEN)
    {
      conn_close (conn, what);
      return NULL;
    }
  if (nl == NULL)
    return NULL;
  g_string_truncate (conn->line, conn->line->len - 1);
  if (conn->line->len > 0 && conn->line->str[conn->line->len - 1] == '\r')
    g_string_truncate (conn->line, conn->line->len - 1);
  line = g_strdup (conn->line->str);
  g_string_truncate (conn->line, 0);
  return line;
}

static void
part_line (Conn *conn, const char *line)
{
  switch (conn->part)
    {
    case PART_PREAMBLE:
      if (g_str_has_prefix (line, conn->boundary))
        {
          conn->part = PART_HEADERS;
          conn->part_length = -1;
        }
      break;
    case PART_HEADERS:
      if (*line == '\0')
        start_part_body (conn);
      else if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
        {
          char *end = NULL;
          guint64 v = g_ascii_strtoull (line + 15, &end, 10);

          if (end == line + 15 || v > MAX_PART)
            conn_close (conn, "bad part Content-Length");
          else
            conn->part_length = (gssize) v;
        }
      break;
    default:
      g_assert_not_reached ();
    }
}

/* The multipart layer: @data is de-chunked body bytes. */
static void
feed_multipart (Conn *conn, const guint8 *data, gsize len)
{
  while (len > 0 && conn->alive)
    {
      switch (conn->part)
        {
        case PART_PREAMBLE:
        case PART_HEADERS:
          {
            g_autofree char *line = take_line (conn, &data, &len, "a part header line is too long");

            if (line != NULL)
              part_line (conn, line);
          }
          break;

        case PART_BODY:
          {
            gsize take = MIN (len, conn->part_left);

            if (conn->sampling)
              g_byte_array_append (conn->body, data, take);
            conn->part_left -= take;
            data += take;
            len -= take;
            if (conn->part_left == 0)
              {
                if (conn->sampling)
                  part_done (conn, conn->body->data, conn->body->len);
                else
                  part_done (conn, NULL, 0);
                conn->part = PART_PREAMBLE;
              }
          }
          break;

        case PART_SCAN:
          {
            gsize before = conn->body->len;
            gsize end;

            g_byte_array_append (conn->body, data, len);
            end = scan_jpeg_end (conn);
            if (!conn->alive)
              return;
            if (end == 0)
              {
                if (conn->body->len > MAX_PART)
                  conn_close (conn, "a part without an end");
                return;
              }
            part_done (conn, conn->sampling ? conn->body->data : NULL, end);
            conn->part = PART_PREAMBLE;
            /* What follows the JPEG goes back through the line parser. */
            data += end - before;
            len -= end - before;
          }
          break;
        }
    }
}

/* ---------------------------------------------------------------------- */
/* HTTP                                                                   */

static void
http_line (Conn *conn, const char *line)
{
  if (conn->http == HTTP_STATUS_LINE)
    {
      if (sscanf (line, "HTTP/1.%*d %d", &conn->status) != 1)
        conn_close (conn, "not an HTTP response");
      else if (conn->status != 200)
        {
          g_autofree char *msg = g_strdup_printf ("HTTP status %d", conn->status);
          conn_close (conn, msg);
        }
      else
        conn->http = HTTP_HEADERS;
      return;
    }

  if (*line == '\0')
    {
      if (conn->boundary == NULL)
        conn_close (conn, "not multipart/x-mixed-replace");
      conn->http = HTTP_BODY;
      return;
    }
  if (g_ascii_strncasecmp (line, "Transfer-Encoding:", 18) == 0)
    conn->chunked = strstr (line + 18, "chunked") != NULL;
  else if (g_ascii_strncasecmp (line, "Content-Type:", 13) == 0)
    {
      const char *b = strstr (line, "boundary=");

      if (strstr (line, "multipart/x-mixed-replace") != NULL && b != NULL)
        {
          g_autofree char *value = g_strdup (b + 9);

          g_strstrip (value);
          if (value[0] == '"')
            {
              memmove (value, value + 1, strlen (value));
              if (strchr (value, '"'))
                *strchr (value, '"') = '\0';
            }
          if (strchr (value, ';'))
            *strchr (value, ';') = '\0';
          /* Some servers put the dashes in the parameter as well. */
          conn->boundary = g_str_has_prefix (value, "--") ? g_strdup (value)
                                                         : g_strconcat ("--", value, NULL);
        }
    }
}

/* The chunked transfer-coding layer. */
static void
feed_body (Conn *conn, const guint8 *data, gsize len)
{
  if (!conn->chunked)
    {
      feed_multipart (conn, data, len);
      return;
    }

  while (len > 0 && conn->alive)
    {
      switch (conn->chunk)
        {
        case CHUNK_SIZE:
        case CHUNK_DATA_END:
        case CHUNK_TRAILER:
          {
            g_autofree char *line = take_line (conn, &data, &len, "a chunk line is too long");

            if (line == NULL)
              break;
            if (conn->chunk == CHUNK_DATA_END)
              conn->chunk = CHUNK_SIZE;
            else if (conn->chunk == CHUNK_TRAILER)
              {
                if (line[0] == '\0')
                  conn_close (conn, "the stream ended");
              }
            else
              {
                char *end = NULL;
                guint64 size = g_ascii_strtoull (line, &end, 16);

                if (end == line)
                  conn_close (conn, "bad chunk size");
                else if (size == 0)
                  conn->chunk = CHUNK_TRAILER;
                else
                  {
                    conn->chunk = CHUNK_DATA;
                    conn->chunk_left = size;
                  }
              }
          }
          break;

        case CHUNK_DATA:
          {
            gsize take = MIN (len, conn->chunk_left);

            feed_multipart (conn, data, take);
            conn->chunk_left -= take;
            data += take;
            len -= take;
            if (conn->chunk_left == 0)
              conn->chunk = CHUNK_DATA_END;
          }
          break;
        }
    }
}

static void
feed (Conn *conn, const guint8 *data, gsize len)
{
  while (len > 0 && conn->alive && conn->http != HTTP_BODY)
    {
      g_autofree char *line = take_line (conn, &data, &len, "a response header line is too long");

      if (line != NULL)
        http_line (conn, line);
    }
  if (len > 0 && conn->alive)
    feed_body (conn, data, len);
}

static gboolean
on_readable (int fd, GIOCondition condition, gpointer user_data)
{
  Conn *conn = user_data;
  static guint8 buffer[READ_SIZE];

  /* Drain what the kernel has, a bounded number of reads per wake-up. */
  for (int round = 0; round < 8 && conn->alive; round++)
    {
      ssize_t n = recv (fd, buffer, sizeof buffer, 0);

      if (n > 0)
        {
          conn->bytes += n;
          feed (conn, buffer, n);
          if ((size_t) n < sizeof buffer)
            break;
          continue;
        }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        break;
      conn_close (conn, n == 0 ? "the server closed the connection" : g_strerror (errno));
    }
  if (!conn->alive)
    {
      conn->watch = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
conn_close (Conn *conn, const char *error)
{
  if (!conn->alive)
    return;
  conn->alive = FALSE;
  if (error != NULL && conn->error == NULL)
    conn->error = g_strdup (error);
  if (conn->watch != 0)
    {
      /* From within on_readable, which then returns G_SOURCE_REMOVE. */
      GSource *source = g_main_context_find_source_by_id (NULL, conn->watch);
      if (source != NULL && g_main_current_source () != source)
        g_source_remove (conn->watch);
      conn->watch = 0;
    }
  /* A closed connection gives its sampling turn on. */
  if (conn->bench->sample_turn == conn->index)
    for (guint i = 1; i < conn->bench->n; i++)
      {
        guint j = (conn->index + i) % conn->bench->n;
        if (conn->bench->conns[j].alive)
          {
            conn->bench->sample_turn = j;
            break;
          }
      }
  if (conn->fd >= 0)
    {
      close (conn->fd);
      conn->fd = -1;
    }
}

static void
conn_open (Bench *bench, Conn *conn)
{
  struct sockaddr_in addr = { 0 };
  g_autofree char *request = NULL;
  int one = 1;
  ssize_t sent;

  conn->alive = TRUE;
  conn->fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (conn->fd < 0)
    {
      conn_close (conn, g_strerror (errno));
      return;
    }
  addr.sin_family = AF_INET;
  addr.sin_port = htons (bench->port);
  if (inet_pton (AF_INET, bench->host, &addr.sin_addr) != 1)
    {
      conn_close (conn, "the host must be an IPv4 address");
      return;
    }
  setsockopt (conn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  /* A blocking connect on loopback returns at once. */
  if (connect (conn->fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      conn_close (conn, g_strerror (errno));
      return;
    }
  request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: onair-bench-mjpeg\r\n"
                             "Accept: */*\r\n\r\n", bench->path, bench->host, bench->port);
  sent = send (conn->fd, request, strlen (request), MSG_NOSIGNAL);
  if (sent != (ssize_t) strlen (request))
    {
      conn_close (conn, "cannot send the request");
      return;
    }
  g_unix_set_fd_nonblocking (conn->fd, TRUE, NULL);
  conn->watch = g_unix_fd_add (conn->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, conn);
}

/* ---------------------------------------------------------------------- */
/* timeline and report                                                    */

static void
add_number (GString *out, double v)
{
  if (isnan (v))
    g_string_append (out, "null");
  else
    g_string_append_printf (out, "%.2f", v);
}

static double window_cpu_start;

static void
report (Bench *bench)
{
  g_autoptr(GString) out = g_string_new ("{\"event\":\"result\"");
  double span = (bench->window_end_us - bench->window_start_us) / (double) G_USEC_PER_SEC;
  g_autofree double *fps = g_new0 (double, bench->n);
  g_autofree double *sorted = g_new0 (double, bench->n);
  guint open = 0, failed = 0;
  guint64 bytes = 0;
  g_autoptr(GArray) lat = NULL;
  g_autoptr(GArray) dec = NULL;
  guint unreadable;

  for (guint i = 0; i < bench->n; i++)
    {
      Conn *c = &bench->conns[i];

      fps[i] = (c->frames - c->frames_at_window) / span;
      sorted[i] = fps[i];
      bytes += c->bytes;
      if (c->alive)
        open++;
      else
        failed++;
    }
  qsort (sorted, bench->n, sizeof (double), bench_compare_double);

  g_mutex_lock (&bench->lock);
  lat = g_array_copy (bench->latencies);
  dec = g_array_copy (bench->decode_ms);
  unreadable = bench->unreadable;
  g_mutex_unlock (&bench->lock);
  g_array_sort (lat, bench_compare_double);
  g_array_sort (dec, bench_compare_double);

  g_string_append_printf (out, ",\"viewers\":%u,\"open\":%u,\"failed\":%u,\"window_s\":%.3f",
                          bench->n, open, failed, span);
  g_string_append (out, ",\"fps\":[");
  for (guint i = 0; i < bench->n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      add_number (out, fps[i]);
    }
  g_string_append (out, "],\"fps_min\":");
  add_number (out, sorted[0]);
  g_string_append (out, ",\"fps_median\":");
  add_number (out, bench->n % 2 ? sorted[bench->n / 2]
                                : (sorted[bench->n / 2 - 1] + sorted[bench->n / 2]) / 2);
  g_string_append (out, ",\"fps_max\":");
  add_number (out, sorted[bench->n - 1]);
  g_string_append_printf (out, ",\"mbit_s\":%.1f",
                          (bytes - bench->bytes_at_window) * 8 / 1e6 / span);
  g_string_append (out, ",\"latency_ms\":{\"p50\":");
  add_number (out, bench_percentile ((double *) lat->data, lat->len, 50));
  g_string_append (out, ",\"p95\":");
  add_number (out, bench_percentile ((double *) lat->data, lat->len, 95));
  g_string_append (out, ",\"min\":");
  add_number (out, lat->len ? g_array_index (lat, double, 0) : NAN);
  g_string_append (out, ",\"max\":");
  add_number (out, lat->len ? g_array_index (lat, double, lat->len - 1) : NAN);
  g_string_append_printf (out, ",\"samples\":%u,\"unreadable\":%u,\"skipped\":%u,\"decode_p50\":",
                          lat->len, unreadable, bench->samples_skipped);
  add_number (out, bench_percentile ((double *) dec->data, dec->len, 50));
  g_string_append (out, "}");
  g_string_append_printf (out, ",\"client_cpu_percent\":%.1f",
                          (bench_cpu_seconds () - window_cpu_start) / span * 100);
  g_string_append (out, ",\"errors\":[");
  for (guint i = 0, k = 0; i < bench->n; i++)
    if (bench->conns[i].error != NULL)
      {
        g_autofree char *escaped = g_strescape (bench->conns[i].error, NULL);
        g_string_append_printf (out, "%s\"viewer %u: %s\"", k++ ? "," : "", i, escaped);
      }
  g_string_append (out, "]}");
  bench_emit (out);
}

static gboolean
on_stdin_closed (int fd, GIOCondition condition, gpointer user_data)
{
  Bench *bench = user_data;
  char buf[256];

  if (read (fd, buf, sizeof buf) > 0)
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (bench->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_window_end (gpointer user_data)
{
  Bench *bench = user_data;

  bench->in_window = FALSE;
  bench->window_end_us = g_get_monotonic_time ();
  /* Let the samples already queued finish. */
  for (int i = 0; i < 100 && g_async_queue_length (bench->samples) > 0; i++)
    g_usleep (10000);
  g_usleep (20000);
  report (bench);
  if (bench->hold)
    g_unix_fd_add (0, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin_closed, bench);
  else
    g_main_loop_quit (bench->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_window_start (gpointer user_data)
{
  Bench *bench = user_data;

  bench->window_start_us = g_get_monotonic_time ();
  bench->bytes_at_window = 0;
  for (guint i = 0; i < bench->n; i++)
    {
      bench->conns[i].frames_at_window = bench->conns[i].frames;
      bench->bytes_at_window += bench->conns[i].bytes;
    }
  bench->in_window = TRUE;
  bench->next_sample_us = bench->window_start_us;
  window_cpu_start = bench_cpu_seconds ();
  {
    g_autoptr(GString) out = g_string_new ("{\"event\":\"window_start\"}");
    bench_emit (out);
  }
  g_timeout_add ((guint) (bench->seconds * 1000), on_window_end, bench);
  return G_SOURCE_REMOVE;
}

static gboolean
check_connected (gpointer user_data)
{
  Bench *bench = user_data;
  guint with_frames = 0, dead = 0;
  gboolean timed_out = g_get_monotonic_time () - bench->started_us > CONNECT_TIMEOUT_S * G_USEC_PER_SEC;
  g_autoptr(GString) out = NULL;
  gint64 slowest = 0, slowest_real = 0;

  if (bench->next_connect < bench->n)
    return G_SOURCE_CONTINUE;
  for (guint i = 0; i < bench->n; i++)
    {
      if (bench->conns[i].frames > 0)
        {
          with_frames++;
          slowest = MAX (slowest, bench->conns[i].first_frame_us - bench->started_us);
          slowest_real = MAX (slowest_real, bench->conns[i].first_frame_real_us);
        }
      else if (!bench->conns[i].alive)
        dead++;
    }
  if (with_frames + dead < bench->n && !timed_out)
    return G_SOURCE_CONTINUE;

  out = g_string_new (NULL);
  /* The wall clock too: the caller compares it with when it started the server. */
  g_string_printf (out, "{\"event\":\"connected\",\"receiving\":%u,\"failed\":%u,\"slowest_first_frame_ms\":%.1f,"
                   "\"slowest_first_frame_unix_ms\":%.1f}",
                   with_frames, bench->n - with_frames, slowest / 1000.0, slowest_real / 1000.0);
  bench_emit (out);
  g_timeout_add ((guint) (bench->warmup * 1000), on_window_start, bench);
  return G_SOURCE_REMOVE;
}

/* Connections open a few at a time, so the listen backlog never overflows. */
static gboolean
connect_some (gpointer user_data)
{
  Bench *bench = user_data;

  for (int i = 0; i < 5 && bench->next_connect < bench->n; i++, bench->next_connect++)
    conn_open (bench, &bench->conns[bench->next_connect]);
  return bench->next_connect < bench->n ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
parse_url (Bench *bench, const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *query;

  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 || g_uri_get_host (uri) == NULL)
    return FALSE;
  bench->host = g_strdup (g_uri_get_host (uri));
  if (g_str_equal (bench->host, "localhost"))
    {
      g_free (bench->host);
      bench->host = g_strdup ("127.0.0.1");
    }
  bench->port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 80;
  query = g_uri_get_query (uri);
  bench->path = g_strdup_printf ("%s%s%s", *g_uri_get_path (uri) ? g_uri_get_path (uri) : "/",
                                 query ? "?" : "", query ? query : "");
  return TRUE;
}

int
main (int argc, char *argv[])
{
  Bench bench = { 0 };
  g_autoptr(GOptionContext) context = g_option_context_new ("URL N SECONDS");
  g_autoptr(GError) error = NULL;
  double warmup = 3, decode_rate = 30;
  gboolean hold = FALSE, classify = FALSE;
  GOptionEntry entries[] = {
    { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &warmup, "Seconds between the last first frame and the window", "S" },
    { "decode-rate", 0, 0, G_OPTION_ARG_DOUBLE, &decode_rate, "Frames decoded per second for latency, in all (0: none)", "R" },
    { "hold", 0, 0, G_OPTION_ARG_NONE, &hold, "Keep the connections after the result until stdin closes", NULL },
    { "classify", 0, 0, G_OPTION_ARG_NONE, &classify, "Decode every part and report it: camera or slate", NULL },
    { NULL }
  };
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "N MJPEG viewers in one process; prints JSON lines.");
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 4)
    {
      g_printerr ("usage: onair-bench-mjpeg URL N SECONDS [--warmup S] [--decode-rate R] [--hold] [--classify]%s%s\n",
                  error ? ": " : "", error ? error->message : "");
      return 2;
    }
  gst_init (NULL, NULL);
  signal (SIGPIPE, SIG_IGN);

  if (!parse_url (&bench, argv[1]))
    {
      g_printerr ("onair-bench-mjpeg: “%s” is not an http:// URL\n", argv[1]);
      return 2;
    }
  bench.n = (guint) g_ascii_strtoull (argv[2], NULL, 10);
  bench.seconds = g_ascii_strtod (argv[3], NULL);
  bench.warmup = warmup;
  bench.decode_rate = decode_rate;
  bench.hold = hold;
  bench.classify = classify;
  if (bench.n == 0 || bench.n > 10000 || bench.seconds <= 0)
    {
      g_printerr ("onair-bench-mjpeg: N must be 1 to 10000 and SECONDS positive\n");
      return 2;
    }

  bench.loop = g_main_loop_new (NULL, FALSE);
  bench.conns = g_new0 (Conn, bench.n);
  for (guint i = 0; i < bench.n; i++)
    {
      bench.conns[i].bench = &bench;
      bench.conns[i].index = i;
      bench.conns[i].fd = -1;
      bench.conns[i].line = g_string_new (NULL);
      bench.conns[i].body = g_byte_array_new ();
    }
  bench.samples = g_async_queue_new ();
  bench.latencies = g_array_new (FALSE, FALSE, sizeof (double));
  bench.decode_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_mutex_init (&bench.lock);
  bench.worker = g_thread_new ("decoder", decode_worker, &bench);

  bench.started_us = g_get_monotonic_time ();
  connect_some (&bench);
  if (bench.next_connect < bench.n)
    g_timeout_add (10, connect_some, &bench);
  g_timeout_add (20, check_connected, &bench);
  g_main_loop_run (bench.loop);

  g_async_queue_push (bench.samples, (gpointer) &stop_sample);
  g_thread_join (bench.worker);
  for (guint i = 0; i < bench.n; i++)
    {
      conn_close (&bench.conns[i], NULL);
      g_string_free (bench.conns[i].line, TRUE);
      g_byte_array_unref (bench.conns[i].body);
      g_free (bench.conns[i].boundary);
      g_free (bench.conns[i].error);
    }
  g_free (bench.conns);
  g_free (bench.host);
  g_free (bench.path);
  g_main_loop_unref (bench.loop);
  return 0;
}

/* test-server.c: the LAN server with real HTTP clients
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include <sys/socket.h>

#include "on-air-error.h"
#include "on-air-stamp.h"
#include "test-util.h"

static TestServer *ts; /* one live server for the whole program */

static char *
url_with_token (const char *path)
{
  return g_strdup_printf ("%s%s%stoken=%s", ts->base, path, strchr (path, '?') ? "&" : "?", TEST_TOKEN);
}

static void
test_mjpeg_many_clients (void)
{
  g_autofree char *url = url_with_token ("/stream.mjpg");
  g_autofree char *legacy = url_with_token ("/video_feed");
  MjpegReader *readers[4];

  readers[0] = mjpeg_reader_new (url);
  readers[1] = mjpeg_reader_new (url);
  readers[2] = mjpeg_reader_new (url);
  readers[3] = mjpeg_reader_new (legacy);

  for (guint i = 0; i < G_N_ELEMENTS (readers); i++)
    {
      g_autoptr(GBytes) frame = NULL;
      int w = 0, h = 0;

      g_assert_true (mjpeg_reader_wait_frames (readers[i], 10, 10000));
      g_assert_cmpuint (mjpeg_reader_get_status (readers[i]), ==, 200);
      g_assert_cmpstr (mjpeg_reader_get_part_type (readers[i]), ==, "image/jpeg");
      frame = mjpeg_reader_dup_last (readers[i]);
      g_assert_true (test_decode_jpeg (frame, &w, &h));
      g_assert_cmpint (w, ==, 1280);
      g_assert_cmpint (h, ==, 720);
    }

  /* Four viewers, one JPEG encoder. */
  {
    g_autoptr(GstElement) enc = NULL;
    guint jpegencs = 0;
    g_autoptr(GstIterator) it = gst_bin_iterate_recurse (GST_BIN (on_air_broadcast_get_pipeline (ts->broadcast)));
    GValue v = G_VALUE_INIT;

    while (gst_iterator_next (it, &v) == GST_ITERATOR_OK)
      {
        GstElement *e = g_value_get_object (&v);
        if (g_str_equal (GST_OBJECT_NAME (gst_element_get_factory (e)), "jpegenc"))
          jpegencs++;
        g_value_reset (&v);
      }
    g_value_unset (&v);
    g_assert_cmpuint (jpegencs, ==, 1);
  }

  for (guint i = 0; i < G_N_ELEMENTS (readers); i++)
    mjpeg_reader_free (readers[i]);
}

static gboolean
no_viewers (gpointer data)
{
  return g_list_model_get_n_items (on_air_server_get_viewers (ts->server)) == 0;
}

static void
test_mjpeg_viewers_leave (void)
{
  g_autofree char *url = url_with_token ("/stream.mjpg");
  MjpegReader *reader = mjpeg_reader_new (url);

  g_assert_true (mjpeg_reader_wait_frames (reader, 3, 10000));
  g_assert_cmpuint (g_list_model_get_n_items (on_air_server_get_viewers (ts->server)), ==, 1);
  mjpeg_reader_free (reader);
  /* TCP closed: the viewer is removed and the JPEG encoder stops. */
  g_assert_true (test_wait_until (no_viewers, NULL, 5000));
  test_spin (100);
  g_assert_null (on_air_broadcast_dup_latest_jpeg (ts->broadcast, NULL));
}

static void
test_snapshot (void)
{
  g_autofree char *url = url_with_token ("/snapshot.jpg");
  g_autoptr(TestResponse) r = test_http ("GET", url, NULL, NULL, 0, NULL);
  int w = 0, h = 0;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==, "image/jpeg");
  g_assert_true (test_decode_jpeg (r->body, &w, &h));
  g_assert_cmpint (w, ==, 1280);
}

static void
test_token_required (void)
{
  const char *paths[] = { "/stream.mjpg", "/video_feed", "/snapshot.jpg", "/api/status",
                          "/stream.mjpg?token=wrong-token-wrong-token", NULL };

  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autofree char *url = g_strconcat (ts->base, paths[i], NULL);
      g_autoptr(TestResponse) r = test_http ("GET", url, NULL, NULL, 0, NULL);

      g_assert_cmpuint (r->status, ==, 401);
      g_assert_nonnull (soup_message_headers_get_one (r->headers, "WWW-Authenticate"));
      g_assert_false (test_bytes_have_jpeg (r->body));
    }

  /* A wrong bearer is refused too; the right one works. */
  {
    g_autofree char *url = g_strconcat (ts->base, "/snapshot.jpg", NULL);
    g_autoptr(TestResponse) bad = test_http ("GET", url, NULL, NULL, 0, "not-the-token-at-all");
    g_autoptr(TestResponse) good = test_http ("GET", url, NULL, NULL, 0, TEST_TOKEN);

    g_assert_cmpuint (bad->status, ==, 401);
    g_assert_cmpuint (good->status, ==, 200);
    g_assert_true (test_bytes_have_jpeg (good->body));
  }
}

static void
test_page_sets_cookie (void)
{
  g_autofree char *page = url_with_token ("/");
  g_autofree char *plain = g_strconcat (ts->base, "/", NULL);
  g_autoptr(TestResponse) with = test_http ("GET", page, NULL, NULL, 0, NULL);
  g_autoptr(TestResponse) without = test_http ("GET", plain, NULL, NULL, 0, NULL);
  const char *cookie = soup_message_headers_get_one (with->headers, "Set-Cookie");

  /* The page always loads (it must be able to say a token is missing)... */
  g_assert_cmpuint (with->status, ==, 200);
  g_assert_cmpuint (without->status, ==, 200);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_content_type (with->headers, NULL), "text/html"));
  /* ...but only a valid token becomes an HttpOnly cookie. */
  g_assert_nonnull (cookie);
  g_assert_nonnull (strstr (cookie, "HttpOnly"));
  g_assert_nonnull (strstr (cookie, TEST_TOKEN));
  g_assert_null (soup_message_headers_get_one (without->headers, "Set-Cookie"));
}

static void
test_status_json (void)
{
  g_autofree char *url = url_with_token ("/api/status");
  g_autofree char *stream = url_with_token ("/stream.mjpg");
  g_autoptr(MjpegReader) reader = mjpeg_reader_new (stream);
  g_autoptr(TestResponse) r = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root, *source, *viewer;
  JsonArray *viewers;

  g_assert_true (mjpeg_reader_wait_frames (reader, 35, 10000));
  r = test_http ("GET", url, NULL, NULL, 0, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==, "application/json");
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (r->body, NULL),
                                             g_bytes_get_size (r->body), NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  source = json_object_get_object_member (root, "source");
  g_assert_cmpstr (json_object_get_string_member (source, "kind"), ==, "test");
  g_assert_cmpstr (json_object_get_string_member (source, "state"), ==, "live");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (source, "resolution"), "width"), ==, 1280);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (source, "resolution"), "height"), ==, 720);
  /* Measured, not configured: the test pattern runs at 30 fps. */
  g_assert_cmpfloat (json_object_get_double_member (source, "fps"), >, 25.0);
  g_assert_cmpfloat (json_object_get_double_member (source, "fps"), <, 35.0);
  g_assert_cmpfloat (json_object_get_double_member (root, "uptime"), >, 0.0);

  viewers = json_object_get_array_member (root, "viewers");
  g_assert_cmpuint (json_array_get_length (viewers), ==, 1);
  viewer = json_array_get_object_element (viewers, 0);
  g_assert_cmpstr (json_object_get_string_member (viewer, "kind"), ==, "mjpeg");
  g_assert_cmpstr (json_object_get_string_member (viewer, "remote_address"), ==, "127.0.0.1");
  g_assert_cmpstr (json_object_get_string_member (viewer, "codec"), ==, "JPEG");
  g_assert_nonnull (json_object_get_string_member (viewer, "connected_since"));
  g_assert_nonnull (json_object_get_string_member (viewer, "id"));
  g_assert_cmpint (json_object_get_int_member (viewer, "frames_sent"), >=, 30);
  g_assert_true (json_object_has_member (viewer, "frames_dropped"));
}

typedef struct
{
  const char *method;
  const char *path;
  const char *content_type;
  const char *body;
  guint status;
} BadCase;

static void
test_bad_input (void)
{
  g_autofree char *stream = url_with_token ("/stream.mjpg");
  g_autoptr(MjpegReader) watcher = mjpeg_reader_new (stream);
  g_autofree char *big = NULL;
  const BadCase cases[] = {
    { "POST", "/whep", "application/sdp", "hello, this is not SDP", 400 },
    { "POST", "/whep", "application/sdp", "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", 400 },
    { "POST", "/whep", "application/sdp", "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                                         "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:x\r\n"
                                         "a=ice-pwd:yyyyyyyyyyyyyyyyyyyyyy\r\na=fingerprint:sha-256 00\r\n"
                                         "a=rtpmap:111 opus/48000/2\r\n", 400 },
    { "POST", "/whep", "application/sdp", "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                                         "m=video 9 UDP/TLS/RTP/SAVPF 100\r\na=ice-ufrag:x\r\n"
                                         "a=ice-pwd:yyyyyyyyyyyyyyyyyyyyyy\r\na=fingerprint:sha-256 00\r\n"
                                         "a=recvonly\r\na=rtpmap:100 AV1/90000\r\n", 400 },
    { "POST", "/whep", "text/plain", "v=0\r\n", 415 },
    { "POST", "/whep", "application/json", "{}", 415 },
    { "POST", "/offer", "application/sdp", "v=0\r\n", 415 },
    { "POST", "/offer", "application/json", "[1, 2, 3]", 400 },
    { "POST", "/offer", "application/json", "{\"type\": \"answer\", \"sdp\": \"v=0\"}", 400 },
    { "POST", "/offer", "application/json", "{\"type\": \"offer\", \"sdp\": 42}", 400 },
    { "POST", "/offer", "application/json", "{\"type\": \"offer\"", 400 },
    { "DELETE", "/whep/0123456789abcdef", NULL, NULL, 404 },
    { "DELETE", "/whep/../../etc/passwd", NULL, NULL, 404 },
    { "PATCH", "/whep/0123456789abcdef", "application/trickle-ice-sdpfrag", "a=x", 405 },
    { "GET", "/whep", NULL, NULL, 405 },
    { "PUT", "/stream.mjpg", "image/jpeg", "x", 405 },
    { "POST", "/snapshot.jpg", "image/jpeg", "x", 405 },
    { "DELETE", "/api/status", NULL, NULL, 405 },
    { "GET", "/no/such/thing", NULL, NULL, 404 },
    { "GET", "/../../../etc/passwd", NULL, NULL, 404 },
    { "GET", "/api/status/extra", NULL, NULL, 404 },
  };
  guint before;

  g_assert_true (mjpeg_reader_wait_frames (watcher, 3, 10000));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = g_strconcat (ts->base, cases[i].path, NULL);
      g_autoptr(TestResponse) r = test_http (cases[i].method, url, cases[i].content_type,
                                             cases[i].body, cases[i].body ? strlen (cases[i].body) : 0,
                                             TEST_TOKEN);

      if (r->status != cases[i].status)
        g_error ("%s %s (%s): got %u, expected %u", cases[i].method, cases[i].path,
                 cases[i].content_type ? cases[i].content_type : "-", r->status, cases[i].status);
      g_assert_false (test_bytes_have_jpeg (r->body));
    }

  /* Over 64 KiB: refused before the body is read. */
  big = g_malloc0 (70 * 1024 + 1);
  memset (big, 'a', 70 * 1024);
  memcpy (big, "v=0\r\n", 5);
  {
    g_autofree char *url = g_strconcat (ts->base, "/whep", NULL);
    g_autoptr(TestResponse) r = test_http ("POST", url, "application/sdp", big, strlen (big), TEST_TOKEN);
    g_assert_cmpuint (r->status, ==, 413);
  }

  /* Nothing changed for anyone: no viewer was added, the watcher keeps
   * receiving. */
  g_assert_cmpuint (g_list_model_get_n_items (on_air_server_get_viewers (ts->server)), ==, 1);
  before = mjpeg_reader_get_frames (watcher);
  g_assert_true (mjpeg_reader_wait_frames (watcher, 10, 5000));
  g_assert_cmpuint (mjpeg_reader_get_frames (watcher), >, before);
}

static void
test_viewer_limit (void)
{
  TestServer *small = test_server_new ("test", NULL, 2);
  g_autofree char *url = g_strconcat (small->base, "/stream.mjpg", NULL);
  g_autofree char *whep = g_strconcat (small->base, "/whep", NULL);
  g_autoptr(MjpegReader) a = mjpeg_reader_new (url);
  g_autoptr(MjpegReader) b = mjpeg_reader_new (url);
  g_autoptr(TestResponse) r = NULL;
  const char *offer = "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ice-ufrag:abcd\r\n"
                      "a=ice-pwd:yyyyyyyyyyyyyyyyyyyyyy\r\n"
                      "a=fingerprint:sha-256 AB:CD\r\na=recvonly\r\n"
                      "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n";

  /* --no-token: open to the network. */
  g_assert_true (mjpeg_reader_wait_frames (a, 2, 10000));
  g_assert_true (mjpeg_reader_wait_frames (b, 2, 10000));

  r = test_http ("GET", url, NULL, NULL, 0, NULL);
  g_assert_cmpuint (r->status, ==, 503);
  g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Retry-After"), ==, "10");
  g_clear_pointer (&r, test_response_free);

  r = test_http ("POST", whep, "application/sdp", offer, strlen (offer), NULL);
  g_assert_cmpuint (r->status, ==, 503);
  g_assert_nonnull (soup_message_headers_get_one (r->headers, "Retry-After"));

  /* The two who got in are unaffected. */
  g_assert_true (mjpeg_reader_wait_frames (a, 5, 5000));
  g_assert_true (mjpeg_reader_wait_frames (b, 5, 5000));

  g_clear_pointer (&a, mjpeg_reader_free);
  g_clear_pointer (&b, mjpeg_reader_free);
  test_server_free (small);
}

/* A phone that stops reading for a while, on a raw socket with a small
 * receive buffer, in its own thread (the server runs on the main loop). */
typedef struct
{
  guint port;
  GByteArray *stream;    /* de-chunked body */
  gboolean chunked;
  guint frames_before;
  GArray *ages_after;    /* ms, of the frames read after the pause */
  gint done;
  gint release;          /* main: the socket may close now */
  char *error;
} SlowReader;

static gboolean
slow_read_exact (GSocket *socket, guint8 *buf, gsize n)
{
  gsize got = 0;

  while (got < n)
    {
      gssize r = g_socket_receive (socket, (char *) buf + got, n - got, NULL, NULL);
      if (r <= 0)
        return FALSE;
      got += r;
    }
  return TRUE;
}

static gboolean
slow_read_line (GSocket *socket, GString *line)
{
  char c;

  g_string_truncate (line, 0);
  while (slow_read_exact (socket, (guint8 *) &c, 1))
    {
      if (c == '\n')
        return TRUE;
      if (c != '\r')
        g_string_append_c (line, c);
    }
  return FALSE;
}

/* Reads one whole JPEG part out of the chunked multipart body. */
static GBytes *
slow_next_frame (GSocket *socket, SlowReader *sr)
{
  g_autoptr(GString) line = g_string_new (NULL);

  for (;;)
    {
      guint8 *data = sr->stream->data;
      gsize len = sr->stream->len;
      const char *cl = len > 0 ? g_strstr_len ((const char *) data, len, "Content-Length: ") : NULL;

      if (cl != NULL)
        {
          const char *end = g_strstr_len (cl, len - ((const guint8 *) cl - data), "\r\n\r\n");
          if (end != NULL)
            {
              gsize size = g_ascii_strtoull (cl + 16, NULL, 10);
              gsize start = ((const guint8 *) end - data) + 4;

              if (len >= start + size)
                {
                  GBytes *frame = g_bytes_new (data + start, size);
                  g_byte_array_remove_range (sr->stream, 0, start + size);
                  return frame;
                }
            }
        }

      if (!sr->chunked)
        {
          guint8 buf[16384];
          gssize n = g_socket_receive (socket, (char *) buf, sizeof buf, NULL, NULL);

          if (n <= 0)
            return NULL;
          g_byte_array_append (sr->stream, buf, n);
          continue;
        }

      /* More: one HTTP chunk. */
      if (!slow_read_line (socket, line))
        return NULL;
      if (line->len == 0)
        continue;
      {
        gsize n = g_ascii_strtoull (line->str, NULL, 16);
        g_autofree guint8 *buf = g_malloc (n + 2);

        if (n == 0 || !slow_read_exact (socket, buf, n + 2))
          return NULL;
        g_byte_array_append (sr->stream, buf, n);
      }
    }
}

static gpointer
slow_reader_thread (gpointer data)
{
  SlowReader *sr = data;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, sr->port);
  g_autofree char *request = g_strdup_printf ("GET /stream.mjpg?token=%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                                              TEST_TOKEN);
  g_autoptr(GString) line = g_string_new (NULL);

  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 64 * 1024, NULL);
  if (!g_socket_connect (socket, addr, NULL, NULL) ||
      g_socket_send (socket, request, strlen (request), NULL, NULL) < 0)
    {
      sr->error = g_strdup ("connect");
      goto out;
    }
  do
    {
      if (!slow_read_line (socket, line))
        {
          sr->error = g_strdup ("headers");
          goto out;
        }
      if (g_ascii_strncasecmp (line->str, "Transfer-Encoding: chunked", 26) == 0)
        sr->chunked = TRUE;
    }
  while (line->len > 0);

  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GBytes) frame = slow_next_frame (socket, sr);
      if (frame == NULL)
        {
          sr->error = g_strdup ("stream ended early");
          goto out;
        }
      sr->frames_before++;
    }

  g_usleep (1500 * 1000);

  for (guint i = 0; i < 30; i++)
    {
      g_autoptr(GBytes) frame = slow_next_frame (socket, sr);
      guint32 stamp, age;

      if (frame == NULL)
        {
          sr->error = g_strdup ("stream ended after the pause");
          goto out;
        }
      if (!test_read_jpeg_stamp (frame, &stamp))
        {
          sr->error = g_strdup ("no stamp");
          goto out;
        }
      age = on_air_stamp_now () - stamp;
      g_array_append_val (sr->ages_after, age);
    }

out:
  g_atomic_int_set (&sr->done, 1);
  /* Stay connected until the server's figures for us have been read. */
  while (!g_atomic_int_get (&sr->release))
    g_usleep (10 * 1000);
  return NULL;
}

static gboolean
slow_done (gpointer data)
{
  return g_atomic_int_get (&((SlowReader *) data)->done);
}

static void
test_slow_viewer_skips (void)
{
  g_autofree char *url = url_with_token ("/stream.mjpg");
  g_autofree char *status_url = url_with_token ("/api/status");
  g_autoptr(MjpegReader) fast = mjpeg_reader_new (url);
  SlowReader sr = { .port = on_air_server_get_port (ts->server) };
  g_autoptr(GThread) thread = NULL;
  g_autoptr(TestResponse) r = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *viewers;
  gint64 start;
  guint fast_before, first_fresh = G_MAXUINT;
  guint64 max_dropped = 0;
  double fast_fps;

  sr.stream = g_byte_array_new ();
  sr.ages_after = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_assert_true (mjpeg_reader_wait_frames (fast, 5, 10000));

  fast_before = mjpeg_reader_get_frames (fast);
  start = g_get_monotonic_time ();
  thread = g_thread_new ("slow-reader", slow_reader_thread, &sr);
  g_assert_true (test_wait_until (slow_done, &sr, 20000));
  fast_fps = (mjpeg_reader_get_frames (fast) - fast_before) * (double) G_USEC_PER_SEC /
             (g_get_monotonic_time () - start);
  g_assert_null (sr.error);

  /* The others never noticed. */
  g_test_message ("fast viewer: %.1f fps while the slow one stalled", fast_fps);
  g_assert_cmpfloat (fast_fps, >, 25.0);

  /* What the stalled socket held is bounded: a few frames, then it is
   * live again instead of 1.5 s behind. */
  for (guint i = 0; i < sr.ages_after->len; i++)
    {
      guint32 age = g_array_index (sr.ages_after, guint32, i);
      if (age < 200 && first_fresh == G_MAXUINT)
        first_fresh = i;
    }
  g_test_message ("slow viewer after its pause: first frame %u ms old, live again after %u frames, "
                  "last %u ms old", g_array_index (sr.ages_after, guint32, 0), first_fresh,
                  g_array_index (sr.ages_after, guint32, sr.ages_after->len - 1));
  g_assert_cmpuint (first_fresh, <=, 10);
  g_assert_cmpuint (g_array_index (sr.ages_after, guint32, sr.ages_after->len - 1), <, 200);

  /* The server skipped frames for it rather than queueing them. */
  r = test_http ("GET", status_url, NULL, NULL, 0, NULL);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (r->body, NULL),
                                             g_bytes_get_size (r->body), NULL));
  viewers = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "viewers");
  for (guint i = 0; i < json_array_get_length (viewers); i++)
    max_dropped = MAX (max_dropped, (guint64) json_object_get_int_member (json_array_get_object_element (viewers, i),
                                                                         "frames_dropped"));
  g_test_message ("frames dropped for the slow viewer: %" G_GUINT64_FORMAT, max_dropped);
  g_atomic_int_set (&sr.release, 1);
  g_thread_join (g_steal_pointer (&thread));
  g_assert_cmpuint (max_dropped, >=, 20);

  g_byte_array_unref (sr.stream);
  g_array_unref (sr.ages_after);
}

static void
test_whep_options (void)
{
  g_autofree char *url = g_strconcat (ts->base, "/whep", NULL);
  g_autoptr(TestResponse) r = test_http ("OPTIONS", url, NULL, NULL, 0, NULL);

  g_assert_cmpuint (r->status, ==, 204);
  g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Accept-Post"), ==, "application/sdp");
  g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Access-Control-Allow-Origin"), ==, "*");
  g_assert_nonnull (strstr (soup_message_headers_get_one (r->headers, "Access-Control-Allow-Methods"), "POST"));
  g_assert_nonnull (strstr (soup_message_headers_get_one (r->headers, "Access-Control-Allow-Headers"), "Authorization"));
}

typedef struct
{
  guint   port;
  guint   requests;
  guint   answered;  /* atomic */
  gint    done;      /* atomic */
} Hangups;

/* One HTTP/1.1 request per connection, as a browser's keep-alive
 * connection that it closes after a while; blocking, so off the main
 * thread the server runs on. */
static gpointer
hang_up_thread (gpointer data)
{
  Hangups *h = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  for (guint i = 0; i < h->requests; i++)
    {
      g_autoptr(GSocketConnection) conn = g_socket_client_connect_to_host (client, "127.0.0.1", h->port, NULL, NULL);
      static const char request[] = "GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    "Authorization: Bearer " TEST_TOKEN "\r\n\r\n";
      char buf[512];
      gssize n;

      if (conn == NULL)
        break;
      if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                      request, sizeof request - 1, NULL, NULL, NULL))
        break;
      n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf, sizeof buf - 1, NULL, NULL);
      if (n > 0)
        {
          buf[n] = '\0';
          if (g_str_has_prefix (buf, "HTTP/1.1 200"))
            g_atomic_int_inc (&h->answered);
        }
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
    }
  g_atomic_int_set (&h->done, 1);
  return NULL;
}

static gboolean
hangups_done (gpointer data)
{
  Hangups *h = data;
  return g_atomic_int_get (&h->done);
}

static guint
count_open_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Every phone that loads the page leaves keep-alive connections that it
 * closes later; each must be let go of (libsoup 3.2 kept them open). */
static void
test_closed_connections_let_go (void)
{
  Hangups h = { .port = on_air_server_get_port (ts->server), .requests = 40 };
  GThread *thread;
  guint before, after;

  test_spin (200);
  before = count_open_fds ();

  thread = g_thread_new ("hang-ups", hang_up_thread, &h);
  g_assert_true (test_wait_until (hangups_done, &h, 20000));
  g_thread_join (thread);
  g_assert_cmpuint (g_atomic_int_get (&h.answered), ==, h.requests);

  test_spin (500);
  after = count_open_fds ();
  g_test_message ("open descriptors: %u before %u connections, %u after", before, h.requests, after);
  g_assert_cmpuint (after, <, before + 5);
}

static void
test_port_in_use (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnAirServer) second = on_air_server_new (ts->broadcast);

  g_assert_false (on_air_server_listen (second, "127.0.0.1", on_air_server_get_port (ts->server), &error));
  g_assert_error (error, ON_AIR_ERROR, ON_AIR_ERROR_PORT_IN_USE);
  g_assert_nonnull (strstr (error->message, "already in use"));
  /* The first server is untouched. */
  test_snapshot ();
}

int
main (int argc, char *argv[])
{
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  test_init_logging ();

  ts = test_server_new ("test", TEST_TOKEN, 32);
  g_assert_true (test_server_wait_live (ts, 10000));

  g_test_add_func ("/server/mjpeg-many-clients", test_mjpeg_many_clients);
  g_test_add_func ("/server/mjpeg-viewers-leave", test_mjpeg_viewers_leave);
  g_test_add_func ("/server/snapshot", test_snapshot);
  g_test_add_func ("/server/token-required", test_token_required);
  g_test_add_func ("/server/page-sets-cookie", test_page_sets_cookie);
  g_test_add_func ("/server/status-json", test_status_json);
  g_test_add_func ("/server/bad-input", test_bad_input);
  g_test_add_func ("/server/viewer-limit", test_viewer_limit);
  g_test_add_func ("/server/slow-viewer-skips", test_slow_viewer_skips);
  g_test_add_func ("/server/whep-options", test_whep_options);
  g_test_add_func ("/server/port-in-use", test_port_in_use);
  g_test_add_func ("/server/closed-connections-let-go", test_closed_connections_let_go);
  status = g_test_run ();

  test_server_free (ts);
  return status;
}

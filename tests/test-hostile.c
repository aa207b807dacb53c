/* test-hostile.c: what anyone on the LAN can send On Air
 *
 * The onair binary runs as a user runs it (headless, open-file soft limit
 * 1024 as on a desktop, a few viewer slots) with an MJPEG and a WHEP
 * watcher connected throughout. Each case is sent on a raw socket from a
 * thread, so a case that kills or hangs the server fails the test instead
 * of the test program; after each, the server must still answer, the
 * watchers still get frames, and its descriptors, threads and viewer slots
 * come back to where they were.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "on-air-server.h"
#include "test-util.h"
#include "whep-client.h"

#define MAX_VIEWERS 4
#define FD_LIMIT 1024

typedef struct
{
  GSubprocess *proc;
  guint        port;
  char        *token;
  char        *base;
  MjpegReader *mjpeg;
  WhepViewer  *whep;
  guint        fds;      /* at rest, with the two watchers */
  guint        threads;
} Onair;

static Onair onair;

/* ---------------------------------------------------------------------- */
/* the server process                                                     */

static void
limit_fds (gpointer user_data)
{
  struct rlimit rl = { FD_LIMIT, FD_LIMIT };

  setrlimit (RLIMIT_NOFILE, &rl);
  /* It goes with the test program, even when an assertion aborts that. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static guint
count_entries (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static guint
server_fds (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/fd", g_subprocess_get_identifier (onair.proc));
  return count_entries (path);
}

static guint
server_threads (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/task", g_subprocess_get_identifier (onair.proc));
  return count_entries (path);
}

static gboolean
server_alive (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/fd", g_subprocess_get_identifier (onair.proc));
  return g_file_test (path, G_FILE_TEST_IS_DIR);
}

static char *
url_for (const char *path)
{
  return g_strdup_printf ("%s%s%stoken=%s", onair.base, path, strchr (path, '?') ? "&" : "?", onair.token);
}

static void
start_onair (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) query = NULL;
  g_autofree char *line = NULL;
  g_autofree char *max = g_strdup_printf ("%d", MAX_VIEWERS);

  g_subprocess_launcher_set_child_setup (launcher, limit_fds, NULL, NULL);
  onair.proc = g_subprocess_launcher_spawn (launcher, &error, test_onair_bin (), "--headless",
                                            "--source", "test", "--port", "0", "--bind", "127.0.0.1",
                                            "--max-viewers", max, NULL);
  g_assert_no_error (error);
  line = test_read_line (onair.proc);
  uri = g_uri_parse (line, G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  query = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, &error);
  g_assert_no_error (error);
  onair.port = g_uri_get_port (uri);
  onair.token = g_strdup (g_hash_table_lookup (query, "token"));
  onair.base = g_strdup_printf ("http://127.0.0.1:%u", onair.port);
}

/* ---------------------------------------------------------------------- */
/* raw clients, off the main thread                                       */

typedef struct
{
  const char *data;
  gsize       length;
  guint       pause_ms;    /* before closing, after sending */
  gboolean    reset;       /* close with a TCP reset instead of reading */
  guint       status;      /* out: 0 if closed without an answer */
  char       *response;    /* out: what came back */
  gint        done;
} Raw;

static GSocket *
raw_connect (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, onair.port);

  g_assert_nonnull (socket);
  if (!g_socket_connect (socket, addr, NULL, NULL))
    return NULL;
  g_socket_set_timeout (socket, 20);
  return g_steal_pointer (&socket);
}

static void
raw_reset (GSocket *socket)
{
  struct linger lg = { 1, 0 };

  setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  g_socket_close (socket, NULL);
}

static gpointer
raw_thread (gpointer data)
{
  Raw *raw = data;
  g_autoptr(GSocket) socket = raw_connect ();
  g_autoptr(GString) in = g_string_new (NULL);
  gsize sent = 0;
  char buf[4096];
  gssize n;

  if (socket == NULL)
    goto out;
  while (sent < raw->length)
    {
      n = g_socket_send (socket, raw->data + sent, MIN (raw->length - sent, 65536), NULL, NULL);
      if (n <= 0)
        break; /* the server may answer and close before it all went */
      sent += n;
    }
  if (raw->pause_ms > 0)
    g_usleep (raw->pause_ms * 1000);
  if (raw->reset)
    {
      raw_reset (socket);
      goto out;
    }
  while (in->len < 1024 * 1024 && (n = g_socket_receive (socket, buf, sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (in, buf, n);
  if (g_str_has_prefix (in->str, "HTTP/1.") && in->len > 12)
    raw->status = (guint) g_ascii_strtoull (in->str + 9, NULL, 10);
  raw->response = g_strdup (in->str);
out:
  g_atomic_int_set (&raw->done, 1);
  return NULL;
}

static gboolean
raw_done (gpointer data)
{
  Raw *raw = data;
  return g_atomic_int_get (&raw->done);
}

/* Sends @data on a new connection and reads the answer until the server
 * closes; returns its status, 0 if none. The main loop runs meanwhile
 * (the watchers live on it). */
static guint
send_raw_full (Raw *raw)
{
  GThread *thread = g_thread_new ("raw", raw_thread, raw);

  g_assert_true (test_wait_until (raw_done, raw, 60000));
  g_thread_join (thread);
  return raw->status;
}

static guint
send_raw (const char *data, gsize length)
{
  Raw raw = { data, length };
  guint status = send_raw_full (&raw);

  g_free (raw.response);
  return status;
}

/* ---------------------------------------------------------------------- */
/* the watchers, and what must not change                                 */

static void
post_whep (WhepViewer *viewer)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *offer = whep_viewer_create_offer (viewer, &error);
  g_autofree char *url = g_strconcat (onair.base, "/whep", NULL);
  g_autoptr(TestResponse) r = NULL;
  g_autofree char *answer = NULL;

  g_assert_no_error (error);
  r = test_http ("POST", url, "application/sdp", offer, strlen (offer), onair.token);
  g_assert_cmpuint (r->status, ==, 201);
  answer = g_strndup (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body));
  whep_viewer_set_answer (viewer, answer, &error);
  g_assert_no_error (error);
}

static gboolean
whep_has_frames (gpointer data)
{
  guint64 *target = data;
  return whep_viewer_get_frames (onair.whep) >= *target;
}

static void
assert_watchers_live (void)
{
  guint64 target = whep_viewer_get_frames (onair.whep) + 10;

  g_assert_true (mjpeg_reader_wait_frames (onair.mjpeg, 10, 10000));
  g_assert_true (test_wait_until (whep_has_frames, &target, 10000));
}

typedef struct
{
  guint fds;
  guint threads;
} Rest;

static gboolean
at_rest (gpointer data)
{
  Rest *now = data;

  now->fds = server_fds ();
  now->threads = server_threads ();
  /* A little slack: GLib's thread pools and libnice's timers come and go. */
  return now->fds <= onair.fds + 2 && now->threads <= onair.threads + 2;
}

/* A viewer slot is free for each one the watchers leave. */
static void
assert_slots_free (void)
{
  g_autofree char *url = url_for ("/stream.mjpg");
  g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func ((GDestroyNotify) mjpeg_reader_free);

  for (guint i = 0; i < MAX_VIEWERS - 2; i++)
    g_ptr_array_add (readers, mjpeg_reader_new (url));
  for (guint i = 0; i < readers->len; i++)
    {
      g_assert_true (mjpeg_reader_wait_frames (readers->pdata[i], 1, 10000));
      g_assert_cmpuint (mjpeg_reader_get_status (readers->pdata[i]), ==, 200);
    }
}

/* Nothing else changed: the server answers, the watchers get frames, its
 * descriptors and threads come back to where they were, its slots are
 * free. */
static void
assert_nothing_changed (const char *what)
{
  Rest now = { 0 };

  g_assert_true (server_alive ());
  assert_watchers_live ();
  if (!test_wait_until (at_rest, &now, 10000))
    g_error ("%s: %u fds, %u threads; %u and %u before", what, now.fds, now.threads,
             onair.fds, onair.threads);
  assert_slots_free ();
  test_wait_until (at_rest, &now, 10000);
}

/* ---------------------------------------------------------------------- */
/* SDP offers                                                             */

static const char fingerprint[] =
  "a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:"
  "DD:8C:66:A5:8E:50:55:EA:8C:D3:B6:5C:09:5E:D6:BC\r\n";

/* @n video sections, without BUNDLE: each would be its own transport. */
static char *
offer_with_sections (guint n)
{
  GString *sdp = g_string_new ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (sdp,
                            "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
                            "a=mid:%u\r\na=ice-ufrag:u%u\r\na=ice-pwd:pppppppppppppppppppppp\r\n%s"
                            "a=setup:actpass\r\na=recvonly\r\na=rtcp-mux\r\n"
                            "a=rtpmap:96 H264/90000\r\n"
                            "a=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n",
                            i, i, fingerprint);
  return g_string_free (sdp, FALSE);
}

static char *
post_request (const char *path, const char *type, const char *body, gsize length)
{
  return g_strdup_printf ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                          "Content-Type: %s\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                          path, onair.token, type, length, body);
}

/* The crash: 173 video sections without BUNDLE cost a transport each
 * (hundreds of descriptors and threads); the second such offer took the
 * server past its descriptor limit and aborted it. Only what we serve is
 * answered: one video section. */
static void
test_many_sections (void)
{
  g_autofree char *offer = offer_with_sections (173);
  g_autofree char *request = post_request ("/whep", "application/sdp", offer, strlen (offer));

  g_assert_cmpuint (strlen (offer), <=, ON_AIR_SERVER_MAX_BODY);
  for (guint i = 0; i < 2; i++)
    {
      guint status = send_raw (request, strlen (request));

      g_assert_true (server_alive ());
      g_assert_cmpuint (status, ==, 400);
    }
  assert_nothing_changed ("173 m-lines");
}

/* ---------------------------------------------------------------------- */

int
main (int argc, char *argv[])
{
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  /* A hostile case may close on us mid-send. */
  signal (SIGPIPE, SIG_IGN);

  start_onair ();
  {
    g_autofree char *url = url_for ("/stream.mjpg");

    onair.mjpeg = mjpeg_reader_new (url);
    g_assert_true (mjpeg_reader_wait_frames (onair.mjpeg, 3, 20000));
    onair.whep = whep_viewer_new ("H264", FALSE);
    post_whep (onair.whep);
    assert_watchers_live ();
    test_spin (1000);
    onair.fds = server_fds ();
    onair.threads = server_threads ();
    g_test_message ("at rest: %u fds, %u threads", onair.fds, onair.threads);
  }

  g_test_add_func ("/hostile/many-sections", test_many_sections);
  status = g_test_run ();

  mjpeg_reader_free (onair.mjpeg);
  whep_viewer_free (onair.whep);
  g_subprocess_send_signal (onair.proc, SIGTERM);
  g_subprocess_wait (onair.proc, NULL, NULL);
  g_object_unref (onair.proc);
  return status;
}

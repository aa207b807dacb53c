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
#include "on-air-server-private.h"
#include "test-util.h"
#include "whep-client.h"
#include "hostile-client.h"

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

/* What the server's descriptors point at, for a failure message. */
static char *
describe_fds (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/fd", g_subprocess_get_identifier (onair.proc));
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  GString *out = g_string_new (NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link = g_build_filename (path, name, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      g_string_append_printf (out, " %s", target ? target : "?");
    }
  return g_string_free (out, FALSE);
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
/* the watchers, and what must not change                                 */

/* --bind 127.0.0.1: the answer offers no candidate on another address. */
static void
assert_candidates_on_loopback (const char *answer)
{
  g_auto(GStrv) lines = g_strsplit (answer, "\r\n", -1);
  guint candidates = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;

      if (!g_str_has_prefix (lines[i], "a=candidate:"))
        continue;
      fields = g_strsplit (lines[i], " ", -1);
      g_assert_cmpuint (g_strv_length (fields), >=, 6);
      if (!g_str_equal (fields[4], "127.0.0.1"))
        g_error ("candidate on another address than --bind: %s", lines[i]);
      candidates++;
    }
  g_assert_cmpuint (candidates, >, 0);
}

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
  assert_candidates_on_loopback (answer);
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
  if (!test_wait_until (at_rest, &now, 40000))
    {
      g_autofree char *fds = describe_fds ();

      g_error ("%s: %u fds, %u threads; %u and %u before:%s", what, now.fds, now.threads,
               onair.fds, onair.threads, fds);
    }
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
      guint status = hostile_send (onair.port, request, strlen (request));

      g_assert_true (server_alive ());
      g_assert_cmpuint (status, ==, 400);
    }
  assert_nothing_changed ("173 m-lines");
}

/* ---------------------------------------------------------------------- */
/* bodies                                                                 */

static guint
send_streaming (const char *head, gsize stream, gboolean chunks)
{
  HostileRaw raw = { onair.port, head, strlen (head), stream, chunks };
  guint status = hostile_send_full (&raw);

  g_free (raw.response);
  return status;
}

typedef struct
{
  const char *what;
  const char *head;   /* %s: the token */
  gsize       stream;
  guint       status;
  gboolean    chunks;
} Case;

static void
run_cases (const Case *cases, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *head = g_strdup_printf (cases[i].head, onair.token);
      guint status = send_streaming (head, cases[i].stream, cases[i].chunks);

      g_test_message ("%s: %u", cases[i].what, status);
      if (status != cases[i].status)
        g_error ("%s: got %u, expected %u", cases[i].what, status, cases[i].status);
      g_assert_true (server_alive ());
    }
}

#define AUTH "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"

/* Bodies are bounded before they are read: a size announced too large
 * is refused at once, a chunked one as soon as it passes the bound, and
 * a body to a route that reads none is refused unread. */
static void
test_bodies (void)
{
  const Case cases[] = {
    { "1 GB Content-Length, streamed", "POST /whep HTTP/1.1\r\n" AUTH
      "Content-Type: application/sdp\r\nContent-Length: 1000000000\r\n\r\n", 32 << 20, 413 },
    { "10 GB Content-Length, no body", "POST /offer HTTP/1.1\r\n" AUTH
      "Content-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n", 0, 413 },
    { "chunked to /whep, streamed", "POST /whep HTTP/1.1\r\n" AUTH
      "Content-Type: application/sdp\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1000000\r\n", 32 << 20, 413 },
    { "chunked to /offer, streamed", "POST /offer HTTP/1.1\r\n" AUTH
      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", 32 << 20, 413, TRUE },
    { "chunked to /stream.mjpg", "GET /stream.mjpg HTTP/1.1\r\n" AUTH
      "Transfer-Encoding: chunked\r\n\r\n", 32 << 20, 413, TRUE },
    { "POST / with 256 MB", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 268435456\r\n\r\n",
      32 << 20, 405 },
    { "duplicate Content-Length", "POST /whep HTTP/1.1\r\n" AUTH
      "Content-Type: application/sdp\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nv=0\r\n", 0, 400 },
    { "negative Content-Length", "POST /whep HTTP/1.1\r\n" AUTH
      "Content-Type: application/sdp\r\nContent-Length: -1\r\n\r\n", 0, 400 },
    { "Content-Length and chunked", "POST /whep HTTP/1.1\r\n" AUTH
      "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, 400 },
    { "unknown transfer coding", "POST /whep HTTP/1.1\r\n" AUTH
      "Transfer-Encoding: gzip\r\n\r\n", 0, 501 },
    { "a small chunked offer is read", "POST /offer HTTP/1.1\r\n" AUTH
      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
      "2\r\n[]\r\n0\r\n\r\n", 0, 400 },
  };

  run_cases (cases, G_N_ELEMENTS (cases));
  assert_nothing_changed ("bodies");
}

/* ---------------------------------------------------------------------- */
/* heads                                                                  */

static char *
repeat (const char *unit, guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, unit, i);
  return g_string_free (s, FALSE);
}

static void
test_heads (void)
{
  g_autofree char *long_path = repeat ("a", 100 * 1024);
  g_autofree char *params = repeat ("p%u=1&", 10000);
  g_autofree char *big_header = repeat ("b", 1024 * 1024);
  g_autofree char *many_headers = repeat ("X-H%u: 1\r\n", 200);
  g_autofree char *url = g_strdup_printf ("GET /%s HTTP/1.1\r\nHost: x\r\n\r\n", long_path);
  g_autofree char *query = g_strdup_printf ("GET /snapshot.jpg?%s HTTP/1.1\r\nHost: x\r\n\r\n", params);
  g_autofree char *header = g_strdup_printf ("GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", big_header);
  g_autofree char *headers = g_strdup_printf ("GET / HTTP/1.1\r\nHost: x\r\n%s\r\n", many_headers);
  const struct { const char *what; const char *request; guint status; } cases[] = {
    { "100 KB URL", url, 414 },
    { "10,000 query parameters", query, 414 },
    { "1 MB header", header, 431 },
    { "200 header fields", headers, 431 },
    { "HTTP/0.9", "GET /\r\n", 400 },
    { "no version", "GET / \r\n\r\n", 400 },
    { "HTTP/2.0 in text", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 400 },
    { "folded header", "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400 },
    { "control byte in a header", "GET / HTTP/1.1\r\nHost: x\r\nX: a\001b\r\n\r\n", 400 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint status = hostile_send (onair.port, cases[i].request, strlen (cases[i].request));

      g_test_message ("%s: %u", cases[i].what, status);
      if (status != cases[i].status)
        g_error ("%s: got %u, expected %u", cases[i].what, status, cases[i].status);
    }
  {
    static const char nul[] = "GET / HTTP/1.1\r\nHost: x\r\nX\0Y: a\0b\r\n\r\n";

    g_assert_cmpuint (hostile_send (onair.port, nul, sizeof nul - 1), ==, 400);
  }
  assert_nothing_changed ("heads");
}

/* One request per connection: a second one on a kept-alive connection
 * would reach libsoup without the gate's checks; it is never read. */
static void
test_one_request_per_connection (void)
{
  g_autofree char *two = g_strdup_printf ("GET /api/status HTTP/1.1\r\n" AUTH "\r\n"
                                          "GET /%0200000d HTTP/1.1\r\nHost: x\r\n\r\n", onair.token, 0);
  HostileRaw raw = { onair.port, two, strlen (two) };
  g_auto(GStrv) answers = NULL;

  g_assert_cmpuint (hostile_send_full (&raw), ==, 200);
  answers = g_strsplit (raw.response, "HTTP/1.1 ", -1);
  g_assert_cmpuint (g_strv_length (answers), ==, 2); /* "" and the one answer */
  g_free (raw.response);
  assert_nothing_changed ("two requests on a connection");
}

/* Slowloris: connections that never finish their head are bounded per
 * address (the oldest stalled one makes room for a new one), and each
 * gets 408, after the request timeout or when it makes room. */
static void
test_slow_heads (void)
{
  static const char partial[] = "GET / HTTP/1.1\r\nHost: x\r\n";
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  guint held, timed_out = 0;
  char buf[512];

  for (guint i = 0; i < ON_AIR_GATE_MAX_PENDING_PER_ADDRESS + 36; i++)
    {
      GSocket *socket = hostile_connect (onair.port);

      g_assert_nonnull (socket);
      g_socket_send (socket, partial, sizeof partial - 1, NULL, NULL);
      g_ptr_array_add (sockets, socket);
      /* The first ones stall; the rest come later and make room. */
      if (i == ON_AIR_GATE_MAX_PENDING_PER_ADDRESS - 1)
        test_spin (ON_AIR_GATE_STALLED_MS + 200);
    }
  test_spin (500);
  held = server_fds ();
  g_test_message ("%u slow connections: %u fds (%u at rest)", sockets->len, held, onair.fds);
  g_assert_cmpuint (held, <=, onair.fds + ON_AIR_GATE_MAX_PENDING_PER_ADDRESS + 4);

  for (guint i = 0; i < sockets->len; i++)
    {
      gssize n = g_socket_receive (sockets->pdata[i], buf, sizeof buf - 1, NULL, NULL);

      buf[MAX (n, 0)] = '\0';
      if (g_str_has_prefix (buf, "HTTP/1.1 408"))
        timed_out++;
      else
        g_error ("slow connection %u: %s", i, buf);
    }
  g_test_message ("408: %u", timed_out);
  g_ptr_array_set_size (sockets, 0);
  assert_nothing_changed ("slowloris");
}

/* ---------------------------------------------------------------------- */
/* tokens and slots                                                       */

static guint
get_status (const char *path_and_query)
{
  g_autofree char *request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path_and_query);

  return hostile_send (onair.port, request, strlen (request));
}

static void
test_token_bytes (void)
{
  g_autofree char *nul = g_strdup_printf ("/snapshot.jpg?token=%s%%00junk", onair.token);
  g_autofree char *space = g_strdup_printf ("/snapshot.jpg?token=%s%%20", onair.token);
  g_autofree char *good = g_strdup_printf ("/snapshot.jpg?token=%s", onair.token);

  g_assert_cmpuint (get_status (nul), ==, 401);
  g_assert_cmpuint (get_status (space), ==, 401);
  g_assert_cmpuint (get_status (good), ==, 200);
  assert_nothing_changed ("token bytes");
}

/* MJPEG viewers who reset their connection before the headers went out
 * give their slot back. */
static void
test_mjpeg_resets (void)
{
  g_autofree char *request = g_strdup_printf ("GET /stream.mjpg HTTP/1.1\r\n" AUTH "\r\n", onair.token);

  for (guint i = 0; i < 3 * MAX_VIEWERS; i++)
    {
      HostileRaw raw = { onair.port, request, strlen (request), .reset = TRUE };

      hostile_send_full (&raw);
    }
  assert_nothing_changed ("MJPEG resets");
}

static guint
viewers_listed (void)
{
  g_autofree char *url = url_for ("/api/status");
  g_autoptr(TestResponse) r = test_http ("GET", url, NULL, NULL, 0, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (r->body, NULL),
                                             g_bytes_get_size (r->body), NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  return json_array_get_length (json_object_get_array_member (root, "viewers"));
}

static gboolean
only_watchers (gpointer data)
{
  test_spin (200);
  return viewers_listed () == 2;
}

/* A WHEP viewer who hangs up before the answer, or whose ICE never
 * completes, gives its slot back within seconds (it was 30). */
static void
test_whep_leavers (void)
{
  g_autofree char *offer = offer_with_sections (1);
  g_autofree char *request = post_request ("/whep", "application/sdp", offer, strlen (offer));

  for (guint i = 0; i < MAX_VIEWERS; i++)
    {
      HostileRaw raw = { onair.port, request, strlen (request), .pause_ms = 20, .reset = TRUE };

      hostile_send_full (&raw);
    }
  g_assert_true (test_wait_until (only_watchers, NULL, 20000));
  assert_nothing_changed ("WHEP hang-ups");

  for (guint i = 0; i < 2; i++)
    g_assert_cmpuint (hostile_send (onair.port, request, strlen (request)), ==, 201);
  g_assert_cmpuint (viewers_listed (), ==, 4);
  g_assert_true (test_wait_until (only_watchers, NULL, 20000));
  assert_nothing_changed ("ICE never completes");
}

/* Guessing from one address: after a generous burst of wrong tokens it
 * gets 429; the right token from the same address still gets through
 * (a classroom behind one NAT address is not locked out). */
static void
test_wrong_token_rate (void)
{
  g_autofree char *good = g_strdup_printf ("/snapshot.jpg?token=%s", onair.token);
  guint unauthorized = 0, limited = 0;

  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *guess = g_strdup_printf ("/snapshot.jpg?token=guess-%08u-abcdefgh", i);
      guint status = get_status (guess);

      if (status == 401)
        unauthorized++;
      else if (status == 429)
        limited++;
      else
        g_error ("wrong token %u: %u", i, status);
      if (i % 50 == 0)
        g_assert_cmpuint (get_status (good), ==, 200);
    }
  g_test_message ("300 wrong tokens: %u × 401, %u × 429", unauthorized, limited);
  g_assert_cmpuint (unauthorized, >=, 100);
  g_assert_cmpuint (limited, >, 0);
  g_assert_cmpuint (get_status (good), ==, 200);
  assert_nothing_changed ("wrong-token rate");
}

/* ---------------------------------------------------------------------- */

int
main (int argc, char *argv[])
{
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  test_init_logging ();
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
  g_test_add_func ("/hostile/bodies", test_bodies);
  g_test_add_func ("/hostile/heads", test_heads);
  g_test_add_func ("/hostile/one-request-per-connection", test_one_request_per_connection);
  g_test_add_func ("/hostile/slow-heads", test_slow_heads);
  g_test_add_func ("/hostile/token-bytes", test_token_bytes);
  g_test_add_func ("/hostile/mjpeg-resets", test_mjpeg_resets);
  g_test_add_func ("/hostile/whep-leavers", test_whep_leavers);
  g_test_add_func ("/hostile/wrong-token-rate", test_wrong_token_rate);
  status = g_test_run ();

  mjpeg_reader_free (onair.mjpeg);
  whep_viewer_free (onair.whep);
  /* A clean exit after all that (under the sanitizers: no leak either). */
  g_subprocess_send_signal (onair.proc, SIGTERM);
  g_subprocess_wait (onair.proc, NULL, NULL);
  if (!g_subprocess_get_if_exited (onair.proc) || g_subprocess_get_exit_status (onair.proc) != 0)
    {
      g_printerr ("onair did not exit cleanly\n");
      status = 1;
    }
  g_object_unref (onair.proc);
  return status;
}

/* on-air-server-private.h: the OnAirServer shared by its files
 *
 * on-air-server.c listens and routes: each route's checks are declared in
 * its table and applied there, with on-air-access.c, before the route's
 * own file (on-air-route-*.c) is called.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "on-air-server.h"
#include "on-air-setup-turns.h"
#include "on-air-viewer.h"

G_BEGIN_DECLS

/* Bounds on what a connection may send before libsoup reads it
 * (on-air-server-gate.c); README.md has them as a table. */
#define ON_AIR_GATE_BACKLOG                  1024
#define ON_AIR_GATE_MAX_REQUEST_LINE         (8 * 1024)   /* 414 */
#define ON_AIR_GATE_MAX_HEAD                 (32 * 1024)  /* 431 */
#define ON_AIR_GATE_MAX_HEADERS              100          /* 431 */
#define ON_AIR_GATE_CHUNK_OVERHEAD           (16 * 1024)  /* chunked framing past the body limit: 413 */
#define ON_AIR_GATE_REQUEST_TIMEOUT_S        10           /* to send head and body: 408 */
#define ON_AIR_GATE_MAX_PENDING              512          /* connections without a whole request: 503 */
#define ON_AIR_GATE_MAX_PENDING_PER_ADDRESS  64           /* beyond: its oldest stalled one gets 408 */
#define ON_AIR_GATE_STALLED_MS               1000         /* a client that sent no whole request by then */
#define ON_AIR_GATE_LINGER_MS                2000         /* reading what follows a refusal, dropped */
#define ON_AIR_GATE_LINGER_BYTES             (256 * 1024)

typedef struct _OnAirGate OnAirGate;

/* What the router will answer @method on @path, decided before a body is
 * read: 0 to go on (@takes_body: whether the route reads one), 404, or
 * 405 with @allow. */
typedef guint OnAirGateCheck (gpointer     user_data,
                              const char  *method,
                              const char  *path,
                              gboolean    *takes_body,
                              const char **allow);

struct _OnAirServer
{
  GObject         parent_instance;

  OnAirBroadcast *broadcast;
  SoupServer     *soup;
  OnAirGate      *gate;
  char           *bind_address;   /* --bind, unless it is every address */
  char           *token;
  guint           max_viewers;
  guint           port;
  gint64          started_at;
  GListStore     *viewers;
  GHashTable     *failures;       /* address → wrong-token bucket (on-air-access.c) */

  /* on-air-route-mjpeg.c */
  GPtrArray      *mjpeg_viewers;
  gulong          mjpeg_removed_handler;

  /* on-air-route-snapshot.c */
  GPtrArray      *pending_snapshots;
  gboolean        snapshot_hold;
  guint           snapshot_linger;
  guint           snapshot_timeout;
  gulong          jpeg_handler;

  /* on-air-route-whep.c */
  GHashTable     *peers;          /* id → PeerEntry */
  OnAirSetupTurns *setup_turns;   /* who may set up now, who waits */
};

/* WebRTC viewers setting up at once; a setup gives its turn up after
 * HOLD_MS, and one waits in line at most WAIT_MS (the page gives its
 * offer 10 s). bench/README.md, "Turns to set up", chose 8. */
#define ON_AIR_SERVER_SETUP_TURNS   8
#define ON_AIR_SERVER_SETUP_HOLD_MS 3000
#define ON_AIR_SERVER_SETUP_WAIT_MS 5000

/* Tests: @turns at once (no viewer may be setting up or waiting). */
void _on_air_server_set_setup_turns (OnAirServer *self, guint turns, guint hold_ms, guint wait_ms);

/* What a route's table entry in on-air-server.c points at. */

/* Serves a request that passed every check its route declares. @parsed is
 * what the route's parse step made of the body (the route takes it), or
 * NULL. */
typedef void     OnAirRouteServe     (OnAirServer       *self,
                                      SoupServerMessage *msg,
                                      const char        *path,
                                      GHashTable        *query,
                                      gpointer           parsed);
/* Reads the body; answers 400 and returns NULL when it makes no sense. */
typedef gpointer OnAirRouteParse     (SoupServerMessage *msg,
                                      SoupMessageBody   *body);
/* Answers a CORS preflight, which carries no credentials. */
typedef void     OnAirRoutePreflight (SoupServerMessage *msg);

/* on-air-server-gate.c: accepting, and each request's bounds */
OnAirGate           *_on_air_gate_new                       (SoupServer        *soup,
                                                             OnAirGateCheck    *check,
                                                             gpointer           check_data);
/* @address NULL: every interface. */
gboolean             _on_air_gate_listen                    (OnAirGate         *gate,
                                                             GInetAddress      *address,
                                                             guint              port,
                                                             GError           **error);
guint                _on_air_gate_get_port                  (OnAirGate         *gate);
void                 _on_air_gate_free                      (OnAirGate         *gate);

/* on-air-server-stream.c: a connection whose first bytes the gate read */
GIOStream           *_on_air_server_replay_stream_new       (GSocketConnection *connection,
                                                             GBytes            *replay);
/* The socket under @msg's connection. */
GSocket             *_on_air_server_message_socket          (SoupServerMessage *msg);

/* on-air-server.c: the viewers list */
char                *_on_air_server_new_viewer_id           (void);
void                 _on_air_server_remove_viewer           (OnAirServer       *self,
                                                             OnAirViewer       *viewer);

/* on-air-access.c: token, cookie, viewer cap */
gboolean             _on_air_server_is_authorized           (OnAirServer       *self,
                                                             SoupServerMessage *msg,
                                                             GHashTable        *query);
gboolean             _on_air_server_check_token             (OnAirServer       *self,
                                                             SoupServerMessage *msg,
                                                             GHashTable        *query);
void                 _on_air_server_grant_cookie            (OnAirServer       *self,
                                                             SoupServerMessage *msg,
                                                             GHashTable        *query);
void                 _on_air_server_forget_failures         (OnAirServer       *self);
gboolean             _on_air_server_has_room                (OnAirServer       *self);
gboolean             _on_air_server_check_slot              (OnAirServer       *self,
                                                             SoupServerMessage *msg);

/* on-air-route-page.c: the viewer page and its files */
gboolean             _on_air_server_is_page                 (const char        *path);
gboolean             _on_air_server_has_file                (const char        *path);
OnAirRouteServe      _on_air_server_serve_page;

/* on-air-route-mjpeg.c: MJPEG viewers */
OnAirRouteServe      _on_air_server_serve_mjpeg;
void                 _on_air_server_mjpeg_client_removed_cb (OnAirBroadcast    *broadcast,
                                                             GSocket           *socket,
                                                             gpointer           user_data);
void                 _on_air_server_refresh_mjpeg_counters  (OnAirServer       *self);
void                 _on_air_server_stop_mjpeg              (OnAirServer       *self);

/* on-air-route-snapshot.c: single JPEG pictures */
OnAirRouteServe      _on_air_server_serve_snapshot;
void                 _on_air_server_jpeg_frame_cb           (OnAirBroadcast    *broadcast,
                                                             GBytes            *frame,
                                                             guint64            sequence,
                                                             gpointer           user_data);
void                 _on_air_server_stop_snapshots          (OnAirServer       *self);

/* on-air-route-whep.c: WebRTC signalling, WHEP and the JSON /offer */
OnAirRouteParse      _on_air_server_parse_sdp_offer;
OnAirRouteParse      _on_air_server_parse_json_offer;
/* The SDP of a JSON offer {"type": "offer", "sdp": "…"}, or NULL and
 * what is wrong with it in @problem. */
char                *_on_air_server_json_offer_sdp          (const char        *data,
                                                             gsize              length,
                                                             const char       **problem);
void                 _on_air_server_free_offer              (gpointer           offer);
OnAirRoutePreflight  _on_air_server_whep_preflight;
OnAirRoutePreflight  _on_air_server_whep_session_preflight;
OnAirRouteServe      _on_air_server_serve_whep;
OnAirRouteServe      _on_air_server_serve_offer;
OnAirRouteServe      _on_air_server_end_whep_session;
void                 _on_air_server_peer_entry_free         (gpointer           data);
void                 _on_air_server_refresh_webrtc_counters (OnAirServer       *self);

/* on-air-route-status.c: /api/status */
OnAirRouteServe      _on_air_server_serve_status;

G_END_DECLS

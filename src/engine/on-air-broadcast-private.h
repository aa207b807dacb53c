/* on-air-broadcast-private.h: the broadcast's struct and the calls its
 * files make to one another. Only the files of OnAirBroadcast include it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>

#include "on-air-broadcast.h"
#include "on-air-camera.h"
#include "on-air-gop-cache.h"
#include "on-air-slate.h"

G_BEGIN_DECLS

/* The frame rate On Air asks sources for, and sets encoders' GOPs by. */
#define ON_AIR_SOURCE_FPS ON_AIR_CAMERA_FPS

/* The formats a stage tee can carry. */
typedef enum
{
  ON_AIR_FMT_RAW,
  ON_AIR_FMT_JPEG,
  ON_AIR_FMT_H264,
  ON_AIR_FMT_VP8,
  /* The lower rung: H.264 at a bitrate a weak Wi-Fi link carries, for the
   * viewers whose link cannot carry the shared encode. */
  ON_AIR_FMT_H264_LOW,
  ON_AIR_N_FMT,
  ON_AIR_FMT_UNKNOWN = ON_AIR_N_FMT,
} OnAirFmt;

/* A chain of elements fed from a stage tee through a request pad. */
typedef struct
{
  OnAirFmt   input;
  GPtrArray *elements; /* upstream first */
  GstPad    *input_pad;
} OnAirBranch;

/* One tee per format. The source feeds the tee of its own format; any
 * other is fed by a producer branch that exists only while it has users. */
typedef struct
{
  OnAirFmt     fmt;
  GstElement  *tee;
  guint        users;
  OnAirBranch *producer; /* NULL when the source feeds this tee */
  gssize       buffers;  /* atomic; counted on the tee's sink pad */
} OnAirStage;

/* Main context: hands on the newest frame an appsink slot received. */
typedef void (*OnAirFrameFunc) (OnAirBroadcast *self,
                                GstSample      *sample,
                                guint64         sequence);

/* An appsink consumer whose newest sample is handed to the main context. */
typedef struct
{
  OnAirBroadcast *self;
  OnAirFmt        input;
  OnAirFrameFunc  deliver;
  guint           users;
  OnAirBranch    *branch;
  /* When set, frames are converted to BGRA no larger than this. */
  int             max_width;
  int             max_height;

  GMutex          lock;
  GstSample      *latest;
  guint64         sequence;
  gboolean        dispatch_pending;
} OnAirFrameSlot;

/* One source (camera, RTSP, test pattern) as a bin of its own in the
 * pipeline, its output held until its first usable buffer
 * (on-air-source.c). */
typedef struct
{
  OnAirBroadcast *self;
  const char     *kind;        /* "camera", "rtsp", "test" */
  GstElement     *bin;
  GstPad         *ghost;       /* "src": the native format */
  gint            native;      /* atomic OnAirFmt; UNKNOWN until known */
  gint            ready;       /* atomic: its first buffer is held */
  gulong          hold_probe;
  gboolean        rtsp_linked; /* guarded by the bin's object lock */
  gint            bad_jpegs;   /* atomic: in a row, from a camera */
  gint64          started;     /* monotonic µs */
  struct _OnAirAudioUnit *audio; /* its sound (on-air-audio-source.c) */
} OnAirSourceUnit;

struct _OnAirBroadcast
{
  GObject           parent_instance;

  OnAirSourceSpec  *spec;
  GMainContext     *context;

  /* life (on-air-broadcast.c) */
  GstElement       *pipeline;
  guint             bus_watch;
  OnAirSourceState  state;
  char             *error_message;
  char             *description;
  const char       *source_kind;
  gboolean          started;
  guint             retry_source;
  gint64            retry_at;
  guint             fps_source;
  guint             trim_source;
  gint64            fps_last_count;
  gint64            fps_last_time;
  gint64            last_progress;
  double            fps;
  /* The source feeding the stages, the one being started (held until its
   * first buffer), and the slate shown while there is neither. */
  OnAirSourceUnit  *source;
  OnAirSourceUnit  *candidate;
  OnAirSlate       *slate;
  guint             slate_tick;
  guint             attempt;           /* tries since the source was last live */
  gint64            lost_at;           /* monotonic µs; 0 while live */
  gboolean          ever_live;         /* the source asked for was shown */
  int               last_width;        /* of the last source, for the slate */
  int               last_height;
  char             *title;

  /* source (on-air-source.c) and stages (on-air-stage.c) */
  OnAirStage        stages[ON_AIR_N_FMT];
  OnAirFmt          native;            /* main context: the stages know it */
  char             *camera_id;         /* the camera opened last */
  /* A camera whose JPEG mode sends pictures nobody can decode, by source
   * id: it is opened in its raw mode from then on. */
  char             *camera_without_jpeg;
  /* The camera's H.264 since its last keyframe (pass-through sources). */
  OnAirGopCache    *gop;

  /* appsink slots (on-air-frame-slot.c) */
  OnAirFrameSlot    jpeg;
  OnAirFrameSlot    preview;
  GBytes           *latest_jpeg;
  guint64           latest_jpeg_sequence;

  /* MJPEG fan-out (on-air-mjpeg-fanout.c) */
  OnAirBranch      *mjpeg_branch;
  GstElement       *mjpeg_sink;
  GHashTable       *mjpeg_clients;   /* GSocket → MjpegSinkClient */
  gssize            mjpeg_parts;     /* atomic: parts handed to the sink */

  /* RTP fan-out (on-air-rtp-fanout.c) */
  GPtrArray        *groups;
  GPtrArray        *taps;
  /* Every payloader sends with this SSRC and RTP timestamp base, so a
   * viewer moved between rungs keeps the stream its answer described. */
  guint32           rtp_ssrc;
  guint32           rtp_timestamp_offset;
  guint64           tap_serial;        /* main context: names taps for late callbacks */
  /* A page was just opened: its WebRTC viewer's encoder starts now, not
   * when the offer arrives. Holds the H.264 stage until a viewer's
   * payloader does, or for a few seconds. */
  guint             expect_source;

  /* sound (on-air-audio-*.c) */
  struct _OnAirAudio *audio;

  /* Viewers' keyframe requests, rate-limited for the shared encoder. */
  gint              keyframe_wanted;   /* atomic: a request waits for the main context */
  gint64            keyframe_sent_at;  /* main context, monotonic µs */
  guint             keyframe_source;   /* a request deferred to the end of the interval */
};

enum
{
  ON_AIR_BROADCAST_SIGNAL_JPEG_FRAME,
  ON_AIR_BROADCAST_SIGNAL_PREVIEW_FRAME,
  ON_AIR_BROADCAST_SIGNAL_MJPEG_CLIENT_REMOVED,
  ON_AIR_BROADCAST_N_SIGNALS
};

extern guint on_air_broadcast_signals[ON_AIR_BROADCAST_N_SIGNALS];

/* on-air-broadcast.c: the broadcast's life */
void         on_air_broadcast_set_state         (OnAirBroadcast   *self,
                                                 OnAirSourceState  state);
void         on_air_broadcast_set_description   (OnAirBroadcast   *self,
                                                 const char       *description);
/* Runs @func on the broadcast's main context, always from an idle source. */
void         on_air_broadcast_run_on_main       (OnAirBroadcast   *self,
                                                 GSourceFunc       func,
                                                 gpointer          data,
                                                 GDestroyNotify    notify);
typedef void (*OnAirBroadcastObjectFunc) (OnAirBroadcast *self,
                                          gpointer        object);
/* Any thread: @func (@self, @object) on the main context later; both are
 * kept alive until then. */
void         on_air_broadcast_call_on_main      (OnAirBroadcast   *self,
                                                 OnAirBroadcastObjectFunc func,
                                                 gpointer          object);
guint        on_air_broadcast_add_timeout       (OnAirBroadcast   *self,
                                                 guint             ms,
                                                 GSourceFunc       func);
/* Main context, from a source unit's streaming side; @bin names the unit,
 * and a unit that has gone since is ignored. Its first buffer is held: */
void         on_air_broadcast_unit_ready        (OnAirBroadcast   *self,
                                                 GstElement       *bin);
/* It failed for @message (for people; NULL: its stream ended). TRUE when
 * @bin was the source or the one being started. */
gboolean     on_air_broadcast_unit_failed       (OnAirBroadcast   *self,
                                                 GstElement       *bin,
                                                 const char       *message);
void         on_air_broadcast_notify_title      (OnAirBroadcast   *self);
/* @error, from the source, as people read it: never a password. */
char        *on_air_broadcast_describe_error    (OnAirBroadcast   *self,
                                                 GError           *error);
/* The last viewer of a kind left: hands freed memory back to the system. */
void         on_air_broadcast_give_back_memory  (OnAirBroadcast   *self);

/* on-air-reconnect.c: the source's life inside a running broadcast */
gboolean     on_air_broadcast_try_first_source  (OnAirBroadcast   *self,
                                                 GError          **error);
/* The source failed for @message (for people; NULL: a switch): viewers
 * get the slate, and the source is tried again. */
void         on_air_broadcast_lose_source       (OnAirBroadcast   *self,
                                                 const char       *message);
/* The source's or the starting source's bin @object is in, or NULL. */
GstElement  *on_air_broadcast_unit_of           (OnAirBroadcast   *self,
                                                 GstObject        *object);
void         on_air_broadcast_check_candidate   (OnAirBroadcast   *self,
                                                 gint64            timeout_us);
void         on_air_broadcast_drop_sources      (OnAirBroadcast   *self);

/* on-air-branch.c: element chains hung off a stage tee */
GstElement  *on_air_make_element                (const char       *factory,
                                                 GError          **error);
GstElement  *on_air_make_queue                  (gboolean          leaky,
                                                 guint             max_buffers,
                                                 guint64           max_time);
GstElement  *on_air_make_capsfilter             (const char       *caps_string);
GstPad      *on_air_request_viewer_pad          (GstElement       *tee);
OnAirBranch *on_air_branch_new                  (OnAirFmt          input);
void         on_air_branch_add                  (OnAirBranch      *branch,
                                                 GstElement       *element);
gboolean     on_air_branch_attach               (OnAirBroadcast   *self,
                                                 OnAirBranch      *branch,
                                                 GstPad           *output);
/* Frees a branch that was never attached, or whose attach failed. */
void         on_air_branch_discard              (OnAirBranch      *branch);
void         on_air_branch_free                 (OnAirBroadcast   *self,
                                                 OnAirBranch      *branch);

/* on-air-stage.c: the format stages */
const char  *on_air_fmt_name                    (OnAirFmt          fmt);
void         on_air_stages_create               (OnAirBroadcast   *self);
void         on_air_stages_clear                (OnAirBroadcast   *self);
GstPad      *on_air_stage_dup_sink              (OnAirBroadcast   *self,
                                                 OnAirFmt          fmt);
void         on_air_stage_acquire               (OnAirBroadcast   *self,
                                                 OnAirFmt          fmt);
void         on_air_stage_release               (OnAirBroadcast   *self,
                                                 OnAirFmt          fmt);
void         on_air_stages_set_native           (OnAirBroadcast   *self,
                                                 OnAirFmt          native);

/* on-air-source.c: the source kinds */
OnAirSourceUnit *on_air_source_unit_new         (OnAirBroadcast   *self,
                                                 OnAirSourceSpec  *spec,
                                                 GError          **error);
void         on_air_source_unit_free            (OnAirSourceUnit  *unit);

/* on-air-frame-slot.c: the appsink slots */
void         on_air_frame_slots_init            (OnAirBroadcast   *self);
void         on_air_frame_slots_build           (OnAirBroadcast   *self);
void         on_air_frame_slots_teardown        (OnAirBroadcast   *self);
void         on_air_frame_slots_clear           (OnAirBroadcast   *self);

/* on-air-mjpeg-fanout.c */
void         on_air_mjpeg_fanout_teardown       (OnAirBroadcast   *self);

/* on-air-rtp-fanout.c */
/* The viewer whose queue or webrtcbin (or anything inside it) is @object. */
OnAirRtpTap *on_air_rtp_fanout_find_tap         (OnAirBroadcast   *self,
                                                 GstObject        *object);
/* Tells the tap's owner the broadcast can no longer feed it; detaches it
 * if the owner did not. */
void         on_air_rtp_fanout_lose_tap         (OnAirBroadcast   *self,
                                                 OnAirRtpTap      *tap);
void         on_air_rtp_fanout_lose_all         (OnAirBroadcast   *self);
void         on_air_rtp_fanout_end_expectation  (OnAirBroadcast   *self);

G_END_DECLS

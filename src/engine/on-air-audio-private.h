/* on-air-audio-private.h: the broadcast's sound, shared by its files
 * (on-air-audio-stage.c, -source.c, -fanout.c, -tone.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "on-air-audio.h"
#include "on-air-broadcast-private.h"

G_BEGIN_DECLS

/* What On Air's raw audio stage carries: one channel, 48 kHz (Opus's own
 * rate; a camera's microphone or a baby monitor gains nothing from two). */
#define ON_AIR_AUDIO_RATE 48000
#define ON_AIR_AUDIO_CAPS "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"
/* 10 ms buffers in the raw stage: half an Opus frame of delay at most. */
#define ON_AIR_AUDIO_BUFFER_SAMPLES 480

typedef enum
{
  ON_AIR_AUDIO_NONE,
  ON_AIR_AUDIO_RAW,  /* decoded or captured: into the mixer */
  ON_AIR_AUDIO_OPUS, /* an RTSP camera's Opus: into the Opus stage as is */
} OnAirAudioKind;

/* The audio part of a source unit. */
typedef struct _OnAirAudioUnit
{
  GstPad    *ghost;       /* the unit's "audio" pad */
  gint       kind;        /* atomic OnAirAudioKind */
  gint       linked;      /* atomic: its output reaches a stage */
  gboolean   claimed;     /* RTSP: an audio stream was taken; object lock */
  GstPad    *stage_pad;   /* the mixer's request pad, when linked raw */
  char      *codec;       /* "opus", "aac", … */
  char      *description; /* for people */
  gulong     hold_probe;  /* on ghost; frees this record when removed */
} OnAirAudioUnit;

typedef struct _OnAirAudio
{
  gboolean    enabled;
  gint        muted;        /* atomic */
  gint        level;        /* atomic: peak per mille over ~100 ms */
  gint        level_peak;   /* streaming thread: the peak so far */
  guint       level_samples;

  GstElement *silence;
  GstElement *mixer;
  GstElement *volume;
  GstElement *raw_tee;
  GstElement *opus_tee;
  /* raw → Opus while someone takes Opus and the source sends none */
  GPtrArray  *encoder;      /* its elements, upstream first */
  GstPad     *encoder_pad;  /* its request pad on the raw tee */
  guint       opus_users;
  /* The source's own Opus, linked into the Opus stage. */
  gboolean    passthrough;

  GPtrArray  *groups;       /* Opus payloaders, one per payload type */
  GPtrArray  *taps;
} OnAirAudio;

/* on-air-audio-stage.c */
void         on_air_audio_init               (OnAirBroadcast *self);
void         on_air_audio_build              (OnAirBroadcast *self);
void         on_air_audio_teardown           (OnAirBroadcast *self);
void         on_air_audio_free               (OnAirBroadcast *self);
void         on_air_audio_opus_acquire       (OnAirBroadcast *self);
void         on_air_audio_opus_release       (OnAirBroadcast *self);
void         on_air_audio_set_passthrough    (OnAirBroadcast *self,
                                              GstPad         *pad);
/* Adds @elements (upstream first) to the pipeline, links them, starts
 * them and links @from's new request pad into the first; the last is
 * linked into @to when given. Returns the request pad, or NULL. */
GstPad      *on_air_audio_chain_attach       (OnAirBroadcast *self,
                                              GstElement     *from,
                                              GPtrArray      *elements,
                                              GstPad         *to);
void         on_air_audio_chain_free         (OnAirBroadcast *self,
                                              GstElement     *from,
                                              GstPad         *request_pad,
                                              GPtrArray      *elements);

/* on-air-audio-source.c: the audio part of source units */
/* Builds the unit's audio (the test tone, a webcam's own microphone; an
 * RTSP camera's track comes later, see on_air_audio_unit_claim_rtsp()). */
void         on_air_audio_unit_build         (OnAirSourceUnit *unit);
/* Streaming thread: rtspsrc's @pad carries audio; TRUE when the unit took
 * it (its first audio stream, a codec On Air can use). */
gboolean     on_air_audio_unit_claim_rtsp    (OnAirSourceUnit *unit,
                                              GstPad          *pad);
/* Main context: the unit became the source; its sound reaches the stages. */
void         on_air_audio_unit_link          (OnAirSourceUnit *unit);
void         on_air_audio_unit_free          (OnAirSourceUnit *unit);
/* The source whose sound is in the stages, or NULL. */
OnAirAudioUnit *on_air_audio_live_unit       (OnAirBroadcast *self);

/* on-air-audio-mic.c: a webcam's microphone as a bin whose "src" pad
 * gives ON_AIR_AUDIO_CAPS; its failures are warnings. NULL if it cannot
 * be opened. */
GstElement  *on_air_audio_mic_new            (GstDevice       *microphone);

/* on-air-audio-tone.c: the test tone */
#define ON_AIR_TONE_HZ 440
/* A 10-ms click starts at every whole second of the wall clock, when
 * the sample that carries it was captured (as the video's stamp is). */
#define ON_AIR_CLICK_MS 10
GstElement  *on_air_audio_tone_new           (void);

/* on-air-audio-fanout.c */
void         on_air_audio_fanout_lose_all    (OnAirBroadcast *self);

G_END_DECLS

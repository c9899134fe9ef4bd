/* sfu-speaker.h: the active speaker, from the audio levels publishers send (private to media/).
 *
 * Every audio packet of a browser carries the sender's level (RFC 6464 client-to-mixer audio
 * level: 0 is the loudest, 127 silence, in -dBov). The router adds each packet's level to its
 * publisher's SfuAudioLevel (a few integer operations, no allocation); on its timer it closes the
 * interval, which folds the interval's mean into a smoothed score, and offers every score to an
 * SfuSpeaker, which decides who speaks:
 *  - a publisher is a candidate when its score is at least SFU_SPEAKER_THRESHOLD (about -55 dBov:
 *    speech, not room noise);
 *  - the loudest candidate takes over when nobody is speaking, when the current speaker has gone
 *    quiet, or when it is louder than the current speaker by SFU_SPEAKER_MARGIN (a cough does not
 *    steal the view);
 *  - a change is announced at most every SFU_SPEAKER_MIN_INTERVAL_US.
 *
 * Plain structs embedded in their owners. Thread: the media worker that owns the room.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SFU_SPEAKER_MIN_INTERVAL_US (300 * 1000)
#define SFU_SPEAKER_THRESHOLD       (72 * 16) /* activity (127 - level) times 16 */
#define SFU_SPEAKER_MARGIN          (8 * 16)

typedef struct {
    guint32 sum; /* activity of the packets since the last interval closed */
    guint32 n;
    guint32 score; /* smoothed activity times 16: 0 silence .. 2032 loudest */
} SfuAudioLevel;

void sfu_audio_level_init(SfuAudioLevel *level);
/* One packet's level in -dBov (0..127; larger values count as silence). */
void sfu_audio_level_add(SfuAudioLevel *level, guint8 dbov);
/* Closes the interval and returns the new smoothed score (an interval without packets counts as
 * silence: the sender stopped, or discontinuous transmission). */
guint32 sfu_audio_level_close_interval(SfuAudioLevel *level);

typedef struct {
    guint64 current; /* the speaker announced last; 0 for none yet */
    gint64 last_change_us;
    gboolean announced_once;
    /* the round in progress */
    guint64 best;
    guint32 best_score;
    guint32 current_score;
} SfuSpeaker;

void sfu_speaker_init(SfuSpeaker *speaker);
/* A decision round: offer every publisher's score, then finish. */
void sfu_speaker_begin(SfuSpeaker *speaker);
void sfu_speaker_offer(SfuSpeaker *speaker, guint64 participant_id, guint32 score);
/* TRUE when the speaker changes now; *@participant_id gets the new one. */
gboolean sfu_speaker_finish(SfuSpeaker *speaker, gint64 now_us, guint64 *participant_id);
/* A participant left: it is no longer the current speaker (no event is made for it). */
void sfu_speaker_forget(SfuSpeaker *speaker, guint64 participant_id);

G_END_DECLS

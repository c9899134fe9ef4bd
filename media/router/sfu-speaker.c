/* sfu-speaker.c: active speaker detection from RFC 6464 audio levels.
 *
 * Design: levels are turned into "activity" (127 - level, so louder is larger) and summed per
 * interval; closing an interval folds its mean into an exponential average with weight 1/4
 * (about 0.4 s of memory at the router's 100 ms timer), kept times 16 in integers. Averaging
 * over an interval rather than reacting per packet is what RFC 6464 §5 intends: the level is a
 * hint for a mixer or a selective forwarder, sampled per packet, and single packets are noisy.
 * The decision is separate from the measurement so it can be tested with plain numbers: the
 * threshold keeps background noise from becoming a speaker, the margin keeps two people talking
 * over each other from swapping the view every interval, and the minimum interval bounds the
 * event rate whatever the input.
 */
#include "router/sfu-speaker.h"

#include <string.h>

void sfu_audio_level_init(SfuAudioLevel *level)
{
    g_return_if_fail(level != NULL);
    memset(level, 0, sizeof(*level));
}

void sfu_audio_level_add(SfuAudioLevel *level, guint8 dbov)
{
    level->sum += 127u - MIN(dbov, 127u);
    level->n++;
}

guint32 sfu_audio_level_close_interval(SfuAudioLevel *level)
{
    guint32 mean;

    g_return_val_if_fail(level != NULL, 0);
    mean = level->n > 0 ? level->sum * 16 / level->n : 0;
    level->score = (level->score * 3 + mean) / 4;
    level->sum = 0;
    level->n = 0;
    return level->score;
}

void sfu_speaker_init(SfuSpeaker *speaker)
{
    g_return_if_fail(speaker != NULL);
    memset(speaker, 0, sizeof(*speaker));
}

void sfu_speaker_begin(SfuSpeaker *speaker)
{
    speaker->best = 0;
    speaker->best_score = 0;
    speaker->current_score = 0;
}

void sfu_speaker_offer(SfuSpeaker *speaker, guint64 participant_id, guint32 score)
{
    if (participant_id == speaker->current)
        speaker->current_score = score;
    if (score >= SFU_SPEAKER_THRESHOLD && (speaker->best == 0 || score > speaker->best_score)) {
        speaker->best = participant_id;
        speaker->best_score = score;
    }
}

gboolean sfu_speaker_finish(SfuSpeaker *speaker, gint64 now_us, guint64 *participant_id)
{
    g_return_val_if_fail(speaker != NULL, FALSE);
    if (speaker->best == 0 || speaker->best == speaker->current)
        return FALSE;
    if (speaker->announced_once && now_us - speaker->last_change_us < SFU_SPEAKER_MIN_INTERVAL_US)
        return FALSE;
    if (speaker->current != 0 && speaker->current_score >= SFU_SPEAKER_THRESHOLD &&
        speaker->best_score < speaker->current_score + SFU_SPEAKER_MARGIN)
        return FALSE;
    speaker->current = speaker->best;
    speaker->last_change_us = now_us;
    speaker->announced_once = TRUE;
    if (participant_id != NULL)
        *participant_id = speaker->current;
    return TRUE;
}

void sfu_speaker_forget(SfuSpeaker *speaker, guint64 participant_id)
{
    g_return_if_fail(speaker != NULL);
    if (speaker->current == participant_id)
        speaker->current = 0;
}

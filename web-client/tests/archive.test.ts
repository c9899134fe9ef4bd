/* The archive of a meeting's recordings: timeline, closed parts, tracks, seeking. */
import { describe, expect, it } from 'vitest';
import {
  buildArchive,
  buildTimeline,
  closedRanges,
  downloadName,
  formatOffset,
  groupTracks,
  inClosedPart,
  isProgram,
  recordingOffset,
  seekTarget,
  trackOwner,
  type RecordingMark,
  type RecordingPart,
  type RecordingSegment,
  type RecordingsAnswer,
} from '../src/lib/archive';
import { parseRoute, routeHash } from '../src/lib/router';
import type { RecordingRun } from '../src/lib/api';

const run = (over: Partial<RecordingRun> = {}): RecordingRun => ({
  id: 1,
  meeting_id: 9,
  started_at: '2026-11-21T08:00:00.000Z',
  ended_at: '2026-11-21T09:00:00.000Z',
  state: 'stopped',
  last_error: '',
  started_by: null,
  files: 0,
  duration_ms: 3_600_000,
  ...over,
});

let nextId = 100;
const segment = (over: Partial<RecordingSegment>): RecordingSegment => ({
  id: nextId++,
  recording_id: 1,
  participant_id: 7,
  user_id: 7,
  site_id: null,
  track: 'video-1',
  kind: 'video',
  codec: 'vp8',
  seq: 0,
  started_at: '2026-11-21T08:00:00.000Z',
  ended_at: '2026-11-21T08:10:00.000Z',
  offset_ms: 0,
  duration_ms: 600_000,
  size: 1000,
  sha256: 'ab',
  state: 'complete',
  restricted: false,
  ...over,
});

const mark = (over: Partial<RecordingMark>): RecordingMark => ({
  id: nextId++,
  recording_id: 1,
  kind: 'agenda.current',
  event_seq: nextId,
  at: '2026-11-21T08:00:00.000Z',
  offset_ms: 0,
  label: '',
  agenda_item_id: null,
  restricted: false,
  ...over,
});

const part = (over: Partial<RecordingPart>): RecordingPart => ({
  id: nextId++,
  recording_id: 1,
  agenda_item_id: 3,
  started_at: '2026-11-21T08:30:00.000Z',
  ended_at: '2026-11-21T08:45:00.000Z',
  offset_ms: 1_800_000,
  duration_ms: 900_000,
  restricted: true,
  ...over,
});

describe('the timeline', () => {
  it('puts items, speakers and votes in time order, where they fall on the bar', () => {
    const timeline = buildTimeline(
      [
        mark({ kind: 'vote.closed', offset_ms: 2_700_000, label: 'Nghị quyết X: thông qua' }),
        mark({ kind: 'agenda.current', offset_ms: 0, label: 'Khai mạc' }),
        mark({ kind: 'floor.granted', offset_ms: 900_000, label: 'Huỳnh Hồng Dũng' }),
        mark({ kind: 'floor.ended', offset_ms: 1_000_000, label: 'Huỳnh Hồng Dũng' }),
        mark({ kind: 'vote.opened', offset_ms: 2_400_000, label: 'Nghị quyết X' }),
        mark({ kind: 'something.new', offset_ms: 5, label: 'ignored' }),
      ],
      3_600_000,
    );
    expect(timeline.map((e) => [e.kind, e.label, e.percent])).toEqual([
      ['item', 'Khai mạc', 0],
      ['speaker', 'Huỳnh Hồng Dũng', 25],
      ['vote', 'Nghị quyết X', (2_400_000 / 3_600_000) * 100],
      ['vote', 'Nghị quyết X: thông qua', 75],
    ]);
  });

  it('keeps a replayed mark once and clamps what falls outside the recording', () => {
    const timeline = buildTimeline(
      [
        mark({ kind: 'agenda.current', offset_ms: 1000, label: 'A' }),
        mark({ kind: 'agenda.current', offset_ms: 1000, label: 'A' }),
        mark({ kind: 'agenda.current', offset_ms: -50, label: 'early' }),
        mark({ kind: 'agenda.current', offset_ms: 9_999_999, label: 'late' }),
      ],
      10_000,
    );
    expect(timeline.map((e) => [e.label, e.offsetMs, e.percent])).toEqual([
      ['early', 0, 0],
      ['A', 1000, 10],
      ['late', 9_999_999, 100],
    ]);
    expect(buildTimeline([mark({ offset_ms: 10 })], 0)[0]!.percent).toBe(0);
  });
});

describe('closed parts', () => {
  it('are ranges of the bar; open parts are not shown as closed', () => {
    const ranges = closedRanges([part({}), part({ restricted: false, offset_ms: 0 })], 3_600_000);
    expect(ranges).toHaveLength(1);
    expect(ranges[0]).toMatchObject({ startMs: 1_800_000, endMs: 2_700_000, left: 50, width: 25 });
    expect(inClosedPart(ranges, 1_800_000)).toBe(true);
    expect(inClosedPart(ranges, 2_699_999)).toBe(true);
    expect(inClosedPart(ranges, 2_700_000)).toBe(false);
    expect(inClosedPart(ranges, 0)).toBe(false);
  });

  it('a closed part still running reaches the end of what was recorded', () => {
    const [range] = closedRanges([part({ ended_at: null, duration_ms: 0 })], 3_600_000);
    expect(range).toMatchObject({ endMs: 3_600_000, left: 50, width: 50 });
  });
});

describe('tracks and seeking', () => {
  const files = [
    segment({ seq: 1, offset_ms: 600_000, duration_ms: 600_000 }),
    segment({ seq: 0, offset_ms: 0, duration_ms: 600_000 }),
    segment({ seq: 2, offset_ms: 1_500_000, duration_ms: 300_000 }), // after a gap
    segment({ track: 'audio-0', kind: 'audio', codec: 'opus' }),
    segment({ participant_id: 1099511627779, user_id: null, site_id: 3, track: 'video-0', codec: 'h264' }),
  ];

  it('groups files by participant and track, in the order written, video first', () => {
    const tracks = groupTracks(files);
    expect(tracks.map((t) => [t.participantId, t.track, t.files.map((f) => f.seq)])).toEqual([
      [7, 'video-1', [0, 1, 2]],
      [7, 'audio-0', [0]],
      [1099511627779, 'video-0', [0]],
    ]);
    const names = new Map([[7, 'Huỳnh Hồng Dũng']]);
    const sites = new Map([[3, 'Hội trường xã A']]);
    expect(tracks.map((t) => trackOwner(t, names, sites))).toEqual(['Huỳnh Hồng Dũng', 'Huỳnh Hồng Dũng', 'Hội trường xã A']);
    expect(trackOwner(tracks[0]!, new Map(), sites)).toBeNull();
  });

  it('puts the composite first', () => {
    const tracks = groupTracks([...files, segment({ participant_id: 0, user_id: null, site_id: null, track: 'program', codec: 'h264' })]);
    expect(tracks[0]).toMatchObject({ participantId: 0, track: 'program' });
    expect(isProgram(tracks[0]!)).toBe(true);
    expect(isProgram(tracks[1]!)).toBe(false);
  });

  it('a mark plays the file that covers it, from the right second', () => {
    const [video] = groupTracks(files);
    expect(seekTarget(video!, 0)).toMatchObject({ file: { seq: 0 }, seconds: 0 });
    expect(seekTarget(video!, 900_000)).toMatchObject({ file: { seq: 1 }, seconds: 300 });
    expect(seekTarget(video!, 600_000)).toMatchObject({ file: { seq: 1 }, seconds: 0 });
    // In the gap: the next file from its start; after the end: nothing.
    expect(seekTarget(video!, 1_300_000)).toMatchObject({ file: { seq: 2 }, seconds: 0 });
    expect(seekTarget(video!, 1_800_000)).toBeNull();
    const target = seekTarget(video!, 912_345)!;
    expect(recordingOffset(target.file, target.seconds)).toBe(912_345);
  });

  it('skips files that cannot be played', () => {
    const [video] = groupTracks([segment({ seq: 0, state: 'missing' }), segment({ seq: 1, offset_ms: 600_000, state: 'recovered' })]);
    expect(seekTarget(video!, 10_000)).toMatchObject({ file: { seq: 1 }, seconds: 0 });
    const [open] = groupTracks([segment({ state: 'open' })]);
    expect(seekTarget(open!, 10)).toBeNull();
  });

  it('names downloads after the meeting, recording, participant and part', () => {
    expect(downloadName(9, segment({ seq: 2, recording_id: 4 }))).toBe('phonghop-9-rec4-user7-video-1-002.webm');
    expect(downloadName(9, segment({ site_id: 3, user_id: null, codec: 'h264', track: 'video-0' }))).toBe('phonghop-9-rec1-site3-video-0-000.mkv');
  });

  it('formats positions for people', () => {
    expect(formatOffset(0)).toBe('0:00');
    expect(formatOffset(65_400)).toBe('1:05');
    expect(formatOffset(3_723_000)).toBe('1:02:03');
    expect(formatOffset(-5)).toBe('0:00');
  });
});

describe('the whole answer', () => {
  it('builds each recording, newest first, with its own files, marks and parts', () => {
    const answer: RecordingsAnswer = {
      recordings: [run({ id: 1 }), run({ id: 2, started_at: '2026-11-21T10:00:00.000Z', state: 'recording', ended_at: null, duration_ms: 0 })],
      segments: [segment({ recording_id: 1 }), segment({ recording_id: 2, offset_ms: 0, duration_ms: 120_000 })],
      marks: [mark({ recording_id: 2, offset_ms: 60_000, label: 'Mục 2' }), mark({ recording_id: 1, label: 'Mục 1' })],
      parts: [part({ recording_id: 1 })],
      closed_parts_readable: true,
      withheld: { segments: 0, marks: 0 },
    };
    const archive = buildArchive(answer);
    expect(archive.map((a) => a.run.id)).toEqual([2, 1]);
    // A recording still running: as long as what it has so far.
    expect(archive[0]!.durationMs).toBe(120_000);
    expect(archive[0]!.timeline.map((e) => [e.label, e.percent])).toEqual([['Mục 2', 50]]);
    expect(archive[0]!.closed).toEqual([]);
    expect(archive[1]!.closed).toHaveLength(1);
    expect(archive[1]!.tracks[0]!.files).toHaveLength(1);
  });
});

describe('the route', () => {
  it('has an archive page per meeting', () => {
    expect(parseRoute('#/bodies/2/meetings/9/archive')).toEqual({ name: 'archive', bodyId: 2, meetingId: 9 });
    expect(routeHash({ name: 'archive', bodyId: 2, meetingId: 9 })).toBe('#/bodies/2/meetings/9/archive');
  });
});

/*
 * A meeting's archive on video (GET /meetings/{id}/recordings), made ready to show: each
 * recording with its timeline of marks (the agenda items, the speakers, the votes), the closed
 * parts (họp kín) as ranges, and its files grouped by participant and track, in the order they
 * were written (a long track is rotated into several files).
 *
 * Offsets are milliseconds from the recording's start, as the server stores them. A mark seeks
 * the player: the file of the chosen track that covers the mark's offset is loaded and played
 * from (mark offset - file offset). What the server withheld (closed parts the caller may not
 * see) is never listed here; its count is shown so nobody thinks the archive is complete.
 */
import type { RecordingRun } from './api';
import type { MessageKey } from './i18n';

export type SegmentState = 'open' | 'complete' | 'cut_short' | 'recovered' | 'unplayable' | 'missing';
export type MarkKind = 'agenda.current' | 'floor.granted' | 'floor.ended' | 'vote.opened' | 'vote.closed';

export interface RecordingSegment {
  id: number;
  recording_id: number;
  participant_id: number;
  user_id: number | null;
  site_id: number | null;
  track: string;
  kind: 'audio' | 'video';
  codec: string;
  seq: number;
  started_at: string;
  ended_at: string | null;
  offset_ms: number;
  duration_ms: number;
  size: number;
  sha256: string;
  state: SegmentState;
  restricted: boolean;
}

export interface RecordingMark {
  id: number;
  recording_id: number;
  kind: MarkKind | string;
  event_seq: number;
  at: string;
  offset_ms: number;
  label: string;
  agenda_item_id: number | null;
  restricted: boolean;
}

export interface RecordingPart {
  id: number;
  recording_id: number;
  agenda_item_id: number | null;
  started_at: string;
  ended_at: string | null;
  offset_ms: number;
  duration_ms: number;
  restricted: boolean;
}

export interface RecordingsAnswer {
  recordings: RecordingRun[];
  segments: RecordingSegment[];
  marks: RecordingMark[];
  parts: RecordingPart[];
  closed_parts_readable: boolean;
  withheld: { segments: number; marks: number };
}

/** One point of the timeline a person can jump to. */
export interface TimelineEntry {
  id: number;
  kind: 'item' | 'speaker' | 'vote';
  /** vote.opened or vote.closed; floor.granted */
  markKind: string;
  label: string;
  offsetMs: number;
  /** Where on the bar, 0..100. */
  percent: number;
  restricted: boolean;
}

/** A closed part as a range of the bar. */
export interface TimelineRange {
  id: number;
  startMs: number;
  endMs: number;
  left: number;
  width: number;
}

/** One participant's track (e.g. their camera), its files in order. */
export interface ArchiveTrack {
  key: string;
  participantId: number;
  userId: number | null;
  siteId: number | null;
  track: string;
  kind: 'audio' | 'video';
  codec: string;
  files: RecordingSegment[];
}

export interface ArchiveRun {
  run: RecordingRun;
  durationMs: number;
  timeline: TimelineEntry[];
  closed: TimelineRange[];
  tracks: ArchiveTrack[];
}

const MARK_ENTRY: Record<string, TimelineEntry['kind'] | undefined> = {
  'agenda.current': 'item',
  'floor.granted': 'speaker',
  'vote.opened': 'vote',
  'vote.closed': 'vote',
};

function clampPercent(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(100, Math.max(0, value));
}

/** How long a recording runs: its own duration, or as far as anything in it reaches. */
export function runDuration(run: RecordingRun, segments: RecordingSegment[], marks: RecordingMark[]): number {
  let longest = Math.max(0, run.duration_ms || 0);
  for (const s of segments) longest = Math.max(longest, s.offset_ms + s.duration_ms);
  for (const m of marks) longest = Math.max(longest, m.offset_ms);
  return longest;
}

/**
 * The marks a person jumps to, in time order: agenda items, speakers (floor grants; the end of
 * a turn is not a place to jump to) and votes. Marks with the same kind, label and offset (an
 * event replayed) appear once.
 */
export function buildTimeline(marks: RecordingMark[], durationMs: number): TimelineEntry[] {
  const seen = new Set<string>();
  const entries: TimelineEntry[] = [];
  for (const mark of [...marks].sort((a, b) => a.offset_ms - b.offset_ms || a.event_seq - b.event_seq || a.id - b.id)) {
    const kind = MARK_ENTRY[mark.kind];
    if (kind === undefined) continue;
    const offsetMs = Math.max(0, mark.offset_ms);
    const key = `${mark.kind}\u0000${mark.label}\u0000${offsetMs}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push({
      id: mark.id,
      kind,
      markKind: mark.kind,
      label: mark.label,
      offsetMs,
      percent: durationMs > 0 ? clampPercent((offsetMs / durationMs) * 100) : 0,
      restricted: mark.restricted,
    });
  }
  return entries;
}

/** The closed parts (họp kín) of a recording as ranges of its bar. */
export function closedRanges(parts: RecordingPart[], durationMs: number): TimelineRange[] {
  return parts
    .filter((part) => part.restricted)
    .map((part) => {
      const startMs = Math.max(0, part.offset_ms);
      // A part still open runs to the end of what was recorded.
      const endMs = part.ended_at === null ? Math.max(startMs, durationMs) : startMs + Math.max(0, part.duration_ms);
      const left = durationMs > 0 ? clampPercent((startMs / durationMs) * 100) : 0;
      const right = durationMs > 0 ? clampPercent((endMs / durationMs) * 100) : 0;
      return { id: part.id, startMs, endMs, left, width: Math.max(0, right - left) };
    })
    .sort((a, b) => a.startMs - b.startMs);
}

/** Whether an offset falls in a closed part. */
export function inClosedPart(ranges: TimelineRange[], offsetMs: number): boolean {
  return ranges.some((range) => offsetMs >= range.startMs && offsetMs < range.endMs);
}

/** Groups files by participant and track, each track's files in the order written. */
export function groupTracks(segments: RecordingSegment[]): ArchiveTrack[] {
  const byKey = new Map<string, ArchiveTrack>();
  for (const segment of segments) {
    const key = `${segment.participant_id}/${segment.track}`;
    let track = byKey.get(key);
    if (track === undefined) {
      track = {
        key,
        participantId: segment.participant_id,
        userId: segment.user_id,
        siteId: segment.site_id,
        track: segment.track,
        kind: segment.kind,
        codec: segment.codec,
        files: [],
      };
      byKey.set(key, track);
    }
    track.files.push(segment);
  }
  const tracks = [...byKey.values()];
  for (const track of tracks) track.files.sort((a, b) => a.seq - b.seq || a.offset_ms - b.offset_ms);
  // Video before sound for each participant, participants in order of their first file.
  const first = (track: ArchiveTrack) => Math.min(...track.files.map((f) => f.offset_ms));
  return tracks.sort(
    (a, b) => Number(isProgram(b)) - Number(isProgram(a)) || a.participantId - b.participantId || (a.kind === b.kind ? a.track.localeCompare(b.track) : a.kind === 'video' ? -1 : 1) || first(a) - first(b),
  );
}

/** The recordings of a meeting, newest first, each with its timeline, closed parts and tracks. */
export function buildArchive(answer: RecordingsAnswer): ArchiveRun[] {
  return answer.recordings
    .map((run) => {
      const segments = answer.segments.filter((s) => s.recording_id === run.id);
      const marks = answer.marks.filter((m) => m.recording_id === run.id);
      const parts = answer.parts.filter((p) => p.recording_id === run.id);
      const durationMs = runDuration(run, segments, marks);
      return {
        run,
        durationMs,
        timeline: buildTimeline(marks, durationMs),
        closed: closedRanges(parts, durationMs),
        tracks: groupTracks(segments),
      };
    })
    .sort((a, b) => b.run.started_at.localeCompare(a.run.started_at) || b.run.id - a.run.id);
}

/** Whether a file can be played now (not still being written, not lost, not broken). */
export function isPlayable(file: RecordingSegment): boolean {
  return file.state === 'complete' || file.state === 'cut_short' || file.state === 'recovered';
}

/**
 * Where to play a point of the recording on a track: the file covering `offsetMs` and the
 * position in it, in seconds. Between two files (a gap while a participant was away) the next
 * file plays from its start; after the last one, null.
 */
export function seekTarget(track: ArchiveTrack, offsetMs: number): { file: RecordingSegment; seconds: number } | null {
  const files = track.files.filter(isPlayable);
  for (const file of files) {
    if (offsetMs < file.offset_ms) return { file, seconds: 0 };
    if (offsetMs < file.offset_ms + file.duration_ms) return { file, seconds: (offsetMs - file.offset_ms) / 1000 };
  }
  return null;
}

/** The offset in the recording of a position in one of its files. */
export function recordingOffset(file: RecordingSegment, seconds: number): number {
  return file.offset_ms + Math.max(0, Math.round(seconds * 1000));
}

/** "1:02:03" or "2:03": a position or a length for people, not machines. */
export function formatOffset(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** A file's size for people: "1.2 MB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

/** The name a downloaded file is saved under: meeting, recording, participant, track, part. */
export function downloadName(meetingId: number, file: RecordingSegment): string {
  const ext = file.codec === 'h264' ? 'mkv' : 'webm';
  const who = file.site_id !== null ? `site${file.site_id}` : `user${file.user_id ?? file.participant_id}`;
  return `phonghop-${meetingId}-rec${file.recording_id}-${who}-${file.track}-${String(file.seq).padStart(3, '0')}.${ext}`;
}

/** The composite (the speaker large, the sites in a grid, the title bar) is participant 0, track "program". */
export function isProgram(track: ArchiveTrack): boolean {
  return track.participantId === 0 || track.track === 'program';
}

/** Who a track is: a member's name from the roster, a site's name, else null (the caller says "participant N"). */
export function trackOwner(track: ArchiveTrack, users: ReadonlyMap<number, string>, sites: ReadonlyMap<number, string>): string | null {
  if (track.siteId !== null) return sites.get(track.siteId) ?? null;
  if (track.userId !== null) return users.get(track.userId) ?? null;
  return null;
}

/** What a file that is not simply complete is, in words. */
export const FILE_STATE_KEY: Record<Exclude<SegmentState, 'complete'>, MessageKey> = {
  open: 'archive.fileState.open',
  cut_short: 'archive.fileState.cut_short',
  recovered: 'archive.fileState.recovered',
  unplayable: 'archive.fileState.unplayable',
  missing: 'archive.fileState.missing',
};

/** A recording's state in words (failed takes the error: archive.state.failed). */
export const RUN_STATE_KEY: Record<Exclude<RecordingRun['state'], 'failed'>, MessageKey> = {
  recording: 'archive.state.recording',
  stopped: 'archive.state.stopped',
  interrupted: 'archive.state.interrupted',
};

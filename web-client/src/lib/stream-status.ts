/*
 * The live stream and the hall cameras as the chair reads them: plain words, no pipeline or
 * protocol terms. The server says only when the public stream's pipeline failed
 * (media.program: restarting, which goes on, or stopped); before that, a public sitting that
 * is open is on air. A hall camera the server pulls is a site peer with a `camera` state.
 */
import type { MessageKey } from './i18n';
import type { MediaPeer, ProgramState } from './media';

export type StreamTone = 'ok' | 'warning' | 'error' | 'neutral';

export interface StatusLine {
  key: MessageKey;
  params: Record<string, string>;
  tone: StreamTone;
}

/** The public live stream's state in words. */
export function streamStatus(options: {
  isPublic: boolean;
  isOpen: boolean;
  mediaAvailable: boolean;
  program: ProgramState | null;
}): StatusLine {
  const { isPublic, isOpen, mediaAvailable, program } = options;
  if (!isPublic) return { key: 'stream.notPublic', params: {}, tone: 'neutral' };
  if (!mediaAvailable) return { key: 'stream.unavailable', params: {}, tone: 'neutral' };
  if (program?.state === 'stopped') return { key: 'stream.stopped', params: { reason: program.message || '—' }, tone: 'error' };
  if (!isOpen) return { key: 'stream.notOpen', params: {}, tone: 'neutral' };
  if (program?.state === 'restarting') return { key: 'stream.restarted', params: { reason: program.message || '—' }, tone: 'warning' };
  return { key: 'stream.running', params: {}, tone: 'ok' };
}

const CAMERA: Record<NonNullable<MediaPeer['camera']>, { key: MessageKey; tone: StreamTone }> = {
  connecting: { key: 'stream.camera.connecting', tone: 'neutral' },
  playing: { key: 'stream.camera.playing', tone: 'ok' },
  reconnecting: { key: 'stream.camera.reconnecting', tone: 'warning' },
};

/** Each hall camera the server pulls, by site name, with its state in words. */
export function cameraStatuses(peers: readonly MediaPeer[]): (StatusLine & { participantId: number; state: string })[] {
  return peers
    .filter((peer) => peer.site_id !== null && peer.camera !== undefined && peer.camera in CAMERA)
    .map((peer) => {
      const { key, tone } = CAMERA[peer.camera!];
      return { key, tone, params: { site: peer.name }, participantId: peer.participant_id, state: peer.camera! };
    })
    .sort((a, b) => a.params.site.localeCompare(b.params.site, 'vi'));
}

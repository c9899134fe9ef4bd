/* The live stream's and the hall cameras' state in the chair's words. */
import { describe, expect, it } from 'vitest';
import { cameraStatuses, streamStatus } from '../src/lib/stream-status';
import { translate } from '../src/lib/i18n';
import type { MediaPeer } from '../src/lib/media';

const base = { isPublic: true, isOpen: true, mediaAvailable: true, program: null };

describe('the live stream', () => {
  it('is on air for an open public sitting until the server reports trouble', () => {
    expect(streamStatus(base)).toMatchObject({ key: 'stream.running', tone: 'ok' });
    expect(translate('vi', streamStatus(base).key)).toBe('Đang phát trực tiếp cho người dân theo dõi.');
  });

  it('a restart goes on (a warning); a stop is an error that says why', () => {
    const restarted = streamStatus({ ...base, program: { state: 'restarting', message: 'encoder error', at: 1 } });
    expect(restarted).toMatchObject({ key: 'stream.restarted', tone: 'warning', params: { reason: 'encoder error' } });
    const stopped = streamStatus({ ...base, program: { state: 'stopped', message: 'disk full', at: 2 } });
    expect(stopped).toMatchObject({ key: 'stream.stopped', tone: 'error' });
    expect(translate('en', stopped.key, stopped.params)).toContain('stopped');
    expect(translate('en', stopped.key, stopped.params)).toContain('disk full');
    expect(translate('vi', stopped.key, stopped.params)).toContain('đã dừng');
    // No reason given: still a sentence.
    expect(streamStatus({ ...base, program: { state: 'stopped', message: '', at: 3 } }).params['reason']).toBe('—');
  });

  it('a sitting that is not public, not open, or a server without media has no stream', () => {
    expect(streamStatus({ ...base, isPublic: false }).key).toBe('stream.notPublic');
    expect(streamStatus({ ...base, isOpen: false }).key).toBe('stream.notOpen');
    expect(streamStatus({ ...base, mediaAvailable: false }).key).toBe('stream.unavailable');
    // A stop stays visible after the close, so the chair knows the public missed the end.
    expect(streamStatus({ ...base, isOpen: false, program: { state: 'stopped', message: 'x', at: 1 } }).key).toBe('stream.stopped');
  });
});

describe('hall cameras', () => {
  const peer = (over: Partial<MediaPeer>): MediaPeer => ({
    participant_id: 1,
    user_id: null,
    site_id: 1,
    name: 'Site',
    role: 'site',
    publishing: { audio: false, video: true },
    ...over,
  });

  it('lists only the cameras the server pulls, by site name, in plain words', () => {
    const lines = cameraStatuses([
      peer({ participant_id: 10, site_id: 2, name: 'Hội trường xã B', camera: 'playing' }),
      peer({ participant_id: 11, site_id: 1, name: 'Hội trường xã A', camera: 'reconnecting' }),
      peer({ participant_id: 12, site_id: 3, name: 'Phòng họp C' }), // a site joined by staff
      peer({ participant_id: 7, user_id: 7, site_id: null, name: 'Member', camera: 'playing' }), // never a person
      peer({ participant_id: 13, site_id: 4, name: 'D', camera: 'weird' as never }),
    ]);
    expect(lines.map((line) => [line.params['site'], line.state, line.tone])).toEqual([
      ['Hội trường xã A', 'reconnecting', 'warning'],
      ['Hội trường xã B', 'playing', 'ok'],
    ]);
    expect(translate('vi', lines[0]!.key, lines[0]!.params)).toBe('Hội trường xã A: mất tín hiệu camera hội trường, đang kết nối lại…');
    expect(translate('en', lines[1]!.key, lines[1]!.params)).toBe('Hội trường xã B: the hall camera is on.');
    const connecting = cameraStatuses([peer({ camera: 'connecting', name: 'X' })])[0]!;
    expect(translate('en', connecting.key, connecting.params)).toBe('X: connecting to the hall camera…');
  });
});

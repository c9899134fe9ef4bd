/* The secretariat's checks: sittings, corrections, written consultations and a member's answer;
 * the room's counters for their live events. */
import { describe, expect, it } from 'vitest';
import { answerProblem, consultationProblem, correctionProblem, sittingProblem } from '../src/lib/desk';
import { applyEvent, emptyRoom } from '../src/lib/room';
import { translate } from '../src/lib/i18n';

const NOW = Date.parse('2026-11-21T03:00:00Z');

describe('the secretariat\'s checks', () => {
  it('a sitting needs a name of at most 500 characters', () => {
    expect(sittingProblem('  ')).toEqual({ key: 'sittings.noTitle' });
    expect(sittingProblem('x'.repeat(501))).toEqual({ key: 'desk.tooLong', params: { max: 500 } });
    expect(sittingProblem('Phiên khai mạc')).toBeNull();
  });

  it('a correction needs its text', () => {
    expect(correctionProblem('')).toEqual({ key: 'corrections.noText' });
    expect(correctionProblem('x'.repeat(5001))?.key).toBe('desk.tooLong');
    expect(correctionProblem('Đính chính số liệu tại mục 2')).toBeNull();
  });

  it('a consultation needs a question and a deadline still to come', () => {
    expect(consultationProblem('', '2026-12-01T17:00:00+07:00', NOW)).toEqual({ key: 'consultation.noQuestion' });
    expect(consultationProblem('Ý kiến về dự thảo?', null, NOW)).toEqual({ key: 'consultation.noDeadline' });
    expect(consultationProblem('Ý kiến về dự thảo?', '2026-11-21T09:59:00+07:00', NOW)).toEqual({ key: 'consultation.deadlinePast' });
    expect(consultationProblem('Ý kiến về dự thảo?', '2026-12-01T17:00:00+07:00', NOW)).toBeNull();
  });

  it('an answer is a choice; "other" says what', () => {
    expect(answerProblem(null, '')).toEqual({ key: 'consultation.noChoice' });
    expect(answerProblem('other', ' ')).toEqual({ key: 'consultation.otherNeedsComment' });
    expect(answerProblem('agree', '')).toBeNull();
    expect(answerProblem('other', 'Đề nghị bổ sung nguồn kinh phí')).toBeNull();
    expect(translate('vi', 'consultation.otherNeedsComment')).toBe('Vui lòng ghi rõ ý kiến khác của bạn.');
  });
});

describe('the room follows the record and the consultations', () => {
  it('sittings, corrections and consultations ask the pages to read them again', () => {
    let state = emptyRoom();
    const event = (seq: number, kind: string) => ({ type: 'event' as const, meeting_id: 5, seq, kind, at: '', payload: {} });
    state = applyEvent(state, event(1, 'sitting.changed'));
    state = applyEvent(state, event(2, 'correction.added'));
    state = applyEvent(state, event(3, 'consultation.opened'));
    state = applyEvent(state, event(4, 'consultation.answered'));
    expect(state.recordVersion).toBe(2);
    expect(state.consultationsVersion).toBe(2);
    expect(state.lastSeq).toBe(4);
  });
});

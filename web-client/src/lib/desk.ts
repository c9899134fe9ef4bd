/*
 * The secretariat's checks before sending: a sitting (phiên họp) of a session, a dated
 * correction of a closed meeting (nothing of a closed meeting is edited, DOMAIN.md), a written
 * consultation (lấy ý kiến) with its deadline, and a member's answer. Each returns the message
 * key of the first problem, or null; the server checks again and has the last word.
 */
import type { ConsultationChoice } from './api';
import type { MessageKey } from './i18n';

export interface DeskProblem {
  key: MessageKey;
  params?: Record<string, string | number>;
}

export const MAX_SITTING_TITLE = 500;
export const MAX_CORRECTION = 5000;
export const MAX_QUESTION = 5000;
export const MAX_COMMENT = 5000;

export function sittingProblem(title: string): DeskProblem | null {
  if (title.trim() === '') return { key: 'sittings.noTitle' };
  if (title.trim().length > MAX_SITTING_TITLE) return { key: 'desk.tooLong', params: { max: MAX_SITTING_TITLE } };
  return null;
}

export function correctionProblem(text: string): DeskProblem | null {
  if (text.trim() === '') return { key: 'corrections.noText' };
  if (text.trim().length > MAX_CORRECTION) return { key: 'desk.tooLong', params: { max: MAX_CORRECTION } };
  return null;
}

/** A consultation's question and its deadline (an ISO time with its zone, or null when unreadable). */
export function consultationProblem(question: string, deadline: string | null, now: number): DeskProblem | null {
  if (question.trim() === '') return { key: 'consultation.noQuestion' };
  if (question.trim().length > MAX_QUESTION) return { key: 'desk.tooLong', params: { max: MAX_QUESTION } };
  if (deadline === null) return { key: 'consultation.noDeadline' };
  const when = Date.parse(deadline);
  if (Number.isNaN(when)) return { key: 'consultation.noDeadline' };
  if (when <= now) return { key: 'consultation.deadlinePast' };
  return null;
}

/** A member's answer: a choice, and a comment that "other" needs (the member says what). */
export function answerProblem(choice: ConsultationChoice | null, comment: string): DeskProblem | null {
  if (choice === null) return { key: 'consultation.noChoice' };
  if (choice === 'other' && comment.trim() === '') return { key: 'consultation.otherNeedsComment' };
  if (comment.trim().length > MAX_COMMENT) return { key: 'desk.tooLong', params: { max: MAX_COMMENT } };
  return null;
}

export const consultationChoiceKey: { readonly [choice in ConsultationChoice]: MessageKey } = {
  agree: 'consultation.choice.agree',
  disagree: 'consultation.choice.disagree',
  other: 'consultation.choice.other',
};

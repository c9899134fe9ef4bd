/* A person's notifications, and marking them read. */
import { type ClientClass } from './core';
import { ApiError, BAD_RESPONSE } from './errors';
import { id, isRecord } from './internal';

export interface Notification {
  id: number;
  kind: string;
  meeting_id: number | null;
  text: string;
  payload?: Record<string, unknown>;
  created_at: string;
  read_at?: string | null;
  read: boolean;
}

/** Notifications: mixed into ApiClient. */
export function withNotifications<Base extends ClientClass>(Base: Base) {
  return class NotificationsApi extends Base {
    async notifications(onlyUnread = false): Promise<{ notifications: Notification[]; unread: number }> {
      const answer = await this.request<{ notifications: Notification[]; unread: number }>('GET', onlyUnread ? '/notifications?unread=true' : '/notifications');
      if (!isRecord(answer) || !Array.isArray(answer.notifications)) throw new ApiError(200, BAD_RESPONSE, 'expected {notifications}');
      return answer;
    }

    async markNotificationRead(notificationId: number): Promise<void> {
      await this.request('POST', `/notifications/${id(notificationId)}/read`);
    }

    async markAllNotificationsRead(): Promise<number> {
      const answer = await this.request<{ marked: number }>('POST', '/notifications/read-all');
      return isRecord(answer) && typeof answer.marked === 'number' ? answer.marked : 0;
    }
  };
}

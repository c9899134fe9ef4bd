/*
 * The API client: the transport of core.ts with every concern's endpoints mixed in.
 */
import { ApiCore, type ApiClientOptions } from './core';
import { withDocuments } from './documents';
import { withFloor } from './floor';
import { withMeetings } from './meetings';
import { withNotifications } from './notifications';
import { withPublic } from './public';
import { withRecord } from './record';
import { withSession } from './session';
import { withVotes } from './votes';

export class ApiClient extends withNotifications(
  withRecord(withVotes(withFloor(withDocuments(withPublic(withMeetings(withSession(ApiCore))))))),
) {
  constructor(options: ApiClientOptions = {}) {
    super(options);
  }
}

/** The one client of the page. */
export const api = new ApiClient();

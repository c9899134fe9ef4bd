/* English: the same keys as vi.ts, which is the reference. */
import type { Catalogue } from '../i18n';

export const en: Catalogue = {
  'app.name': 'Meeting room',
  'app.loading': 'Loading…',
  'app.skipToMain': 'Skip to main content',

  'common.retry': 'Try again',

  'error.network': 'Cannot reach the server. Please check the network and try again.',
  'error.server': 'The server reported an error (code {status}). Please try again later.',
  'error.forbidden': 'You do not have permission to see this.',
  'error.notFound': 'What you asked for was not found.',
  'error.unexpected': 'Something went wrong. Please try again.',

  'header.user': 'User: {name}',
  'header.logout': 'Log out',
  'header.logoutFailed': 'Could not log out. Please check the connection and try again.',
  'header.language': 'Language',

  'language.vi': 'Tiếng Việt',
  'language.en': 'English',

  'login.title': 'Log in',
  'login.intro': "Log in to the meeting room of the People's Council and People's Committee.",
  'login.username': 'Username',
  'login.password': 'Password',
  'login.showPassword': 'Show password',
  'login.submit': 'Log in',
  'login.submitting': 'Logging in…',
  'login.missingFields': 'Please enter your username and password.',
  'login.invalidCredentials': 'The username or password is incorrect. Please try again.',
  'login.throttled': {
    plural: 'seconds',
    one: 'Too many failed attempts. Please try again in {seconds} second.',
    other: 'Too many failed attempts. Please try again in {seconds} seconds.',
  },
  'login.throttledNoTime': 'Too many failed attempts. Please try again in a few minutes.',
  'login.sessionEnded': 'Your session has ended. Please log in again.',

  'bodies.title': 'Choose a body',
  'bodies.intro': 'Choose a body to see its meetings.',
  'bodies.empty': 'Your account does not belong to any body yet. Please contact the secretariat.',
  'bodies.roles': 'Your roles: {roles}',

  'body.kind.council': "People's Council",
  'body.kind.committee': "People's Committee",
  'body.level.province': 'Province level',
  'body.level.district': 'District level',
  'body.level.commune': 'Commune level',

  'role.admin': 'Administrator',
  'role.secretariat': 'Secretariat',
  'role.chair': 'Chair',
  'role.memberOfCouncil': 'Deputy',
  'role.memberOfCommittee': 'Member',
  'role.guest': 'Guest',

  'meetings.upcoming': 'Upcoming meetings',
  'meetings.upcomingEmpty': 'No meetings are coming up.',
  'meetings.past': 'Past meetings ({count})',
  'meetings.otherBody': 'Choose another body',

  'meeting.kind.regular': 'Regular meeting',
  'meeting.kind.extraordinary': 'Extraordinary meeting',
  'meeting.kind.first_of_term': 'First session of the term',
  'meeting.kind.thematic': 'Thematic meeting',
  'meeting.kind.interpellation': 'Interpellation sitting',

  'meeting.status.draft': 'Draft',
  'meeting.status.scheduled': 'Scheduled',
  'meeting.status.open': 'In session',
  'meeting.status.closed': 'Closed',
  'meeting.status.archived': 'Archived',

  'meeting.field.kind': 'Type',
  'meeting.field.status': 'Status',
  'meeting.field.time': 'Time',
  'meeting.field.place': 'Place',
  'meeting.field.access': 'Access',
  'meeting.public': 'Public',
  'meeting.closedSitting': 'Closed sitting',
  'meeting.timeNotSet': 'Time not set yet',
  'meeting.placeNotSet': 'Place not set yet',
  'meeting.back': 'Back to the meetings',

  'agenda.title': 'Agenda',
  'agenda.empty': 'The agenda has not been published yet.',
  'agenda.presenter': 'Presented by {presenter}',
  'agenda.minutes': { plural: 'minutes', one: '{minutes} minute', other: '{minutes} minutes' },
  'agenda.closedItem': 'Closed item',

  'connection.connecting': 'Connecting to the server…',
  'connection.reconnecting': 'Connection to the server lost. Reconnecting…',
  'connection.retryIn': {
    plural: 'seconds',
    one: 'Next try in {seconds} second.',
    other: 'Next try in {seconds} seconds.',
  },
  'connection.retryNow': 'Reconnect now',
  'connection.restored': 'Connected to the server again.',

  'notFound.title': 'Page not found',
  'notFound.home': 'Go to the start page',

  'datetime.full': '{weekday} {date} at {time}',
};

/*
 * Vietnamese: the reference catalogue. Every key of the client is defined here first; en.ts must
 * have exactly the same keys (the compiler and tests/i18n.test.ts both check).
 * Placeholders are {name}; a message whose wording depends on a number is
 * { plural: 'param', one, other } (Vietnamese needs only `other`, but keeps the shape).
 */
export const vi = {
  'app.name': 'Phòng họp',
  'app.loading': 'Đang tải…',
  'app.skipToMain': 'Bỏ qua, đến nội dung chính',

  'common.retry': 'Thử lại',

  'error.network': 'Không kết nối được với máy chủ. Vui lòng kiểm tra mạng rồi thử lại.',
  'error.server': 'Máy chủ gặp lỗi (mã {status}). Vui lòng thử lại sau.',
  'error.forbidden': 'Bạn không có quyền xem nội dung này.',
  'error.notFound': 'Không tìm thấy nội dung yêu cầu.',
  'error.unexpected': 'Đã xảy ra lỗi không mong muốn. Vui lòng thử lại.',

  'header.user': 'Người dùng: {name}',
  'header.logout': 'Đăng xuất',
  'header.logoutFailed': 'Chưa đăng xuất được. Vui lòng kiểm tra kết nối rồi thử lại.',
  'header.language': 'Ngôn ngữ',

  'language.vi': 'Tiếng Việt',
  'language.en': 'English',

  'login.title': 'Đăng nhập',
  'login.intro': 'Đăng nhập để vào phòng họp của Hội đồng nhân dân và Ủy ban nhân dân.',
  'login.username': 'Tên đăng nhập',
  'login.password': 'Mật khẩu',
  'login.showPassword': 'Hiện mật khẩu',
  'login.submit': 'Đăng nhập',
  'login.submitting': 'Đang đăng nhập…',
  'login.missingFields': 'Vui lòng nhập tên đăng nhập và mật khẩu.',
  'login.invalidCredentials': 'Tên đăng nhập hoặc mật khẩu không đúng. Vui lòng nhập lại.',
  'login.throttled': {
    plural: 'seconds',
    one: 'Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau {seconds} giây.',
    other: 'Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau {seconds} giây.',
  },
  'login.throttledNoTime': 'Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút.',
  'login.sessionEnded': 'Phiên làm việc đã kết thúc. Vui lòng đăng nhập lại.',

  'bodies.title': 'Chọn cơ quan',
  'bodies.intro': 'Chọn cơ quan để xem các cuộc họp.',
  'bodies.empty': 'Tài khoản của bạn chưa thuộc cơ quan nào. Vui lòng liên hệ bộ phận văn phòng.',
  'bodies.roles': 'Vai trò của bạn: {roles}',

  'body.kind.council': 'Hội đồng nhân dân',
  'body.kind.committee': 'Ủy ban nhân dân',
  'body.level.province': 'Cấp tỉnh',
  'body.level.district': 'Cấp huyện',
  'body.level.commune': 'Cấp xã',

  'role.admin': 'Quản trị',
  'role.secretariat': 'Văn phòng',
  'role.chair': 'Chủ tọa',
  'role.memberOfCouncil': 'Đại biểu',
  'role.memberOfCommittee': 'Thành viên',
  'role.guest': 'Khách mời',

  'meetings.upcoming': 'Cuộc họp sắp tới',
  'meetings.upcomingEmpty': 'Chưa có cuộc họp nào sắp diễn ra.',
  'meetings.past': 'Cuộc họp đã qua ({count})',
  'meetings.otherBody': 'Chọn cơ quan khác',

  'meeting.kind.regular': 'Họp thường lệ',
  'meeting.kind.extraordinary': 'Họp bất thường',
  'meeting.kind.first_of_term': 'Kỳ họp thứ nhất',
  'meeting.kind.thematic': 'Họp chuyên đề',
  'meeting.kind.interpellation': 'Phiên chất vấn',

  'meeting.status.draft': 'Dự thảo',
  'meeting.status.scheduled': 'Đã lên lịch',
  'meeting.status.open': 'Đang họp',
  'meeting.status.closed': 'Đã kết thúc',
  'meeting.status.archived': 'Đã lưu trữ',

  'meeting.field.kind': 'Loại',
  'meeting.field.status': 'Trạng thái',
  'meeting.field.time': 'Thời gian',
  'meeting.field.place': 'Địa điểm',
  'meeting.field.access': 'Phạm vi',
  'meeting.public': 'Công khai',
  'meeting.closedSitting': 'Họp kín',
  'meeting.timeNotSet': 'Chưa định thời gian',
  'meeting.placeNotSet': 'Chưa có địa điểm',
  'meeting.back': 'Quay lại danh sách cuộc họp',

  'agenda.title': 'Chương trình',
  'agenda.empty': 'Chương trình chưa được công bố.',
  'agenda.presenter': 'Trình bày: {presenter}',
  'agenda.minutes': { plural: 'minutes', one: '{minutes} phút', other: '{minutes} phút' },
  'agenda.closedItem': 'Họp kín',

  'connection.connecting': 'Đang kết nối tới máy chủ…',
  'connection.reconnecting': 'Mất kết nối với máy chủ. Đang kết nối lại…',
  'connection.retryIn': { plural: 'seconds', one: 'Thử lại sau {seconds} giây.', other: 'Thử lại sau {seconds} giây.' },
  'connection.retryNow': 'Kết nối lại ngay',
  'connection.restored': 'Đã kết nối lại với máy chủ.',

  'notFound.title': 'Không tìm thấy trang',
  'notFound.home': 'Về trang đầu',

  'datetime.full': '{weekday}, {date}, lúc {time}',
} as const;

/* demo.c: the demo data of phonghop-admin load-demo.
 *
 * Everything is fictional: the province "Sơn Hà", its communes and every person's name are made
 * up from common Vietnamese family, middle and given names. It loads a provincial council of 50
 * members (its chair and vice-chair among them), a commune council, the provincial committee,
 * three sites (halls) of the provincial council, and one upcoming thematic session with an
 * agenda and invitations (with their notifications) to every member and the secretariat. Every
 * demo login shares one password. Loading twice changes nothing.
 */
#include "admin.h"

#include "api/api-meetings.h"
#include "auth/auth.h"

#include <stdio.h>

#define DEMO_PASSWORD      "phonghop-demo"
#define PROVINCE_COUNCIL   "Hội đồng nhân dân tỉnh Sơn Hà"
#define COMMUNE_COUNCIL    "Hội đồng nhân dân xã Tân Phú"
#define PROVINCE_COMMITTEE "Ủy ban nhân dân tỉnh Sơn Hà"

static const char *const family[] = {"Nguyễn", "Trần", "Lê",    "Phạm", "Hoàng", "Huỳnh",
                                     "Phan",   "Vũ",   "Võ",    "Đặng", "Bùi",   "Đỗ",
                                     "Hồ",     "Ngô",  "Dương", "Lý"};
static const char *const middle[] = {"Văn",  "Thị",  "Minh", "Thanh", "Hữu",
                                     "Ngọc", "Quốc", "Đức",  "Thu",   "Hồng"};
static const char *const given[] = {"An",   "Bình", "Cường", "Dũng",  "Giang",  "Hà",   "Hải",
                                    "Hạnh", "Hoa",  "Hùng",  "Hương", "Khánh",  "Lan",  "Long",
                                    "Mai",  "Nam",  "Nga",   "Phúc",  "Phương", "Quân", "Sơn",
                                    "Tâm",  "Thảo", "Trang", "Tuấn",  "Vân",    "Việt", "Yến"};

/* The n-th fictional name; distinct for the first few hundred n. */
static char *demo_name(guint n)
{
    return g_strdup_printf("%s %s %s", family[(n * 7) % G_N_ELEMENTS(family)],
                           middle[(n * 3) % G_N_ELEMENTS(middle)], given[n % G_N_ELEMENTS(given)]);
}

static gint64 insert_id(DbConn *conn, const char *sql, guint n, const char *const *p,
                        GError **error)
{
    g_autoptr(DbRows) r = db_conn_exec(conn, sql, n, p, error);
    if (!r)
        return 0;
    return db_rows_get_int64(r, 0, 0);
}

static gint64 body(DbConn *conn, const char *name, const char *kind, const char *level,
                   GError **error)
{
    const char *p[] = {name, kind, level};
    return insert_id(conn,
                     "INSERT INTO bodies (name, kind, level) VALUES ($1, $2, $3) RETURNING id", 3,
                     p, error);
}

static gboolean person(DbConn *conn, gint64 body_id, const char *username, const char *name,
                       const char *title, const char *hash, guint roles, gboolean sysadmin,
                       GError **error)
{
    gint64 id = admin_upsert_user(conn, username, name, title, hash, sysadmin, error);
    return id && admin_grant_roles(conn, body_id, id, roles, error);
}

int admin_cmd_load_demo(Admin *a, int argc, char **argv)
{
    g_autofree char *password = NULL;
    GOptionEntry e[] = {
        {"password", 0, 0, G_OPTION_ARG_STRING, &password, "Password of every demo login", "P"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) oc = g_option_context_new("");
    g_option_context_add_main_entries(oc, e, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &error)) {
        g_printerr("phonghop-admin: load-demo: %s\n", error->message);
        return 2;
    }
    if (!password)
        password = g_strdup(DEMO_PASSWORD);
    DbConn *conn = admin_get_conn(a);
    g_autofree char *hash = NULL;

    const char *pn[] = {PROVINCE_COUNCIL};
    g_autoptr(DbRows) exists =
        db_conn_exec(conn, "SELECT 1 FROM bodies WHERE name = $1", 1, pn, &error);
    if (!exists)
        goto fail;
    if (db_rows_count(exists)) {
        printf("demo data already loaded\n");
        return 0;
    }
    hash = auth_password_hash(password, &error);
    if (!hash)
        goto fail;

    gint64 council = body(conn, PROVINCE_COUNCIL, "council", "province", &error);
    gint64 commune = council ? body(conn, COMMUNE_COUNCIL, "council", "commune", &error) : 0;
    gint64 committee =
        commune ? body(conn, PROVINCE_COMMITTEE, "committee", "province", &error) : 0;
    if (!committee)
        goto fail;

    const guint M = AUTH_ROLE_MEMBER, C = AUTH_ROLE_CHAIR;
    if (!person(conn, council, "quantri", "Quản trị hệ thống", "Quản trị viên", hash,
                AUTH_ROLE_ADMIN, TRUE, &error) ||
        !person(conn, council, "vanphong", "Lê Thị Thu Hà",
                "Chuyên viên Văn phòng Đoàn ĐBQH và HĐND tỉnh", hash, AUTH_ROLE_SECRETARIAT, FALSE,
                &error) ||
        !person(conn, council, "chutich", "Nguyễn Văn Thành", "Chủ tịch HĐND tỉnh", hash, C | M,
                FALSE, &error) ||
        !person(conn, council, "khachmoi", "Phạm Quốc Khánh", "Giám đốc Sở Tài chính (khách mời)",
                hash, AUTH_ROLE_GUEST, FALSE, &error))
        goto fail;
    /* 49 more members make 50 with the chair; the first is the vice-chair. */
    for (guint i = 1; i <= 49; i++) {
        g_autofree char *username = g_strdup_printf("daibieu%02u", i);
        g_autofree char *name = demo_name(i);
        const char *title = i == 1 ? "Phó Chủ tịch HĐND tỉnh" : "Đại biểu HĐND tỉnh";
        if (!person(conn, council, username, name, title, hash, i == 1 ? C | M : M, FALSE, &error))
            goto fail;
    }
    for (guint i = 1; i <= 15; i++) {
        g_autofree char *username = g_strdup_printf("xa%02u", i);
        g_autofree char *name = demo_name(100 + i);
        const char *title = i == 1 ? "Chủ tịch HĐND xã" : "Đại biểu HĐND xã";
        if (!person(conn, commune, username, name, title, hash, i == 1 ? C | M : M, FALSE, &error))
            goto fail;
    }
    if (!person(conn, commune, "vanphong", "Lê Thị Thu Hà", "", hash, AUTH_ROLE_SECRETARIAT, FALSE,
                &error))
        goto fail;
    for (guint i = 1; i <= 9; i++) {
        g_autofree char *username = g_strdup_printf("uyvien%02u", i);
        g_autofree char *name = demo_name(200 + i);
        const char *title = i == 1 ? "Chủ tịch UBND tỉnh" : "Ủy viên UBND tỉnh";
        if (!person(conn, committee, username, name, title, hash, i == 1 ? C | M : M, FALSE,
                    &error))
            goto fail;
    }

    char cid[24];
    g_snprintf(cid, sizeof(cid), "%" G_GINT64_FORMAT, council);
    const char *sp[] = {cid};
    if (!db_conn_run(conn,
                     "INSERT INTO sites (body_id, name, kind) VALUES "
                     "($1, 'Hội trường chính - Trụ sở HĐND tỉnh', 'main_hall'), "
                     "($1, 'Điểm cầu khu vực Đông Sơn', 'remote_hall'), "
                     "($1, 'Điểm cầu xã Tân Phú', 'remote_hall')",
                     1, sp, &error))
        goto fail;
    gint64 meeting = insert_id(
        conn,
        "INSERT INTO meetings (body_id, title, kind, status, starts_at, location, is_public) "
        "VALUES ($1, 'Kỳ họp thứ Năm (chuyên đề) - HĐND tỉnh Sơn Hà khóa XI', 'thematic', "
        "'scheduled', date_trunc('day', now()) + interval '3 days 1 hour', "
        "'Hội trường chính - Trụ sở HĐND tỉnh', true) RETURNING id",
        1, sp, &error);
    if (!meeting)
        goto fail;
    char mid[24];
    g_snprintf(mid, sizeof(mid), "%" G_GINT64_FORMAT, meeting);
    const char *mp[] = {mid};
    if (!db_conn_run(
            conn,
            "INSERT INTO agenda_items (meeting_id, position, title, presenter, planned_minutes) "
            "VALUES "
            "($1, 1, 'Khai mạc kỳ họp', 'Chủ tịch HĐND tỉnh', 15), "
            "($1, 2, 'Tờ trình về dự thảo Nghị quyết quy định mức chi hỗ trợ cán bộ không "
            "chuyên trách ở cấp xã', 'Ủy ban nhân dân tỉnh', 20), "
            "($1, 3, 'Báo cáo thẩm tra của Ban Pháp chế HĐND tỉnh', 'Trưởng Ban Pháp chế', 15), "
            "($1, 4, 'Thảo luận tại hội trường', 'Các đại biểu HĐND tỉnh', 60), "
            "($1, 5, 'Biểu quyết thông qua Nghị quyết', 'Chủ tọa kỳ họp', 10), "
            "($1, 6, 'Bế mạc kỳ họp', 'Chủ tịch HĐND tỉnh', 10)",
            1, mp, &error))
        goto fail;
    /* The session is scheduled, so its invitations are out: every member and the secretariat
     * has one, and a notification of it. */
    if (!db_conn_run(conn,
                     "INSERT INTO invitations (meeting_id, kind, user_id) "
                     "SELECT m.id, CASE WHEN bool_or(s.role = 'member') THEN 'member' "
                     "                  ELSE 'staff' END, s.user_id "
                     "FROM meetings m JOIN memberships s ON s.body_id = m.body_id "
                     "  AND s.role IN ('member', 'secretariat') "
                     "WHERE m.id = $1 GROUP BY m.id, s.user_id ORDER BY s.user_id",
                     1, mp, &error) ||
        !mtg_notify_invitees(conn, meeting, "invitation", NULL, 0, &error))
        goto fail;

    printf("demo data loaded: %s (50 members), %s (15 members), %s (9 members), 3 sites, "
           "meeting %s with 51 invitations\n",
           PROVINCE_COUNCIL, COMMUNE_COUNCIL, PROVINCE_COMMITTEE, mid);
    return 0;

fail:
    g_printerr("phonghop-admin: load-demo: %s\n", error ? error->message : "failed");
    return 1;
}

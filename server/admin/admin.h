/* admin.h: what the commands of phonghop-admin share. */
#pragma once

#include "db.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct Admin Admin;

DbConn *admin_get_conn(Admin *a);
/* Creates the user, or returns the id of the existing one of that name. 0 with error. */
gint64 admin_upsert_user(DbConn *conn, const char *username, const char *full_name,
                         const char *title, const char *hash, gboolean system_admin,
                         GError **error);
gboolean admin_grant_roles(DbConn *conn, gint64 body_id, gint64 user_id, guint roles,
                           GError **error);

/* load-demo [--password P] */
int admin_cmd_load_demo(Admin *a, int argc, char **argv);
/* verify-journal MEETING */
int admin_cmd_verify_journal(Admin *a, int argc, char **argv);

G_END_DECLS

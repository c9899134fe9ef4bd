/* replay.c: runs a fuzz target over its corpus without libFuzzer, so every build checks that
 * the seeds (and every crash input ever added to them) still pass. Arguments are files or
 * directories; directories are read in name order. Exits 1 when no input was found, so a
 * missing corpus is noticed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static guint replay_file(const char *path)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *contents = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &contents, &len, &error)) {
        g_printerr("replay: %s\n", error->message);
        exit(1);
    }
    LLVMFuzzerTestOneInput((const uint8_t *)contents, len);
    g_print("replayed %s (%zu bytes)\n", path, len);
    return 1;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

static guint replay_dir(const char *dir_path)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, &error);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    guint n = 0, i;

    if (dir == NULL) {
        g_printerr("replay: %s\n", error->message);
        exit(1);
    }
    while ((name = g_dir_read_name(dir)) != NULL)
        g_ptr_array_add(names, g_build_filename(dir_path, name, NULL));
    g_ptr_array_sort(names, compare_names);
    for (i = 0; i < names->len; i++) {
        const char *path = g_ptr_array_index(names, i);

        if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
            n += replay_file(path);
    }
    return n;
}

int main(int argc, char **argv)
{
    guint n = 0;
    int i;

    for (i = 1; i < argc; i++) {
        if (g_file_test(argv[i], G_FILE_TEST_IS_DIR))
            n += replay_dir(argv[i]);
        else
            n += replay_file(argv[i]);
    }
    if (n == 0) {
        g_printerr("replay: no inputs\n");
        return 1;
    }
    g_print("%u inputs replayed\n", n);
    return 0;
}

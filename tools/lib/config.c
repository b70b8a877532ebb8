// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * autonumad.conf: a [daemon] group and one [vm NAME] group per plain QEMU
 * instance.  Strict: a typo must not silently leave a default in place.
 */
#include <string.h>

#include "config.h"

static void config_vm_free(gpointer p)
{
	ConfigVm *vm = p;

	g_free(vm->name);
	g_free(vm->qmp);
	g_free(vm);
}

Config *config_new(void)
{
	Config *c = g_new0(Config, 1);

	c->period_ms = 1000;
	c->anti_thrash_ms = 10000;
	c->min_faults = 32;
	c->overcommit = 1.0;
	c->qmp_timeout_ms = 2000;
	c->placement = TRUE;
	c->libvirt_uri = g_strdup("qemu:///system");
	c->control_socket = g_strdup("/run/autonumad/control.sock");
	c->vms = g_ptr_array_new_with_free_func(config_vm_free);
	return c;
}

void config_free(Config *c)
{
	if (!c)
		return;
	g_free(c->libvirt_uri);
	g_free(c->control_socket);
	g_free(c->metrics_textfile);
	g_ptr_array_unref(c->vms);
	g_free(c);
}

typedef struct {
	GKeyFile *kf;
	const char *path;
	const char *group;
} Ctx;

static gboolean fail(const Ctx *x, const char *key, GError **error,
		     const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static gboolean fail(const Ctx *x, const char *key, GError **error,
		     const char *fmt, ...)
{
	g_autofree char *what = NULL;
	va_list ap;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
		    "%s: [%s] %s: %s", x->path, x->group, key, what);
	return FALSE;
}

static gboolean get_uint(const Ctx *x, const char *key, guint64 min,
			 guint64 max, guint *out, GError **error)
{
	g_autofree char *s = g_key_file_get_value(x->kf, x->group, key, NULL);
	guint64 v;

	if (!s)
		return TRUE;
	g_strstrip(s);
	if (!g_ascii_string_to_unsigned(s, 10, min, max, &v, NULL))
		return fail(x, key, error, "must be a whole number from %" G_GUINT64_FORMAT
			    " to %" G_GUINT64_FORMAT ", not \"%s\"", min, max, s);
	*out = v;
	return TRUE;
}

static gboolean get_bool(const Ctx *x, const char *key, gboolean *out,
			 GError **error)
{
	g_autoptr(GError) err = NULL;
	gboolean v;

	if (!g_key_file_has_key(x->kf, x->group, key, NULL))
		return TRUE;
	v = g_key_file_get_boolean(x->kf, x->group, key, &err);
	if (err)
		return fail(x, key, error, "must be true or false");
	*out = v;
	return TRUE;
}

static gboolean get_string(const Ctx *x, const char *key, char **out,
			   GError **error)
{
	char *s = g_key_file_get_string(x->kf, x->group, key, NULL);

	if (!s)
		return TRUE;
	g_free(*out);
	*out = *g_strstrip(s) ? s : (g_free(s), NULL);
	return TRUE;
}

static gboolean check_keys(const Ctx *x, const char *const *known,
			   GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys(x->kf, x->group, NULL, NULL);

	for (int i = 0; keys && keys[i]; i++)
		if (!g_strv_contains(known, keys[i]))
			return fail(x, keys[i], error, "unknown key");
	return TRUE;
}

static gboolean parse_daemon(const Ctx *x, Config *c, GError **error)
{
	static const char *const known[] = {
		"period", "anti-thrash-interval", "min-faults", "overcommit",
		"qmp-timeout", "placement", "libvirt-uri", "control-socket",
		"metrics-textfile", NULL
	};
	g_autofree char *oc = NULL;

	if (!check_keys(x, known, error) ||
	    !get_uint(x, "period", 100, 60000, &c->period_ms, error) ||
	    !get_uint(x, "anti-thrash-interval", 0, 3600000, &c->anti_thrash_ms,
		      error) ||
	    !get_uint(x, "min-faults", 0, G_MAXUINT32, &c->min_faults, error) ||
	    !get_uint(x, "qmp-timeout", 100, 60000, &c->qmp_timeout_ms, error) ||
	    !get_bool(x, "placement", &c->placement, error) ||
	    !get_string(x, "libvirt-uri", &c->libvirt_uri, error) ||
	    !get_string(x, "control-socket", &c->control_socket, error) ||
	    !get_string(x, "metrics-textfile", &c->metrics_textfile, error))
		return FALSE;
	if (!c->control_socket)
		return fail(x, "control-socket", error, "must not be empty");
	oc = g_key_file_get_value(x->kf, x->group, "overcommit", NULL);
	if (oc) {
		char *end;
		double v = g_ascii_strtod(g_strstrip(oc), &end);

		if (*end || end == oc || !(v >= 1.0 && v <= 16.0))
			return fail(x, "overcommit", error,
				    "must be a number from 1.0 to 16.0, not \"%s\"", oc);
		c->overcommit = v;
	}
	return TRUE;
}

static gboolean parse_vm(const Ctx *x, const char *name, Config *c,
			 GError **error)
{
	static const char *const known[] = {
		"qmp", "enabled", "placement", "scan-period-min",
		"scan-period-max", "scan-window", "hint-percent",
		"migrate-rate", "free-watermark", NULL
	};
	ConfigVm *vm;
	AutonumaSettings s = { .enabled = TRUE, .placement = TRUE };
	g_autofree char *qmp = NULL;

	if (!*name)
		return fail(x, "", error, "a [vm NAME] group needs a name");
	if (!check_keys(x, known, error) ||
	    !get_string(x, "qmp", &qmp, error) ||
	    !get_bool(x, "enabled", &s.enabled, error) ||
	    !get_bool(x, "placement", &s.placement, error))
		return FALSE;
	if (!qmp)
		return fail(x, "qmp", error, "the QMP socket path is required");
	for (int t = 0; t < AUTONUMA_NR_TUNABLES; t++) {
		const char *key = autonuma_tunable_name(t);
		g_autofree char *v = g_key_file_get_value(x->kf, x->group, key, NULL);
		g_autoptr(GError) err = NULL;
		guint64 n;

		if (!v)
			continue;
		if (!g_ascii_string_to_unsigned(g_strstrip(v), 10, 0, G_MAXUINT32,
						&n, NULL))
			return fail(x, key, error, "must be a whole number, not \"%s\"", v);
		if (!autonuma_tunable_check(t, n, &err))
			return fail(x, key, error, "%s", err->message);
		s.has[t] = TRUE;
		s.value[t] = n;
	}
	if (s.has[AUTONUMA_SCAN_PERIOD_MIN] && s.has[AUTONUMA_SCAN_PERIOD_MAX] &&
	    s.value[AUTONUMA_SCAN_PERIOD_MIN] > s.value[AUTONUMA_SCAN_PERIOD_MAX])
		return fail(x, "scan-period-min", error,
			    "must not be above scan-period-max");
	vm = g_new0(ConfigVm, 1);
	vm->name = g_strdup(name);
	vm->qmp = g_steal_pointer(&qmp);
	vm->settings = s;
	g_ptr_array_add(c->vms, vm);
	return TRUE;
}

Config *config_parse(const char *path, const char *data, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(Config) c = config_new();
	g_autoptr(GError) err = NULL;
	g_auto(GStrv) groups = NULL;

	if (!g_key_file_load_from_data(kf, data, -1, G_KEY_FILE_NONE, &err)) {
		g_set_error(error, G_KEY_FILE_ERROR, err->code, "%s: %s", path,
			    err->message);
		return NULL;
	}
	groups = g_key_file_get_groups(kf, NULL);
	for (int i = 0; groups[i]; i++) {
		Ctx x = { kf, path, groups[i] };

		if (!strcmp(groups[i], "daemon")) {
			if (!parse_daemon(&x, c, error))
				return NULL;
		} else if (g_str_has_prefix(groups[i], "vm ")) {
			if (!parse_vm(&x, groups[i] + 3, c, error))
				return NULL;
		} else {
			g_set_error(error, G_KEY_FILE_ERROR,
				    G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
				    "%s: [%s]: unknown group (expected [daemon] or [vm NAME])",
				    path, groups[i]);
			return NULL;
		}
	}
	return g_steal_pointer(&c);
}

Config *config_load(const char *path, GError **error)
{
	g_autofree char *data = NULL;

	if (!g_file_get_contents(path, &data, NULL, error))
		return NULL;
	return config_parse(path, data, error);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * autonumad's configuration file and the libvirt metadata element: what
 * they accept, and that bad input is refused with an error that says where
 * and what, leaving nothing half-applied.
 */
#include <glib.h>
#include <string.h>

#include "config.h"
#include "metadata.h"

static void test_config_defaults(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(Config) c = config_parse("t.conf", "", &error);

	g_assert_no_error(error);
	g_assert_cmpuint(c->period_ms, ==, 1000);
	g_assert_cmpuint(c->anti_thrash_ms, ==, 10000);
	g_assert_cmpfloat(c->overcommit, ==, 1.0);
	g_assert_true(c->placement);
	g_assert_cmpstr(c->libvirt_uri, ==, "qemu:///system");
	g_assert_null(c->metrics_textfile);
	g_assert_cmpuint(c->vms->len, ==, 0);
}

static void test_config_full(void)
{
	static const char text[] =
		"# a comment\n"
		"[daemon]\n"
		"period=500\n"
		"anti-thrash-interval=0\n"
		"overcommit=1.5\n"
		"libvirt-uri=\n"
		"metrics-textfile=/var/lib/node_exporter/autonuma.prom\n"
		"placement=false\n"
		"[vm db1]\n"
		"qmp=/run/db1.qmp\n"
		"hint-percent=50\n"
		"scan-period-min=200\n"
		"[vm web]\n"
		"qmp=/run/web.qmp\n"
		"enabled=false\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(Config) c = config_parse("t.conf", text, &error);
	ConfigVm *vm;

	g_assert_no_error(error);
	g_assert_cmpuint(c->period_ms, ==, 500);
	g_assert_cmpuint(c->anti_thrash_ms, ==, 0);
	g_assert_cmpfloat(c->overcommit, ==, 1.5);
	g_assert_null(c->libvirt_uri);
	g_assert_false(c->placement);
	g_assert_cmpstr(c->metrics_textfile, ==, "/var/lib/node_exporter/autonuma.prom");
	g_assert_cmpuint(c->vms->len, ==, 2);
	vm = c->vms->pdata[0];
	g_assert_cmpstr(vm->name, ==, "db1");
	g_assert_cmpstr(vm->qmp, ==, "/run/db1.qmp");
	g_assert_true(vm->settings.enabled);
	g_assert_true(vm->settings.has[AUTONUMA_HINT_PERCENT]);
	g_assert_cmpuint(vm->settings.value[AUTONUMA_HINT_PERCENT], ==, 50);
	g_assert_cmpuint(vm->settings.value[AUTONUMA_SCAN_PERIOD_MIN], ==, 200);
	g_assert_false(vm->settings.has[AUTONUMA_SCAN_WINDOW]);
	vm = c->vms->pdata[1];
	g_assert_false(vm->settings.enabled);
}

static void test_config_bad(void)
{
	static const struct {
		const char *text, *message;
	} cases[] = {
		{ "[daemon]\nperiod=5\n",
		  "t.conf: [daemon] period: must be a whole number from 100 to 60000, not \"5\"" },
		{ "[daemon]\nperiod=1s\n", "[daemon] period: must be a whole number" },
		{ "[daemon]\nperoid=500\n", "t.conf: [daemon] peroid: unknown key" },
		{ "[daemon]\novercommit=0.5\n", "[daemon] overcommit: must be a number from 1.0 to 16.0" },
		{ "[daemon]\nplacement=maybe\n", "[daemon] placement: must be true or false" },
		{ "[daemon]\ncontrol-socket=\n", "[daemon] control-socket: must not be empty" },
		{ "[vm a]\nenabled=true\n", "t.conf: [vm a] qmp: the QMP socket path is required" },
		{ "[vm a]\nqmp=/x\nhint-percent=101\n",
		  "[vm a] hint-percent: hint-percent must be 0 to 100, not 101" },
		{ "[vm a]\nqmp=/x\nscan-period-min=900\nscan-period-max=800\n",
		  "[vm a] scan-period-min: must not be above scan-period-max" },
		{ "[vms]\n", "t.conf: [vms]: unknown group" },
		{ "period=5\n", "t.conf: " },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(Config) c = config_parse("t.conf", cases[i].text, &error);

		if (c)
			g_error("case %u accepted", i);
		g_assert_nonnull(error);
		if (!strstr(error->message, cases[i].message))
			g_error("case %u: \"%s\" lacks \"%s\"", i, error->message,
				cases[i].message);
	}
}

static void test_metadata_parse(void)
{
	g_autoptr(GError) error = NULL;
	AutonumaSettings s;

	/* As virDomainGetMetadata() returns it: its own prefix. */
	g_assert_true(autonuma_settings_parse(
		"<autonuma:autonuma xmlns:autonuma=\"urn:kvm-autonuma:libvirt:1.0\" "
		"state=\"on\" scan-period-min=\"500\" hint-percent=\"40\"/>", &s, &error));
	g_assert_no_error(error);
	g_assert_true(s.enabled);
	g_assert_true(s.placement);
	g_assert_cmpuint(s.value[AUTONUMA_SCAN_PERIOD_MIN], ==, 500);
	g_assert_cmpuint(s.value[AUTONUMA_HINT_PERCENT], ==, 40);
	g_assert_false(s.has[AUTONUMA_MIGRATE_RATE]);

	/* Any prefix, or the default namespace. */
	g_assert_true(autonuma_settings_parse(
		"<an:autonuma xmlns:an=\"urn:kvm-autonuma:libvirt:1.0\" state=\"off\" placement=\"off\"></an:autonuma>",
		&s, &error));
	g_assert_false(s.enabled);
	g_assert_false(s.placement);
	g_assert_true(autonuma_settings_parse(
		"<autonuma xmlns=\"urn:kvm-autonuma:libvirt:1.0\" state=\"on\"/>", &s, &error));
	g_assert_no_error(error);
	/* As libvirt 9.0 returns it: no namespace at all. */
	g_assert_true(autonuma_settings_parse("<autonuma state=\"on\" placement=\"off\"/>",
					      &s, &error));
	g_assert_no_error(error);
	g_assert_false(s.placement);
}

static void test_metadata_roundtrip(void)
{
	AutonumaSettings s = { .enabled = TRUE, .placement = FALSE }, t;
	g_autofree char *xml = NULL;
	g_autoptr(GError) error = NULL;

	s.has[AUTONUMA_FREE_WATERMARK] = TRUE;
	s.value[AUTONUMA_FREE_WATERMARK] = 256;
	xml = autonuma_settings_format(&s);
	g_assert_true(autonuma_settings_parse(xml, &t, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(&s, sizeof(s), &t, sizeof(t));
}

static void test_metadata_bad(void)
{
	static const struct {
		const char *xml, *message;
	} cases[] = {
		{ "<autonuma:autonuma xmlns:autonuma=\"urn:kvm-autonuma:libvirt:1.0\" state=\"maybe\"/>",
		  "state must be \"on\" or \"off\", not \"maybe\"" },
		{ "<autonuma:autonuma xmlns:autonuma=\"urn:kvm-autonuma:libvirt:1.0\" state=\"on\" speed=\"9\"/>",
		  "unknown attribute \"speed\"" },
		{ "<autonuma:autonuma xmlns:autonuma=\"urn:kvm-autonuma:libvirt:1.0\" state=\"on\" hint-percent=\"101\"/>",
		  "hint-percent must be 0 to 100, not 101" },
		{ "<autonuma:autonuma xmlns:autonuma=\"urn:kvm-autonuma:libvirt:1.0\" state=\"on\" scan-window=\"x\"/>",
		  "scan-window must be a number" },
		{ "<autonuma:autonuma xmlns:autonuma=\"urn:kvm-autonuma:libvirt:1.0\" state=\"on\" scan-period-min=\"900\" scan-period-max=\"800\"/>",
		  "scan-period-min 900 is above scan-period-max 800" },
		{ "<autonuma:autonuma xmlns:autonuma=\"urn:kvm-autonuma:libvirt:1.0\"/>",
		  "attribute \"state\" (on or off) is required" },
		{ "<autonuma:autonuma xmlns:autonuma=\"urn:other\" state=\"on\"/>",
		  "expected <autonuma> in namespace urn:kvm-autonuma:libvirt:1.0" },
		{ "<autonuma xmlns=\"urn:other\" state=\"on\"/>",
		  "expected <autonuma> in namespace" },
		{ "<x:autonuma state=\"on\"/>", "expected <autonuma> in namespace" },
		{ "<numa state=\"on\"/>", "found <numa>" },
		{ "<autonuma:autonuma xmlns:autonuma=\"urn:kvm-autonuma:libvirt:1.0\" state=\"on\"><x/></autonuma:autonuma>",
		  "has no child elements" },
		{ "<autonuma:autonuma state=\"on\"", "bad <autonuma:autonuma> metadata" },
		{ "", "bad <autonuma:autonuma> metadata: " },
		{ "<!-- nothing -->", "no <autonuma:autonuma> element" },
	};
	AutonumaSettings s = { .enabled = TRUE }, before = s;

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;

		g_assert_false(autonuma_settings_parse(cases[i].xml, &s, &error));
		g_assert_nonnull(error);
		if (!strstr(error->message, cases[i].message))
			g_error("case %u: \"%s\" lacks \"%s\"", i, error->message,
				cases[i].message);
		g_assert_cmpmem(&s, sizeof(s), &before, sizeof(before));
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/defaults", test_config_defaults);
	g_test_add_func("/config/full", test_config_full);
	g_test_add_func("/config/bad", test_config_bad);
	g_test_add_func("/metadata/parse", test_metadata_parse);
	g_test_add_func("/metadata/roundtrip", test_metadata_roundtrip);
	g_test_add_func("/metadata/bad", test_metadata_bad);
	return g_test_run();
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* autonumactl metrics: autonumad's metrics in Prometheus text format. */
#include <stdio.h>
#include <string.h>

#include "autonumactl.h"

int cmd_metrics(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) reply = NULL;
	const char *text;

	if (!ctl_parse_options(&argc, &argv, "metrics", NULL))
		return EXIT_USAGE;
	if (argc > 1)
		return ctl_usage("metrics: unexpected argument \"%s\"", argv[1]);
	reply = ctl_call("metrics", &error);
	if (!reply) {
		ctl_error("%s", error->message);
		return EXIT_RUNTIME;
	}
	if (!JSON_NODE_HOLDS_VALUE(reply) ||
	    json_node_get_value_type(reply) != G_TYPE_STRING) {
		ctl_error("autonumad's metrics are not a JSON string");
		return EXIT_RUNTIME;
	}
	if (ctl_opts.json) {
		ctl_print_json(reply, TRUE);
		return EXIT_OK;
	}
	text = json_node_get_string(reply);
	fputs(text, stdout);
	if (*text && text[strlen(text) - 1] != '\n')
		putchar('\n');
	return EXIT_OK;
}

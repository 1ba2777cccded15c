/*
 * The offline vector extension (dbharness): pgvector's settings (hnsw.*, ivfflat.*) and its
 * indexes' storage options (m, ef_construction, lists), with pgvector's defaults and ranges, so
 * SET, SHOW and CREATE INDEX ... WITH (...) accept and refuse what they do on the platform.
 *
 * The indexes here search exactly (index.c), so most of these only need to be valid:
 * hnsw.ef_search bounds how many rows one hnsw scan returns unless hnsw.iterative_scan is on,
 * as pgvector's scan does; the others change nothing in the results.
 */
#include "vector.h"

#include <limits.h>

#include "access/reloptions.h"
#include "index.h"
#include "utils/guc.h"

static int	ef_search = 40;
static int	hnsw_iterative = 0;
static int	max_scan_tuples = 20000;
static double scan_mem_multiplier = 1;
static int	probes = 1;
static int	ivfflat_iterative = 0;
static int	max_probes = IVFFLAT_MAX_LISTS;

relopt_kind hnsw_options_kind;
relopt_kind ivfflat_options_kind;

static const struct config_enum_entry hnsw_iterative_modes[] = {
	{"off", 0, false},
	{"relaxed_order", 1, false},
	{"strict_order", 2, false},
	{NULL, 0, false}
};

static const struct config_enum_entry ivfflat_iterative_modes[] = {
	{"off", 0, false},
	{"relaxed_order", 1, false},
	{NULL, 0, false}
};

static void
define_storage_options(void)
{
	hnsw_options_kind = add_reloption_kind();
	add_int_reloption(hnsw_options_kind, "m", "Connections per element and layer (hnsw)",
					  HNSW_DEFAULT_M, 2, 100, AccessExclusiveLock);
	add_int_reloption(hnsw_options_kind, "ef_construction",
					  "Candidates kept while the graph is built (hnsw)",
					  HNSW_DEFAULT_EF_CONSTRUCTION, 4, 1000, AccessExclusiveLock);
	ivfflat_options_kind = add_reloption_kind();
	add_int_reloption(ivfflat_options_kind, "lists", "Inverted lists (ivfflat)",
					  100, 1, IVFFLAT_MAX_LISTS, AccessExclusiveLock);
}

void
define_settings(void)
{
	define_storage_options();
	DefineCustomIntVariable("hnsw.ef_search", "Candidates kept while an hnsw index is searched.",
							"Valid range is 1..1000.", &ef_search, 40, 1, 1000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("hnsw.iterative_scan",
							 "Whether an hnsw scan goes on past hnsw.ef_search rows.", NULL,
							 &hnsw_iterative, 0, hnsw_iterative_modes, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("hnsw.max_scan_tuples",
							"Rows an iterative hnsw scan visits at most.", NULL,
							&max_scan_tuples, 20000, 1, INT_MAX, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("hnsw.scan_mem_multiplier",
							 "Memory of an iterative hnsw scan, as a multiple of work_mem.", NULL,
							 &scan_mem_multiplier, 1, 1, 1000, PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("hnsw");
	DefineCustomIntVariable("ivfflat.probes", "Lists an ivfflat scan reads.",
							"Valid range is 1..lists.", &probes, 1, 1, IVFFLAT_MAX_LISTS,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("ivfflat.iterative_scan",
							 "Whether an ivfflat scan reads more lists until it has enough rows.",
							 NULL, &ivfflat_iterative, 0, ivfflat_iterative_modes, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("ivfflat.max_probes", "Lists an iterative ivfflat scan reads at most.",
							NULL, &max_probes, IVFFLAT_MAX_LISTS, 1, IVFFLAT_MAX_LISTS,
							PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("ivfflat");
}

/* How many rows one hnsw scan returns at most: ef_search, more when the scan is iterative. */
int
hnsw_scan_limit(void)
{
	return hnsw_iterative == 0 ? ef_search : Max(ef_search, max_scan_tuples);
}

bytea *
hnsw_options(Datum reloptions, bool validate)
{
	static const relopt_parse_elt fields[] = {
		{"m", RELOPT_TYPE_INT, offsetof(HnswOptions, m)},
		{"ef_construction", RELOPT_TYPE_INT, offsetof(HnswOptions, ef_construction)},
	};

	return (bytea *) build_reloptions(reloptions, validate, hnsw_options_kind,
									  sizeof(HnswOptions), fields, lengthof(fields));
}

bytea *
ivfflat_options(Datum reloptions, bool validate)
{
	static const relopt_parse_elt fields[] = {
		{"lists", RELOPT_TYPE_INT, offsetof(IvfflatOptions, lists)},
	};

	return (bytea *) build_reloptions(reloptions, validate, ivfflat_options_kind,
									  sizeof(IvfflatOptions), fields, lengthof(fields));
}

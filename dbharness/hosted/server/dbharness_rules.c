/*
 * dbharness_rules: the Supabase platform's allowances for its privileged role, inside the server.
 *
 * On Supabase, migrations and the SQL editor run as postgres, which is not a superuser. A utility
 * hook (supautils) lets that role do a few superuser-only things: create, update, move and drop
 * the extensions of an allow-list; create, alter, drop and comment on policies, and drop
 * triggers, on the auth, storage and realtime tables it does not own; set a few superuser-only
 * settings (pgrst.*, session_replication_role, ...), on itself or on roles; create publications
 * (FOR ALL TABLES too) and event triggers, which it then owns. An event trigger owned by a role
 * that is not a superuser never runs for a superuser (it would run its owner's code with the
 * superuser's rights), and a superuser's runs only for its own. This module does the same on the
 * harness's local servers, with the platform's lists as its defaults, so a statement behaves the
 * same at top level, in a DO block, in a function and in a procedure.
 *
 * It also does two things for the harness: a CREATE EXTENSION of an extension the project
 * declared stubbed (dbharness_rules.stub_extensions) is skipped with a WARNING that says so, and
 * after an allow-listed extension is created, pg_catalog.dbharness_after_create(name) runs as the
 * superuser when it exists (the platform's after-create scripts; see objects/09_after_create.sql).
 *
 * Loaded with shared_preload_libraries = 'dbharness_rules'. Superusers are never affected.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parse_func.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include <unistd.h>

PG_MODULE_MAGIC;

void _PG_init(void);

static ProcessUtility_hook_type previous_hook = NULL;
static needs_fmgr_hook_type previous_needs_fmgr_hook = NULL;
static fmgr_hook_type previous_fmgr_hook = NULL;

static char *privileged_role = NULL;
static char *acting_superuser = NULL;
static char *privileged_extensions = NULL;
static char *policy_grants = NULL;
static char *drop_trigger_grants = NULL;
static char *allowed_configs = NULL;
static char *schema_overrides = NULL;
static char *stub_extensions = NULL;

#define GRANTED_TABLES                                                                         \
	"auth.audit_log_entries, auth.identities, auth.refresh_tokens, auth.sessions, auth.users, " \
	"realtime.messages, storage.buckets, storage.migrations, storage.objects, "                \
	"storage.s3_multipart_uploads, storage.s3_multipart_uploads_parts"

/* The comma-separated items of a setting's value (NIL for none, or for one that does not split). */
static List *
items_of(const char *list)
{
	List	   *items = NIL;

	if (list == NULL || list[0] == '\0' || !SplitIdentifierString(pstrdup(list), ',', &items))
		return NIL;
	return items;
}

/* True when name is one of the comma-separated items of list; an item ending in * is a prefix. */
static bool
listed(const char *name, const char *list)
{
	ListCell   *lc;

	if (name == NULL)
		return false;
	foreach(lc, items_of(list))
	{
		const char *item = (const char *) lfirst(lc);
		size_t		len = strlen(item);

		if (len > 1 && item[len - 1] == '*' ? strncmp(name, item, len - 1) == 0
			: strcmp(name, item) == 0)
			return true;
	}
	return false;
}

/* True for the privileged role (or a role with its privileges) that is not a superuser. */
static bool
acting_for_privileged_role(void)
{
	Oid			role;

	if (!IsTransactionState() || superuser() || privileged_role == NULL)
		return false;
	role = get_role_oid(privileged_role, true);
	return OidIsValid(role) && has_privs_of_role(GetUserId(), role);
}

/* The schema-qualified name of the table a policy or trigger statement names, or NULL. */
static char *
table_name(RangeVar *relation)
{
	Oid			relid = RangeVarGetRelid(relation, NoLock, true);
	char	   *nspname;
	char	   *relname;

	if (!OidIsValid(relid))
		return NULL;
	nspname = get_namespace_name(get_rel_namespace(relid));
	relname = get_rel_name(relid);
	if (nspname == NULL || relname == NULL)
		return NULL;
	return psprintf("%s.%s", nspname, relname);
}

static bool
granted(RangeVar *relation, const char *grants)
{
	char	   *name = table_name(relation);

	return name != NULL && listed(name, grants);
}

/* The table of a DROP/COMMENT on a policy or trigger: every name but the last. */
static RangeVar *
owning_table(List *object)
{
	return makeRangeVarFromNameList(list_truncate(list_copy(object), list_length(object) - 1));
}

static bool
extension_available(const char *name)
{
	char		sharepath[MAXPGPATH];
	char	   *path;
	bool		found;

	get_share_path(my_exec_path, sharepath);
	path = psprintf("%s/extension/%s.control", sharepath, name);
	found = access(path, F_OK) == 0;

	pfree(path);
	return found;
}

static bool
privileged_extension(const char *name)
{
	return listed(name, privileged_extensions) && extension_available(name);
}

static bool
all_privileged(List *names)
{
	ListCell   *lc;

	foreach(lc, names)
	{
		if (!privileged_extension(strVal(lfirst(lc))))
			return false;
	}
	return names != NIL;
}

static void
run_previous(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
			 ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *queryEnv,
			 DestReceiver *dest, QueryCompletion *qc)
{
	if (previous_hook)
		previous_hook(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv,
								dest, qc);
}

/* Run pg_catalog.dbharness_after_create(name) when it exists (the caller is the superuser). */
static void
after_create(const char *extname)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "dbharness_rules: SPI_connect failed");
	if (SPI_execute("select 1 from pg_catalog.pg_proc where proname = 'dbharness_after_create' "
					"and pronamespace = 'pg_catalog'::regnamespace", true, 1) == SPI_OK_SELECT
		&& SPI_processed > 0)
	{
		values[0] = CStringGetTextDatum(extname);
		SPI_execute_with_args("select pg_catalog.dbharness_after_create($1)", 1, argtypes, values,
							  NULL, false, 0);
	}
	SPI_finish();
}

/* The schema an extension is always created in on the platform (pg_cron: pg_catalog), or NULL. */
static char *
forced_schema(const char *extname)
{
	ListCell   *lc;

	foreach(lc, items_of(schema_overrides))
	{
		char	   *item = (char *) lfirst(lc);
		char	   *colon = strchr(item, ':');

		if (colon != NULL && strncmp(item, extname, colon - item) == 0
			&& strlen(extname) == (size_t) (colon - item))
			return colon + 1;
	}
	return NULL;
}

/* A copy of pstmt whose CREATE EXTENSION names the forced schema in place of any other. */
static PlannedStmt *
with_forced_schema(PlannedStmt *pstmt, const char *schema)
{
	PlannedStmt *copy = copyObject(pstmt);
	CreateExtensionStmt *stmt = (CreateExtensionStmt *) copy->utilityStmt;
	List	   *options = NIL;
	ListCell   *lc;

	foreach(lc, stmt->options)
	{
		DefElem    *opt = (DefElem *) lfirst(lc);

		if (strcmp(opt->defname, "schema") != 0)
			options = lappend(options, opt);
	}
	stmt->options = lappend(options, makeDefElem("schema", (Node *) makeString(pstrdup(schema)), -1));
	return copy;
}

/* The owner of the function names (no arguments: an event trigger's). */
static Oid
function_owner(List *names)
{
	Oid			fn = LookupFuncName(names, 0, NULL, false);
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "dbharness_rules: cache lookup failed for function %u", fn);
	owner = ((Form_pg_proc) GETSTRUCT(tuple))->proowner;
	ReleaseSysCache(tuple);
	return owner;
}

/* An event trigger the privileged role makes runs its own code: never a superuser's function. */
static void
check_event_trigger_function(List *names)
{
	if (superuser_arg(function_owner(names)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("an event trigger of %s must execute a function %s owns, not a superuser's",
						GetUserNameFromId(GetUserId(), false),
						GetUserNameFromId(GetUserId(), false)),
				 errdetail("Function %s is owned by a superuser.", NameListToString(names))));
}

/* Hand what the statement created to the user (run as the superuser, via SPI). */
static void
hand_over(Node *node, Oid user)
{
	const char *role = quote_identifier(GetUserNameFromId(user, false));
	char	   *sql;

	if (IsA(node, CreatePublicationStmt))
		sql = psprintf("alter publication %s owner to %s",
					   quote_identifier(((CreatePublicationStmt *) node)->pubname), role);
	else
		/* only a superuser may own an event trigger: the user is one for this statement */
		sql = psprintf("alter role %s superuser; alter event trigger %s owner to %s; "
					   "alter role %s nosuperuser", role,
					   quote_identifier(((CreateEventTrigStmt *) node)->trigname), role, role);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "dbharness_rules: SPI_connect failed");
	SPI_execute(sql, false, 0);
	SPI_finish();
}

/* What the statement needs from the platform's rules. */
typedef enum Allowance
{
	AS_IS,						/* run it as the user */
	AS_SUPERUSER,				/* run it as the superuser */
	NEW_EXTENSION,				/* as the superuser, then the after-create step */
	NEW_OWNED,					/* as the superuser, then handed to the user */
	STUBBED						/* skip it, and say so */
} Allowance;

static Allowance
allowance(Node *node)
{
	switch (nodeTag(node))
	{
		case T_CreateExtensionStmt:
			{
				CreateExtensionStmt *stmt = (CreateExtensionStmt *) node;

				return privileged_extension(stmt->extname) ? NEW_EXTENSION : AS_IS;
			}
		case T_AlterExtensionStmt:
			return privileged_extension(((AlterExtensionStmt *) node)->extname) ? AS_SUPERUSER : AS_IS;
		case T_AlterObjectSchemaStmt:
			{
				AlterObjectSchemaStmt *stmt = (AlterObjectSchemaStmt *) node;

				if (stmt->objectType == OBJECT_EXTENSION
					&& privileged_extension(strVal(stmt->object)))
					return AS_SUPERUSER;
				return AS_IS;
			}
		case T_CreatePolicyStmt:
			return granted(((CreatePolicyStmt *) node)->table, policy_grants) ? AS_SUPERUSER : AS_IS;
		case T_AlterPolicyStmt:
			return granted(((AlterPolicyStmt *) node)->table, policy_grants) ? AS_SUPERUSER : AS_IS;
		case T_CommentStmt:
			{
				CommentStmt *stmt = (CommentStmt *) node;

				if (stmt->objtype == OBJECT_POLICY
					&& granted(owning_table(castNode(List, stmt->object)), policy_grants))
					return AS_SUPERUSER;
				return AS_IS;
			}
		case T_DropStmt:
			{
				DropStmt   *stmt = (DropStmt *) node;

				if (stmt->removeType == OBJECT_EXTENSION)
					return all_privileged(stmt->objects) ? AS_SUPERUSER : AS_IS;
				if (stmt->removeType == OBJECT_POLICY && list_length(stmt->objects) == 1)
					return granted(owning_table(linitial(stmt->objects)), policy_grants)
						? AS_SUPERUSER : AS_IS;
				if (stmt->removeType == OBJECT_TRIGGER && list_length(stmt->objects) == 1)
					return granted(owning_table(linitial(stmt->objects)), drop_trigger_grants)
						? AS_SUPERUSER : AS_IS;
				return AS_IS;
			}
		case T_CreatePublicationStmt:
			return NEW_OWNED;
		case T_CreateEventTrigStmt:
			check_event_trigger_function(((CreateEventTrigStmt *) node)->funcname);
			return NEW_OWNED;
		case T_AlterRoleSetStmt:
			{
				VariableSetStmt *set = ((AlterRoleSetStmt *) node)->setstmt;

				return set->name && listed(set->name, allowed_configs) ? AS_SUPERUSER : AS_IS;
			}
		case T_VariableSetStmt:
			{
				VariableSetStmt *set = (VariableSetStmt *) node;

				return set->name && listed(set->name, allowed_configs) ? AS_SUPERUSER : AS_IS;
			}
		default:
			return AS_IS;
	}
}

static void
dbharness_rules_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
						ProcessUtilityContext context, ParamListInfo params,
						QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Allowance	allowed = AS_IS;
	Oid			saved_user;
	int			saved_context;
	Oid			superuser_id;

	if (IsTransactionState() && !superuser() && IsA(pstmt->utilityStmt, CreateExtensionStmt)
		&& listed(((CreateExtensionStmt *) pstmt->utilityStmt)->extname, stub_extensions))
		allowed = STUBBED;
	else if (acting_for_privileged_role())
		allowed = allowance(pstmt->utilityStmt);
	if (allowed == STUBBED)
	{
		ereport(WARNING,
				(errmsg("create extension %s skipped: stubbed",
						((CreateExtensionStmt *) pstmt->utilityStmt)->extname),
				 errhint("stub_extensions in [tool.dbharness] declares it")));
		return;
	}
	if (allowed == AS_IS)
	{
		run_previous(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		return;
	}
	if (allowed == NEW_EXTENSION)
	{
		char	   *schema = forced_schema(((CreateExtensionStmt *) pstmt->utilityStmt)->extname);

		if (schema != NULL)
		{
			pstmt = with_forced_schema(pstmt, schema);
			readOnlyTree = false;
		}
	}
	superuser_id = acting_superuser ? get_role_oid(acting_superuser, true) : InvalidOid;
	if (!OidIsValid(superuser_id))
		superuser_id = BOOTSTRAP_SUPERUSERID;
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(superuser_id, saved_context | SECURITY_LOCAL_USERID_CHANGE
						   | SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		run_previous(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		if (allowed == NEW_EXTENSION)
			after_create(((CreateExtensionStmt *) pstmt->utilityStmt)->extname);
		if (allowed == NEW_OWNED)
			hand_over(pstmt->utilityStmt, saved_user);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(saved_user, saved_context);
	}
	PG_END_TRY();
}

/* Called in place of an event trigger function that must not run for this user. */
static Datum
skipped_event_trigger(PG_FUNCTION_ARGS)
{
	PG_RETURN_VOID();
}

static bool
dbharness_rules_needs_fmgr_hook(Oid fn)
{
	if (previous_needs_fmgr_hook && previous_needs_fmgr_hook(fn))
		return true;
	return get_func_rettype(fn) == EVENT_TRIGGEROID;
}

/*
 * Before an event trigger function runs: for a superuser (the session's, when the function is a
 * security definer), skip it unless a superuser owns it and that superuser is the one running.
 */
static void
dbharness_rules_fmgr_hook(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	if (event == FHET_START && get_func_rettype(flinfo->fn_oid) == EVENT_TRIGGEROID)
	{
		HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(flinfo->fn_oid));

		if (HeapTupleIsValid(tuple))
		{
			Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tuple);
			Oid			runner = proc->prosecdef ? GetOuterUserId() : GetUserId();

			if (superuser_arg(runner) && (!superuser_arg(proc->proowner) || runner != proc->proowner))
			{
				flinfo->fn_addr = skipped_event_trigger;
				flinfo->fn_nargs = 0;
				flinfo->fn_strict = false;
				flinfo->fn_retset = false;
				flinfo->fn_extra = NULL;
				flinfo->fn_expr = NULL;
			}
			ReleaseSysCache(tuple);
		}
	}
	if (previous_fmgr_hook)
		previous_fmgr_hook(event, flinfo, private);
}

static void
define_list(const char *name, const char *description, char **variable, const char *value,
			GucContext context)
{
	DefineCustomStringVariable(name, description, NULL, variable, value, context, 0,
							   NULL, NULL, NULL);
}

void
_PG_init(void)
{
	define_list("dbharness_rules.privileged_role",
				"The role the platform's allowances are for (supautils.privileged_role).",
				&privileged_role, "postgres", PGC_SIGHUP);
	define_list("dbharness_rules.superuser",
				"The superuser allowed statements run as (supautils.privileged_extensions_superuser).",
				&acting_superuser, "supabase_admin", PGC_SIGHUP);
	define_list("dbharness_rules.privileged_extensions",
				"Extensions the privileged role may create, update, move and drop.",
				&privileged_extensions,
				"address_standardizer, address_standardizer_data_us, autoinc, bloom, btree_gin, "
				"btree_gist, citext, cube, dblink, dict_int, dict_xsyn, earthdistance, "
				"fuzzystrmatch, hstore, http, hypopg, index_advisor, insert_username, intarray, "
				"isn, ltree, moddatetime, orioledb, pg_cron, pg_graphql, pg_hashids, "
				"pg_jsonschema, pg_net, pg_partman, pg_repack, pg_stat_monitor, "
				"pg_stat_statements, pg_tle, pg_trgm, pg_walinspect, pgaudit, pgcrypto, pgjwt, "
				"pg_prewarm, pgmq, pgroonga, pgroonga_database, pgrouting, pgrowlocks, "
				"pgstattuple, pgsodium, pgtap, plcoffee, pljava, plls, plpgsql, plpgsql_check, "
				"plv8, postgis, postgis_raster, postgis_sfcgal, postgis_tiger_geocoder, "
				"postgis_topology, postgres_fdw, refint, rum, seg, sslinfo, supabase_vault, "
				"supautils, tablefunc, tcn, timescaledb, tsm_system_rows, tsm_system_time, "
				"unaccent, uuid-ossp, vector, wrappers",
				PGC_SIGHUP);
	define_list("dbharness_rules.policy_grants",
				"Tables (schema.table) whose policies the privileged role may manage.",
				&policy_grants, GRANTED_TABLES, PGC_SIGHUP);
	define_list("dbharness_rules.drop_trigger_grants",
				"Tables (schema.table) whose triggers the privileged role may drop.",
				&drop_trigger_grants, GRANTED_TABLES, PGC_SIGHUP);
	define_list("dbharness_rules.allowed_configs",
				"Superuser-only settings the privileged role may set (a trailing * is a prefix).",
				&allowed_configs,
				"auto_explain.log_min_duration, auto_explain.log_nested_statements, "
				"log_lock_waits, log_min_messages, pg_net.batch_size, pg_net.ttl, pgaudit.log, "
				"pgaudit.log_catalog, pgaudit.log_client, pgaudit.log_level, "
				"pgaudit.log_relation, pgaudit.log_rows, pgaudit.log_statement, "
				"pgaudit.log_statement_once, pgaudit.role, pgrst.*, plan_filter.*, "
				"safeupdate.enabled, session_replication_role, track_io_timing",
				PGC_SIGHUP);
	define_list("dbharness_rules.extension_schemas",
				"extension:schema pairs: the schema an extension is always created in.",
				&schema_overrides, "pg_cron:pg_catalog", PGC_SIGHUP);
	define_list("dbharness_rules.stub_extensions",
				"Extensions whose CREATE EXTENSION is skipped with a warning (the project's stubs).",
				&stub_extensions, "", PGC_SUSET);
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("dbharness_rules");
#else
	EmitWarningsOnPlaceholders("dbharness_rules");
#endif

	previous_hook = ProcessUtility_hook;
	ProcessUtility_hook = dbharness_rules_utility;
	previous_needs_fmgr_hook = needs_fmgr_hook;
	needs_fmgr_hook = dbharness_rules_needs_fmgr_hook;
	previous_fmgr_hook = fmgr_hook;
	fmgr_hook = dbharness_rules_fmgr_hook;
}

/*
 * The offline vector extension (dbharness): the hnsw and ivfflat access methods' handlers,
 * build, insert, VACUUM and cost. See index.h for what a flat index is.
 *
 * Which rows are indexed follows pgvector: NULL values are not, nor (for the cosine operator
 * classes) values of norm 0, so an index scan leaves those rows out as on the platform.
 */
#include "index.h"

#include <math.h>

#include "access/generic_xlog.h"
#include "access/tableam.h"
#include "catalog/pg_type.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "commands/defrem.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"

static const FlatTypeInfo vector_info = {"vector", 2000, 2000, 0};
static const FlatTypeInfo halfvec_info = {"halfvec", 4000, 4000, 0};
static const FlatTypeInfo bit_info = {"bit", 64000, 64000, 0};
static const FlatTypeInfo sparsevec_info = {"sparsevec", SPARSEVEC_MAX_DIM, 0, 1000};

/* The type support functions of the operator classes: each says what its type is. */
#define TYPE_SUPPORT(fn, info) \
	DBH_FUNCTION(fn); \
	Datum fn(PG_FUNCTION_ARGS) { PG_RETURN_POINTER(&(info)); }

TYPE_SUPPORT(hnsw_halfvec_support, halfvec_info)
TYPE_SUPPORT(hnsw_bit_support, bit_info)
TYPE_SUPPORT(hnsw_sparsevec_support, sparsevec_info)
TYPE_SUPPORT(ivfflat_halfvec_support, halfvec_info)
TYPE_SUPPORT(ivfflat_bit_support, bit_info)

static const FlatTypeInfo *
type_info(Relation index, FlatKind kind)
{
	uint16		procnum = kind == KIND_HNSW ? HNSW_TYPE_PROC : IVFFLAT_TYPE_PROC;

	if (!OidIsValid(index_getprocid(index, 1, procnum)))
		return &vector_info;
	return (const FlatTypeInfo *) DatumGetPointer(
		FunctionCall1(index_getprocinfo(index, 1, procnum), PointerGetDatum(NULL)));
}

/* What CREATE INDEX checks before it reads a row, with pgvector's messages. */
static int
checked_dimensions(FlatKind kind, Relation index)
{
	Form_pg_attribute column = TupleDescAttr(RelationGetDescr(index), 0);
	const FlatTypeInfo *info = type_info(index, kind);
	int			max = kind == KIND_HNSW ? info->hnsw_max_dims : info->ivfflat_max_dims;

	if (column->atttypid == VARBITOID)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("type not supported for %s index", flat_kind_name(kind))));
	if (column->atttypmod < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("column does not have dimensions")));
	if (column->atttypmod > max)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("column cannot have more than %d dimensions for %s index",
							   max, flat_kind_name(kind))));
	return column->atttypmod;
}

static void
check_build_options(FlatKind kind, Relation index, int dimensions)
{
	if (kind == KIND_HNSW)
	{
		HnswOptions *opts = (HnswOptions *) index->rd_options;
		int			m = opts ? opts->m : HNSW_DEFAULT_M;
		int			ef = opts ? opts->ef_construction : HNSW_DEFAULT_EF_CONSTRUCTION;

		if (ef / 2 < m)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("ef_construction must be greater than or equal to 2 * m")));
	}
	else if (OidIsValid(index_getprocid(index, 1, IVFFLAT_KMEANS_NORM_PROC)) && dimensions == 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("dimensions must be greater than one for this opclass")));
}

/* The index tuple for a row's value, or NULL for a value pgvector does not index. */
static IndexTuple
index_tuple(FlatKind kind, Relation index, Datum value, bool isnull, ItemPointer tid)
{
	const FlatTypeInfo *info = type_info(index, kind);
	IndexTuple	tuple;

	if (isnull)
		return NULL;
	if (OidIsValid(index_getprocid(index, 1, NORM_PROC)))
	{
		double		norm = DatumGetFloat8(FunctionCall1Coll(index_getprocinfo(index, 1, NORM_PROC),
															index->rd_indcollation[0], value));

		if (norm == 0 || isnan(norm))
			return NULL;
	}
	if (kind == KIND_HNSW && info->hnsw_max_nnz > 0
		&& DatumGetSparseVector(value)->nnz > info->hnsw_max_nnz)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("sparsevec cannot have more than %d non-zero elements for hnsw index",
							   info->hnsw_max_nnz)));
	tuple = index_form_tuple(RelationGetDescr(index), &value, &isnull);
	tuple->t_tid = *tid;
	if (MAXALIGN(IndexTupleSize(tuple)) > flat_max_tuple_size())
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("index row size %zu exceeds maximum %zu for index \"%s\"",
							   (Size) IndexTupleSize(tuple), flat_max_tuple_size(),
							   RelationGetRelationName(index))));
	return tuple;
}

typedef struct BuildState
{
	FlatKind	kind;
	double		indexed;
	MemoryContext tmp;
} BuildState;

static void
build_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull, bool alive, void *arg)
{
	BuildState *state = (BuildState *) arg;
	MemoryContext old = MemoryContextSwitchTo(state->tmp);
	IndexTuple	tuple = index_tuple(state->kind, index, values[0], isnull[0], tid);

	if (tuple != NULL)
	{
		flat_add_tuple(index, tuple);
		state->indexed += 1;
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(state->tmp);
}

IndexBuildResult *
flat_build(FlatKind kind, Relation heap, Relation index, IndexInfo *info)
{
	int			dimensions = checked_dimensions(kind, index);
	BuildState	state = {kind, 0, NULL};
	IndexBuildResult *result = palloc0(sizeof(IndexBuildResult));

	check_build_options(kind, index, dimensions);
	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
	flat_write_meta(index, MAIN_FORKNUM, dimensions, kind);
	state.tmp = AllocSetContextCreate(CurrentMemoryContext, "flat index build",
									  ALLOCSET_DEFAULT_SIZES);
	result->heap_tuples = table_index_build_scan(heap, index, info, true, true, build_callback,
												 &state, NULL);
	result->index_tuples = state.indexed;
	MemoryContextDelete(state.tmp);
	return result;
}

void
flat_buildempty(Relation index)
{
	FlatKind	kind = strcmp(get_am_name(index->rd_rel->relam), "hnsw") == 0 ? KIND_HNSW : KIND_IVFFLAT;

	flat_write_meta(index, INIT_FORKNUM, TupleDescAttr(RelationGetDescr(index), 0)->atttypmod, kind);
}

bool
flat_insert(FlatKind kind, Relation index, Datum *values, bool *isnull, ItemPointer tid)
{
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "flat index insert",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(tmp);
	IndexTuple	tuple = index_tuple(kind, index, values[0], isnull[0], tid);

	if (tuple != NULL)
		flat_add_tuple(index, tuple);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	return false;
}

/* Remove one page's tuples of dead rows; count what stays. */
static void
vacuum_page(IndexVacuumInfo *info, BlockNumber blkno, IndexBulkDeleteResult *stats,
			IndexBulkDeleteCallback callback, void *callback_state)
{
	Buffer		buf = ReadBufferExtended(info->index, MAIN_FORKNUM, blkno, RBM_NORMAL, info->strategy);
	Page		page;
	OffsetNumber dead[MaxIndexTuplesPerPage];
	int			ndead = 0;
	OffsetNumber max;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	max = PageIsNew(page) ? InvalidOffsetNumber : PageGetMaxOffsetNumber(page);
	for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off))
	{
		IndexTuple	tuple = (IndexTuple) PageGetItem(page, PageGetItemId(page, off));

		if (callback != NULL && callback(&tuple->t_tid, callback_state))
			dead[ndead++] = off;
		else
			stats->num_index_tuples += 1;
	}
	if (ndead > 0)
	{
		GenericXLogState *state = GenericXLogStart(info->index);

		PageIndexMultiDelete(GenericXLogRegisterBuffer(state, buf, 0), dead, ndead);
		GenericXLogFinish(state);
		stats->tuples_removed += ndead;
	}
	if (!PageIsNew(page))
		RecordPageWithFreeSpace(info->index, blkno, PageGetFreeSpace(page));
	UnlockReleaseBuffer(buf);
}

static IndexBulkDeleteResult *
vacuum_pages(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			 IndexBulkDeleteCallback callback, void *callback_state)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(info->index);

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	stats->num_index_tuples = 0;
	for (BlockNumber blkno = FLAT_META_BLOCK + 1; blkno < nblocks; blkno++)
	{
		vacuum_delay_point();
		vacuum_page(info, blkno, stats, callback, callback_state);
	}
	stats->num_pages = nblocks;
	stats->estimated_count = false;
	return stats;
}

IndexBulkDeleteResult *
flat_bulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
				IndexBulkDeleteCallback callback, void *callback_state)
{
	return vacuum_pages(info, stats, callback, callback_state);
}

/* After VACUUM (or with nothing to delete): count the tuples, share the freed space. */
IndexBulkDeleteResult *
flat_vacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	if (info->analyze_only)
		return stats;
	if (stats == NULL)
		stats = vacuum_pages(info, NULL, NULL, NULL);
	FreeSpaceMapVacuum(info->index);
	return stats;
}

/*
 * A scan reads the whole index in block order before its first row: the cost of a sequential
 * read of its pages, all of it before the first row. Without an ORDER BY it is never chosen.
 */
void
flat_costestimate(PlannerInfo *root, IndexPath *path, double loop_count, Cost *startup,
				  Cost *total, Selectivity *selectivity, double *correlation, double *pages)
{
	GenericCosts costs;
	double		random_page_cost;
	double		seq_page_cost;

	if (path->indexorderbys == NIL)
	{
		*startup = *total = get_float8_infinity();
		*selectivity = 0;
		*correlation = 0;
		*pages = 0;
		return;
	}
	MemSet(&costs, 0, sizeof(costs));
	genericcostestimate(root, path, loop_count, &costs);
	get_tablespace_page_costs(path->indexinfo->reltablespace, &random_page_cost, &seq_page_cost);
	costs.indexTotalCost -= costs.numIndexPages * (random_page_cost - seq_page_cost);
	*startup = costs.indexTotalCost;
	*total = costs.indexTotalCost;
	*selectivity = costs.indexSelectivity;
	*correlation = costs.indexCorrelation;
	*pages = costs.numIndexPages;
}

static bool
flat_validate(Oid opclassoid)
{
	return true;
}

static IndexAmRoutine *
routine(FlatKind kind)
{
	IndexAmRoutine *am = makeNode(IndexAmRoutine);

	am->amstrategies = 0;
	am->amsupport = kind == KIND_HNSW ? HNSW_TYPE_PROC : IVFFLAT_TYPE_PROC;
	am->amoptsprocnum = 0;
	am->amcanorder = false;
	am->amcanorderbyop = true;
	am->amcanbackward = false;
	am->amcanunique = false;
	am->amcanmulticol = false;
	am->amoptionalkey = true;
	am->amsearcharray = false;
	am->amsearchnulls = false;
	am->amstorage = false;
	am->amclusterable = false;
	am->ampredlocks = false;
	am->amcanparallel = false;
	am->amcaninclude = false;
	am->amusemaintenanceworkmem = false;
	am->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	am->amkeytype = InvalidOid;
	am->ambuildempty = flat_buildempty;
	am->ambulkdelete = flat_bulkdelete;
	am->amvacuumcleanup = flat_vacuumcleanup;
	am->amcostestimate = flat_costestimate;
	am->amoptions = kind == KIND_HNSW ? hnsw_options : ivfflat_options;
	am->amvalidate = flat_validate;
	am->amrescan = flat_rescan;
	am->amgettuple = flat_gettuple;
	am->amendscan = flat_endscan;
	return am;
}

#define KIND_CALLBACKS(prefix, kind) \
	static IndexBuildResult * \
	prefix##_build(Relation heap, Relation index, IndexInfo *info) \
	{ \
		return flat_build(kind, heap, index, info); \
	} \
	static bool \
	prefix##_insert(Relation index, Datum *values, bool *isnull, ItemPointer tid, Relation heap, \
					IndexUniqueCheck unique, bool unchanged, IndexInfo *info) \
	{ \
		return flat_insert(kind, index, values, isnull, tid); \
	} \
	static IndexScanDesc \
	prefix##_beginscan(Relation index, int nkeys, int norderbys) \
	{ \
		return flat_beginscan(kind, index, nkeys, norderbys); \
	}

KIND_CALLBACKS(hnsw, KIND_HNSW)
KIND_CALLBACKS(ivfflat, KIND_IVFFLAT)

DBH_FUNCTION(hnswhandler);
Datum
hnswhandler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *am = routine(KIND_HNSW);

	am->ambuild = hnsw_build;
	am->aminsert = hnsw_insert;
	am->ambeginscan = hnsw_beginscan;
	PG_RETURN_POINTER(am);
}

DBH_FUNCTION(ivfflathandler);
Datum
ivfflathandler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *am = routine(KIND_IVFFLAT);

	am->ambuild = ivfflat_build;
	am->aminsert = ivfflat_insert;
	am->ambeginscan = ivfflat_beginscan;
	PG_RETURN_POINTER(am);
}

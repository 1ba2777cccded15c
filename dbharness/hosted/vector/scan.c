/*
 * The offline vector extension (dbharness): scans of a flat index. The first fetch reads every
 * index tuple, computes the ORDER BY operator's distance to the query for each (the operator's
 * own function, so the order is the one a sequential scan's sort gives) and sorts them; fetches
 * then return the rows nearest first.
 *
 * As pgvector's hnsw scan does, one hnsw scan returns at most hnsw.ef_search rows unless
 * hnsw.iterative_scan is on; an ivfflat scan returns every indexed row (as if every list were
 * probed).
 */
#include "index.h"

#include "access/relscan.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

typedef struct Hit
{
	ItemPointerData tid;
	bool		isnull;
	double		distance;
} Hit;

typedef struct FlatScan
{
	FlatKind	kind;
	MemoryContext cxt;			/* the hits; reset on rescan */
	bool		ready;
	Hit		   *hits;
	int			count;
	int			next;
	int			limit;
} FlatScan;

IndexScanDesc
flat_beginscan(FlatKind kind, Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	FlatScan   *so = palloc0(sizeof(FlatScan));

	so->kind = kind;
	so->cxt = AllocSetContextCreate(CurrentMemoryContext, "flat index scan", ALLOCSET_DEFAULT_SIZES);
	scan->opaque = so;
	return scan;
}

void
flat_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys)
{
	FlatScan   *so = (FlatScan *) scan->opaque;

	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
	MemoryContextReset(so->cxt);
	so->ready = false;
	so->hits = NULL;
	so->count = 0;
	so->next = 0;
}

/* Nearest first, as float8's ORDER BY sorts: NULL and NaN last; ties by row. */
static int
nearest_first(const void *x, const void *y)
{
	const Hit  *a = (const Hit *) x;
	const Hit  *b = (const Hit *) y;

	if (a->isnull != b->isnull)
		return a->isnull ? 1 : -1;
	if (!a->isnull)
	{
		int			c = float8_cmp_internal(a->distance, b->distance);

		if (c != 0)
			return c;
	}
	return ItemPointerCompare((ItemPointer) &a->tid, (ItemPointer) &b->tid);
}

static void
add_hit(FlatScan *so, int *room, ItemPointer tid, bool isnull, double distance)
{
	if (so->count == *room)
	{
		*room *= 2;
		so->hits = repalloc_huge(so->hits, sizeof(Hit) * (Size) *room);
	}
	so->hits[so->count].tid = *tid;
	so->hits[so->count].isnull = isnull;
	so->hits[so->count].distance = distance;
	so->count++;
}

/* Copies of one page's tuples (read under the page's lock; distances are computed without it). */
static IndexTuple *
page_tuples(Relation index, BlockNumber blkno, BufferAccessStrategy strategy, int *n)
{
	Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, strategy);
	Page		page;
	IndexTuple *tuples;
	OffsetNumber max;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	max = PageIsNew(page) ? InvalidOffsetNumber : PageGetMaxOffsetNumber(page);
	tuples = palloc(sizeof(IndexTuple) * (Size) Max(max, 1));
	*n = 0;
	for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off))
		tuples[(*n)++] = CopyIndexTuple((IndexTuple) PageGetItem(page, PageGetItemId(page, off)));
	UnlockReleaseBuffer(buf);
	return tuples;
}

static void
compute_hits(IndexScanDesc scan, FlatScan *so)
{
	ScanKey		order = &scan->orderByData[0];
	bool		no_query = (order->sk_flags & SK_ISNULL) != 0;
	TupleDesc	desc = RelationGetDescr(scan->indexRelation);
	BlockNumber nblocks = RelationGetNumberOfBlocks(scan->indexRelation);
	BufferAccessStrategy strategy = GetAccessStrategy(BAS_BULKREAD);
	MemoryContext old = MemoryContextSwitchTo(so->cxt);
	MemoryContext page_cxt = AllocSetContextCreate(so->cxt, "flat index page", ALLOCSET_DEFAULT_SIZES);
	int			room = 64;

	so->hits = palloc(sizeof(Hit) * room);
	for (BlockNumber blkno = FLAT_META_BLOCK + 1; blkno < nblocks; blkno++)
	{
		int			n;
		IndexTuple *tuples;

		MemoryContextSwitchTo(page_cxt);
		tuples = page_tuples(scan->indexRelation, blkno, strategy, &n);
		for (int i = 0; i < n; i++)
		{
			bool		isnull;
			Datum		value = index_getattr(tuples[i], 1, desc, &isnull);
			double		distance = no_query ? 0 : DatumGetFloat8(FunctionCall2Coll(
				&order->sk_func, order->sk_collation, value, order->sk_argument));

			add_hit(so, &room, &tuples[i]->t_tid, no_query, distance);
		}
		MemoryContextReset(page_cxt);
	}
	MemoryContextSwitchTo(old);
	FreeAccessStrategy(strategy);
	if (!no_query)
		qsort(so->hits, so->count, sizeof(Hit), nearest_first);
	so->limit = so->kind == KIND_HNSW ? hnsw_scan_limit() : so->count;
	so->ready = true;
}

bool
flat_gettuple(IndexScanDesc scan, ScanDirection direction)
{
	FlatScan   *so = (FlatScan *) scan->opaque;

	if (!so->ready)
	{
		if (scan->orderByData == NULL)
			elog(ERROR, "cannot scan %s index without order", flat_kind_name(so->kind));
		if (!IsMVCCSnapshot(scan->xs_snapshot))
			elog(ERROR, "non-MVCC snapshots are not supported with %s", flat_kind_name(so->kind));
		compute_hits(scan, so);
		pgstat_count_index_scan(scan->indexRelation);
	}
	if (so->next >= so->count || so->next >= so->limit)
		return false;
	scan->xs_heaptid = so->hits[so->next++].tid;
	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;
	return true;
}

void
flat_endscan(IndexScanDesc scan)
{
	FlatScan   *so = (FlatScan *) scan->opaque;

	MemoryContextDelete(so->cxt);
	pfree(so);
	scan->opaque = NULL;
}

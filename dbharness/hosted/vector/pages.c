/*
 * The offline vector extension (dbharness): the pages of a flat index. Block 0 is a metapage;
 * every other block holds index tuples (the value and its row's TID). Changes are WAL-logged
 * with generic WAL records, so the index survives a crash and replicates like any other.
 */
#include "index.h"

#include "access/generic_xlog.h"
#include "miscadmin.h"
#include "access/xloginsert.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/rel.h"

void
flat_init_page(Page page, uint16 flags)
{
	FlatPageOpaque *opaque;

	PageInit(page, BLCKSZ, sizeof(FlatPageOpaque));
	opaque = (FlatPageOpaque *) PageGetSpecialPointer(page);
	opaque->magic = FLAT_MAGIC;
	opaque->flags = flags;
}

const char *
flat_kind_name(FlatKind kind)
{
	return kind == KIND_HNSW ? "hnsw" : "ivfflat";
}

/* The largest index tuple a page holds. */
Size
flat_max_tuple_size(void)
{
	return BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - MAXALIGN(sizeof(FlatPageOpaque))
		- sizeof(ItemIdData);
}

/* A new block at the end of fork, exclusively locked. */
static Buffer
new_block(Relation index, ForkNumber fork)
{
	Buffer		buf;

#if PG_VERSION_NUM >= 160000
	buf = ExtendBufferedRel(BMR_REL(index), fork, NULL, EB_LOCK_FIRST);
#else
	LockRelationForExtension(index, ExclusiveLock);
	buf = ReadBufferExtended(index, fork, P_NEW, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	UnlockRelationForExtension(index, ExclusiveLock);
#endif
	return buf;
}

static void
fill_meta(Page page, int dimensions, FlatKind kind)
{
	FlatMeta   *meta;

	flat_init_page(page, FLAT_META);
	meta = (FlatMeta *) PageGetContents(page);
	meta->magic = FLAT_MAGIC;
	meta->version = FLAT_VERSION;
	meta->dimensions = dimensions;
	meta->kind = kind;
	/* keep the contents out of the "hole" that full-page images leave out */
	((PageHeader) page)->pd_lower = ((char *) meta + sizeof(FlatMeta)) - (char *) page;
}

/* The metapage, block 0 of fork (the main fork at build, the init fork of an unlogged index). */
void
flat_write_meta(Relation index, ForkNumber fork, int dimensions, FlatKind kind)
{
	Buffer		buf = new_block(index, fork);
	GenericXLogState *state;

	if (BufferGetBlockNumber(buf) != FLAT_META_BLOCK)
		elog(ERROR, "%s index \"%s\" is not empty", flat_kind_name(kind),
			 RelationGetRelationName(index));
	if (fork == INIT_FORKNUM)
	{
		/* generic WAL skips unlogged relations, but their init fork must be logged */
		START_CRIT_SECTION();
		fill_meta(BufferGetPage(buf), dimensions, kind);
		MarkBufferDirty(buf);
		log_newpage_buffer(buf, true);
		END_CRIT_SECTION();
	}
	else
	{
		state = GenericXLogStart(index);
		fill_meta(GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE), dimensions, kind);
		GenericXLogFinish(state);
	}
	UnlockReleaseBuffer(buf);
}

static void
add_to_page(Page page, IndexTuple tuple, Relation index)
{
	if (PageAddItem(page, (Item) tuple, IndexTupleSize(tuple), InvalidOffsetNumber, false, false)
		== InvalidOffsetNumber)
		elog(ERROR, "failed to add an index item to \"%s\"", RelationGetRelationName(index));
}

/* Add tuple to block blkno when it has room; else say how much room it has. */
static bool
try_block(Relation index, BlockNumber blkno, IndexTuple tuple, Size *room)
{
	Buffer		buf = ReadBuffer(index, blkno);
	Page		page;
	FlatPageOpaque *opaque;
	GenericXLogState *state;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	opaque = (FlatPageOpaque *) PageGetSpecialPointer(page);
	*room = PageIsNew(page) || opaque->flags == FLAT_META ? 0 : PageGetFreeSpace(page);
	if (*room < MAXALIGN(IndexTupleSize(tuple)))
	{
		UnlockReleaseBuffer(buf);
		return false;
	}
	state = GenericXLogStart(index);
	add_to_page(GenericXLogRegisterBuffer(state, buf, 0), tuple, index);
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
	return true;
}

/*
 * Store one index tuple: in a page the free space map says has room (VACUUM records what it
 * freed), else in the last page, else in a new one.
 */
void
flat_add_tuple(Relation index, IndexTuple tuple)
{
	Size		need = MAXALIGN(IndexTupleSize(tuple));
	BlockNumber blkno = GetPageWithFreeSpace(index, need);
	BlockNumber nblocks;
	Size		room;
	Buffer		buf;
	GenericXLogState *state;
	Page		page;

	while (blkno != InvalidBlockNumber && blkno != FLAT_META_BLOCK)
	{
		if (try_block(index, blkno, tuple, &room))
			return;
		blkno = RecordAndGetPageWithFreeSpace(index, blkno, room, need);
	}
	nblocks = RelationGetNumberOfBlocks(index);
	if (nblocks > 1 && try_block(index, nblocks - 1, tuple, &room))
		return;
	buf = new_block(index, MAIN_FORKNUM);
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
	flat_init_page(page, 0);
	add_to_page(page, tuple, index);
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
}

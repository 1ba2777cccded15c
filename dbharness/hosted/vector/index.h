/*
 * The offline vector extension (dbharness): the hnsw and ivfflat access methods.
 *
 * Both are "flat": an index keeps every indexed value with its row's TID in plain pages (after
 * a metapage), and a scan reads them all, computes the ORDER BY operator's own distance for
 * each and returns the rows nearest first. The answer is exact where pgvector's is approximate.
 */
#ifndef DBH_INDEX_H
#define DBH_INDEX_H

#include "vector.h"

#include "access/amapi.h"
#include "access/itup.h"
#include "access/reloptions.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "common/relpath.h"
#include "storage/bufpage.h"

#define HNSW_DEFAULT_M 16
#define HNSW_DEFAULT_EF_CONSTRUCTION 64
#define IVFFLAT_MAX_LISTS 32768

/* support function numbers of the operator classes (as pgvector's SQL declares them) */
#define NORM_PROC 2				/* cosine: values of norm 0 are not indexed */
#define HNSW_TYPE_PROC 3
#define IVFFLAT_KMEANS_NORM_PROC 4
#define IVFFLAT_TYPE_PROC 5

typedef enum FlatKind
{
	KIND_HNSW,
	KIND_IVFFLAT
} FlatKind;

typedef struct HnswOptions
{
	int32		vl_len_;
	int			m;
	int			ef_construction;
} HnswOptions;

typedef struct IvfflatOptions
{
	int32		vl_len_;
	int			lists;
} IvfflatOptions;

/* What an operator class's type support function says about the indexed type. */
typedef struct FlatTypeInfo
{
	const char *name;
	int			hnsw_max_dims;
	int			ivfflat_max_dims;
	int			hnsw_max_nnz;	/* sparsevec only; 0: no limit */
} FlatTypeInfo;

extern relopt_kind hnsw_options_kind;
extern relopt_kind ivfflat_options_kind;

bytea	   *hnsw_options(Datum reloptions, bool validate);
bytea	   *ivfflat_options(Datum reloptions, bool validate);

/* index.c: the shared implementation */
IndexBuildResult *flat_build(FlatKind kind, Relation heap, Relation index, IndexInfo *info);
void		flat_buildempty(Relation index);
bool		flat_insert(FlatKind kind, Relation index, Datum *values, bool *isnull, ItemPointer tid);
IndexBulkDeleteResult *flat_bulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
									   IndexBulkDeleteCallback callback, void *state);
IndexBulkDeleteResult *flat_vacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats);
void		flat_costestimate(PlannerInfo *root, IndexPath *path, double loop_count,
							  Cost *startup, Cost *total, Selectivity *selectivity,
							  double *correlation, double *pages);

/* scan.c */
IndexScanDesc flat_beginscan(FlatKind kind, Relation index, int nkeys, int norderbys);
void		flat_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool		flat_gettuple(IndexScanDesc scan, ScanDirection direction);
void		flat_endscan(IndexScanDesc scan);

/* pages.c: the storage */
#define FLAT_MAGIC 0x7ec7
#define FLAT_VERSION 1

typedef struct FlatPageOpaque
{
	uint16		magic;
	uint16		flags;			/* FLAT_META or 0 */
} FlatPageOpaque;

#define FLAT_META 1
#define FLAT_META_BLOCK 0

typedef struct FlatMeta
{
	uint32		magic;
	uint32		version;
	int32		dimensions;
	int32		kind;
} FlatMeta;

void		flat_init_page(Page page, uint16 flags);
void		flat_write_meta(Relation index, ForkNumber fork, int dimensions, FlatKind kind);
void		flat_add_tuple(Relation index, IndexTuple tuple);
Size		flat_max_tuple_size(void);
const char *flat_kind_name(FlatKind kind);

#endif

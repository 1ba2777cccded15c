/*
 * The offline vector extension (dbharness): what its source files share.
 *
 * Three types, each a varlena: vector (float4 elements), halfvec (IEEE half-precision elements,
 * kept as uint16 bit patterns) and sparsevec (sorted 0-based indices, then their float4 values).
 * The binary send/receive formats are pgvector's, so clients that speak it binary work unchanged.
 */
#ifndef DBH_VECTOR_H
#define DBH_VECTOR_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

#define VECTOR_MAX_DIM 16000
#define HALFVEC_MAX_DIM 16000
#define SPARSEVEC_MAX_DIM 1000000000
#define SPARSEVEC_MAX_NNZ 16000

typedef struct Vector
{
	int32		vl_len_;		/* varlena header */
	int16		dim;
	int16		unused;			/* always 0 (the binary format carries it) */
	float		x[FLEXIBLE_ARRAY_MEMBER];
} Vector;

typedef struct HalfVector
{
	int32		vl_len_;
	int16		dim;
	int16		unused;
	uint16		x[FLEXIBLE_ARRAY_MEMBER];	/* IEEE 754 binary16 bit patterns */
} HalfVector;

typedef struct SparseVector
{
	int32		vl_len_;
	int32		dim;
	int32		nnz;			/* stored (non-zero) elements */
	int32		unused;
	int32		indices[FLEXIBLE_ARRAY_MEMBER];	/* 0-based, ascending; nnz floats follow */
} SparseVector;

#define DatumGetVector(d)		((Vector *) PG_DETOAST_DATUM(d))
#define DatumGetHalfVector(d)	((HalfVector *) PG_DETOAST_DATUM(d))
#define DatumGetSparseVector(d) ((SparseVector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_VECTOR(n)		DatumGetVector(PG_GETARG_DATUM(n))
#define PG_GETARG_HALFVEC(n)	DatumGetHalfVector(PG_GETARG_DATUM(n))
#define PG_GETARG_SPARSEVEC(n)	DatumGetSparseVector(PG_GETARG_DATUM(n))

/* PostgreSQL 15 wants the symbols of C functions exported explicitly */
#if PG_VERSION_NUM >= 160000
#define DBH_FUNCTION(name) PG_FUNCTION_INFO_V1(name)
#else
#define DBH_FUNCTION(name) PGDLLEXPORT PG_FUNCTION_INFO_V1(name)
#endif

static inline float *
sparsevec_values(SparseVector *s)
{
	return (float *) ((char *) s->indices + sizeof(int32) * (Size) s->nnz);
}

/* constructors (zero-filled) */
Vector	   *vector_new(int dim);
HalfVector *halfvec_new(int dim);
SparseVector *sparsevec_new(int dim, int nnz);

/* checks shared by the types; type is the type's SQL name, as the messages say it */
void		check_dims(const char *type, int dim, int max);
void		check_typmod(int32 typmod, int dim);
void		check_same_dims(const char *type, int a, int b);
void		check_element(const char *type, float value);
int32		typmod_from(ArrayType *modifiers, const char *type, int max);

/* text form of the dense types: "[1,2,3]" */
int			parse_dense(const char *type, const char *literal, float *out, bool half);
char	   *format_floats(const float *x, int n);
float	   *array_floats(ArrayType *array, int *count);
ArrayType  *floats_array(const float *x, int n);

/* half precision */
float		half_to_float(uint16 h);
uint16		float_to_half(float f);
uint16		float_to_half_checked(float f);
float	   *halfvec_floats(HalfVector *v);

/* float kernels (accumulated in single precision, as pgvector does) */
float		kernel_l2_squared(int n, const float *a, const float *b);
float		kernel_dot(int n, const float *a, const float *b);
float		kernel_l1(int n, const float *a, const float *b);
double		kernel_cosine_distance(int n, const float *a, const float *b);
double		kernel_norm(int n, const float *a);
double		spherical_from_dot(double dot);
int			kernel_compare(int na, const float *a, int nb, const float *b);
Datum		quantize(int n, const float *x);
void		subvector_bounds(const char *type, int dim, int32 start, int32 count, int *from, int *len);

/* aggregates' state: float8[] {count, sum_1, ..., sum_dim} */
ArrayType  *accumulate(ArrayType *state, int dim, const float *x);
ArrayType  *combine_states(ArrayType *a, ArrayType *b, const char *type, int max);
float	   *state_mean(ArrayType *state, int *dim, const char *type, int max);

/* the index access methods (index.c) and their settings (settings.c) */
void		define_settings(void);
int			hnsw_scan_limit(void);

#endif

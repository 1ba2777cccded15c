/*
 * The offline vector extension (dbharness): sparsevec's distances, norm, normalization and
 * comparisons. Each walks the union of both vectors' indices in ascending order, a missing
 * element being zero, so the sums are those of the dense vectors with the same values.
 */
#include "vector.h"

#include <limits.h>
#include <math.h>

#include "utils/float.h"

typedef enum Measure
{
	L2_SQUARED,
	L1,
	DOT
} Measure;

static float
merged_sum(SparseVector *a, SparseVector *b, Measure measure)
{
	float	   *av = sparsevec_values(a);
	float	   *bv = sparsevec_values(b);
	float		sum = 0.0f;
	int			i = 0;
	int			j = 0;

	while (i < a->nnz || j < b->nnz)
	{
		int32		ia = i < a->nnz ? a->indices[i] : INT_MAX;
		int32		ib = j < b->nnz ? b->indices[j] : INT_MAX;
		float		x = ia <= ib ? av[i] : 0.0f;
		float		y = ib <= ia ? bv[j] : 0.0f;

		i += ia <= ib;
		j += ib <= ia;
		if (measure == DOT)
		{
			if (ia == ib)
				sum += x * y;
		}
		else if (measure == L1)
			sum += fabsf(x - y);
		else
			sum += (x - y) * (x - y);
	}
	return sum;
}

static float
squares(SparseVector *s)
{
	float	   *v = sparsevec_values(s);
	float		sum = 0.0f;

	for (int i = 0; i < s->nnz; i++)
		sum += v[i] * v[i];
	return sum;
}

#define TWO_SPARSEVECS() \
	SparseVector *a = PG_GETARG_SPARSEVEC(0); \
	SparseVector *b = PG_GETARG_SPARSEVEC(1); \
	check_same_dims("sparsevec", a->dim, b->dim)

DBH_FUNCTION(sparsevec_l2_distance);
Datum
sparsevec_l2_distance(PG_FUNCTION_ARGS)
{
	TWO_SPARSEVECS();
	PG_RETURN_FLOAT8(sqrt((double) merged_sum(a, b, L2_SQUARED)));
}

DBH_FUNCTION(sparsevec_l2_squared_distance);
Datum
sparsevec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	TWO_SPARSEVECS();
	PG_RETURN_FLOAT8((double) merged_sum(a, b, L2_SQUARED));
}

DBH_FUNCTION(sparsevec_inner_product);
Datum
sparsevec_inner_product(PG_FUNCTION_ARGS)
{
	TWO_SPARSEVECS();
	PG_RETURN_FLOAT8((double) merged_sum(a, b, DOT));
}

DBH_FUNCTION(sparsevec_negative_inner_product);
Datum
sparsevec_negative_inner_product(PG_FUNCTION_ARGS)
{
	TWO_SPARSEVECS();
	PG_RETURN_FLOAT8((double) -merged_sum(a, b, DOT));
}

DBH_FUNCTION(sparsevec_cosine_distance);
Datum
sparsevec_cosine_distance(PG_FUNCTION_ARGS)
{
	double		similarity;

	TWO_SPARSEVECS();
	similarity = (double) merged_sum(a, b, DOT) / sqrt((double) squares(a) * (double) squares(b));
	if (similarity > 1.0)
		similarity = 1.0;
	else if (similarity < -1.0)
		similarity = -1.0;
	PG_RETURN_FLOAT8(1.0 - similarity);
}

DBH_FUNCTION(sparsevec_l1_distance);
Datum
sparsevec_l1_distance(PG_FUNCTION_ARGS)
{
	TWO_SPARSEVECS();
	PG_RETURN_FLOAT8((double) merged_sum(a, b, L1));
}

DBH_FUNCTION(sparsevec_l2_norm);
Datum
sparsevec_l2_norm(PG_FUNCTION_ARGS)
{
	SparseVector *s = PG_GETARG_SPARSEVEC(0);

	PG_RETURN_FLOAT8(kernel_norm(s->nnz, sparsevec_values(s)));
}

/* s / |s|; elements that vanish are dropped, the zero vector stays zero. */
DBH_FUNCTION(sparsevec_l2_normalize);
Datum
sparsevec_l2_normalize(PG_FUNCTION_ARGS)
{
	SparseVector *s = PG_GETARG_SPARSEVEC(0);
	float	   *values = sparsevec_values(s);
	double		norm = kernel_norm(s->nnz, values);
	float	   *scaled = palloc(sizeof(float) * (Size) Max(s->nnz, 1));
	int			kept = 0;
	SparseVector *r;
	float	   *rv;

	if (norm == 0)
		PG_RETURN_POINTER(sparsevec_new(s->dim, 0));
	for (int i = 0; i < s->nnz; i++)
	{
		scaled[i] = (float) (values[i] / norm);
		if (isinf(scaled[i]))
			float_overflow_error();
		kept += scaled[i] != 0;
	}
	r = sparsevec_new(s->dim, kept);
	rv = sparsevec_values(r);
	kept = 0;
	for (int i = 0; i < s->nnz; i++)
	{
		if (scaled[i] != 0)
		{
			r->indices[kept] = s->indices[i];
			rv[kept++] = scaled[i];
		}
	}
	PG_RETURN_POINTER(r);
}

/* As the dense vectors compare: element by element over the shorter's length, then length. */
static int
compare_args(FunctionCallInfo fcinfo)
{
	SparseVector *a = PG_GETARG_SPARSEVEC(0);
	SparseVector *b = PG_GETARG_SPARSEVEC(1);
	float	   *av = sparsevec_values(a);
	float	   *bv = sparsevec_values(b);
	int32		shorter = Min(a->dim, b->dim);
	int			i = 0;
	int			j = 0;

	for (;;)
	{
		int32		ia = i < a->nnz ? a->indices[i] : INT_MAX;
		int32		ib = j < b->nnz ? b->indices[j] : INT_MAX;
		float		x;
		float		y;

		if (Min(ia, ib) >= shorter)
			break;
		x = ia <= ib ? av[i] : 0.0f;
		y = ib <= ia ? bv[j] : 0.0f;
		i += ia <= ib;
		j += ib <= ia;
		if (x != y)
			return x < y ? -1 : 1;
	}
	return a->dim < b->dim ? -1 : (a->dim > b->dim ? 1 : 0);
}

DBH_FUNCTION(sparsevec_lt);
Datum sparsevec_lt(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) < 0); }
DBH_FUNCTION(sparsevec_le);
Datum sparsevec_le(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) <= 0); }
DBH_FUNCTION(sparsevec_eq);
Datum sparsevec_eq(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) == 0); }
DBH_FUNCTION(sparsevec_ne);
Datum sparsevec_ne(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) != 0); }
DBH_FUNCTION(sparsevec_ge);
Datum sparsevec_ge(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) >= 0); }
DBH_FUNCTION(sparsevec_gt);
Datum sparsevec_gt(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) > 0); }
DBH_FUNCTION(sparsevec_cmp);
Datum sparsevec_cmp(PG_FUNCTION_ARGS) { PG_RETURN_INT32(compare_args(fcinfo)); }

/*
 * The offline vector extension (dbharness): arithmetic on float arrays that vector and halfvec
 * share (halfvec converts to floats first), binary quantization, subvector's bounds and the
 * aggregates' state.
 *
 * Sums are accumulated in single precision where pgvector accumulates so, so a distance that a
 * project's test compares with = comes out the same; norms are accumulated in double precision.
 */
#include "vector.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/float.h"
#include "utils/varbit.h"

float
kernel_l2_squared(int n, const float *a, const float *b)
{
	float		sum = 0.0f;

	for (int i = 0; i < n; i++)
	{
		float		d = a[i] - b[i];

		sum += d * d;
	}
	return sum;
}

float
kernel_dot(int n, const float *a, const float *b)
{
	float		sum = 0.0f;

	for (int i = 0; i < n; i++)
		sum += a[i] * b[i];
	return sum;
}

float
kernel_l1(int n, const float *a, const float *b)
{
	float		sum = 0.0f;

	for (int i = 0; i < n; i++)
		sum += fabsf(a[i] - b[i]);
	return sum;
}

/* 1 - cos(a, b), the cosine kept within [-1, 1]; NaN when either vector is zero. */
double
kernel_cosine_distance(int n, const float *a, const float *b)
{
	float		dot = 0.0f;
	float		aa = 0.0f;
	float		bb = 0.0f;
	double		similarity;

	for (int i = 0; i < n; i++)
	{
		dot += a[i] * b[i];
		aa += a[i] * a[i];
		bb += b[i] * b[i];
	}
	similarity = (double) dot / sqrt((double) aa * (double) bb);
	if (similarity > 1.0)
		similarity = 1.0;
	else if (similarity < -1.0)
		similarity = -1.0;
	return 1.0 - similarity;
}

double
kernel_norm(int n, const float *a)
{
	double		sum = 0.0;

	for (int i = 0; i < n; i++)
		sum += (double) a[i] * (double) a[i];
	return sqrt(sum);
}

/* The angle between two unit vectors, as a fraction of pi (what spherical k-means measures). */
double
spherical_from_dot(double dot)
{
	if (dot > 1.0)
		dot = 1.0;
	else if (dot < -1.0)
		dot = -1.0;
	return acos(dot) / M_PI;
}

/* Element by element, then the shorter first (as PostgreSQL compares arrays). */
int
kernel_compare(int na, const float *a, int nb, const float *b)
{
	for (int i = 0; i < Min(na, nb); i++)
	{
		if (a[i] < b[i])
			return -1;
		if (a[i] > b[i])
			return 1;
	}
	return na < nb ? -1 : (na > nb ? 1 : 0);
}

/* bit(n): 1 where the element is positive, first element in the highest bit. */
Datum
quantize(int n, const float *x)
{
	Size		size = VARBITTOTALLEN(n);
	VarBit	   *bits = (VarBit *) palloc0(size);
	bits8	   *out;

	SET_VARSIZE(bits, size);
	VARBITLEN(bits) = n;
	out = VARBITS(bits);
	for (int i = 0; i < n; i++)
	{
		if (x[i] > 0)
			out[i / 8] |= (bits8) (0x80 >> (i % 8));
	}
	return PointerGetDatum(bits);
}

/*
 * subvector(v, start, count): like substring, start counts from 1 and a start before 1 shortens
 * the result; the result must keep at least one element.
 */
void
subvector_bounds(const char *type, int dim, int32 start, int32 count, int *from, int *len)
{
	int64		end;

	if (count < 1)
		check_dims(type, 0, dim);
	end = (int64) start + count;
	if (end > dim + 1)
		end = dim + 1;
	if (start < 1)
		start = 1;
	else if (start > dim)
		check_dims(type, 0, dim);
	*from = start - 1;
	*len = (int) (end - start);
	check_dims(type, *len, dim);
}

static float8 *
state_values(ArrayType *state, const char *caller)
{
	if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] < 1 || ARR_HASNULL(state)
		|| ARR_ELEMTYPE(state) != FLOAT8OID)
		elog(ERROR, "%s: expected state array", caller);
	return (float8 *) ARR_DATA_PTR(state);
}

static ArrayType *
make_state(float8 count, int dim, const float8 *sums)
{
	Datum	   *datums = palloc(sizeof(Datum) * (Size) (dim + 1));

	datums[0] = Float8GetDatum(count);
	for (int i = 0; i < dim; i++)
	{
		if (isinf(sums[i]))
			float_overflow_error();
		datums[i + 1] = Float8GetDatum(sums[i]);
	}
	return construct_array(datums, dim + 1, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
						   TYPALIGN_DOUBLE);
}

/* The state after one more value x of dim elements ({0} is the initial state). */
ArrayType *
accumulate(ArrayType *state, int dim, const float *x)
{
	float8	   *values = state_values(state, "accumulate");
	int			seen = ARR_DIMS(state)[0] - 1;
	float8	   *sums = palloc(sizeof(float8) * (Size) dim);

	if (seen != 0)
		check_typmod(seen, dim);
	for (int i = 0; i < dim; i++)
		sums[i] = (seen ? values[i + 1] : 0.0) + (double) x[i];
	return make_state(values[0] + 1.0, dim, sums);
}

/* Two partial states as one (parallel aggregation). */
ArrayType *
combine_states(ArrayType *a, ArrayType *b, const char *type, int max)
{
	float8	   *av = state_values(a, "combine");
	float8	   *bv = state_values(b, "combine");
	int			adim = ARR_DIMS(a)[0] - 1;
	int			bdim = ARR_DIMS(b)[0] - 1;
	int			dim = adim ? adim : bdim;
	float8	   *sums = palloc(sizeof(float8) * (Size) Max(dim, 1));

	if (dim != 0)
		check_dims(type, dim, max);
	if (adim && bdim)
		check_typmod(adim, bdim);
	for (int i = 0; i < dim; i++)
		sums[i] = (adim ? av[i + 1] : 0.0) + (bdim ? bv[i + 1] : 0.0);
	return make_state(av[0] + bv[0], dim, sums);
}

/* The mean the state holds, or NULL for no values (avg of nothing is NULL). */
float *
state_mean(ArrayType *state, int *dim, const char *type, int max)
{
	float8	   *values = state_values(state, "mean");
	float8		count = values[0];
	float	   *mean;

	if (count == 0.0)
		return NULL;
	*dim = ARR_DIMS(state)[0] - 1;
	check_dims(type, *dim, max);
	mean = palloc(sizeof(float) * (Size) *dim);
	for (int i = 0; i < *dim; i++)
	{
		mean[i] = (float) (values[i + 1] / count);
		check_element(type, mean[i]);
	}
	return mean;
}

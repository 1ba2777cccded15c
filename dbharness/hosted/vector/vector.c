/*
 * The offline vector extension (dbharness): the vector type (float4 elements), its input and
 * output, casts and functions.
 *
 * Written for the harness's local engine, where Debian has no pgvector for PostgreSQL 15: it
 * gives pgvector 0.8's SQL interface (names, limits, casts, messages) with code of its own. The
 * index access methods are in index.c.
 */
#include "vector.h"

#include <math.h>

#include "libpq/pqformat.h"
#include "utils/float.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);

void
_PG_init(void)
{
	define_settings();
}

static Vector *
vector_from(const float *x, int dim)
{
	Vector	   *v = vector_new(dim);

	memcpy(v->x, x, sizeof(float) * (Size) dim);
	return v;
}

/* The overflow error of float arithmetic when any element became infinite. */
static Vector *
checked(Vector *v)
{
	for (int i = 0; i < v->dim; i++)
	{
		if (isinf(v->x[i]))
			float_overflow_error();
	}
	return v;
}

DBH_FUNCTION(vector_in);
Datum
vector_in(PG_FUNCTION_ARGS)
{
	float	   *x = palloc(sizeof(float) * VECTOR_MAX_DIM);
	int			dim = parse_dense("vector", PG_GETARG_CSTRING(0), x, false);

	check_typmod(PG_GETARG_INT32(2), dim);
	PG_RETURN_POINTER(vector_from(x, dim));
}

DBH_FUNCTION(vector_out);
Datum
vector_out(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR(0);

	PG_RETURN_CSTRING(format_floats(v->x, v->dim));
}

DBH_FUNCTION(vector_typmod_in);
Datum
vector_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(typmod_from(PG_GETARG_ARRAYTYPE_P(0), "vector", VECTOR_MAX_DIM));
}

/* Binary form: int16 dimensions, int16 zero, then each element as float4. */
DBH_FUNCTION(vector_recv);
Datum
vector_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			dim = (int) pq_getmsgint(buf, sizeof(int16));
	int			unused = (int) pq_getmsgint(buf, sizeof(int16));
	Vector	   *v;

	check_dims("vector", dim, VECTOR_MAX_DIM);
	check_typmod(PG_GETARG_INT32(2), dim);
	if (unused != 0)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("expected unused to be 0, not %d", unused)));
	v = vector_new(dim);
	for (int i = 0; i < dim; i++)
	{
		v->x[i] = pq_getmsgfloat4(buf);
		check_element("vector", v->x[i]);
	}
	PG_RETURN_POINTER(v);
}

DBH_FUNCTION(vector_send);
Datum
vector_send(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, (uint16) v->dim);
	pq_sendint16(&buf, (uint16) v->unused);
	for (int i = 0; i < v->dim; i++)
		pq_sendfloat4(&buf, v->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* vector -> vector(n): the cast that checks a column's or a cast's dimensions. */
DBH_FUNCTION(vector);
Datum
vector(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR(0);

	check_typmod(PG_GETARG_INT32(1), v->dim);
	PG_RETURN_POINTER(v);
}

DBH_FUNCTION(array_to_vector);
Datum
array_to_vector(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *x = array_floats(PG_GETARG_ARRAYTYPE_P(0), &dim);

	check_dims("vector", dim, VECTOR_MAX_DIM);
	check_typmod(PG_GETARG_INT32(1), dim);
	for (int i = 0; i < dim; i++)
		check_element("vector", x[i]);
	PG_RETURN_POINTER(vector_from(x, dim));
}

DBH_FUNCTION(vector_to_float4);
Datum
vector_to_float4(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR(0);

	PG_RETURN_POINTER(floats_array(v->x, v->dim));
}

DBH_FUNCTION(halfvec_to_vector);
Datum
halfvec_to_vector(PG_FUNCTION_ARGS)
{
	HalfVector *h = PG_GETARG_HALFVEC(0);

	check_dims("vector", h->dim, VECTOR_MAX_DIM);
	check_typmod(PG_GETARG_INT32(1), h->dim);
	PG_RETURN_POINTER(vector_from(halfvec_floats(h), h->dim));
}

DBH_FUNCTION(sparsevec_to_vector);
Datum
sparsevec_to_vector(PG_FUNCTION_ARGS)
{
	SparseVector *s = PG_GETARG_SPARSEVEC(0);
	float	   *values = sparsevec_values(s);
	Vector	   *v;

	check_dims("vector", s->dim, VECTOR_MAX_DIM);
	check_typmod(PG_GETARG_INT32(1), s->dim);
	v = vector_new(s->dim);
	for (int i = 0; i < s->nnz; i++)
		v->x[s->indices[i]] = values[i];
	PG_RETURN_POINTER(v);
}

/* The two arguments of a binary vector function, with the same dimensions. */
#define TWO_VECTORS() \
	Vector	   *a = PG_GETARG_VECTOR(0); \
	Vector	   *b = PG_GETARG_VECTOR(1); \
	check_same_dims("vector", a->dim, b->dim)

DBH_FUNCTION(l2_distance);
Datum
l2_distance(PG_FUNCTION_ARGS)
{
	TWO_VECTORS();
	PG_RETURN_FLOAT8(sqrt((double) kernel_l2_squared(a->dim, a->x, b->x)));
}

DBH_FUNCTION(vector_l2_squared_distance);
Datum
vector_l2_squared_distance(PG_FUNCTION_ARGS)
{
	TWO_VECTORS();
	PG_RETURN_FLOAT8((double) kernel_l2_squared(a->dim, a->x, b->x));
}

DBH_FUNCTION(inner_product);
Datum
inner_product(PG_FUNCTION_ARGS)
{
	TWO_VECTORS();
	PG_RETURN_FLOAT8((double) kernel_dot(a->dim, a->x, b->x));
}

DBH_FUNCTION(vector_negative_inner_product);
Datum
vector_negative_inner_product(PG_FUNCTION_ARGS)
{
	TWO_VECTORS();
	PG_RETURN_FLOAT8((double) -kernel_dot(a->dim, a->x, b->x));
}

DBH_FUNCTION(cosine_distance);
Datum
cosine_distance(PG_FUNCTION_ARGS)
{
	TWO_VECTORS();
	PG_RETURN_FLOAT8(kernel_cosine_distance(a->dim, a->x, b->x));
}

DBH_FUNCTION(vector_spherical_distance);
Datum
vector_spherical_distance(PG_FUNCTION_ARGS)
{
	TWO_VECTORS();
	PG_RETURN_FLOAT8(spherical_from_dot((double) kernel_dot(a->dim, a->x, b->x)));
}

DBH_FUNCTION(l1_distance);
Datum
l1_distance(PG_FUNCTION_ARGS)
{
	TWO_VECTORS();
	PG_RETURN_FLOAT8((double) kernel_l1(a->dim, a->x, b->x));
}

DBH_FUNCTION(vector_dims);
Datum
vector_dims(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_VECTOR(0)->dim);
}

DBH_FUNCTION(vector_norm);
Datum
vector_norm(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR(0);

	PG_RETURN_FLOAT8(kernel_norm(a->dim, a->x));
}

/* a / |a|; the zero vector stays zero. */
DBH_FUNCTION(l2_normalize);
Datum
l2_normalize(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR(0);
	double		norm = kernel_norm(a->dim, a->x);
	Vector	   *r = vector_new(a->dim);

	if (norm > 0)
	{
		for (int i = 0; i < a->dim; i++)
			r->x[i] = (float) (a->x[i] / norm);
	}
	PG_RETURN_POINTER(checked(r));
}

DBH_FUNCTION(binary_quantize);
Datum
binary_quantize(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR(0);

	PG_RETURN_DATUM(quantize(a->dim, a->x));
}

DBH_FUNCTION(subvector);
Datum
subvector(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR(0);
	int			from;
	int			len;

	subvector_bounds("vector", a->dim, PG_GETARG_INT32(1), PG_GETARG_INT32(2), &from, &len);
	PG_RETURN_POINTER(vector_from(a->x + from, len));
}

DBH_FUNCTION(vector_add);
Datum
vector_add(PG_FUNCTION_ARGS)
{
	Vector	   *r;

	TWO_VECTORS();
	r = vector_new(a->dim);
	for (int i = 0; i < a->dim; i++)
		r->x[i] = a->x[i] + b->x[i];
	PG_RETURN_POINTER(checked(r));
}

DBH_FUNCTION(vector_sub);
Datum
vector_sub(PG_FUNCTION_ARGS)
{
	Vector	   *r;

	TWO_VECTORS();
	r = vector_new(a->dim);
	for (int i = 0; i < a->dim; i++)
		r->x[i] = a->x[i] - b->x[i];
	PG_RETURN_POINTER(checked(r));
}

/* Element-wise product; a product that vanished to zero is an underflow error. */
DBH_FUNCTION(vector_mul);
Datum
vector_mul(PG_FUNCTION_ARGS)
{
	Vector	   *r;

	TWO_VECTORS();
	r = vector_new(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		r->x[i] = a->x[i] * b->x[i];
		if (r->x[i] == 0 && a->x[i] != 0 && b->x[i] != 0)
			float_underflow_error();
	}
	PG_RETURN_POINTER(checked(r));
}

DBH_FUNCTION(vector_concat);
Datum
vector_concat(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR(0);
	Vector	   *b = PG_GETARG_VECTOR(1);
	Vector	   *r;

	check_dims("vector", a->dim + b->dim, VECTOR_MAX_DIM);
	r = vector_new(a->dim + b->dim);
	memcpy(r->x, a->x, sizeof(float) * (Size) a->dim);
	memcpy(r->x + a->dim, b->x, sizeof(float) * (Size) b->dim);
	PG_RETURN_POINTER(r);
}

static int
compare_args(FunctionCallInfo fcinfo)
{
	Vector	   *a = PG_GETARG_VECTOR(0);
	Vector	   *b = PG_GETARG_VECTOR(1);

	return kernel_compare(a->dim, a->x, b->dim, b->x);
}

DBH_FUNCTION(vector_lt);
Datum vector_lt(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) < 0); }
DBH_FUNCTION(vector_le);
Datum vector_le(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) <= 0); }
DBH_FUNCTION(vector_eq);
Datum vector_eq(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) == 0); }
DBH_FUNCTION(vector_ne);
Datum vector_ne(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) != 0); }
DBH_FUNCTION(vector_ge);
Datum vector_ge(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) >= 0); }
DBH_FUNCTION(vector_gt);
Datum vector_gt(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) > 0); }
DBH_FUNCTION(vector_cmp);
Datum vector_cmp(PG_FUNCTION_ARGS) { PG_RETURN_INT32(compare_args(fcinfo)); }

DBH_FUNCTION(vector_accum);
Datum
vector_accum(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR(1);

	PG_RETURN_POINTER(accumulate(PG_GETARG_ARRAYTYPE_P(0), v->dim, v->x));
}

/* Also halfvec's combine function: the state is the same float8 array. */
DBH_FUNCTION(vector_combine);
Datum
vector_combine(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(combine_states(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1),
									 "vector", VECTOR_MAX_DIM));
}

DBH_FUNCTION(vector_avg);
Datum
vector_avg(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *mean = state_mean(PG_GETARG_ARRAYTYPE_P(0), &dim, "vector", VECTOR_MAX_DIM);

	if (mean == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(vector_from(mean, dim));
}

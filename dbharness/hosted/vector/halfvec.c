/*
 * The offline vector extension (dbharness): halfvec, vectors of half-precision elements.
 *
 * Each function converts its arguments to floats and uses vector's kernels, so a halfvec's
 * distance is the distance of the same values as a vector; results are rounded to half
 * precision (an element past 65504 is an overflow error).
 */
#include "vector.h"

#include <math.h>

#include "libpq/pqformat.h"
#include "utils/float.h"

static HalfVector *
halfvec_from(const float *x, int dim, bool checked)
{
	HalfVector *h = halfvec_new(dim);

	for (int i = 0; i < dim; i++)
		h->x[i] = checked ? float_to_half_checked(x[i]) : float_to_half(x[i]);
	return h;
}

/* The result of arithmetic: an element that became infinite is an overflow error. */
static HalfVector *
halfvec_result(const float *x, int dim)
{
	HalfVector *h = halfvec_from(x, dim, false);

	for (int i = 0; i < dim; i++)
	{
		if ((h->x[i] & 0x7fff) == 0x7c00)
			float_overflow_error();
	}
	return h;
}

DBH_FUNCTION(halfvec_in);
Datum
halfvec_in(PG_FUNCTION_ARGS)
{
	float	   *x = palloc(sizeof(float) * HALFVEC_MAX_DIM);
	int			dim = parse_dense("halfvec", PG_GETARG_CSTRING(0), x, true);

	check_typmod(PG_GETARG_INT32(2), dim);
	PG_RETURN_POINTER(halfvec_from(x, dim, false));
}

DBH_FUNCTION(halfvec_out);
Datum
halfvec_out(PG_FUNCTION_ARGS)
{
	HalfVector *h = PG_GETARG_HALFVEC(0);

	PG_RETURN_CSTRING(format_floats(halfvec_floats(h), h->dim));
}

DBH_FUNCTION(halfvec_typmod_in);
Datum
halfvec_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(typmod_from(PG_GETARG_ARRAYTYPE_P(0), "halfvec", HALFVEC_MAX_DIM));
}

/* Binary form: int16 dimensions, int16 zero, then each element's 16 bits. */
DBH_FUNCTION(halfvec_recv);
Datum
halfvec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			dim = (int) pq_getmsgint(buf, sizeof(int16));
	int			unused = (int) pq_getmsgint(buf, sizeof(int16));
	HalfVector *h;

	check_dims("halfvec", dim, HALFVEC_MAX_DIM);
	check_typmod(PG_GETARG_INT32(2), dim);
	if (unused != 0)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("expected unused to be 0, not %d", unused)));
	h = halfvec_new(dim);
	for (int i = 0; i < dim; i++)
	{
		h->x[i] = (uint16) pq_getmsgint(buf, sizeof(uint16));
		check_element("halfvec", half_to_float(h->x[i]));
	}
	PG_RETURN_POINTER(h);
}

DBH_FUNCTION(halfvec_send);
Datum
halfvec_send(PG_FUNCTION_ARGS)
{
	HalfVector *h = PG_GETARG_HALFVEC(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, (uint16) h->dim);
	pq_sendint16(&buf, (uint16) h->unused);
	for (int i = 0; i < h->dim; i++)
		pq_sendint16(&buf, h->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

DBH_FUNCTION(halfvec);
Datum
halfvec(PG_FUNCTION_ARGS)
{
	HalfVector *h = PG_GETARG_HALFVEC(0);

	check_typmod(PG_GETARG_INT32(1), h->dim);
	PG_RETURN_POINTER(h);
}

DBH_FUNCTION(array_to_halfvec);
Datum
array_to_halfvec(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *x = array_floats(PG_GETARG_ARRAYTYPE_P(0), &dim);
	HalfVector *h;

	check_dims("halfvec", dim, HALFVEC_MAX_DIM);
	check_typmod(PG_GETARG_INT32(1), dim);
	h = halfvec_from(x, dim, true);
	for (int i = 0; i < dim; i++)
		check_element("halfvec", half_to_float(h->x[i]));
	PG_RETURN_POINTER(h);
}

DBH_FUNCTION(halfvec_to_float4);
Datum
halfvec_to_float4(PG_FUNCTION_ARGS)
{
	HalfVector *h = PG_GETARG_HALFVEC(0);

	PG_RETURN_POINTER(floats_array(halfvec_floats(h), h->dim));
}

DBH_FUNCTION(vector_to_halfvec);
Datum
vector_to_halfvec(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR(0);

	check_dims("halfvec", v->dim, HALFVEC_MAX_DIM);
	check_typmod(PG_GETARG_INT32(1), v->dim);
	PG_RETURN_POINTER(halfvec_from(v->x, v->dim, true));
}

/* The two arguments of a binary halfvec function as floats, with the same dimensions. */
#define TWO_HALFVECS() \
	HalfVector *ha = PG_GETARG_HALFVEC(0); \
	HalfVector *hb = PG_GETARG_HALFVEC(1); \
	int			dim = ha->dim; \
	float	   *a; \
	float	   *b; \
	check_same_dims("halfvec", ha->dim, hb->dim); \
	a = halfvec_floats(ha); \
	b = halfvec_floats(hb)

DBH_FUNCTION(halfvec_l2_distance);
Datum
halfvec_l2_distance(PG_FUNCTION_ARGS)
{
	TWO_HALFVECS();
	PG_RETURN_FLOAT8(sqrt((double) kernel_l2_squared(dim, a, b)));
}

DBH_FUNCTION(halfvec_l2_squared_distance);
Datum
halfvec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	TWO_HALFVECS();
	PG_RETURN_FLOAT8((double) kernel_l2_squared(dim, a, b));
}

DBH_FUNCTION(halfvec_inner_product);
Datum
halfvec_inner_product(PG_FUNCTION_ARGS)
{
	TWO_HALFVECS();
	PG_RETURN_FLOAT8((double) kernel_dot(dim, a, b));
}

DBH_FUNCTION(halfvec_negative_inner_product);
Datum
halfvec_negative_inner_product(PG_FUNCTION_ARGS)
{
	TWO_HALFVECS();
	PG_RETURN_FLOAT8((double) -kernel_dot(dim, a, b));
}

DBH_FUNCTION(halfvec_cosine_distance);
Datum
halfvec_cosine_distance(PG_FUNCTION_ARGS)
{
	TWO_HALFVECS();
	PG_RETURN_FLOAT8(kernel_cosine_distance(dim, a, b));
}

DBH_FUNCTION(halfvec_spherical_distance);
Datum
halfvec_spherical_distance(PG_FUNCTION_ARGS)
{
	TWO_HALFVECS();
	PG_RETURN_FLOAT8(spherical_from_dot((double) kernel_dot(dim, a, b)));
}

DBH_FUNCTION(halfvec_l1_distance);
Datum
halfvec_l1_distance(PG_FUNCTION_ARGS)
{
	TWO_HALFVECS();
	PG_RETURN_FLOAT8((double) kernel_l1(dim, a, b));
}

DBH_FUNCTION(halfvec_vector_dims);
Datum
halfvec_vector_dims(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_HALFVEC(0)->dim);
}

DBH_FUNCTION(halfvec_l2_norm);
Datum
halfvec_l2_norm(PG_FUNCTION_ARGS)
{
	HalfVector *h = PG_GETARG_HALFVEC(0);

	PG_RETURN_FLOAT8(kernel_norm(h->dim, halfvec_floats(h)));
}

DBH_FUNCTION(halfvec_l2_normalize);
Datum
halfvec_l2_normalize(PG_FUNCTION_ARGS)
{
	HalfVector *h = PG_GETARG_HALFVEC(0);
	float	   *x = halfvec_floats(h);
	double		norm = kernel_norm(h->dim, x);

	for (int i = 0; i < h->dim; i++)
		x[i] = norm > 0 ? (float) (x[i] / norm) : 0.0f;
	PG_RETURN_POINTER(halfvec_result(x, h->dim));
}

DBH_FUNCTION(halfvec_binary_quantize);
Datum
halfvec_binary_quantize(PG_FUNCTION_ARGS)
{
	HalfVector *h = PG_GETARG_HALFVEC(0);

	PG_RETURN_DATUM(quantize(h->dim, halfvec_floats(h)));
}

DBH_FUNCTION(halfvec_subvector);
Datum
halfvec_subvector(PG_FUNCTION_ARGS)
{
	HalfVector *h = PG_GETARG_HALFVEC(0);
	HalfVector *r;
	int			from;
	int			len;

	subvector_bounds("halfvec", h->dim, PG_GETARG_INT32(1), PG_GETARG_INT32(2), &from, &len);
	r = halfvec_new(len);
	memcpy(r->x, h->x + from, sizeof(uint16) * (Size) len);
	PG_RETURN_POINTER(r);
}

DBH_FUNCTION(halfvec_add);
Datum
halfvec_add(PG_FUNCTION_ARGS)
{
	TWO_HALFVECS();
	for (int i = 0; i < dim; i++)
		a[i] += b[i];
	PG_RETURN_POINTER(halfvec_result(a, dim));
}

DBH_FUNCTION(halfvec_sub);
Datum
halfvec_sub(PG_FUNCTION_ARGS)
{
	TWO_HALFVECS();
	for (int i = 0; i < dim; i++)
		a[i] -= b[i];
	PG_RETURN_POINTER(halfvec_result(a, dim));
}

DBH_FUNCTION(halfvec_mul);
Datum
halfvec_mul(PG_FUNCTION_ARGS)
{
	HalfVector *r;

	TWO_HALFVECS();
	for (int i = 0; i < dim; i++)
		a[i] *= b[i];
	r = halfvec_result(a, dim);
	for (int i = 0; i < dim; i++)
	{
		if ((r->x[i] & 0x7fff) == 0 && (ha->x[i] & 0x7fff) != 0 && (hb->x[i] & 0x7fff) != 0)
			float_underflow_error();
	}
	PG_RETURN_POINTER(r);
}

DBH_FUNCTION(halfvec_concat);
Datum
halfvec_concat(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC(0);
	HalfVector *b = PG_GETARG_HALFVEC(1);
	HalfVector *r;

	check_dims("halfvec", a->dim + b->dim, HALFVEC_MAX_DIM);
	r = halfvec_new(a->dim + b->dim);
	memcpy(r->x, a->x, sizeof(uint16) * (Size) a->dim);
	memcpy(r->x + a->dim, b->x, sizeof(uint16) * (Size) b->dim);
	PG_RETURN_POINTER(r);
}

static int
compare_args(FunctionCallInfo fcinfo)
{
	HalfVector *a = PG_GETARG_HALFVEC(0);
	HalfVector *b = PG_GETARG_HALFVEC(1);

	return kernel_compare(a->dim, halfvec_floats(a), b->dim, halfvec_floats(b));
}

DBH_FUNCTION(halfvec_lt);
Datum halfvec_lt(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) < 0); }
DBH_FUNCTION(halfvec_le);
Datum halfvec_le(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) <= 0); }
DBH_FUNCTION(halfvec_eq);
Datum halfvec_eq(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) == 0); }
DBH_FUNCTION(halfvec_ne);
Datum halfvec_ne(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) != 0); }
DBH_FUNCTION(halfvec_ge);
Datum halfvec_ge(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) >= 0); }
DBH_FUNCTION(halfvec_gt);
Datum halfvec_gt(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(compare_args(fcinfo) > 0); }
DBH_FUNCTION(halfvec_cmp);
Datum halfvec_cmp(PG_FUNCTION_ARGS) { PG_RETURN_INT32(compare_args(fcinfo)); }

DBH_FUNCTION(halfvec_accum);
Datum
halfvec_accum(PG_FUNCTION_ARGS)
{
	HalfVector *h = PG_GETARG_HALFVEC(1);

	PG_RETURN_POINTER(accumulate(PG_GETARG_ARRAYTYPE_P(0), h->dim, halfvec_floats(h)));
}

DBH_FUNCTION(halfvec_avg);
Datum
halfvec_avg(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *mean = state_mean(PG_GETARG_ARRAYTYPE_P(0), &dim, "halfvec", HALFVEC_MAX_DIM);

	if (mean == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(halfvec_from(mean, dim, true));
}

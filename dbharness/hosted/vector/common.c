/*
 * The offline vector extension (dbharness): constructors, the checks every type makes (with the
 * messages pgvector gives, since projects' tests match them), the dense text form, arrays and
 * half precision.
 */
#include "vector.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"

Vector *
vector_new(int dim)
{
	Size		size = offsetof(Vector, x) + sizeof(float) * (Size) dim;
	Vector	   *v = (Vector *) palloc0(size);

	SET_VARSIZE(v, size);
	v->dim = (int16) dim;
	return v;
}

HalfVector *
halfvec_new(int dim)
{
	Size		size = offsetof(HalfVector, x) + sizeof(uint16) * (Size) dim;
	HalfVector *v = (HalfVector *) palloc0(size);

	SET_VARSIZE(v, size);
	v->dim = (int16) dim;
	return v;
}

SparseVector *
sparsevec_new(int dim, int nnz)
{
	Size		size = offsetof(SparseVector, indices) + (sizeof(int32) + sizeof(float)) * (Size) nnz;
	SparseVector *v = (SparseVector *) palloc0(size);

	SET_VARSIZE(v, size);
	v->dim = dim;
	v->nnz = nnz;
	return v;
}

void
check_dims(const char *type, int dim, int max)
{
	if (dim < 1)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("%s must have at least 1 dimension", type)));
	if (dim > max)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("%s cannot have more than %d dimensions", type, max)));
}

/* A value for a column or cast of typmod dimensions (-1: any). */
void
check_typmod(int32 typmod, int dim)
{
	if (typmod != -1 && typmod != dim)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("expected %d dimensions, not %d", typmod, dim)));
}

void
check_same_dims(const char *type, int a, int b)
{
	if (a != b)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("different %s dimensions %d and %d", type, a, b)));
}

void
check_element(const char *type, float value)
{
	if (isnan(value))
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("NaN not allowed in %s", type)));
	if (isinf(value))
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("infinite value not allowed in %s", type)));
}

/* The dimensions of vector(n), halfvec(n), sparsevec(n). */
int32
typmod_from(ArrayType *modifiers, const char *type, int max)
{
	int			n;
	int32	   *values = ArrayGetIntegerTypmods(modifiers, &n);

	if (n != 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("invalid type modifier")));
	if (values[0] < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("dimensions for type %s must be at least 1", type)));
	if (values[0] > max)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("dimensions for type %s cannot exceed %d", type, max)));
	return values[0];
}

static const char *
skip_space(const char *p)
{
	while (*p != '\0' && scanner_isspace(*p))
		p++;
	return p;
}

static void
syntax_error(const char *type, const char *literal, const char *detail)
{
	ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					errmsg("invalid input syntax for type %s: \"%s\"", type, literal),
					detail ? errdetail("%s", detail) : 0));
}

/* One element of the text form at p: the float (rounded to half precision when half). */
static float
parse_element(const char *type, const char *literal, const char **p, bool half)
{
	char	   *end;
	float		value;

	if (**p == '\0')
		syntax_error(type, literal, NULL);
	errno = 0;
	value = strtof(*p, &end);	/* like float4in: no double rounding */
	if (end == *p)
		syntax_error(type, literal, NULL);
	if ((errno == ERANGE && isinf(value))
		|| (half && !isinf(value) && isinf(half_to_float(float_to_half(value)))))
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						errmsg("\"%s\" is out of range for type %s", pnstrdup(*p, end - *p), type)));
	check_element(type, value);
	*p = end;
	return half ? half_to_float(float_to_half(value)) : value;
}

/* The elements of "[1, 2, 3]" into out (room for 16000); returns how many. */
int
parse_dense(const char *type, const char *literal, float *out, bool half)
{
	const char *p = skip_space(literal);
	int			dim = 0;

	if (*p != '[')
		syntax_error(type, literal, "Vector contents must start with \"[\".");
	p = skip_space(p + 1);
	if (*p == ']')
		check_dims(type, 0, VECTOR_MAX_DIM);
	for (;;)
	{
		if (dim == VECTOR_MAX_DIM)
			check_dims(type, dim + 1, VECTOR_MAX_DIM);
		p = skip_space(p);
		out[dim++] = parse_element(type, literal, &p, half);
		p = skip_space(p);
		if (*p == ']')
			break;
		if (*p != ',')
			syntax_error(type, literal, NULL);
		p++;
	}
	if (*skip_space(p + 1) != '\0')
		syntax_error(type, literal, "Junk after closing right brace.");
	return dim;
}

/* "[x1,x2,...]" with each float's shortest exact decimal, as float4out writes them. */
char *
format_floats(const float *x, int n)
{
	char	   *buf = palloc((Size) n * (FLOAT_SHORTEST_DECIMAL_LEN + 1) + 3);
	char	   *p = buf;

	*p++ = '[';
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(x[i], p);
	}
	*p++ = ']';
	*p = '\0';
	return buf;
}

/* The elements of a one-dimensional integer, real, double precision or numeric array. */
float *
array_floats(ArrayType *array, int *count)
{
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	float	   *out;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("array must be 1-D")));
	if (ARR_HASNULL(array) && array_contains_nulls(array))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("array must not contain nulls")));
	if (elemtype != INT4OID && elemtype != FLOAT4OID && elemtype != FLOAT8OID
		&& elemtype != NUMERICOID)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("unsupported array type")));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign, &elems, NULL, count);
	out = palloc(sizeof(float) * (Size) Max(*count, 1));
	for (int i = 0; i < *count; i++)
	{
		if (elemtype == INT4OID)
			out[i] = (float) DatumGetInt32(elems[i]);
		else if (elemtype == FLOAT4OID)
			out[i] = DatumGetFloat4(elems[i]);
		else if (elemtype == FLOAT8OID)
			out[i] = (float) DatumGetFloat8(elems[i]);
		else
			out[i] = DatumGetFloat4(DirectFunctionCall1(numeric_float4, elems[i]));
	}
	return out;
}

ArrayType *
floats_array(const float *x, int n)
{
	Datum	   *datums = palloc(sizeof(Datum) * (Size) Max(n, 1));

	for (int i = 0; i < n; i++)
		datums[i] = Float4GetDatum(x[i]);
	return construct_array(datums, n, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
}

float
half_to_float(uint16 h)
{
	uint32		sign = (uint32) (h & 0x8000) << 16;
	uint32		exponent = (h >> 10) & 0x1f;
	uint32		mantissa = h & 0x3ff;
	uint32		bits;
	float		f;

	if (exponent == 0)			/* zero or subnormal: mantissa * 2^-24 */
	{
		f = ldexpf((float) mantissa, -24);
		return sign ? -f : f;
	}
	if (exponent == 31)
		bits = sign | 0x7f800000 | (mantissa << 13);
	else
		bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
	memcpy(&f, &bits, sizeof(f));
	return f;
}

/* The nearest half (ties to even); beyond the largest half, infinity. */
uint16
float_to_half(float f)
{
	uint32		bits;
	uint16		sign;
	uint32		magnitude;
	uint32		h;
	uint32		rest;

	memcpy(&bits, &f, sizeof(bits));
	sign = (uint16) ((bits >> 16) & 0x8000);
	magnitude = bits & 0x7fffffff;
	if (magnitude > 0x7f800000)
		return sign | 0x7e00;	/* NaN */
	if (magnitude >= 0x477ff000)	/* 65520 and up round past 65504 */
		return sign | 0x7c00;
	if (magnitude < 0x38800000)	/* below 2^-14: a subnormal half */
		return sign | (uint16) rintf(fabsf(f) * 16777216.0f);
	h = ((magnitude >> 23) - 112) << 10 | ((magnitude & 0x7fffff) >> 13);
	rest = magnitude & 0x1fff;
	if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
		h++;
	return sign | (uint16) h;
}

/* float_to_half, with the overflow error of float arithmetic for a finite value too large. */
uint16
float_to_half_checked(float f)
{
	uint16		h = float_to_half(f);

	if ((h & 0x7fff) == 0x7c00 && !isinf(f))
		float_overflow_error();
	return h;
}

float *
halfvec_floats(HalfVector *v)
{
	float	   *x = palloc(sizeof(float) * (Size) Max(v->dim, 1));

	for (int i = 0; i < v->dim; i++)
		x[i] = half_to_float(v->x[i]);
	return x;
}

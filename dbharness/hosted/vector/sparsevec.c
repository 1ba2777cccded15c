/*
 * The offline vector extension (dbharness): sparsevec, vectors stored as their non-zero
 * elements. Text form: {index:value,...}/dimensions, indices counted from 1 as in SQL arrays.
 *
 * Distances walk both vectors' indices in ascending order, so each sum adds its terms in the
 * order a dense computation of the same values would.
 */
#include "vector.h"

#include <limits.h>
#include <math.h>

#include "libpq/pqformat.h"
#include "parser/scansup.h"
#include "utils/float.h"

typedef struct Element
{
	int32		index;
	float		value;
} Element;

static void
check_nnz(int nnz, int dim)
{
	if (nnz < 0)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("sparsevec cannot have negative number of elements")));
	if (nnz > SPARSEVEC_MAX_NNZ)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("sparsevec cannot have more than %d non-zero elements", SPARSEVEC_MAX_NNZ)));
	if (nnz > dim)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("sparsevec cannot have more elements than dimensions")));
}

/* indices[i] within the dimensions and after indices[i - 1]. */
static void
check_index(const int32 *indices, int i, int dim)
{
	if (indices[i] < 0 || indices[i] >= dim)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("sparsevec index out of bounds")));
	if (i > 0 && indices[i] < indices[i - 1])
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("sparsevec indices must be in ascending order")));
	if (i > 0 && indices[i] == indices[i - 1])
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("sparsevec indices must not contain duplicates")));
}

static void
syntax_error(const char *literal, const char *detail)
{
	ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					errmsg("invalid input syntax for type sparsevec: \"%s\"", literal),
					detail ? errdetail("%s", detail) : 0));
}

static const char *
skip_space(const char *p)
{
	while (*p != '\0' && scanner_isspace(*p))
		p++;
	return p;
}

/* An integer of the text form, kept within int's range so the range checks can say so. */
static long
parse_integer(const char *literal, const char **p)
{
	char	   *end;
	long		n = strtol(*p, &end, 10);

	if (end == *p)
		syntax_error(literal, NULL);
	*p = end;
	return Max(Min(n, (long) INT_MAX), (long) INT_MIN + 1);
}

static float
parse_value(const char *literal, const char **p)
{
	char	   *end;
	float		value;

	errno = 0;
	value = strtof(*p, &end);
	if (end == *p)
		syntax_error(literal, NULL);
	if (errno == ERANGE && (value == 0 || isinf(value)))
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						errmsg("\"%s\" is out of range for type sparsevec", pnstrdup(*p, end - *p))));
	check_element("sparsevec", value);
	*p = end;
	return value;
}

/* The elements between { and }, zeros left out; p ends after the }. */
static int
parse_elements(const char *literal, const char **p, Element *out)
{
	int			nnz = 0;

	if (**p != '{')
		syntax_error(literal, "Vector contents must start with \"{\".");
	*p = skip_space(*p + 1);
	if (**p == '}')
	{
		(*p)++;
		return 0;
	}
	for (;;)
	{
		long		index;
		float		value;

		*p = skip_space(*p);
		if (**p == '\0')
			syntax_error(literal, NULL);
		index = parse_integer(literal, p);
		*p = skip_space(*p);
		if (**p != ':')
			syntax_error(literal, NULL);
		*p = skip_space(*p + 1);
		value = parse_value(literal, p);
		if (value != 0)
			out[nnz++] = (Element) {(int32) (index - 1), value};
		*p = skip_space(*p);
		if (**p == '}')
			break;
		if (**p != ',')
			syntax_error(literal, NULL);
		(*p)++;
	}
	(*p)++;
	return nnz;
}

static int
by_index(const void *a, const void *b)
{
	int32		x = ((const Element *) a)->index;
	int32		y = ((const Element *) b)->index;

	return x < y ? -1 : (x > y ? 1 : 0);
}

static SparseVector *
sparsevec_from(Element *elements, int nnz, int dim)
{
	SparseVector *s = sparsevec_new(dim, nnz);
	float	   *values = sparsevec_values(s);

	qsort(elements, nnz, sizeof(Element), by_index);
	for (int i = 0; i < nnz; i++)
	{
		s->indices[i] = elements[i].index;
		values[i] = elements[i].value;
		check_index(s->indices, i, dim);
	}
	return s;
}

DBH_FUNCTION(sparsevec_in);
Datum
sparsevec_in(PG_FUNCTION_ARGS)
{
	const char *literal = PG_GETARG_CSTRING(0);
	const char *p = literal;
	int			room = 1;
	Element    *elements;
	int			nnz;
	int			dim;

	for (const char *c = literal; *c; c++)
		room += *c == ',';
	if (room > SPARSEVEC_MAX_NNZ)
		check_nnz(room, INT_MAX);
	elements = palloc(sizeof(Element) * (Size) room);
	p = skip_space(p);
	nnz = parse_elements(literal, &p, elements);
	p = skip_space(p);
	if (*p != '/')
		syntax_error(literal, "Unexpected end of input.");
	p = skip_space(p + 1);
	dim = (int) parse_integer(literal, &p);
	if (*skip_space(p) != '\0')
		syntax_error(literal, "Junk after closing.");
	check_dims("sparsevec", dim, SPARSEVEC_MAX_DIM);
	check_typmod(PG_GETARG_INT32(2), dim);
	PG_RETURN_POINTER(sparsevec_from(elements, nnz, dim));
}

DBH_FUNCTION(sparsevec_out);
Datum
sparsevec_out(PG_FUNCTION_ARGS)
{
	SparseVector *s = PG_GETARG_SPARSEVEC(0);
	float	   *values = sparsevec_values(s);
	StringInfoData out;
	char		number[32];

	initStringInfo(&out);
	appendStringInfoChar(&out, '{');
	for (int i = 0; i < s->nnz; i++)
	{
		char	   *dense = format_floats(&values[i], 1);	/* "[x]" */

		snprintf(number, sizeof(number), "%s%d:", i > 0 ? "," : "", s->indices[i] + 1);
		appendStringInfoString(&out, number);
		appendBinaryStringInfo(&out, dense + 1, (int) strlen(dense) - 2);
	}
	appendStringInfo(&out, "}/%d", s->dim);
	PG_RETURN_CSTRING(out.data);
}

DBH_FUNCTION(sparsevec_typmod_in);
Datum
sparsevec_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(typmod_from(PG_GETARG_ARRAYTYPE_P(0), "sparsevec", SPARSEVEC_MAX_DIM));
}

/* Binary form: int32 dimensions, nnz and zero, nnz int32 0-based indices, nnz float4 values. */
DBH_FUNCTION(sparsevec_recv);
Datum
sparsevec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		dim = (int32) pq_getmsgint(buf, sizeof(int32));
	int32		nnz = (int32) pq_getmsgint(buf, sizeof(int32));
	int32		unused = (int32) pq_getmsgint(buf, sizeof(int32));
	SparseVector *s;
	float	   *values;

	check_dims("sparsevec", dim, SPARSEVEC_MAX_DIM);
	check_nnz(nnz, dim);
	check_typmod(PG_GETARG_INT32(2), dim);
	if (unused != 0)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("expected unused to be 0, not %d", unused)));
	s = sparsevec_new(dim, nnz);
	values = sparsevec_values(s);
	for (int i = 0; i < nnz; i++)
	{
		s->indices[i] = (int32) pq_getmsgint(buf, sizeof(int32));
		check_index(s->indices, i, dim);
	}
	for (int i = 0; i < nnz; i++)
	{
		values[i] = pq_getmsgfloat4(buf);
		check_element("sparsevec", values[i]);
		if (values[i] == 0)
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
							errmsg("binary representation of sparsevec cannot contain zero values")));
	}
	PG_RETURN_POINTER(s);
}

DBH_FUNCTION(sparsevec_send);
Datum
sparsevec_send(PG_FUNCTION_ARGS)
{
	SparseVector *s = PG_GETARG_SPARSEVEC(0);
	float	   *values = sparsevec_values(s);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, (uint32) s->dim);
	pq_sendint32(&buf, (uint32) s->nnz);
	pq_sendint32(&buf, (uint32) s->unused);
	for (int i = 0; i < s->nnz; i++)
		pq_sendint32(&buf, (uint32) s->indices[i]);
	for (int i = 0; i < s->nnz; i++)
		pq_sendfloat4(&buf, values[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

DBH_FUNCTION(sparsevec);
Datum
sparsevec(PG_FUNCTION_ARGS)
{
	SparseVector *s = PG_GETARG_SPARSEVEC(0);

	check_typmod(PG_GETARG_INT32(1), s->dim);
	PG_RETURN_POINTER(s);
}

/* The sparsevec of dense elements x (a cast from vector, halfvec or an array). */
static SparseVector *
from_dense(const float *x, int dim, int32 typmod)
{
	Element    *elements;
	int			nnz = 0;

	check_dims("sparsevec", dim, SPARSEVEC_MAX_DIM);
	check_typmod(typmod, dim);
	for (int i = 0; i < dim; i++)
		nnz += x[i] != 0;
	check_nnz(nnz, dim);
	elements = palloc(sizeof(Element) * (Size) Max(nnz, 1));
	nnz = 0;
	for (int i = 0; i < dim; i++)
	{
		if (x[i] != 0)
		{
			check_element("sparsevec", x[i]);
			elements[nnz++] = (Element) {i, x[i]};
		}
	}
	return sparsevec_from(elements, nnz, dim);
}

DBH_FUNCTION(vector_to_sparsevec);
Datum
vector_to_sparsevec(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR(0);

	PG_RETURN_POINTER(from_dense(v->x, v->dim, PG_GETARG_INT32(1)));
}

DBH_FUNCTION(halfvec_to_sparsevec);
Datum
halfvec_to_sparsevec(PG_FUNCTION_ARGS)
{
	HalfVector *h = PG_GETARG_HALFVEC(0);

	PG_RETURN_POINTER(from_dense(halfvec_floats(h), h->dim, PG_GETARG_INT32(1)));
}

DBH_FUNCTION(array_to_sparsevec);
Datum
array_to_sparsevec(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *x = array_floats(PG_GETARG_ARRAYTYPE_P(0), &dim);

	PG_RETURN_POINTER(from_dense(x, dim, PG_GETARG_INT32(1)));
}

DBH_FUNCTION(sparsevec_to_halfvec);
Datum
sparsevec_to_halfvec(PG_FUNCTION_ARGS)
{
	SparseVector *s = PG_GETARG_SPARSEVEC(0);
	float	   *values = sparsevec_values(s);
	HalfVector *h;

	check_dims("halfvec", s->dim, HALFVEC_MAX_DIM);
	check_typmod(PG_GETARG_INT32(1), s->dim);
	h = halfvec_new(s->dim);
	for (int i = 0; i < s->nnz; i++)
		h->x[s->indices[i]] = float_to_half_checked(values[i]);
	PG_RETURN_POINTER(h);
}

/*
 * The offline vector extension (dbharness): distances between PostgreSQL's own bit strings (what
 * binary_quantize returns), Hamming and Jaccard.
 */
#include "vector.h"

#include "port/pg_bitutils.h"
#include "utils/varbit.h"

/* The two bit strings of a call, of the same length. */
static void
two_bit_strings(FunctionCallInfo fcinfo, VarBit **a, VarBit **b)
{
	*a = PG_GETARG_VARBIT_P(0);
	*b = PG_GETARG_VARBIT_P(1);
	if (VARBITLEN(*a) != VARBITLEN(*b))
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("different bit lengths %u and %u", VARBITLEN(*a), VARBITLEN(*b))));
}

/* The number of positions where the bits differ. */
DBH_FUNCTION(hamming_distance);
Datum
hamming_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a;
	VarBit	   *b;
	uint64		distance = 0;

	two_bit_strings(fcinfo, &a, &b);
	for (int i = 0; i < VARBITBYTES(a); i++)
		distance += pg_number_of_ones[VARBITS(a)[i] ^ VARBITS(b)[i]];
	PG_RETURN_FLOAT8((double) distance);
}

/* 1 - |a and b| / |a or b|; 1 when no bit is set in both. */
DBH_FUNCTION(jaccard_distance);
Datum
jaccard_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a;
	VarBit	   *b;
	uint64		both = 0;
	uint64		either = 0;

	two_bit_strings(fcinfo, &a, &b);
	for (int i = 0; i < VARBITBYTES(a); i++)
	{
		both += pg_number_of_ones[VARBITS(a)[i] & VARBITS(b)[i]];
		either += pg_number_of_ones[VARBITS(a)[i] | VARBITS(b)[i]];
	}
	PG_RETURN_FLOAT8(both == 0 ? 1.0 : 1.0 - (double) both / (double) either);
}

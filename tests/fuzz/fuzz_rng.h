/*
 * fuzz_rng.h - the seeded PRNG of the deterministic mutation tests
 * (xorshift64*): the same seed gives the same mutations on any machine.
 * Each test executable gets its own copy of the state.
 */
#ifndef MR_TESTS_FUZZ_RNG_H
#define MR_TESTS_FUZZ_RNG_H

#include <stddef.h>
#include <stdint.h>

static uint64_t rng; /* the state; the test seeds it */

static inline uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

/* A number below N (0 when N is 0). */
static inline size_t below(size_t n)
{
	return n ? (size_t)(next() % n) : 0;
}

#endif

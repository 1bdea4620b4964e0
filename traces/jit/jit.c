/*
 * jit.c - a JIT's W^X flip-flop, for a capture: a 16-page anonymous
 * buffer is written while PROT_READ|PROT_WRITE, flipped to
 * PROT_READ|PROT_EXEC and its code run, then flipped back to be written
 * again. Each round flips a different run of pages (one page, a few, all
 * of them), so the buffer splits into RW and RX VMAs and merges back
 * when neighbours agree again. Every page is written before it is first
 * made executable, so all pieces share the buffer's anon_vma.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>

#define PG 4096UL
#define NPAGES 16
#define RW (PROT_READ | PROT_WRITE)
#define RX (PROT_READ | PROT_EXEC)

/* x86-64: mov eax, imm32; ret */
static void emit(unsigned char *p, int v)
{
	p[0] = 0xb8;
	memcpy(p + 1, &v, 4);
	p[5] = 0xc3;
}

int main(void)
{
	unsigned char *buf =
		mmap(NULL, NPAGES * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int round, sum = 0;

	if (buf == MAP_FAILED)
		return 1;
	for (round = 0; round < NPAGES; round++)
		emit(buf + round * PG, round);
	mprotect(buf, NPAGES * PG, RX); /* all RX */
	for (round = 0; round < 60; round++) {
		/* a run of 1 to 6 pages somewhere in the buffer */
		unsigned long first = (round * 7) % NPAGES;
		unsigned long n = 1 + round % 6;
		unsigned char *p = buf + first * PG;
		unsigned long i;

		if (first + n > NPAGES)
			n = NPAGES - first;
		mprotect(p, n * PG, RW); /* split off to write */
		for (i = 0; i < n; i++)
			emit(p + i * PG, round);
		mprotect(p, n * PG, RX); /* back: merges */
		sum += ((int (*)(void))p)();
		if (round % 10 == 9) { /* now and then: all */
			mprotect(buf, NPAGES * PG, RW);
			emit(buf, -round);
			mprotect(buf, NPAGES * PG, RX);
			sum += ((int (*)(void))buf)();
		}
		if (round % 8 == 3) /* leave a page RW */
			mprotect(buf + ((round * 5) % NPAGES) * PG, PG, RW);
	}
	munmap(buf, NPAGES * PG);
	return sum == 42;
}

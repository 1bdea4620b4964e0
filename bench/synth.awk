# bench/synth.awk: a syscall-only strace -o trace of N lines (awk -v N=...):
# N lines of one process mapping 64 pages at a fixed address, splitting
# them with mprotect and unmapping them, again and again.
BEGIN {
	t = 1796650000000000; pid = 4242
	printf "%d %d.%06d execve(\"/usr/bin/true\", [\"true\"], 0x7ffd0000 /* 1 var */) = 0 <0.000100>\n", pid, t / 1000000, t % 1000000
	n = 1
	while (n < N - 2) {
		t += 7
		printf "%d %d.%06d mmap(0x600000000000, 262144, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x600000000000 <0.000005>\n", pid, t / 1000000, t % 1000000
		n++
		for (k = 1; k <= 30 && n < N - 3; k++) {
			t += 5
			printf "%d %d.%06d mprotect(0x6000%08x, 4096, PROT_READ) = 0 <0.000003>\n", pid, t / 1000000, t % 1000000, 8192 * k
			n++
		}
		t += 6
		printf "%d %d.%06d munmap(0x600000000000, 262144) = 0 <0.000004>\n", pid, t / 1000000, t % 1000000
		n++
	}
	t += 10
	printf "%d %d.%06d exit_group(0) = ?\n", pid, t / 1000000, t % 1000000
	printf "%d %d.%06d +++ exited with 0 +++\n", pid, t / 1000000, t % 1000000
}

for rnd in range(2):
    bufs = []
    for mib in (1, 8, 32):
        n = mib << 20
        b = bytearray(n)
        for i in range(0, n, 4096):
            b[i] = 1
        bufs.append(b)
    c = bytearray(8 << 20)
    c[::4096] = b'\x02' * len(range(0, len(c), 4096))
    print(rnd, sum(len(x) for x in bufs), c.count(2))
    del b, c
    del bufs

import json
d = {str(i): [i, i * i, "x" * (i % 17)] for i in range(60000)}
s = json.dumps(d)
top = sorted(d.values(), key=lambda v: -v[1])[:3]
del d
print(len(s), top[0][0], len(json.loads(s)))

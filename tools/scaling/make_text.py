#!/usr/bin/env python3
# Usage: make_text.py SOURCE.txt OUT.txt BYTES   e.g. make_text.py tinyshakespeare.txt text-4GB.txt 4000000000
# Repeats SOURCE (ASCII text) until OUT holds exactly BYTES bytes: the corpora of the README's scaling tables.
import sys
src = open(sys.argv[1], 'rb').read()
size = int(sys.argv[3])
with open(sys.argv[2], 'wb') as f:
    n = 0
    while n + len(src) <= size:
        f.write(src)
        n += len(src)
    f.write(src[:size - n])

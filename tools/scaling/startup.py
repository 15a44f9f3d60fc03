#!/usr/bin/env python3
# Usage: startup.py STEPS LABEL=DATA[:tokenizer] ...  (DATA: a prepared directory, a text file, or 'builtin')
# Train start-up time (process start -> first step line) and peak RSS of a short run, per data set.
import subprocess, sys, time, re, os, shutil
cli = os.environ.get('ANNEAL', 'anneal').split()  # e.g. ANNEAL='dotnet src/Anneal.Cli/bin/Release/net10.0/Anneal.Cli.dll'
steps = sys.argv[1]
cases = sys.argv[2:]   # each "label=DATA[:tokenizer]" ; DATA "builtin" for the built-in corpus
for case in cases:
    label, spec = case.split('=', 1)
    data, _, tok = spec.partition(':')
    out = os.path.join(os.environ.get('TMPDIR', '/tmp'), f'anneal-startup-{label}')
    shutil.rmtree(out, ignore_errors=True)
    args = ['train', '--steps', steps, '--eval-every', '100000', '--checkpoint-every', '0', '--out', out]
    if data != 'builtin': args += ['--data', data]
    if tok: args += ['--tokenizer', tok]
    load = open('/proc/loadavg').read().split()[0]
    t0 = time.monotonic()
    p = subprocess.Popen(['/usr/bin/time', '-v'] + cli + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    header = first = None
    for line in p.stdout:
        now = time.monotonic() - t0
        if header is None and line.startswith(('training:', 'resuming')): header = now
        if first is None and line.startswith('step 0 ('): first = now
    err = p.stderr.read(); p.wait()
    rss = int(re.search(r'Maximum resident set size \(kbytes\): (\d+)', err).group(1)) / 1024
    wall = time.monotonic() - t0
    print(f'{label}: header {header:.2f} s, first step {first:.2f} s, whole run {wall:.1f} s, peak RSS {rss:.0f} MB, load {load}, exit {p.returncode}', flush=True)

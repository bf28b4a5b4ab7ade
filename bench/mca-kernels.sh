#!/usr/bin/env bash
# Static throughput of the codec's GFNI kernels on CPU models this machine need not be: bench/disasm-kernels.sh
# lists the NativeAOT code for x86-64-v4 with GFNI, this script cuts out each kernel's innermost loop (the shortest
# backward branch around GF2P8AFFINEQB) and hands it to llvm-mca (Debian's llvm-19, installed here if missing),
# which simulates the loop on LLVM's scheduling model of each CPU. A model, not a measurement: it counts ports,
# latencies and issue width, not caches or memory, so it answers "is the loop bound by its affine instructions, or
# by the logic, loads and address arithmetic around them?" for a kernel change before anyone measures it.
# Usage: [LISTING=file] bench/mca-kernels.sh [CPUS [METHODS]]
#   LISTING  an existing listing of bench/disasm-kernels.sh (e.g. of another commit) instead of a fresh one
#   CPUS     llvm-mca -mcpu names, comma separated (default: znver4,sapphirerapids,icelake-server)
#   METHODS  a regular expression over the kernel names (default: the hardware Gfni512 and Gfni256 kernels)
# Prints per kernel and CPU: cycles per loop iteration, data bytes per iteration, data bytes per cycle, and the
# GF2P8AFFINEQB bound (affine instructions per iteration over the model's affine throughput).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cpus=${1:-znver4,sapphirerapids,icelake-server}
methods=${2:-'Gfni(512|256)Kernel:(Small|Dot)\[GfniInstructions'}
if ! command -v llvm-mca-19 >/dev/null; then
  echo "installing llvm-19 (llvm-mca) for the model"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq llvm-19 >/dev/null
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-mca.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -n "${LISTING:-}" ]; then
  cp "$LISTING" "$work/listing.txt"
else
  "$root/bench/disasm-kernels.sh" "$work/listing.txt" >/dev/null
fi
python3 - "$work" "$cpus" "$methods" <<'EOF'
import os, re, subprocess, sys
work, cpus, pattern = sys.argv[1], sys.argv[2].split(','), re.compile(sys.argv[3])
text = open(os.path.join(work, 'listing.txt')).read()

def loop(code):
    """The kernel's steady state: of the innermost loops (backward branches around no other loop's head), the one
    with the most affine instructions."""
    labels = {l[:-1]: i for i, l in enumerate(code) if re.match(r'^G_M\d+_IG\d+:$', l)}
    loops = []
    for i, l in enumerate(code):
        m = re.match(r'^j\w+\s+(?:SHORT\s+)?(G_M\d+_IG\d+)$', l)
        if m and labels.get(m.group(1), i) < i:
            loops.append((labels[m.group(1)], i))
    inner = [(s, e) for s, e in loops if not any(s < s2 <= e2 < e or s <= s2 < e2 < e and (s2, e2) != (s, e) for s2, e2 in loops)]
    best = None
    for s, e in inner:
        body = code[s + 1:e + 1]
        affine = sum('gf2p8affineqb' in b for b in body)
        if affine and (best is None or affine > best[0]):
            best = (affine, body)
    return None if best is None else best[1]

def for_mca(body):
    out = ['.intel_syntax noprefix']
    for l in body:
        if re.match(r'^(G_M\d+_IG\d+:|align\b|j\w+\s)', l):
            continue  # labels, padding and branches: the model runs the block as a loop of its own
        l = re.sub(r'\s+\{1to(\d+)\}', r'{1to\1}', l.replace('byte  ptr', 'byte ptr'))
        out.append(re.sub(r'\b[bg]word ptr', 'qword ptr', l))
    return '\n'.join(out) + '\n'

def data_bytes(name, body):
    """Data (input) bytes one iteration consumes: inputs loaded × vector width."""
    width = 64 if '512' in name else 32
    loads = sum(1 for b in body if re.match(r'^vmov\w+\s+[yz]mm\d+, [yz]mmword ptr \[(?!r[bs]p)', b))
    return loads * width

print(f"{'kernel':<58} {'cpu':<15} {'cyc/iter':>8} {'bytes':>6} {'B/cycle':>8} {'affine bound':>12}")
for part in re.split(r'^; Assembly listing for method ', text, flags=re.M)[1:]:
    name = part.split('\n', 1)[0].replace('Tessera.Erasure.Kernels.', '').split('(')[0]
    if not pattern.search(name):
        continue
    code = [l.split(';;')[0].strip() for l in part.split('\n')[1:]]
    code = [l for l in code if l and not l.startswith(';')]
    body = loop(code)
    if body is None:
        continue
    src = os.path.join(work, 'loop.s')
    open(src, 'w').write(for_mca(body))
    affine = sum('gf2p8affineqb' in b for b in body)
    for cpu in cpus:
        iterations = 400
        out = subprocess.run(['llvm-mca-19', f'-mcpu={cpu}', f'-iterations={iterations}', '-all-views=false',
                              '-summary-view', src], capture_output=True, text=True)
        cycles = re.search(r'Total Cycles:\s+(\d+)', out.stdout)
        if not cycles:
            print(f"{name:<58} {cpu:<15} llvm-mca failed: {out.stderr.strip().splitlines()[:1]}")
            continue
        per = int(cycles.group(1)) / iterations
        # The model's reciprocal throughput of the affine instruction alone, from a block of independent ones.
        probe = os.path.join(work, 'affine.s')
        reg = 'zmm' if '512' in name else 'ymm'
        open(probe, 'w').write('.intel_syntax noprefix\n' + ''.join(
            f'vgf2p8affineqb {reg}{i}, {reg}{i + 8}, {reg}16, 0\n' for i in range(8)))
        pout = subprocess.run(['llvm-mca-19', f'-mcpu={cpu}', '-iterations=400', '-all-views=false', '-summary-view',
                               probe], capture_output=True, text=True).stdout
        rthroughput = float(re.search(r'Block RThroughput:\s+([\d.]+)', pout).group(1)) / 8
        nbytes = data_bytes(name, body)
        print(f"{name:<58} {cpu:<15} {per:>8.1f} {nbytes:>6} {nbytes / per:>8.1f} {affine * rthroughput:>12.1f}")
EOF

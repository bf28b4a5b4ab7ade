#!/usr/bin/env bash
# The machine code of the codec kernels for a CPU this machine need not have (by default AVX-512 with GFNI): the
# NativeAOT compiler (ILCompiler, restored from NuGet) compiles src/Tessera.Erasure for that instruction set and the
# JIT prints every kernel. Nothing is run, so it works on a CPU without GFNI: it shows what a GFNI machine executes
# (register use, stack spills, folded broadcasts) and lets a change to the kernels be compared instruction by
# instruction before anyone measures it.
# Usage: bench/disasm-kernels.sh [OUTPUT [INSTRUCTION_SETS [METHODS]]]
#   OUTPUT            the listing (default: bench/disasm-kernels.txt, not committed)
#   INSTRUCTION_SETS  ILCompiler's --instruction-set (default: x86-64-v4,gfni,gfni_v256,gfni_v512)
#   METHODS           JitDisasm method filter (default: "Small Dot")
# Prints one line per kernel instantiation: instructions, GF2P8AFFINEQB, VPTERNLOG and vector stack spills/reloads.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/bench/disasm-kernels.txt}")
isa=${2:-x86-64-v4,gfni,gfni_v256,gfni_v512}
methods=${3:-Small Dot}
work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-disasm.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat >"$work/disasm.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <RuntimeIdentifier>linux-x64</RuntimeIdentifier>
    <PublishAot>true</PublishAot>
    <IlcInstructionSet>$isa</IlcInstructionSet>
  </PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$root/src/Tessera.Erasure/Tessera.Erasure.csproj" />
    <IlcArg Include="--codegenopt:JitDisasm=$methods" />
    <IlcArg Include="--codegenopt:JitStdOutFile=$out" />
    <IlcArg Include="--parallelism:1" />
  </ItemGroup>
</Project>
EOF
# Reaches every kernel: the dispatcher switches over all paths, groups and column counts.
cat >"$work/Program.cs" <<'EOF'
var shards = new System.Memory<byte>[12];
for (var i = 0; i < shards.Length; i++)
{
    shards[i] = new byte[4096];
}

new Tessera.Erasure.ReedSolomon(8, 4).Encode(shards);
EOF
rm -f "$out"
# Linking may fail where no native linker is installed; the listing is written before that.
dotnet publish "$work/disasm.csproj" -c Release -o "$work/out" -nologo -v q >"$work/publish.log" 2>&1 || true
if [ ! -s "$out" ]; then
  cat "$work/publish.log" >&2
  echo "no listing was written" >&2
  exit 1
fi
python3 - "$out" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
print(f"{'method':<96} {'instr':>6} {'affine':>6} {'ternlog':>7} {'spills':>6}")
for part in re.split(r'^; Assembly listing for method ', text, flags=re.M)[1:]:
    name = part.split('\n', 1)[0].replace('Tessera.Erasure.Kernels.', '').split('(')[0]
    code = [l.strip() for l in part.split('\n')[1:] if l.startswith('       ') and not l.strip().startswith(';')]
    spills = sum(1 for l in code if re.match(r'vmov\w+\s+(([xyz]mm\w+, \w+ ptr \[r[bs]p)|(\w+ ptr \[r[bs]p[^\]]*\], [xyz]mm))', l))
    print(f"{name:<96} {len(code):>6} {sum('gf2p8affineqb' in l for l in code):>6} {sum('vpternlog' in l for l in code):>7} {spills:>6}")
EOF
echo "listing: $out"

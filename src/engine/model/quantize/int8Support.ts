// Whether int8 extraction runs here, and with which weight width. Two facts decide it:
//   1. the CPU's int8 dot-product path (Linux: the flags in /proc/cpuinfo; macOS on Apple silicon: always there):
//      - AVX-512 VNNI / AVX-VNNI (x86) or the dot-product extension (ARM): full 8-bit weights;
//      - AVX2 without VNNI: no VNNI, so float32 with the notice (the rule of issue 16). ONNX Runtime's u8 x s8 kernels
//        there add pairs of products in int16 (vpmaddubsw), which saturates with full-range weights; with
//        SPURIOSITY_INT8_WITHOUT_VNNI=1 int8 runs anyway with 7-bit weights (|q| <= 63), which the benchmarks use
//        on this project's AVX2-only AMD EPYC (figures: BENCHMARKS.md, int8 sections);
//      - anything else (no AVX2, or flags that cannot be read): no integer path worth having;
//   2. this ONNX Runtime build turns the QDQ graph into integer kernels: a tiny QDQ Conv is optimized and must come
//      out as QLinearConv (a build without the QDQ transformers would run QDQ graphs in float32, slower than float32).
// When either fails, extraction falls back to float32 and says so in one line.
import { readFile } from 'node:fs/promises';
import { arch, platform } from 'node:os';

/** The integer path of this CPU: 'vnni' (8-bit weights), 'avx2' (7-bit weights), or null (none worth using). */
export type Int8Path = 'vnni' | 'avx2' | 'dotprod' | null;

/** The decision for --precision int8. */
export type Int8Support =
  | { ok: true; path: Exclude<Int8Path, null>; weightQmax: number; detail: string }
  | { ok: false; reason: string };

/** Reads the CPU's int8 path from /proc/cpuinfo flags (x86 'flags', ARM 'Features'); `cpuinfo` is injectable for tests. */
export function int8PathFromCpuinfo(cpuinfo: string): { path: Int8Path; found: string } {
  const line = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(cpuinfo);
  const flags = new Set((line?.[1] ?? '').split(/\s+/).filter(Boolean));
  if (flags.has('avx512_vnni') || flags.has('avx_vnni') || flags.has('amx_int8')) return { path: 'vnni', found: ['avx512_vnni', 'avx_vnni', 'amx_int8'].filter((f) => flags.has(f)).join(', ') };
  if (flags.has('asimddp')) return { path: 'dotprod', found: 'asimddp' };
  if (flags.has('avx2')) return { path: 'avx2', found: 'avx2 (no avx512_vnni / avx_vnni)' };
  return { path: null, found: flags.size === 0 ? 'no CPU flags listed' : 'neither avx2 nor a VNNI / dot-product extension' };
}

/** This machine's int8 path: /proc/cpuinfo on Linux, Apple silicon by architecture; null with the reason elsewhere. */
export async function detectCpuInt8Path(): Promise<{ path: Int8Path; found: string }> {
  if (platform() === 'linux') {
    const text = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
    return int8PathFromCpuinfo(text);
  }
  if (platform() === 'darwin' && arch() === 'arm64') return { path: 'dotprod', found: 'Apple silicon (dot-product extension)' };
  return { path: null, found: `CPU flags are not readable on ${platform()}/${arch()}` };
}

/** Weight range for a path: 8-bit where products accumulate in int32, 7-bit where AVX2 pairs them in int16. */
export function weightQmaxFor(path: Exclude<Int8Path, null>): number {
  return path === 'avx2' ? 63 : 127;
}

/** The environment variable that lets int8 run on AVX2 without VNNI (7-bit weights). */
export const INT8_WITHOUT_VNNI_ENV = 'SPURIOSITY_INT8_WITHOUT_VNNI';

/** True when the user opted into int8 without VNNI (`SPURIOSITY_INT8_WITHOUT_VNNI=1`). */
export function int8WithoutVnniAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[INT8_WITHOUT_VNNI_ENV] === '1';
}

/** Combines the CPU path and the ONNX Runtime build check into the decision; AVX2 alone counts only when `allowAvx2`. */
export function decideInt8(cpu: { path: Int8Path; found: string }, ortFusesQdq: boolean | string, allowAvx2 = int8WithoutVnniAllowed()): Int8Support {
  if (cpu.path === null) return { ok: false, reason: `this CPU has no int8 dot-product path ONNX Runtime can use (${cpu.found})` };
  if (cpu.path === 'avx2' && !allowAvx2) {
    return { ok: false, reason: `this CPU has no VNNI int8 dot-product instructions (${cpu.found}; ${INT8_WITHOUT_VNNI_ENV}=1 runs int8 anyway, with 7-bit weights)` };
  }
  if (ortFusesQdq !== true) {
    return { ok: false, reason: `this ONNX Runtime build does not turn quantized (QDQ) graphs into integer kernels${typeof ortFusesQdq === 'string' ? ` (${ortFusesQdq})` : ''}` };
  }
  const qmax = weightQmaxFor(cpu.path);
  return { ok: true, path: cpu.path, weightQmax: qmax, detail: `${cpu.found}: ${qmax === 127 ? '8' : '7'}-bit weights` };
}

/** How the fallback notice starts (the extension finds it among the extraction's warnings by it). */
export const INT8_NOTICE_PREFIX = 'int8 precision unavailable: ';

/** The one-line notice printed when int8 was asked for and float32 runs instead. */
export function fallbackNotice(reason: string): string {
  return `${INT8_NOTICE_PREFIX}${reason}; extracting in float32 instead`;
}

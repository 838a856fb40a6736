// bench/rerank.ts's measurement as one JSON object, for bench/run.mjs.
import { runRerankBench } from '../rerank';
import { numArg, peakRssMB } from './args';

const argv = process.argv.slice(2);
const r = runRerankBench(numArg(argv, 'images', 100_000), numArg(argv, 'dim', 2048), numArg(argv, 'classes', 1000));
console.log(JSON.stringify({ ...r, peakRssMB: peakRssMB() }));

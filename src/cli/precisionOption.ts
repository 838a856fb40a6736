// The --precision option every command that extracts features accepts.
import { Option } from 'commander';
import { PRECISIONS } from '../engine/api/extraction';

/** --precision: float32 (default) or int8 (quantized backbone, see docs/data.md); shared by every command that extracts. */
export function precisionOption(): Option {
  return new Option('--precision <p>', 'float32, or int8: the backbone quantized on 64 of the dataset\'s own images, features cached apart from float32 ones; falls back to float32 with a one-line notice where the CPU lacks VNNI / dot-product instructions or ONNX Runtime lacks integer kernels (SPURIOSITY_INT8_WITHOUT_VNNI=1: int8 on AVX2 anyway, 7-bit weights)')
    .choices([...PRECISIONS]).default('float32');
}

// The --precision option every command that extracts features accepts.
import { Option } from 'commander';
import { PRECISIONS } from '../engine/api/extraction';

/** --precision: float32 (default) or int8 (quantized backbone, see docs/data.md); shared by every command that extracts. */
export function precisionOption(): Option {
  return new Option('--precision <p>', 'float32, or int8: the backbone quantized on 64 of the dataset\'s own images, features cached apart from float32 ones; falls back to float32 with a notice where the CPU or ONNX Runtime lacks integer kernels')
    .choices([...PRECISIONS]).default('float32');
}

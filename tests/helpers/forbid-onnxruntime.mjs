// Loaded with `node --import`: any attempt to load onnxruntime-node (the model runtime) fails
// loudly. A run that succeeds under it provably never loaded the model.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier === 'onnxruntime-node' || specifier.startsWith('onnxruntime-node/')) {
    throw new Error('forbidden in this test: the model runtime (onnxruntime-node) was loaded');
  }
  return next(specifier, context);
}`)}`,
);

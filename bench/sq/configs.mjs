// The SQ configurations the benchmarks run, by the names faiss_sq.py gives FAISS's (run.mjs, parts.mjs).
export const SQ_CONFIGS = {
  SQ8: { format: '8bit' },
  SQ6: { format: '6bit' },
  SQ4: { format: '4bit' },
  'SQ4 optim': { format: '4bit', estimator: 'optim' },
  'SQ8 global': { format: '8bit', range: 'global' },
  SQfp16: { format: 'fp16' },
};

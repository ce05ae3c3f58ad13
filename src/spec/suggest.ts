/** "Did you mean" for unknown keys and enum values: smallest edit distance, if close enough. */
export function levenshtein(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[n]!;
}

/** Well-known aliases from other tools that are not typos: `lr` means `learning_rate`. */
const ALIASES: Record<string, string> = {
  lr: 'learning_rate',
  learningrate: 'learning_rate',
  decay: 'weight_decay',
  wd: 'weight_decay',
  clip_value: 'clipvalue',
  clip_norm: 'clipnorm',
  bs: 'batch_size',
  batchsize: 'batch_size',
  n_epochs: 'epochs',
  num_epochs: 'epochs',
  frozen: 'freeze',
  model: 'backbone',
  arch: 'backbone',
  activation_fn: 'activation',
};

export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const alias = ALIASES[lower.replace(/-/g, '_')];
  if (alias && candidates.includes(alias)) return alias;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = levenshtein(lower, c.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(word.length, best.length) / 3));
  if (bestScore <= limit) return best;
  // prefix/substring match catches `rate` -> `learning_rate`, `norm` -> `clipnorm`
  const sub = candidates.find((c) => c.toLowerCase().includes(lower) || lower.includes(c.toLowerCase()));
  return lower.length >= 3 ? sub : undefined;
}

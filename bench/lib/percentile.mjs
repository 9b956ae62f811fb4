// The p-th percentile (0-100) of an ascending list of samples: the nearest-rank sample, or `empty`
// when there are none. Shared by the scenarios that keep every sample (the others keep a Histogram).
export function percentile(sorted, p, empty = NaN) {
  if (sorted.length === 0) return empty;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

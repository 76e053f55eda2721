/**
 * The figures `ddx eval` reports (issue 10 item 6), from the evaluated images alone. "Wrong"
 * includes any answer about an image whose label the models do not have: those should never be
 * answered `confident`. A share is null when nothing was there to count.
 */
import type { EvalItem } from './eval-item.js';

export interface Headline {
  images: number;
  answered: number;
  confidentShare: number | null;
  uncertainShare: number | null;
  outOfScopeShare: number | null;
  /** Out of scope, or refused outright with an input error (a CT slice, a broken file). */
  refusedShare: number | null;
  confidentAndWrongShare: number | null;
  wrongNotConfidentShare: number | null;
  accuracyAll: number | null;
  accuracyConfident: number | null;
  dangerousMisses: number;
}

export interface EvalMetrics {
  headline: Headline;
  roiRecallIoU50: number | null;
  roiImages: number;
  top1: number | null;
  top3: number | null;
  perClass: Record<string, { images: number; sensitivity: number | null; specificity: number | null }>;
  malignantVsBenign: {
    malignantImages: number;
    /** Malignant images whose top label is malignant-capable. */
    sensitivity: number | null;
    /** Malignant images not dismissed: top label malignant-capable, or the answer not confident. */
    notDismissed: number | null;
    benignImages: number;
    specificity: number | null;
  };
  confusion: { labels: string[]; predicted: string[]; counts: number[][] };
  calibration: {
    images: number;
    ece: number | null;
    rawEce: number | null;
    bins: { from: number; to: number; images: number; confidence: number; accuracy: number }[];
  };
  selective: {
    curve: { coverage: number; accuracy: number }[];
    assessment: { coverage: number; accuracy: number } | null;
  };
  dangerousMisses: { file: string; dx: string; predicted: string; probability: number }[];
  reasons: Record<string, number>;
  breakdowns: Record<string, Record<string, Partial<Headline> & { images: number }>>;
  latencyMs: { p50: number | null; p90: number | null; p99: number | null; max: number | null };
}

const ratio = (count: number, total: number) => (total > 0 ? count / total : null);

export function isAnswered(item: EvalItem): boolean {
  return item.status !== 'failed' && item.status !== 'not-run' && item.top.length > 0;
}

export function isCorrect(item: EvalItem): boolean {
  return item.expected !== null && item.top[0]?.label === item.expected;
}

export function computeMetrics(
  items: readonly EvalItem[],
  malignantModelLabels: readonly string[],
): EvalMetrics {
  const answered = items.filter(isAnswered);
  const mapped = answered.filter((item) => item.expected !== null);
  const isMalignantLabel = (label: string | undefined) =>
    label !== undefined && malignantModelLabels.includes(label);
  const dangerous = answered.filter(
    (item) => item.malignant && item.verdict === 'confident' && !isMalignantLabel(item.top[0]?.label),
  );
  const malignant = answered.filter((item) => item.malignant);
  const benign = answered.filter((item) => !item.malignant && item.expected !== null);
  const roiItems = items.filter((item) => item.roiExpected);

  return {
    headline: headline(items),
    roiRecallIoU50: ratio(roiItems.filter((item) => (item.roiIoU ?? 0) >= 0.5).length, roiItems.length),
    roiImages: roiItems.length,
    top1: ratio(mapped.filter(isCorrect).length, mapped.length),
    top3: ratio(
      mapped.filter((item) => item.top.some((score) => score.label === item.expected)).length,
      mapped.length,
    ),
    perClass: perClass(mapped),
    malignantVsBenign: {
      malignantImages: malignant.length,
      sensitivity: ratio(
        malignant.filter((item) => isMalignantLabel(item.top[0]?.label)).length,
        malignant.length,
      ),
      notDismissed: ratio(
        malignant.filter((item) => isMalignantLabel(item.top[0]?.label) || item.verdict !== 'confident')
          .length,
        malignant.length,
      ),
      benignImages: benign.length,
      specificity: ratio(
        benign.filter((item) => !isMalignantLabel(item.top[0]?.label)).length,
        benign.length,
      ),
    },
    confusion: confusion(answered),
    calibration: calibration(mapped),
    selective: selective(answered),
    dangerousMisses: dangerous.map((item) => ({
      file: item.file,
      dx: item.dx,
      predicted: item.top[0]?.label ?? '',
      probability: item.top[0]?.probability ?? 0,
    })),
    reasons: countReasons(items),
    breakdowns: breakdowns(items),
    latencyMs: latency(items),
  };
}

export function headline(items: readonly EvalItem[]): Headline {
  const answered = items.filter(isAnswered);
  const confident = answered.filter((item) => item.verdict === 'confident');
  const wrong = answered.filter((item) => !isCorrect(item));
  const n = items.length;
  const count = (predicate: (item: EvalItem) => boolean) => items.filter(predicate).length;
  return {
    images: n,
    answered: answered.length,
    confidentShare: ratio(confident.length, n),
    uncertainShare: ratio(
      count((item) => item.verdict === 'uncertain'),
      n,
    ),
    outOfScopeShare: ratio(
      count((item) => item.verdict === 'out-of-scope'),
      n,
    ),
    refusedShare: ratio(
      count(
        (item) => item.verdict === 'out-of-scope' || (item.status === 'failed' && item.errorCode !== null),
      ),
      n,
    ),
    confidentAndWrongShare: ratio(confident.filter((item) => !isCorrect(item)).length, n),
    wrongNotConfidentShare: ratio(wrong.filter((item) => item.verdict !== 'confident').length, wrong.length),
    accuracyAll: ratio(answered.filter(isCorrect).length, answered.length),
    accuracyConfident: ratio(confident.filter(isCorrect).length, confident.length),
    dangerousMisses: 0,
  };
}

function perClass(mapped: readonly EvalItem[]): EvalMetrics['perClass'] {
  const classes = [...new Set(mapped.map((item) => item.expected as string))].sort();
  return Object.fromEntries(
    classes.map((label) => {
      const positives = mapped.filter((item) => item.expected === label);
      const negatives = mapped.filter((item) => item.expected !== label);
      return [
        label,
        {
          images: positives.length,
          sensitivity: ratio(
            positives.filter((item) => item.top[0]?.label === label).length,
            positives.length,
          ),
          specificity: ratio(
            negatives.filter((item) => item.top[0]?.label !== label).length,
            negatives.length,
          ),
        },
      ];
    }),
  );
}

function confusion(answered: readonly EvalItem[]): EvalMetrics['confusion'] {
  const rowOf = (item: EvalItem) => item.expected ?? `(unmapped) ${item.dx}`;
  const labels = [...new Set(answered.map(rowOf))].sort();
  const predicted = [...new Set(answered.map((item) => item.top[0]?.label ?? '-'))].sort();
  const counts = labels.map((row) =>
    predicted.map(
      (column) => answered.filter((item) => rowOf(item) === row && item.top[0]?.label === column).length,
    ),
  );
  return { labels, predicted, counts };
}

/** Expected calibration error over 10 equal-width bins of the top label's probability. */
function calibration(mapped: readonly EvalItem[]): EvalMetrics['calibration'] {
  const binsOf = (probability: (item: EvalItem) => number) => {
    const bins = Array.from({ length: 10 }, (_, index) => ({
      from: index / 10,
      to: (index + 1) / 10,
      images: 0,
      confidence: 0,
      accuracy: 0,
    }));
    for (const item of mapped) {
      const p = probability(item);
      const bin = bins[Math.min(9, Math.floor(p * 10))];
      if (!bin) continue;
      bin.images++;
      bin.confidence += p;
      bin.accuracy += isCorrect(item) ? 1 : 0;
    }
    for (const bin of bins) {
      if (bin.images === 0) continue;
      bin.confidence /= bin.images;
      bin.accuracy /= bin.images;
    }
    const ece = mapped.length
      ? bins.reduce(
          (sum, bin) => sum + (bin.images / mapped.length) * Math.abs(bin.accuracy - bin.confidence),
          0,
        )
      : null;
    return { bins, ece };
  };
  const calibrated = binsOf((item) => item.top[0]?.probability ?? 0);
  const raw = binsOf((item) => Math.max(...item.top.map((score) => score.rawProbability)));
  return { images: mapped.length, ece: calibrated.ece, rawEce: raw.ece, bins: calibrated.bins };
}

/** Accuracy of the most probable answers at each coverage, and where the assessment's `confident` sits. */
function selective(answered: readonly EvalItem[]): EvalMetrics['selective'] {
  const ranked = [...answered].sort((a, b) => (b.top[0]?.probability ?? 0) - (a.top[0]?.probability ?? 0));
  const curve: { coverage: number; accuracy: number }[] = [];
  let correct = 0;
  const step = Math.max(1, Math.floor(ranked.length / 20));
  ranked.forEach((item, index) => {
    if (isCorrect(item)) correct++;
    if ((index + 1) % step === 0 || index === ranked.length - 1) {
      curve.push({ coverage: (index + 1) / ranked.length, accuracy: correct / (index + 1) });
    }
  });
  const confident = answered.filter((item) => item.verdict === 'confident');
  return {
    curve,
    assessment:
      answered.length > 0 && confident.length > 0
        ? {
            coverage: confident.length / answered.length,
            accuracy: confident.filter(isCorrect).length / confident.length,
          }
        : null,
  };
}

function countReasons(items: readonly EvalItem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) for (const code of item.reasons) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

function breakdowns(items: readonly EvalItem[]): EvalMetrics['breakdowns'] {
  const columns = [...new Set(items.flatMap((item) => Object.keys(item.metadata)))];
  const result: EvalMetrics['breakdowns'] = {};
  for (const column of columns) {
    const values = [...new Set(items.map((item) => item.metadata[column] ?? ''))].sort();
    // A column with a value per image (an id) is no breakdown.
    if (values.length > 20) continue;
    result[column] = Object.fromEntries(
      values.map((value) => {
        const { dangerousMisses, ...figures } = headline(
          items.filter((item) => (item.metadata[column] ?? '') === value),
        );
        return [value, figures];
      }),
    );
  }
  return result;
}

function latency(items: readonly EvalItem[]): EvalMetrics['latencyMs'] {
  const values = items
    .flatMap((item) => (item.latencyMs === null ? [] : [item.latencyMs]))
    .sort((a, b) => a - b);
  const at = (quantile: number) =>
    values.length
      ? (values[Math.min(values.length - 1, Math.ceil(quantile * values.length) - 1)] ?? null)
      : null;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: values.at(-1) ?? null };
}

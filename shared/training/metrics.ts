/**
 * Classification scores from true labels and predicted class probabilities: accuracy, balanced accuracy, macro
 * F1 and ROC AUC, computed on the host in float64, the same way scikit-learn does (tests hold them to its numbers,
 * test/fixtures/sklearn/metrics.json). Pure: no TensorFlow.js. The loss (mean cross-entropy) is not here: it is
 * computed from the logits, where it is stable, by the trainer (train.ts).
 *
 * - Probabilities come from the model's logits in float64 (`probabilitiesFromLogits`).
 * - The predicted class is the one with the largest probability, the first on a tie (numpy's argmax): for two
 *   classes, class 1 when p > 0.5 (a positive logit), as scikit-learn's predict does.
 * - Balanced accuracy: the mean recall over the classes that have true rows (scikit-learn's
 *   balanced_accuracy_score; a class only predicted has no recall and is left out).
 * - Macro F1: the mean of F1 = 2TP / (2TP + FP + FN) over the classes that occur among the true or the predicted
 *   labels, as f1_score(average='macro') does when no `labels` are given. A class with no true and no predicted
 *   row is left out (0/0); scikit-learn's zero_division only matters for such a class, when `labels` lists it.
 * - ROC AUC: the Mann-Whitney statistic with average ranks for tied probabilities, i.e. the share of
 *   (positive, negative) pairs ordered right, a tie counting half (equal to the trapezoidal area under the ROC
 *   curve, roc_auc_score). Two classes: the positive class's probability against the labels; K > 2:
 *   one-vs-rest, the unweighted mean over classes (multi_class='ovr', average='macro'). Undefined (null, with the
 *   reason) when a class has no row among the evaluated labels: there is nothing to rank it against.
 */

export interface ClassificationScores {
  readonly accuracy: number;
  readonly balancedAccuracy: number;
  readonly macroF1: number;
  /** null when undefined: see `rocAucUndefined`. */
  readonly rocAuc: number | null;
  /** Why ROC AUC is undefined on these rows (a class without rows); absent when it is defined. */
  readonly rocAucUndefined?: string;
}

/**
 * Class probabilities (n x K row-major, float64) from a model's logits (n x `outputs`): the sigmoid of one logit as
 * [1 - p, p] (two classes), else the softmax. In float64, so probabilities near 1 keep the order of their logits
 * (in float32 they round to 1 and would tie).
 */
export function probabilitiesFromLogits(logits: ArrayLike<number>, outputs: number): Float64Array {
  const n = logits.length / outputs;
  if (outputs === 1) {
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const z = logits[i];
      // 1 - p computed as sigmoid(-z), so neither side loses its digits near 0.
      out[2 * i] = 1 / (1 + Math.exp(z));
      out[2 * i + 1] = 1 / (1 + Math.exp(-z));
    }
    return out;
  }
  return softmaxRows(logits, outputs, new Float64Array(n * outputs));
}

/** The softmax of each row of row-major `logits` (K per row) into `out`, shifted by the row's max so exp cannot overflow. */
export function softmaxRows(logits: ArrayLike<number>, K: number, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length / K; i++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, logits[i * K + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += out[i * K + k] = Math.exp(logits[i * K + k] - max);
    for (let k = 0; k < K; k++) out[i * K + k] /= sum;
  }
  return out;
}

/**
 * ROC AUC of `scores` for the rows whose label is `positive` against the rest: the share of (positive, negative)
 * pairs where the positive scores higher, a tie counting half (the Mann-Whitney statistic with average ranks).
 * Counted by one merge of the two sorted score lists. Null when either side is empty.
 */
export function binaryRocAuc(labels: ArrayLike<number>, positive: number, scores: ArrayLike<number>): number | null {
  let nPos = 0;
  for (let i = 0; i < scores.length; i++) if (labels[i] === positive) nPos++;
  const nNeg = scores.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(nNeg);
  for (let i = 0, a = 0, b = 0; i < scores.length; i++) {
    if (labels[i] === positive) pos[a++] = scores[i];
    else neg[b++] = scores[i];
  }
  pos.sort();
  neg.sort();
  let wins = 0;
  for (let i = 0, below = 0, upTo = 0; i < nPos; i++) {
    while (below < nNeg && neg[below] < pos[i]) below++; // negatives strictly below
    while (upTo < nNeg && neg[upTo] <= pos[i]) upTo++; // ... and tied
    wins += below + (upTo - below) / 2;
  }
  return wins / (nPos * nNeg);
}

/** Largest probability's class of each row (the first on a tie). */
function predictedClasses(proba: ArrayLike<number>, n: number, classes: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (proba[i * classes + k] > proba[i * classes + best]) best = k;
    out[i] = best;
  }
  return out;
}

/**
 * The scores of predicted probabilities `proba` (n x K, row-major, K = `classes` >= 2, each row summing to 1)
 * against the true `labels` (0..K-1). Needs at least one row.
 */
export function classificationScores(labels: ArrayLike<number>, proba: ArrayLike<number>, classes: number): ClassificationScores {
  const n = labels.length;
  if (n === 0 || proba.length !== n * classes) throw new Error(`internal: ${n} labels and ${proba.length} probabilities for ${classes} classes`);
  const predicted = predictedClasses(proba, n, classes);
  const truePerClass = new Float64Array(classes);
  const predPerClass = new Float64Array(classes);
  const hits = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    truePerClass[labels[i]]++;
    predPerClass[predicted[i]]++;
    if (predicted[i] === labels[i]) hits[labels[i]]++;
  }
  let correct = 0;
  const recalls: number[] = [];
  const f1s: number[] = [];
  for (let k = 0; k < classes; k++) {
    correct += hits[k];
    if (truePerClass[k] > 0) recalls.push(hits[k] / truePerClass[k]);
    // 2TP + FP + FN = (TP + FP) + (TP + FN): predicted plus true rows of the class.
    const denominator = predPerClass[k] + truePerClass[k];
    if (denominator > 0) f1s.push((2 * hits[k]) / denominator);
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const absent = Array.from({ length: classes }, (_, k) => k).filter((k) => truePerClass[k] === 0);
  let rocAuc: number | null = null;
  if (absent.length === 0) {
    const column = new Float64Array(n);
    const ovr = (k: number) => {
      for (let i = 0; i < n; i++) column[i] = proba[i * classes + k];
      return binaryRocAuc(labels, k, column)!;
    };
    rocAuc = classes === 2 ? ovr(1) : mean(Array.from({ length: classes }, (_, k) => ovr(k)));
  }
  return {
    accuracy: correct / n,
    balancedAccuracy: mean(recalls),
    macroF1: mean(f1s),
    rocAuc,
    ...(absent.length > 0
      ? {
          rocAucUndefined: `ROC AUC is undefined: class${absent.length > 1 ? 'es' : ''} ${absent.join(', ')} ha${absent.length > 1 ? 've' : 's'} no row among the ${n} evaluated rows`,
        }
      : {}),
  };
}

#!/usr/bin/python3
"""scikit-learn's side of bench/linear.ts: RidgeCV + LassoCV + ElasticNetCV on the rows regsweep uses.

Usage: linear_cv.py REQUEST.json, where the request is
  {"csv": path, "target": column, "test": [row...], "folds": [[train rows], [validation rows]]..., "alphas": n,
   "l1Ratio": r}
with row indexes into the CSV's data rows (regsweep's own split: the same test rows, the same 5 folds of the
other rows). Each model is the pipeline a user would write, StandardScaler then the CV estimator, fitted on the
non-test rows with cv = those folds; the one with the lowest mean validation MSE is chosen (selection min, like
the sweep's) and scored on the test rows. Prints one JSON line. Timed as a whole process by the caller; the
seconds inside (imports, reading, each fit) are printed too. Needs Debian's python3-sklearn
(apt-get install python3-sklearn).
"""
import time

t_start = time.perf_counter()
import csv, json, sys
import numpy as np
from sklearn.linear_model import ElasticNetCV, LassoCV, RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

t_imported = time.perf_counter()
req = json.load(open(sys.argv[1]))
with open(req['csv'], newline='') as f:
    rows = list(csv.reader(f))
header, data = rows[0], np.asarray(rows[1:], dtype=float)
t_col = header.index(req['target'])
X = np.delete(data, t_col, axis=1)
y = data[:, t_col]
test = np.asarray(req['test'])
trainval = np.setdiff1d(np.arange(len(y)), test)
# Folds as positions within the non-test rows (what cv= indexes).
pos = {int(r): i for i, r in enumerate(trainval)}
cv = [(np.asarray([pos[r] for r in tr]), np.asarray([pos[r] for r in va])) for tr, va in req['folds']]
Xtv, ytv = X[trainval], y[trainval]
n_alphas = int(req['alphas'])
t_read = time.perf_counter()

fits = {}


def fit(name, est, cv_mse):
    t0 = time.perf_counter()
    model = make_pipeline(StandardScaler(), est).fit(Xtv, ytv)
    inner = model[-1]
    pred = model.predict(X[test])
    fits[name] = {
        'seconds': time.perf_counter() - t0,
        'alpha': float(inner.alpha_),
        'cvMse': float(cv_mse(inner)),
        'testMse': float(np.mean((pred - y[test]) ** 2)),
        'nonZero': int(np.sum(np.abs(inner.coef_) > 0)),
    }


# Ridge has no automatic alpha grid: 100 values over the range where ridge moves on these standardized features.
fit('l2', RidgeCV(alphas=np.logspace(-3, 5, n_alphas), cv=cv, scoring='neg_mean_squared_error'), lambda e: -e.best_score_)
fit('l1', LassoCV(n_alphas=n_alphas, cv=cv), lambda e: e.mse_path_.mean(axis=1).min())
fit('elasticnet', ElasticNetCV(l1_ratio=float(req['l1Ratio']), n_alphas=n_alphas, cv=cv), lambda e: e.mse_path_.mean(axis=1).min())
best = min(fits, key=lambda k: fits[k]['cvMse'])
t_end = time.perf_counter()
print(json.dumps({
    'best': best,
    'testMse': fits[best]['testMse'],
    'fits': fits,
    'seconds': {'import': t_imported - t_start, 'read': t_read - t_imported, 'fits': t_end - t_read, 'total': t_end - t_start},
    'rows': {'trainval': int(len(trainval)), 'test': int(len(test))},
}))

#!/usr/bin/python3
"""scikit-learn's side of bench/solvers.ts: the same ridge and lasso paths on the same standardized matrices.

Reads JSON on stdin: {"X": [[...]], "y": [...], "ridge": [lambda...], "lasso": [lambda...], "repeats": n}
(lambda in regsweep's convention) and prints JSON: the median milliseconds of each path and its coefficients.
Ridge: sklearn.linear_model.Ridge(alpha=lambda) per lambda (its objective ||y - Xw||^2 + alpha ||w||^2 is
regsweep's times 2m). Lasso: sklearn.linear_model.lasso_path(alphas=lambda/2m, tol=1e-10), one warm-started
path, as regsweep's coordinate descent. Needs Debian's python3-sklearn (apt-get install python3-sklearn).
"""
import json, sys, time
import numpy as np
from sklearn.linear_model import Ridge, lasso_path

req = json.load(sys.stdin)
X = np.asarray(req['X'], dtype=float)
y = np.asarray(req['y'], dtype=float)
m = len(y)
reps = int(req.get('repeats', 5))


def timed(fn):
    times, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times)), out


def ridge_path():
    return [Ridge(alpha=lam).fit(X, y).coef_.tolist() for lam in req['ridge']]


def lasso():
    alphas = np.asarray(req['lasso'], dtype=float) / (2 * m)
    _, coefs, _ = lasso_path(X - X.mean(axis=0), y - y.mean(), alphas=alphas, tol=1e-10, max_iter=100000)
    return coefs.T.tolist()


ridge_ms, ridge_coef = timed(ridge_path)
lasso_ms, lasso_coef = timed(lasso)
import sklearn
json.dump({'sklearn': sklearn.__version__, 'ridgeMs': ridge_ms, 'ridge': ridge_coef, 'lassoMs': lasso_ms, 'lasso': lasso_coef}, sys.stdout)

"""bench:tables, the scikit-learn side: a ColumnTransformer pipeline on the rows regsweep used.

Reads one JSON object on stdin: {data, target, task, missing, roles, model}. `data` is a JSON array of objects
with a `split` column (train / test); `roles` are regsweep's column roles (numeric, boolean, date, categorical;
anything else is dropped). Numbers: SimpleImputer(mean, add_indicator) + StandardScaler; categories:
SimpleImputer(constant "missing") + OneHotEncoder(handle_unknown="ignore"); dates: days since 1970-01-01.
Models, 5-fold CV on the train rows: linear -> RidgeCV (50 alphas, 1e-3..1e3) or LogisticRegressionCV (20 Cs);
mlp -> MLPRegressor / MLPClassifier (64, 64) with alpha in 1e-4..10 by GridSearchCV. Prints one JSON line.
Needs Debian's python3-sklearn (numpy, scipy); no pandas.
"""
import datetime
import json
import sys

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegressionCV, RidgeCV
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

MISSING = {"", "nan", "na", "n/a", "null", "none"}


def is_missing(v, extra):
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and (v.strip().lower() in MISSING or v.strip() in extra))


def number(v, role, extra):
    if is_missing(v, extra):
        return np.nan
    if role == "boolean":
        return 1.0 if (v is True or str(v).lower() == "true") else 0.0
    if role == "date":
        d = datetime.datetime.fromisoformat(str(v).replace("Z", "+00:00"))
        if d.tzinfo is None:
            d = d.replace(tzinfo=datetime.timezone.utc)
        return (d - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)).total_seconds() / 86400
    return float(v)


def main():
    job = json.load(sys.stdin)
    rows = json.load(open(job["data"]))
    extra = set(job["missing"])
    target = job["target"]
    rows = [r for r in rows if not is_missing(r.get(target), extra)]
    roles = job["roles"]
    numeric = [c for c, r in roles.items() if r in ("numeric", "boolean", "date")]
    categorical = [c for c, r in roles.items() if r == "categorical"]
    xn = np.array([[number(r.get(c), roles[c], extra) for c in numeric] for r in rows], dtype=float).reshape(len(rows), len(numeric))
    xc = np.array([["missing" if is_missing(r.get(c), extra) else str(r.get(c)) for c in categorical] for r in rows], dtype=object).reshape(len(rows), len(categorical))
    x = np.concatenate([xn.astype(object), xc], axis=1)
    train = np.array([r["split"] == "train" for r in rows])
    pre = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="mean", add_indicator=True), StandardScaler()), list(range(len(numeric)))),
            ("cat", OneHotEncoder(handle_unknown="ignore"), list(range(len(numeric), len(numeric) + len(categorical)))),
        ]
    )
    regression = job["task"] == "regression"
    if regression:
        y = np.array([float(r[target]) for r in rows])
        cv = KFold(5, shuffle=True, random_state=0)
    else:
        y = np.array([str(r[target]) for r in rows])
        cv = StratifiedKFold(5, shuffle=True, random_state=0)
    if job["model"] == "linear":
        model = RidgeCV(alphas=np.logspace(-3, 3, 50), cv=cv) if regression else LogisticRegressionCV(Cs=20, cv=cv, max_iter=10000)
        pipe = Pipeline([("pre", pre), ("model", model)])
        pipe.fit(x[train].astype(object), y[train])
        label = f"alpha={model.alpha_:.4g}" if regression else f"C={float(model.C_[0]):.4g}"
    else:
        mlp = MLPRegressor if regression else MLPClassifier
        grid = GridSearchCV(
            Pipeline([("pre", pre), ("model", mlp(hidden_layer_sizes=(64, 64), max_iter=1000, random_state=0))]),
            {"model__alpha": list(np.logspace(-4, 1, 6))},
            cv=cv,
            scoring="neg_mean_squared_error" if regression else "neg_log_loss",
        )
        grid.fit(x[train], y[train])
        pipe = grid.best_estimator_
        label = f"alpha={grid.best_params_['model__alpha']:.4g}"
    test = ~train
    if regression:
        p = pipe.predict(x[test])
        out = {"label": label, "mse": float(mean_squared_error(y[test], p)), "r2": float(r2_score(y[test], p))}
    else:
        proba = pipe.predict_proba(x[test])
        out = {"label": label, "accuracy": float(accuracy_score(y[test], pipe.predict(x[test]))), "logLoss": float(log_loss(y[test], proba, labels=pipe.classes_))}
    print(json.dumps(out))


main()

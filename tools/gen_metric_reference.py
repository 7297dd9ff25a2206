#!/usr/bin/python3
"""Writes tests/data/reference/metrics.json: model outputs, targets and scikit-learn's (and
scipy's) values for the metrics fastai takes from them. Predictions are processed as fastai's
skm_to_fastai does (argmax for label metrics, softmax/sigmoid for score metrics).
Run from the repository root with Debian's python3-torch and python3-sklearn."""
import json

import numpy as np
import sklearn.metrics as skm
import scipy.stats as scs
import torch

torch.manual_seed(3)
cases = []


def add(name, out, targ, expected, errors=()):
    cases.append({"name": name, "output": out.flatten().tolist(), "output_shape": list(out.shape),
                  "target": targ.flatten().tolist(), "target_shape": list(targ.shape),
                  "expected": {k: float(v) for k, v in expected.items()}, "errors": list(errors)})


def label_metrics(y, p, avgs):
    e = {}
    for avg in avgs:
        e[f"precision_{avg}"] = skm.precision_score(y, p, average=avg, zero_division=0)
        e[f"recall_{avg}"] = skm.recall_score(y, p, average=avg, zero_division=0)
        e[f"f1_{avg}"] = skm.f1_score(y, p, average=avg, zero_division=0)
        e[f"fbeta2_{avg}"] = skm.fbeta_score(y, p, beta=2, average=avg, zero_division=0)
        e[f"jaccard_{avg}"] = skm.jaccard_score(y, p, average=avg, zero_division=0)
    e["balanced_accuracy"] = skm.balanced_accuracy_score(y, p)
    e["mcc"] = skm.matthews_corrcoef(y, p)
    e["kappa"] = skm.cohen_kappa_score(y, p)
    e["kappa_linear"] = skm.cohen_kappa_score(y, p, weights="linear")
    e["kappa_quadratic"] = skm.cohen_kappa_score(y, p, weights="quadratic")
    e["hamming"] = skm.hamming_loss(y, p)
    return e


# Binary: logits [40, 2] with ties in the scores (rounded logits)
out = (torch.randn(40, 2) * 2).round() / 2
y = torch.randint(0, 2, (40,))
p = out.argmax(-1)
prob1 = torch.softmax(out, -1)[:, -1]
e = label_metrics(y.numpy(), p.numpy(), ["binary", "macro", "micro", "weighted"])
e["brier"] = skm.brier_score_loss(y.numpy(), p.numpy())
e["roc_auc_binary"] = skm.roc_auc_score(y.numpy(), prob1.numpy())
e["ap_binary"] = skm.average_precision_score(y.numpy(), prob1.numpy())
add("binary", out, y, e)

# Multi-class with a class (3) that is never predicted
out = torch.randn(60, 4)
out[:, 3] -= 10
y = torch.randint(0, 4, (60,))
p = out.argmax(-1)
assert (p != 3).all()
e = label_metrics(y.numpy(), p.numpy(), ["macro", "micro", "weighted"])
probs = torch.softmax(out, -1).numpy().astype(np.float64)
probs /= probs.sum(1, keepdims=True)
e["roc_auc_macro"] = skm.roc_auc_score(y.numpy(), probs, multi_class="ovr", average="macro")
e["roc_auc_weighted"] = skm.roc_auc_score(y.numpy(), probs, multi_class="ovr", average="weighted")
add("multiclass", out, y, e)

# All targets of one class: label metrics are defined, ROC AUC is not
out = torch.randn(10, 2)
y = torch.ones(10, dtype=torch.long)
p = out.argmax(-1)
e = {"precision_binary": skm.precision_score(y, p, zero_division=0), "recall_binary": skm.recall_score(y, p, zero_division=0),
     "balanced_accuracy": skm.balanced_accuracy_score(y, p), "mcc": skm.matthews_corrcoef(y, p)}
add("one_class", out, y, e, errors=["roc_auc_binary"])

# Multi-label average precision
out = torch.randn(30, 3)
y = (torch.rand(30, 3) > 0.6).long()
y[0] = 1
add("multilabel", out, y, {"ap_multi": skm.average_precision_score(y.numpy(), torch.sigmoid(out).numpy(), average="macro")})

# Spearman with ties
a = torch.tensor([1.0, 2.0, 2.0, 3.0, 5.0, 5.0, 4.0, 0.5])
b = torch.tensor([2.0, 1.0, 3.0, 3.0, 6.0, 4.0, 4.0, 1.0])
add("spearman", a, b, {"spearman": scs.spearmanr(a.numpy(), b.numpy())[0]})

# Regression metrics against scikit-learn / scipy (positive values so msle is defined)
p = torch.rand(50) * 4
t = p + torch.randn(50) * 0.5
t = t.abs()
add("regression", p, t, {
    "mse": skm.mean_squared_error(t.numpy(), p.numpy()),
    "rmse": skm.mean_squared_error(t.numpy(), p.numpy(), squared=False),
    "mae": skm.mean_absolute_error(t.numpy(), p.numpy()),
    "msle": skm.mean_squared_log_error(t.numpy(), p.numpy()),
    "r2": skm.r2_score(t.numpy(), p.numpy()),
    "explained_variance": skm.explained_variance_score(t.numpy(), p.numpy()),
    "pearson": scs.pearsonr(p.numpy(), t.numpy())[0],
})

# Accuracy-type metrics against scikit-learn
out = torch.randn(45, 5)
y = torch.randint(0, 5, (45,))
add("accuracy", out, y, {
    "accuracy": skm.accuracy_score(y.numpy(), out.argmax(-1).numpy()),
    "top_3": skm.top_k_accuracy_score(y.numpy(), torch.softmax(out, -1).numpy(), k=3, labels=list(range(5))),
})

# Binary segmentation: Dice = F1 and JaccardCoeff = Jaccard on the flattened masks
out = torch.randn(3, 2, 6, 6)
y = torch.randint(0, 2, (3, 6, 6))
pm = out.argmax(1).flatten().numpy()
add("segmentation", out, y, {"dice": skm.f1_score(y.flatten().numpy(), pm),
                             "jaccard": skm.jaccard_score(y.flatten().numpy(), pm)})

with open("tests/data/reference/metrics.json", "w") as f:
    json.dump({"sklearn": __import__("sklearn").__version__, "cases": cases}, f)
print("wrote tests/data/reference/metrics.json:", ", ".join(c["name"] for c in cases))

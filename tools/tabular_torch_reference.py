#!/usr/bin/env python3
"""The tabular recipe in plain PyTorch (no fastai), for comparing accuracy and speed with
fastai.cpp: Categorify ('#na#' first, sorted train vocab), FillMissing (train median + *_na),
Normalize (train mean, std ddof 0 + 1e-7), RandomSplitter(0.2, seed 42) = torch.randperm,
fastai's TabularModel ([200, 100], emb_sz_rule), Adam (decoupled wd 0.01, betas (0.9, 0.99),
eps 1e-5) under fastai's one-cycle (cosine, div 25, div_final 1e5, pct 0.25, moms .95/.85/.95).

  python3 tools/tabular_torch_reference.py diamonds.csv price --log --cat cut color clarity \
      --cont carat depth table x y z
"""
import argparse, csv, math, time
import torch, torch.nn as nn, torch.nn.functional as F

def read(path):
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]

def num(v):
    try: return float(v)
    except ValueError: return math.nan

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('csv'); ap.add_argument('y'); ap.add_argument('--log', action='store_true')
    ap.add_argument('--cat', nargs='*', default=[]); ap.add_argument('--cont', nargs='*', default=[])
    ap.add_argument('--epochs', type=int, default=3); ap.add_argument('--lr', type=float, default=1e-2)
    ap.add_argument('--seed', type=int, default=0); ap.add_argument('--threads', type=int, default=0)
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    head, rows = read(a.csv)
    col = {h: [r[i] for r in rows] for i, h in enumerate(head)}
    n = len(rows)
    torch.manual_seed(42)
    perm = torch.randperm(n).tolist()
    cut = int(0.2 * n)
    valid, train = perm[:cut], perm[cut:]
    na = {'', 'NA', 'NaN', 'nan'}
    cats, conts, names = [], [], []
    for c in a.cont:
        v = [num(x) for x in col[c]]
        tr = sorted(v[i] for i in train if not math.isnan(v[i]))
        if any(math.isnan(v[i]) for i in train):
            m = len(tr) // 2
            med = tr[m] if len(tr) % 2 else (tr[m - 1] + tr[m]) / 2
            col[c + '_na'] = ['True' if math.isnan(x) else 'False' for x in v]
            a.cat.append(c + '_na')
            v = [med if math.isnan(x) else x for x in v]
        conts.append(v)
    for c in a.cat:
        vals = col[c]
        def key(x):
            f = num(x)
            return (0, f, '') if not math.isnan(f) else (1, 0, x)
        voc = ['#na#'] + sorted({vals[i] for i in train if vals[i] not in na}, key=key)
        o2i = {v: i for i, v in enumerate(voc)}
        cats.append([o2i.get(x, 0) for x in vals])
    xc = torch.tensor(cats, dtype=torch.long).t().contiguous() if cats else torch.zeros(n, 0, dtype=torch.long)
    xf = torch.tensor(conts, dtype=torch.float64).t().contiguous()
    tr_idx = torch.tensor(train)
    mean = xf[tr_idx].mean(0); std = xf[tr_idx].std(0, unbiased=False) + 1e-7
    xf = ((xf - mean) / std).float()
    yv = [num(x) for x in col[a.y]]
    regression = not any(math.isnan(x) for x in yv)
    if regression:
        y = torch.tensor([math.log(x) if a.log else x for x in yv]).float()[:, None]
        n_out = 1
    else:
        classes = sorted({col[a.y][i] for i in train})
        y = torch.tensor([classes.index(x) for x in col[a.y]])
        n_out = len(classes)
    vocab_sizes = []
    for j, c in enumerate(a.cat):
        vocab_sizes.append(len({col[c][i] for i in train if col[c][i] not in na}) + 1)
    emb_szs = [(v, min(600, round(1.6 * v ** 0.56))) for v in vocab_sizes]
    torch.manual_seed(a.seed)

    class TabularModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embeds = nn.ModuleList([nn.Embedding(ni, nf) for ni, nf in emb_szs])
            for e in self.embeds:
                with torch.no_grad(): e.weight.normal_().fmod_(2).mul_(0.01)
            self.bn_cont = nn.BatchNorm1d(xf.shape[1])
            n_emb = sum(nf for _, nf in emb_szs)
            sizes = [n_emb + xf.shape[1], 200, 100]
            layers = []
            for i in range(2):
                layers += [nn.Linear(sizes[i], sizes[i + 1], bias=False), nn.ReLU(inplace=True), nn.BatchNorm1d(sizes[i + 1])]
            layers += [nn.Linear(100, n_out)]
            self.layers = nn.Sequential(*layers)
        def forward(self, x_cat, x_cont):
            x = torch.cat([e(x_cat[:, i]) for i, e in enumerate(self.embeds)], 1)
            return self.layers(torch.cat([x, self.bn_cont(x_cont)], 1))

    model = TabularModel()
    decay = [p for n_, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n_, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=a.lr, betas=(0.9, 0.99), eps=1e-5)
    bs = 64
    n_batches = len(train) // bs
    total = a.epochs * n_batches
    def sched(pct):  # fastai's combined_cos(0.25, lr/25, lr, lr/1e5) and moms
        def cos(s, e, p): return e + (s - e) / 2 * (math.cos(math.pi * p) + 1)
        if pct < 0.25: return cos(a.lr / 25, a.lr, pct / 0.25), cos(0.95, 0.85, pct / 0.25)
        return cos(a.lr, a.lr / 1e5, (pct - 0.25) / 0.75), cos(0.85, 0.95, (pct - 0.25) / 0.75)
    loss_fn = (lambda p, t: F.mse_loss(p, t)) if regression else (lambda p, t: F.cross_entropy(p, t))
    xc_tr, xf_tr, y_tr = xc[tr_idx], xf[tr_idx], y[tr_idx]
    v_idx = torch.tensor(valid)
    step = 0
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(len(train))
        for b in range(n_batches):
            lr, mom = sched(step / total)
            for g in opt.param_groups: g['lr'] = lr; g['betas'] = (mom, 0.99)
            i = perm[b * bs:(b + 1) * bs]
            loss = loss_fn(model(xc_tr[i], xf_tr[i]), y_tr[i])
            opt.zero_grad(); loss.backward(); opt.step(); step += 1
        model.eval()
        with torch.no_grad():
            out = model(xc[v_idx], xf[v_idx])
            if regression: metric = ('rmse', F.mse_loss(out, y[v_idx]).sqrt().item())
            else: metric = ('accuracy', (out.argmax(1) == y[v_idx]).float().mean().item())
        print(f'epoch {epoch} {metric[0]} {metric[1]:.6f} time {time.perf_counter() - t0:.3f}s', flush=True)

if __name__ == '__main__':
    main()

"""Reference trajectories for tests/test_learn.c (optimizer tests), computed
with PyTorch's torch.optim.SGD (momentum, weight_decay) and torch.optim.AdamW
(decoupled weight decay; with weight_decay=0 it is Adam) in float64.
Run: /usr/bin/python3 tests/data/gen_optim_torch.py (torch 1.13)."""
import torch

torch.set_default_dtype(torch.float64)
p0 = [0.5, -1.0, 2.0]
grads = [[0.1, -0.2, 0.3], [-0.4, 0.5, 0.05], [0.2, 0.2, -0.6]]

def run(make):
    p = torch.tensor(p0, requires_grad=True)
    opt = make([p])
    for g in grads:
        opt.zero_grad()
        p.grad = torch.tensor(g)
        opt.step()
    return p.detach().tolist()

cases = {
    "sgd_momentum": run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01)),
    "adamw": run(lambda ps: torch.optim.AdamW(ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)),
    "adam": run(lambda ps: torch.optim.AdamW(ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)),
}
for k, v in cases.items():
    print(f"{k}: " + ", ".join(f"{x:.17g}" for x in v))

"""Check an honest blind submission against torch.nn.functional on seeded random settings.

    PYTHONPATH=<folder>:assignments/cnn python tests/blindbank2/check_honest.py <folder>

Prints the number of cases per function and raises on the first disagreement (value, dtype,
shape, mutation of an input, or a missing ValueError).
"""
from __future__ import annotations

import importlib
import random
import sys

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
folder = sys.argv[1]
sys.path.insert(0, folder)
mods = {m: importlib.import_module(m) for m in
        ("output_size", "loop_conv", "im2col_conv", "maxpool", "backward", "worked_example")}
rng = random.Random(0)


def close(a, b, what):
    assert a.shape == b.shape, (what, a.shape, b.shape)
    assert a.dtype == b.dtype, (what, a.dtype, b.dtype)
    tol = 1e-10 if a.dtype == torch.float64 else 1e-4
    assert torch.allclose(a, b, atol=tol, rtol=tol), (what, (a - b).abs().max())


def conv_case():
    while True:
        N, C, Co = rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 3)
        H, W = rng.randint(1, 9), rng.randint(1, 9)
        kh, kw = rng.randint(1, 4), rng.randint(1, 4)
        s = (rng.randint(1, 3), rng.randint(1, 3))
        p = (rng.randint(0, 2), rng.randint(0, 2))
        d = (rng.randint(1, 3), rng.randint(1, 3))
        if all(dd * (k - 1) + 1 <= n + 2 * pp for dd, k, n, pp in zip(d, (kh, kw), (H, W), p)):
            return N, C, Co, H, W, kh, kw, s, p, d


def check_conv(n_cases):
    oc, lc, ic, bw = mods["output_size"], mods["loop_conv"], mods["im2col_conv"], mods["backward"]
    for case in range(n_cases):
        N, C, Co, H, W, kh, kw, s, p, d = conv_case()
        dtype = torch.float64 if case % 3 == 0 else torch.float32
        X = torch.randn(N, C, H, W, dtype=dtype)
        w = torch.randn(Co, C, kh, kw, dtype=dtype)
        b = torch.randn(Co, dtype=dtype) if case % 2 else None
        args = [X, w, b]
        copies = [a.clone() if a is not None else None for a in args]
        ref = F.conv2d(X, w, b, s, p, d)
        form = (s, p, d) if case % 4 else (s[0], p[0], d[0]) if s[0] == s[1] and p[0] == p[1] and d[0] == d[1] else (s, p, d)
        assert oc.calculate_out(X, (kh, kw), form[0], form[2], form[1]) == tuple(ref.shape[2:])
        assert oc.calculate_out(tuple(X.shape), (kh, kw), s, d, p) == tuple(ref.shape[2:])
        close(lc.conv2d_loop(X, w, b, *form), ref, ("loop", case))
        close(ic.conv2d_unfold(X, w, b, *form), ref, ("unfold", case))
        close(ic.im2col(X, (kh, kw), *form), F.unfold(X, (kh, kw), d, p, s), ("im2col", case))
        cols = torch.randn(N, C * kh * kw, ref.shape[2] * ref.shape[3], dtype=dtype)
        close(bw.col2im(cols, (H, W), (kh, kw), *form), F.fold(cols, (H, W), (kh, kw), d, p, s), ("col2im", case))
        Xg = X.clone().requires_grad_()
        wg = w.clone().requires_grad_()
        bg = b.clone().requires_grad_() if b is not None else None
        out = F.conv2d(Xg, wg, bg, s, p, d)
        dout = torch.randn_like(out)
        out.backward(dout)
        dX, dW, db = bw.conv2d_backward(dout, X, w, *form)
        close(dX, Xg.grad, ("dX", case))
        close(dW, wg.grad, ("dW", case))
        close(db, dout.sum((0, 2, 3)), ("db", case))
        for a, c in zip(args, copies):
            assert a is None or torch.equal(a, c), ("mutation", case)
        if case % 5 == 0:
            X64 = X.double().requires_grad_()
            w64 = w.double().requires_grad_()
            b64 = b.double().requires_grad_() if b is not None else None
            assert torch.autograd.gradcheck(bw.Conv2dFunction.apply, (X64, w64, b64, s, p, d))
    # 1-D and 3-D output sizes
    for _ in range(50):
        L = rng.randint(1, 12)
        k, s, p, d = rng.randint(1, 4), rng.randint(1, 3), rng.randint(0, 2), rng.randint(1, 3)
        x = torch.zeros(1, 1, L)
        try:
            ref = F.conv1d(x, torch.zeros(1, 1, k), None, s, p, d).shape[2:]
        except RuntimeError:
            try:
                oc.calculate_out(x, k, s, d, p)
            except ValueError:
                continue
            raise AssertionError(("1d accepted", L, k, s, p, d))
        assert oc.calculate_out(x, k, s, d, p) == tuple(ref), (L, k, s, p, d)
        x3 = torch.zeros(1, 1, L, L + 1, L + 2)
        try:
            ref3 = F.max_pool3d(x3, k, s, 0, d).shape[2:] if 2 * p <= k and p == 0 else None
        except RuntimeError:
            ref3 = None
        if ref3 is not None:
            assert oc.calculate_out(x3, k, s, d, 0) == tuple(ref3)
    for bad in (dict(k_size=0), dict(stride=0), dict(dilation=0), dict(padding=-1), dict(k_size=9)):
        try:
            oc.calculate_out(torch.zeros(1, 1, 5, 5), **bad)
        except ValueError:
            continue
        raise AssertionError(("accepted", bad))
    print(folder, "conv cases", n_cases, "ok")


def check_layers():
    lc = mods["loop_conv"]
    for case in range(40):
        N, C, Co = rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 4)
        k, s, p = rng.randint(1, 4), rng.randint(1, 3), rng.randint(0, 2)
        L = rng.randint(max(1, k - 2 * p), 12)
        m = lc.Conv1D(C, Co, s, k, p)
        x = torch.randn(N, C, L)
        close(m(x), F.conv1d(x, m.kernel.weight.view(Co, C, k), m.kernel.bias, s, p), ("conv1d", case))
        m2 = lc.Conv2D(C, Co, s, k, p)
        x2 = torch.randn(N, C, L, L + rng.randint(0, 3))
        close(m2(x2), F.conv2d(x2, m2.kernel.weight.view(Co, C, k, k), m2.kernel.bias, s, p), ("conv2d", case))
        q = rng.randint(1, 4)
        if L >= q:
            close(lc.MaxPool1D(q)(x), F.max_pool1d(x, q), ("maxpool1d", case))
    print(folder, "layers ok")


def check_pool():
    mp = mods["maxpool"]
    for case in range(150):
        N, C = rng.randint(1, 3), rng.randint(1, 3)
        H, W = rng.randint(1, 9), rng.randint(1, 9)
        kh, kw = rng.randint(1, min(H, 4)), rng.randint(1, min(W, 4))
        stride = None if case % 3 == 0 else (rng.randint(1, 3), rng.randint(1, 3))
        kernel = (kh, kw) if case % 2 else min(kh, kw)
        dtype = torch.float64 if case % 4 == 0 else torch.float32
        X = torch.randint(0, 3, (N, C, H, W)).to(dtype)  # many ties
        copy = X.clone()
        v, i = mp.maxpool2d_unfold(X, kernel, stride)
        rv, ri = F.max_pool2d(X, kernel, stride, return_indices=True)
        close(v, rv, ("pool values", case))
        assert i.dtype == ri.dtype and torch.equal(i, ri), ("pool indices", case, i, ri)
        dout = torch.randn_like(rv)
        idx_copy = ri.clone()
        g = mp.maxpool2d_backward(dout, ri, X.shape)
        Xg = X.clone().requires_grad_()
        F.max_pool2d(Xg, kernel, stride).backward(dout)
        close(g, Xg.grad, ("pool backward", case))
        assert torch.equal(X, copy) and torch.equal(ri, idx_copy), ("mutation", case)
    print(folder, "pool ok")


def check_worked():
    we = mods["worked_example"]
    X = torch.tensor([[[[7., 6., 8., 5., 1., 3.], [8., 6., 5., 3., 5., 5.], [9., 1., 1., 5., 3., 5.],
                        [4., 5., 5., 9., 2., 6.], [9., 5., 3., 1., 2., 2.], [4., 4., 8., 8., 9., 8.]]]])
    w = torch.tensor([[[[1., 1., 0.], [-1., 1., -1.], [0., -1., -1.]]], [[[1., 1., 0.], [-1., 1., -1.], [-1., 0., -1.]]]])
    data = (X, w, torch.tensor([1., 1.]), torch.ones(8, 1), torch.tensor([1.]))
    assert torch.equal(we.tiny_forward(*data), torch.tensor([[18.]]))
    g = we.tiny_backward(*data)
    assert g["weight"].reshape(2, 9).tolist() == [[25, 17, 13, 22, 23, 17, 22, 12, 9], [20, 23, 18, 21, 20, 11, 9, 15, 18]]
    assert g["bias"].tolist() == [4, 4]
    for case in range(30):
        N, C, Co, outs = rng.randint(1, 3), rng.randint(1, 2), rng.randint(1, 3), rng.randint(1, 3)
        H, W = rng.randint(4, 9), rng.randint(4, 9)
        dtype = torch.float64 if case % 2 else torch.float32
        params = [torch.randn(N, C, H, W, dtype=dtype), torch.randn(Co, C, 3, 3, dtype=dtype),
                  torch.randn(Co, dtype=dtype)]
        feats = Co * ((H - 2) // 2) * ((W - 2) // 2)
        params += [torch.randn(feats, outs, dtype=dtype), torch.randn(outs, dtype=dtype)]
        leaves = [t.clone().requires_grad_() for t in params]
        out = F.linear(F.max_pool2d(F.conv2d(leaves[0], leaves[1], leaves[2]), 2).flatten(1), leaves[3].t(), leaves[4])
        close(we.tiny_forward(*params), out.detach(), ("tiny_forward", case))
        out.sum().backward()
        got = we.tiny_backward(*params)
        for name, leaf in zip(("weight", "bias", "fc_weight", "fc_bias"), leaves[1:]):
            close(got[name], leaf.grad, ("tiny_backward", name, case))
    print(folder, "worked example ok")


check_conv(120)
check_layers()
check_pool()
check_worked()

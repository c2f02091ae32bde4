"""One-bug variants of the blind honest submission (tests/blindbank/honest/), issue #9.

Written BLIND: from docs of the student API (student-api.md), the course material and the
stubs only, before reading the hidden suites or the kit's own mutant bank. Each variant is
one student mistake: a small textual edit of one file of the honest submission.

A variant is ``(id, exercise, edits, description)``; ``edits`` is a list of
``(old, new)`` replacements in ``<exercise>.py``, each ``old`` occurring exactly once.
``apply_variant`` returns the edited source; ``benchmarks/blind_bank.py`` grades them.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

HONEST = Path(__file__).resolve().parent / "honest"


class Variant(NamedTuple):
    id: str
    exercise: str
    edits: list[tuple[str, str]]
    description: str


V = Variant
VARIANTS: list[Variant] = [
    # ---------------------------------------------------------------- output_size
    V("os_ceil", "output_size",
      [("sizes.append(room // s[dim] + 1)", "sizes.append(-(-room // s[dim]) + 1)")],
      "rounds the output size up (ceil) instead of down"),
    V("os_no_dilation", "output_size",
      [("span = d[dim] * (k[dim] - 1) + 1", "span = k[dim]")],
      "ignores dilation: the kernel span is k, not d*(k-1)+1"),
    V("os_pad_one_side", "output_size",
      [("room = shape[2 + dim] + 2 * p[dim] - span", "room = shape[2 + dim] + p[dim] - span")],
      "adds the padding once instead of on both sides"),
    V("os_int_truncation", "output_size",
      [("""        if room < 0:
            raise ValueError(
                f"calculate_out: kernel span {span} is larger than the padded input "
                f"{shape[2 + dim] + 2 * p[dim]} in spatial dim {dim}")
        sizes.append(room // s[dim] + 1)""",
        """        size = int(room / s[dim]) + 1
        if size < 1:
            raise ValueError("calculate_out: output size < 1")
        sizes.append(size)""")],
      "int() truncates toward zero: a kernel slightly too large at stride >= 2 gives 1, not an error"),
    V("os_reject_exact_fit", "output_size",
      [("if room < 0:", "if room <= 0:")],
      "off by one in the validity check: a kernel exactly as large as the padded input is refused"),
    V("os_torch_arg_order", "output_size",
      [("def calculate_out(X, k_size=(3, 3), stride=1, dilation=1, padding=0):",
        "def calculate_out(X, k_size=(3, 3), stride=1, padding=0, dilation=1):")],
      "signature in torch's order (stride, padding, dilation) instead of the API's (stride, dilation, padding)"),
    V("os_4d_only", "output_size",
      [("if len(shape) not in (3, 4, 5):", "if len(shape) != 4:")],
      "only handles 2-D images (4-dim X); refuses 1-D and 3-D shapes"),
    V("os_no_bad_arg_check", "output_size",
      [("if min(p) < 0:", "if False:")],
      "never checks for a negative padding"),
    V("os_zero_stride_ok", "output_size",
      [("if min(k) < 1 or min(s) < 1 or min(d) < 1:", "if min(k) < 1 or min(d) < 1:")],
      "forgets to check the stride: stride 0 raises ZeroDivisionError, not ValueError"),
    V("os_dilation_first_dim", "output_size",
      [("span = d[dim] * (k[dim] - 1) + 1", "span = d[0] * (k[dim] - 1) + 1")],
      "uses the first dimension's dilation for every dimension"),
    V("os_stride_first_dim", "output_size",
      [("sizes.append(room // s[dim] + 1)", "sizes.append(room // s[0] + 1)")],
      "uses the first dimension's stride for every dimension"),
    V("os_tensor_only", "output_size",
      [("shape = tuple(X.shape) if isinstance(X, torch.Tensor) else tuple(X)", "shape = tuple(X.shape)")],
      "accepts only tensors, not a torch.Size/tuple shape (tuple has no .shape)"),
    # ---------------------------------------------------------------- loop_conv
    V("lc_out_no_dilation", "loop_conv",
      [("H_out = (H + 2 * pH - dH * (kH - 1) - 1) // sH + 1\n    W_out = (W + 2 * pW - dW * (kW - 1) - 1) // sW + 1",
        "H_out = (H + 2 * pH - kH) // sH + 1\n    W_out = (W + 2 * pW - kW) // sW + 1")],
      "conv2d_loop's output size ignores dilation"),
    V("lc_dilation_H_for_W", "loop_conv",
      [("left:left + dW * (kW - 1) + 1:dW]", "left:left + dH * (kW - 1) + 1:dH]")],
      "conv2d_loop uses the height dilation for the width too"),
    V("lc_stride_swapped", "loop_conv",
      [("top, left = i * sH, j * sW", "top, left = i * sW, j * sH")],
      "conv2d_loop steps rows by the width stride and columns by the height stride"),
    V("lc_pad_H_for_W", "loop_conv",
      [("Xp = _zero_pad(X, pH, pW)\n    rows = []", "Xp = _zero_pad(X, pH, pH)\n    rows = []")],
      "conv2d_loop pads the width by the height padding"),
    V("lc_bias_first_only", "loop_conv",
      [("value = value + bias[co]", "value = value + bias[0]")],
      "adds the first output channel's bias to every channel"),
    V("lc_bias_always", "loop_conv",
      [("""                    if bias is not None:
                        value = value + bias[co]""",
        """                    value = value + bias[co]""")],
      "always adds the bias: bias=None crashes"),
    V("lc_true_convolution", "loop_conv",
      [("value = (patch * weight[co]).sum()", "value = (patch * weight[co].flip(-1, -2)).sum()")],
      "flips the kernel (textbook convolution) where torch computes a cross-correlation"),
    V("lc_float32_pad", "loop_conv",
      [("out = X.new_zeros(N, C, H + 2 * pH, W + 2 * pW)", "out = torch.zeros(N, C, H + 2 * pH, W + 2 * pW)")],
      "pads into a float32 buffer: float64 inputs lose precision (conv2d_loop and Conv2D)"),
    V("lc_conv1d_flatten_k_major", "loop_conv",
      [("xp[:, :, t * s:t * s + k].reshape(N, C * k)", "xp[:, :, t * s:t * s + k].transpose(1, 2).reshape(N, C * k)")],
      "Conv1D flattens a window position-major (k, C) instead of channel-major (C, k)"),
    V("lc_conv1d_seed_range", "loop_conv",
      [("outs = [self.kernel(xp[:, :, t * s:t * s + k].reshape(N, C * k)) for t in range(L_out)]",
        "outs = [self.kernel(xp[:, :, i - k:i].reshape(N, C * k)) for i in range(k, xp.shape[2], s)]")],
      "Conv1D loops range(k, L_padded, s) (the course's loop without its + 1): drops the last window when it ends flush"),
    V("lc_conv2d_h_div_stride", "loop_conv",
      [("H_out = (H + 2 * p - k) // s + 1\n        W_out = (W + 2 * p - k) // s + 1",
        "H_out = (H + 2 * p) // s\n        W_out = (W + 2 * p) // s")],
      "Conv2D's output size is h // stride (only right for 'same'-like settings)"),
    V("lc_conv2d_channels_last", "loop_conv",
      [("windows.append(xp[:, :, i * s:i * s + k, j * s:j * s + k].reshape(N, C * k * k))",
        "windows.append(xp[:, :, i * s:i * s + k, j * s:j * s + k].permute(0, 2, 3, 1).reshape(N, C * k * k))")],
      "Conv2D flattens a window channels-last (k, k, C) instead of (C, k, k)"),
    V("lc_conv2d_column_major", "loop_conv",
      [("for i in range(H_out):\n            for j in range(W_out):",
        "for j in range(W_out):\n            for i in range(H_out):")],
      "Conv2D visits windows column by column but reshapes them row-major"),
    V("lc_maxpool1d_partial", "loop_conv",
      [("trimmed = x[:, :, :blocks * self.pooling]\n        return trimmed.reshape(N, C, blocks, self.pooling).amax(dim=3)",
        "return torch.stack([x[:, :, i:i + self.pooling].amax(dim=2) for i in range(0, L, self.pooling)], dim=2)")],
      "MaxPool1D keeps the trailing partial block"),
    # ---------------------------------------------------------------- im2col_conv
    V("ic_rows_kernel_major", "im2col_conv",
      [("""        (N, C, kH, kW, H_out, W_out),
        (tN, tC, dH * tH, dW * tW, sH * tH, sW * tW),
    )""", """        (N, kH, kW, C, H_out, W_out),
        (tN, dH * tH, dW * tW, tC, sH * tH, sW * tW),
    )""")],
      "im2col rows ordered (kH, kW, C) instead of (C, kH, kW)"),
    V("ic_kw_kh_swapped", "im2col_conv",
      [("""        (N, C, kH, kW, H_out, W_out),
        (tN, tC, dH * tH, dW * tW, sH * tH, sW * tW),
    )""", """        (N, C, kW, kH, H_out, W_out),
        (tN, tC, dW * tW, dH * tH, sH * tH, sW * tW),
    )""")],
      "im2col loops over the kernel's columns before its rows"),
    V("ic_windows_column_major", "im2col_conv",
      [("""        (N, C, kH, kW, H_out, W_out),
        (tN, tC, dH * tH, dW * tW, sH * tH, sW * tW),
    )""", """        (N, C, kH, kW, W_out, H_out),
        (tN, tC, dH * tH, dW * tW, sW * tW, sH * tH),
    )""")],
      "im2col orders the windows column-major"),
    V("ic_stride_dilation_mixed", "im2col_conv",
      [("(tN, tC, dH * tH, dW * tW, sH * tH, sW * tW)", "(tN, tC, sH * tH, sW * tW, dH * tH, dW * tW)")],
      "im2col uses the stride between kernel taps and the dilation between windows"),
    V("ic_pad_H_for_W", "im2col_conv",
      [("Xp[:, :, pH:pH + H, pW:pW + W] = X", "Xp[:, :, pH:pH + H, pH:pH + W] = X")],
      "im2col places the image at the height padding's offset in both directions"),
    V("ic_dilation_H_for_W", "im2col_conv",
      [("(tN, tC, dH * tH, dW * tW, sH * tH, sW * tW)", "(tN, tC, dH * tH, dH * tW, sH * tH, sW * tW)")],
      "im2col uses the height dilation between kernel columns too"),
    V("ic_float32_buffer", "im2col_conv",
      [("Xp = X.new_zeros(N, C, H + 2 * pH, W + 2 * pW)", "Xp = torch.zeros(N, C, H + 2 * pH, W + 2 * pW)")],
      "im2col pads into a float32 buffer: float64 input returns float32 columns"),
    V("ic_wrow_wrong_view", "im2col_conv",
      [('weight.reshape(C_out, -1)', 'weight.reshape(-1, C_out).t()')],
      "conv2d_unfold builds W_row with view(-1, C_out).t() instead of view(C_out, -1)"),
    V("ic_bias_per_position", "im2col_conv",
      [("out = out + bias.reshape(1, C_out, 1)", "out = out + bias.reshape(1, 1, C_out)")],
      "conv2d_unfold broadcasts the bias along the window axis instead of the channel axis"),
    V("ic_output_reshape_transposed", "im2col_conv",
      [("return out.reshape(N, C_out, H_out, W_out)", "return out.reshape(N, C_out, W_out, H_out).transpose(2, 3)")],
      "conv2d_unfold reshapes the windows as (W_out, H_out)"),
    # ---------------------------------------------------------------- maxpool
    V("mp_ties_last", "maxpool",
      [("better = cand > best", "better = cand >= best")],
      "ties go to the last maximum (>=) instead of the first"),
    V("mp_window_local_index", "maxpool",
      [("flat = (rows + r) * width + (cols + c)", "flat = torch.full((H_out, W_out), r * kW + c)")],
      "returns the argmax's position inside its window, not its flat position in the plane"),
    V("mp_index_uses_height", "maxpool",
      [("flat = (rows + r) * width + (cols + c)", "flat = (rows + r) * height + (cols + c)")],
      "flat index row * height + col (the plane's height instead of its width)"),
    V("mp_index_pooled_width", "maxpool",
      [("flat = (rows + r) * width + (cols + c)", "flat = (rows + r) * W_out + (cols + c)")],
      "flat index uses the pooled width W_out instead of the input width"),
    V("mp_default_stride_one", "maxpool",
      [("sH, sW = (kH, kW) if stride is None else _pair(stride, \"stride\")",
        "sH, sW = (1, 1) if stride is None else _pair(stride, \"stride\")")],
      "stride=None taken as stride 1 instead of stride = kernel_size"),
    V("mp_stride_swapped", "maxpool",
      [("rows = torch.arange(H_out).reshape(H_out, 1) * sH", "rows = torch.arange(H_out).reshape(H_out, 1) * sW")],
      "index rows stepped by the width stride"),
    V("mp_out_h_div_stride", "maxpool",
      [("H_out = (height - kH) // sH + 1\n    W_out = (width - kW) // sW + 1",
        "H_out = height // sH\n    W_out = width // sW")],
      "pooled size h // stride (wrong when kernel != stride)"),
    V("mp_square_kernel", "maxpool",
      [("for c in range(kW):", "for c in range(kH):")],
      "loops over kH columns of the window (square kernel assumed)"),
    V("mp_float_indices", "maxpool",
      [("best_idx = flat.expand(N, C, H_out, W_out).clone()", "best_idx = flat.expand(N, C, H_out, W_out).clone().float()")],
      "indices returned as float instead of int64"),
    V("mp_alias_mutates_input", "maxpool",
      [("best = cand.clone()", "best = cand"),
       ("best = torch.where(better, cand, best)", "best[better] = cand[better]")],
      "keeps the running max in a view of H and updates it in place: mutates the input"),
    V("mp_backward_overwrite", "maxpool",
      [("grad.scatter_add_(2,", "grad.scatter_(2,")],
      "maxpool2d_backward scatters (overwrites) instead of adding: overlapping windows sharing an argmax lose gradient"),
    V("mp_backward_mutates_indices", "maxpool",
      [("""    grad = dout.new_zeros(N, C, height * width)
    grad.scatter_add_(2, indices.reshape(N, C, -1).long(), dout.reshape(N, C, -1))
    return grad.reshape(N, C, height, width)""",
        """    flat_idx = indices.long()
    flat_idx += torch.arange(N * C).reshape(N, C, 1, 1) * (height * width)
    grad = dout.new_zeros(N * C * height * width)
    grad.index_add_(0, flat_idx.reshape(-1), dout.reshape(-1))
    return grad.reshape(N, C, height, width)""")],
      "maxpool2d_backward offsets the caller's indices in place (.long() on int64 is no copy)"),
    # ---------------------------------------------------------------- backward
    V("bw_col2im_overwrite", "backward",
      [("+= blocks[:, :, a, b]", "= blocks[:, :, a, b]")],
      "col2im overwrites overlapping windows instead of summing them"),
    V("bw_col2im_crop_corner", "backward",
      [("return img[:, :, pH:pH + H, pW:pW + W].contiguous()", "return img[:, :, :H, :W].contiguous()")],
      "col2im crops the top-left corner instead of removing the padding on both sides"),
    V("bw_col2im_stride_for_dilation", "backward",
      [("top, left = a * dH, b * dW", "top, left = a * sH, b * sW")],
      "col2im offsets kernel taps by the stride instead of the dilation"),
    V("bw_col2im_size_wh", "backward",
      [('H, W = _pair(output_size, "output_size", "col2im")', 'W, H = _pair(output_size, "output_size", "col2im")')],
      "col2im reads output_size as (width, height)"),
    V("bw_col2im_dilation_H_for_W", "backward",
      [("top, left = a * dH, b * dW", "top, left = a * dH, b * dH")],
      "col2im offsets kernel columns by the height dilation"),
    V("bw_col2im_stride_H_for_W", "backward",
      [("left:left + sW * (W_out - 1) + 1:sW]", "left:left + sH * (W_out - 1) + 1:sH]")],
      "col2im steps the windows' columns by the height stride"),
    V("bw_dW_last_sample", "backward",
      [('dW = torch.einsum("nol,nkl->ok", g, cols).reshape(weight.shape)',
        'dW = (g[-1] @ cols[-1].t()).reshape(weight.shape)')],
      "dW keeps only the last sample of the batch (overwrite instead of accumulate)"),
    V("bw_dW_batch_mean", "backward",
      [('dW = torch.einsum("nol,nkl->ok", g, cols).reshape(weight.shape)',
        'dW = (torch.einsum("nol,nkl->ok", g, cols) / N).reshape(weight.shape)')],
      "dW averaged over the batch instead of summed"),
    V("bw_db_first_sample", "backward",
      [("db = dout.sum(dim=(0, 2, 3))", "db = dout[0].sum(dim=(1, 2))")],
      "db from the first sample only (batch of 1 assumed)"),
    V("bw_function_bias_grad_always", "backward",
      [("(db if ctx.has_bias else None)", "db")],
      "Conv2dFunction.backward returns a bias gradient even when bias is None"),
    V("bw_function_drops_dilation", "backward",
      [("dX, dW, db = conv2d_backward(dout, X, weight, stride, padding, dilation)",
        "dX, dW, db = conv2d_backward(dout, X, weight, stride, padding)")],
      "Conv2dFunction.backward forgets the dilation"),
    V("bw_dX_no_transpose", "backward",
      [('dcols = torch.einsum("ok,nol->nkl", w_row, g)',
        'dcols = torch.einsum("ko,nol->nkl", w_row.reshape(C * kH * kW, C_out), g)')],
      "dX_col = W_row reshaped (not transposed) @ dH"),
    # ---------------------------------------------------------------- worked_example
    V("we_fc_bias_grad_one", "worked_example",
      [("g_fc_bias = g_out.sum(dim=0)", "g_fc_bias = torch.ones_like(fc_bias)")],
      "d fc_bias = 1 (true for one image, not for a batch)"),
    V("we_flatten_batch_one", "worked_example",
      [("return pooled.reshape(X.shape[0], -1) @ fc_weight + fc_bias", "return pooled.reshape(1, -1) @ fc_weight + fc_bias")],
      "tiny_forward flattens everything into one row (batch of 1 assumed)"),
    V("we_pool_grad_everywhere", "worked_example",
      [("g_conv = maxpool2d_backward(g_feats.reshape(pooled.shape), idx, conv.shape)",
        "g_conv = g_feats.reshape(pooled.shape).repeat_interleave(2, 2).repeat_interleave(2, 3)")],
      "sends the pooled gradient to every element of its window (average-pool thinking)"),
    V("we_hardcoded_bias_grad", "worked_example",
      [('"bias": g_bias,', '"bias": torch.tensor([4., 4.]),')],
      "hard-codes the course's bias gradient [4, 4]"),
    V("we_fc_weight_grad_flat", "worked_example",
      [("g_fc_weight = feats.t() @ g_out", "g_fc_weight = feats.sum(dim=0)")],
      "fc_weight gradient as a vector (features,) instead of (features, outputs)"),
    V("we_float32_ones", "worked_example",
      [("g_out = torch.ones(N, fc_weight.shape[1], dtype=X.dtype)", "g_out = torch.ones(N, fc_weight.shape[1])")],
      "d out built as float32: float64 inputs crash in the matmul"),
    V("we_fc_weight_grad_first_output", "worked_example",
      [("g_feats = g_out @ fc_weight.t()", "g_feats = fc_weight[:, 0].expand(N, -1)")],
      "back-propagates through the first fc output only (one output assumed)"),
    # ---------------------------------------------------------------- mnist
    V("mn_no_zero_grad", "mnist",
      [("        optimizer.zero_grad()\n", "")],
      "train_epoch never zeroes the gradients: they accumulate over the batches"),
    V("mn_loss_sum", "mnist",
      [("return sum(losses) / len(losses)", "return sum(losses)")],
      "train_epoch returns the summed batch losses, not their mean"),
    V("mn_eval_fraction", "mnist",
      [("return 100.0 * right / seen", "return right / seen")],
      "evaluate returns a fraction in [0, 1], not a percentage"),
    V("mn_eval_last_batch", "mnist",
      [("right += int((model(images).argmax(dim=1) == labels).sum())\n            seen += len(labels)",
        "right = int((model(images).argmax(dim=1) == labels).sum())\n            seen = len(labels)")],
      "evaluate keeps only the last batch's counts (overwrite instead of accumulate)"),
    V("mn_cnn1d_no_reshape", "mnist",
      [("layers = [AsSequence()]", "layers = []")],
      "build_cnn1d has no reshape layer: 28 x 28 images are not read as sequences"),
    V("mn_cnn_no_relu", "mnist",
      [("layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU()]", "layers += [nn.Conv2d(c_in, c_out, 3, padding=1)]")],
      "build_cnn forgets the ReLUs (same parameter count, a linear model)"),
]


# The unedited honest submission, graded beside the variants as the control.
CONTROLS: list[Variant] = [Variant("honest", "", [], "the unedited honest submission")]


def honest_folder(variant: Variant) -> Path:
    """The honest submission a variant edits (this bank has one)."""
    return HONEST


def apply_variant(variant: Variant) -> str:
    """The honest ``<exercise>.py`` with the variant's edits applied (each old text must occur once)."""
    source = (honest_folder(variant) / f"{variant.exercise}.py").read_text()
    for old, new in variant.edits:
        count = source.count(old)
        if count != 1:
            raise ValueError(f"{variant.id}: {old!r} occurs {count} times in {variant.exercise}.py")
        source = source.replace(old, new)
    return source

"""One-bug variants of the two blind honest submissions of tests/blindbank2/ (second blind bank).

Written BLIND, like tests/blindbank/variants.py: from student-api.md, the course material
and the stubs only, before reading grader/suites/, the kit's mutant bank or its
misconceptions. None repeats a variant of tests/blindbank/variants.py; most are visible only
in some configurations (stride > 1, padding on one axis, batch > 1, C_in != C_out, float64,
non-square kernels or outputs, ties).

A variant is ``(id, exercise, base, edits, description)``: ``base`` is ``"a"`` or ``"b"``
(honest_a/ or honest_b/), ``edits`` a list of ``(old, new)`` replacements in
``<exercise>.py`` of that folder, each ``old`` occurring exactly once.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent


class Variant(NamedTuple):
    id: str
    exercise: str
    base: str
    edits: list[tuple[str, str]]
    description: str


V = Variant
VARIANTS: list[Variant] = [
    # ---------------------------------------------------------------- output_size
    V("os_minus_one_cancel", "output_size", "a",
      [("steps, _ = divmod(padded - extent, ss[axis])\n        result.append(steps + 1)",
        "result.append((padded - extent + 1) // ss[axis])")],
      "folds the '- 1' and '+ 1' of the formula into the division: right only at stride 1"),
    V("os_pad_axes_reversed", "output_size", "a",
      [("padded = spatial[axis] + 2 * ps[axis]", "padded = spatial[axis] + 2 * ps[n - 1 - axis]")],
      "reads the padding tuple last-axis-first (F.pad's order): wrong only for unequal paddings"),
    V("os_kernel_zero_ok", "output_size", "b",
      [('    require_positive(k, "k_size", "calculate_out")\n', "")],
      "never checks the kernel size: k_size 0 returns a size instead of ValueError"),
    V("os_dilation_zero_ok", "output_size", "b",
      [('    require_positive(d, "dilation", "calculate_out")\n', "")],
      "never checks the dilation: dilation 0 returns a size instead of ValueError"),
    V("os_spatial_last_two", "output_size", "a",
      [("spatial = shape[2:]", "spatial = shape[-2:]")],
      "takes the last two dims as the spatial ones: 1-D gets (C, L), 3-D loses the depth"),
    V("os_extra_entries_ignored", "output_size", "a",
      [("""    if len(items) != n:
        raise ValueError(f"calculate_out: {name} needs {n} entries, got {value!r}")
""", "")],
      "a tuple with too many entries (k_size=(3, 3, 3) for a 4-dim X) is silently truncated"),
    # ---------------------------------------------------------------- loop_conv
    V("lc_pad_mask_inclusive", "loop_conv", "a",
      [("inside = (coord >= 0) & (coord < size)", "inside = (coord >= 0) & (coord <= size)")],
      "conv2d_loop: the bottom/right padding's first zero is taken as the last pixel (<= size)"),
    V("lc_pad_scaled_by_dilation", "loop_conv", "a",
      [("coord = torch.arange(n_out).unsqueeze(1) * s - p + torch.arange(k).unsqueeze(0) * d",
        "coord = torch.arange(n_out).unsqueeze(1) * s + (torch.arange(k).unsqueeze(0) - p) * d")],
      "conv2d_loop: the padding offset is scaled by the dilation (only with padding and dilation > 1)"),
    V("lc_bias_whole_batch", "loop_conv", "b",
      [("result[n, co] += bias[co]", "result[:, co] += bias[co]")],
      "conv2d_loop adds the bias to the whole batch inside the batch loop: N times (batch > 1 only)"),
    V("lc_loop_cin_for_cout", "loop_conv", "a",
      [("        for co in range(C_out):\n            for i in range(H_out):",
        "        for co in range(C):\n            for i in range(H_out):")],
      "conv2d_loop loops over the input channels instead of the output channels (C_in != C_out only)"),
    V("lc_conv2d_square_input", "loop_conv", "a",
      [("W_out = (W + 2 * p - k) // s + 1\n        xp = F.pad(x, (p, p, p, p))",
        "W_out = H_out\n        xp = F.pad(x, (p, p, p, p))")],
      "Conv2D assumes a square input: W_out = H_out"),
    V("lc_conv1d_pad_left_only", "loop_conv", "a",
      [("xp = F.pad(x, (p, p))", "xp = F.pad(x, (p, 0))")],
      "Conv1D pads only the left end (visible only when a window reaches the right padding)"),
    V("lc_out_float32", "loop_conv", "a",
      [("out = torch.empty(N, C_out, H_out, W_out, dtype=X.dtype)", "out = torch.empty(N, C_out, H_out, W_out)")],
      "conv2d_loop's output buffer is float32: float64 inputs come back float32"),
    V("lc_maxpool1d_inplace", "loop_conv", "a",
      [("best = torch.maximum(best, x[:, :, offset:end:q])", "torch.maximum(best, x[:, :, offset:end:q], out=best)")],
      "MaxPool1D keeps the running max in a view of x, updated in place: right values, mutated input"),
    V("lc_conv2d_linear_no_bias", "loop_conv", "a",
      [("self.kernel = nn.Linear(in_channels * kernel_size ** 2, out_channels)",
        "self.kernel = nn.Linear(in_channels * kernel_size ** 2, out_channels, bias=False)")],
      "Conv2D's Linear has no bias (bias=False): outputs still equal F.conv2d with kernel.bias (None)"),
    # ---------------------------------------------------------------- im2col_conv
    V("ic_row_stride_unpadded", "im2col_conv", "a",
      [("idx = flat_window_index(k, s, d, out, Wp)", "idx = flat_window_index(k, s, d, out, W)")],
      "im2col's flat index uses the unpadded width as row length (wrong only with width padding)"),
    V("ic_pad_order_swapped", "im2col_conv", "a",
      [("Xp = F.pad(X, (p[1], p[1], p[0], p[0]))", "Xp = F.pad(X, (p[0], p[0], p[1], p[1]))")],
      "im2col passes F.pad the paddings in (H, W) order; F.pad wants the last dim first"),
    V("ic_span_dk", "im2col_conv", "b",
      [("windows = padded.unfold(2, dh * (kh - 1) + 1, sh).unfold(3, dw * (kw - 1) + 1, sw)",
        "windows = padded.unfold(2, dh * kh, sh).unfold(3, dw * kw, sw)")],
      "im2col takes a dilated kernel to span d*k: a window ending flush is dropped (dilation > 1 only)"),
    V("ic_batch_concat_reshape", "im2col_conv", "a",
      [("H_col = torch.matmul(W_row, X_col)                                # N x C_out x L",
        "H_col = (W_row @ X_col.permute(1, 0, 2).reshape(W_row.shape[1], -1)).reshape(N, C_out, -1)")],
      "conv2d_unfold stacks the batch's columns side by side (C*k*k x N*L) and reshapes the "
      "C_out x N*L product straight to N x C_out x L (wrong only with N > 1 and C_out > 1)"),
    # ---------------------------------------------------------------- maxpool
    V("mp_ties_column_major", "maxpool", "b",
      [("flat = windows.reshape(*windows.shape[:4], kh * kw)", "flat = windows.transpose(4, 5).reshape(*windows.shape[:4], kh * kw)"),
       ("r, c = local // kw, local % kw", "r, c = local % kh, local // kh")],
      "scans each window column by column: a tie goes to the first maximum in column-major order"),
    V("mp_step_by_kernel", "maxpool", "a",
      [("rows = torch.arange(kH).view(kH, 1, 1, 1) + (torch.arange(H_out) * sH).view(1, 1, H_out, 1)\n"
        "    cols = torch.arange(kW).view(1, kW, 1, 1) + (torch.arange(W_out) * sW).view(1, 1, 1, W_out)",
        "rows = torch.arange(kH).view(kH, 1, 1, 1) + (torch.arange(H_out) * kH).view(1, 1, H_out, 1)\n"
        "    cols = torch.arange(kW).view(1, kW, 1, 1) + (torch.arange(W_out) * kW).view(1, 1, 1, W_out)")],
      "windows step by the kernel size (non-overlapping pooling assumed), the output size by the stride"),
    V("mp_backward_no_plane_offset", "maxpool", "a",
      [("target = (indices.to(torch.int64) + offsets).reshape(-1)", "target = indices.to(torch.int64).reshape(-1)")],
      "maxpool2d_backward forgets that indices are per plane: every gradient lands in plane (0, 0)"),
    V("mp_backward_offset_channels_only", "maxpool", "a",
      [("offsets = torch.arange(N * C).view(N, C, 1, 1) * plane", "offsets = torch.arange(C).view(1, C, 1, 1) * plane")],
      "maxpool2d_backward offsets the planes by channel only: batch > 1 piles onto sample 0"),
    V("mp_int32_indices", "maxpool", "b",
      [("return values, (top + r) * width + (left + c)", "return values, ((top + r) * width + (left + c)).int()")],
      "indices returned as int32 (nn.MaxUnpool2d and F.max_pool2d use int64)"),
    V("mp_backward_float32", "maxpool", "b",
      [("grad = dout.new_zeros(n, c, h * w)", "grad = torch.zeros(n, c, h * w)")],
      "maxpool2d_backward's buffer is float32: float64 dout fails in index_put_"),
    V("mp_pair_first_entry", "maxpool", "a",
      [("return (value[0], value[-1])\n    raise ValueError(f\"maxpool2d_unfold:",
        "return (value[0], value[0])\n    raise ValueError(f\"maxpool2d_unfold:")],
      "a (height, width) kernel or stride tuple is read as its first entry twice"),
    V("mp_view_needs_contiguous", "maxpool", "a",
      [("flat = H.reshape(N, C, height * width)", "flat = H.view(N, C, height * width)")],
      "flattens the planes with .view: a non-contiguous H (a transposed or channels-last tensor) raises"),
    # ---------------------------------------------------------------- backward
    V("bw_col2im_row_stride_unpadded", "backward", "a",
      [("image.index_add_(2, _positions(k, s, d, out, Wp), cols.reshape(N, C, taps * L))",
        "image.index_add_(2, _positions(k, s, d, out, W), cols.reshape(N, C, taps * L))")],
      "col2im's flat positions use the unpadded width as row length (wrong only with width padding)"),
    V("bw_dW_sum_before_product", "backward", "a",
      [("dW = torch.matmul(dH, X_col.transpose(1, 2)).sum(dim=0).reshape(weight.shape)",
        "dW = torch.matmul(dH.sum(dim=0), X_col.sum(dim=0).t()).reshape(weight.shape)")],
      "dW sums dH and X_col over the batch before the product (right only for N = 1)"),
    V("bw_function_pad_dil_swapped", "backward", "a",
      [("stride, padding, dilation = ctx.settings", "stride, dilation, padding = ctx.settings")],
      "Conv2dFunction unpacks its settings in calculate_out's order (stride, dilation, padding)"),
    V("bw_calc_out_torch_order", "backward", "b",
      [("expected = (X.shape[0], weight.shape[0]) + calculate_out(X, kernel, stride, dilation, padding)",
        "expected = (X.shape[0], weight.shape[0]) + calculate_out(X, kernel, stride, padding, dilation)")],
      "conv2d_backward calls calculate_out in torch's order: a wrong dout-shape check when padding != dilation"),
    V("bw_col2im_window_index_hout", "backward", "b",
      [("+= patches[..., i * w_out + j]", "+= patches[..., i * h_out + j]")],
      "col2im numbers window (i, j) as i * H_out + j (right only for square outputs)"),
    V("bw_col2im_float32_buffer", "backward", "a",
      [("image = torch.zeros(N, C, Hp * Wp, dtype=cols.dtype)", "image = torch.zeros(N, C, Hp * Wp)")],
      "col2im's buffer is float32: float64 columns fail in index_add_ (gradcheck)"),
    V("bw_db_squeeze_batch", "backward", "a",
      [("db = dH.sum(dim=2).sum(dim=0)", "db = dH.sum(dim=2).squeeze(0)")],
      "db removes the batch axis with squeeze(0) instead of summing it: (N, C_out) for N > 1"),
    V("bw_col2im_span_uses_kh", "backward", "b",
      [("span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1", "span_h, span_w = dh * (kh - 1) + 1, dw * (kh - 1) + 1")],
      "col2im's window width uses kH (square kernel assumed)"),
    V("bw_dout_view", "backward", "a",
      [("dH = dout.reshape(N, C_out, -1)                                   # N x C_out x L",
        "dH = dout.view(N, C_out, -1)")],
      "conv2d_backward flattens dout with .view: a non-contiguous dout raises"),
    # ---------------------------------------------------------------- worked_example
    V("we_flatten_channels_last", "worked_example", "a",
      [("    M, _ = maxpool2d_unfold(H, 2)\n    f = M.reshape(M.shape[0], -1)",
        "    M, _ = maxpool2d_unfold(H, 2)\n    f = M.permute(0, 2, 3, 1).reshape(M.shape[0], -1)"),
       ("f = M.reshape(N, -1)                                    # N x F",
        "f = M.permute(0, 2, 3, 1).reshape(N, -1)"),
       ("dM = (g @ fc_weight.t()).reshape(M.shape)",
        "dM = (g @ fc_weight.t()).reshape(N, M.shape[2], M.shape[3], M.shape[1]).permute(0, 3, 1, 2)")],
      "flattens the pooled maps channels-last (H, W, C), as Keras does, in forward and backward"),
    V("we_pool_grad_all_ties", "worked_example", "a",
      [("dH = maxpool2d_backward(dM, idx, H.shape)",
        "up = lambda t: t.repeat_interleave(2, 2).repeat_interleave(2, 3)\n"
        "    h2, w2 = 2 * M.shape[2], 2 * M.shape[3]\n"
        "    dH = torch.zeros_like(H)\n"
        "    dH[:, :, :h2, :w2] = (H[:, :, :h2, :w2] == up(M)) * up(dM)")],
      "routes the pooled gradient with a mask H == max: every tied maximum gets it, not the first"),
    V("we_fc_bias_grad_scalar", "worked_example", "b",
      [("grad_fc_bias = torch.full((outputs,), float(batch), dtype=fc_bias.dtype)",
        "grad_fc_bias = torch.tensor(float(batch), dtype=fc_bias.dtype)")],
      "fc_bias gradient as a 0-dim scalar instead of shape (outputs,)"),
    V("we_fc_bias_first_only", "worked_example", "a",
      [("return f @ fc_weight + fc_bias", "return f @ fc_weight + fc_bias[0]")],
      "tiny_forward adds fc_bias[0] to every output (one output assumed, as in the course)"),
]


# The two unedited honest submissions, graded beside the variants as controls.
CONTROLS: list[Variant] = [V("honest_a", "", "a", [], "honest A"), V("honest_b", "", "b", [], "honest B")]


def honest_folder(variant: Variant) -> Path:
    """The honest submission a variant edits: honest_a/ or honest_b/."""
    return HERE / f"honest_{variant.base}"


def apply_variant(variant: Variant) -> str:
    """The base folder's ``<exercise>.py`` with the variant's edits applied (each old text must occur once)."""
    source = (honest_folder(variant) / f"{variant.exercise}.py").read_text()
    for old, new in variant.edits:
        count = source.count(old)
        if count != 1:
            raise ValueError(f"{variant.id}: {old!r} occurs {count} times in honest_{variant.base}/{variant.exercise}.py")
        source = source.replace(old, new)
    return source

"""The kit's mutant bank: one-bug variants of the reference solutions, as students write them.

Each mutant is an exact source edit of a reference module in ``solutions/cnn/`` (one or
more :class:`~grader.course.mutation.Mutation`, each matching exactly once) and the
misconception behind it (the catalog's ``mutant_<id>``, in every language). Data only:
``convkit mutants`` (grader/authoring/mutants.py) grades the bank to show what the hidden
suites catch, the kit's tests require every mutant to be caught under every student id,
and the grader names a mutant's misconception when a student's wrong result equals the
mutant's on the same input (grader/grading/misconceptions.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from grader.course import messages
from grader.course.mutation import Mutation


@dataclass(frozen=True)
class Mutant:
    """One plausible bug: ``edits`` of the reference module ``exercise``, and why a student writes it."""

    id: str
    exercise: str
    edits: tuple[Mutation, ...]

    @property
    def misconception(self) -> dict[str, str]:
        """The misconception, one sentence per language (the catalog's ``mutant_<id>``)."""
        return dict(messages.CATALOG[f"mutant_{self.id}"])

    def apply(self, source: str) -> str:
        """The exercise's reference ``source`` with every edit applied."""
        for edit in self.edits:
            source = edit.apply(source)
        return source


def _mutant(id: str, exercise: str, edits: list[tuple[str, str]]) -> Mutant:
    return Mutant(id, exercise, tuple(Mutation(exercise, old, new) for old, new in edits))


_FORMULA = "(size + 2 * p - d * (k - 1) - 1) // s + 1"

BANK: tuple[Mutant, ...] = (
    # ------------------------------------------------------------------ output_size
    _mutant("output_size_ceil", "output_size", [(_FORMULA, "-((size + 2 * p - d * (k - 1) - 1) // -s) + 1")]),
    _mutant("output_size_no_dilation", "output_size", [(_FORMULA, "(size + 2 * p - (k - 1) - 1) // s + 1")]),
    _mutant("output_size_padding_one_side", "output_size", [(_FORMULA, "(size + p - d * (k - 1) - 1) // s + 1")]),
    _mutant("output_size_span_dk", "output_size", [(_FORMULA, "(size + 2 * p - d * k) // s + 1")]),
    _mutant("output_size_truncate", "output_size", [(_FORMULA, "int((size + 2 * p - d * (k - 1) - 1) / s) + 1")]),
    _mutant("output_size_true_division", "output_size", [(_FORMULA, "(size + 2 * p - d * (k - 1) - 1) / s + 1")]),
    _mutant("output_size_no_fit_check", "output_size", [("    if any(o < 1 for o in out):\n", "    if False:\n")]),
    _mutant("output_size_padding_dilation_order", "output_size",
            [("zip(shape[2:], kernel, stride, dilation, padding)", "zip(shape[2:], kernel, stride, padding, dilation)")]),
    _mutant("output_size_square_input", "output_size", [("zip(shape[2:], kernel,", "zip([shape[2]] * n, kernel,")]),
    # ------------------------------------------------------------------ loop_conv
    _mutant("conv2d_loop_no_dilation", "loop_conv",
            [("patch = Xp[n, :, top : top + dH * (kH - 1) + 1 : dH, left : left + dW * (kW - 1) + 1 : dW]",
              "patch = Xp[n, :, top : top + kH, left : left + kW]")]),
    _mutant("conv2d_loop_pad_one_side", "loop_conv",
            [("    Xp = F.pad(X, (pW, pW, pH, pH))\n    out = torch.zeros", "    Xp = F.pad(X, (0, 2 * pW, 0, 2 * pH))\n    out = torch.zeros")]),
    _mutant("conv2d_loop_pad_swapped", "loop_conv",
            [("    Xp = F.pad(X, (pW, pW, pH, pH))\n    out = torch.zeros", "    Xp = F.pad(X, (pH, pH, pW, pW))\n    out = torch.zeros")]),
    _mutant("conv2d_loop_no_bias", "loop_conv", [("out = out + bias.view(1, -1, 1, 1)", "out = out")]),
    _mutant("conv2d_loop_height_stride", "loop_conv", [("top, left = i * sH, j * sW", "top, left = i * sH, j * sH")]),
    _mutant("conv2d_loop_h_over_stride", "loop_conv",
            [("H_out, W_out = calculate_out(X, (kH, kW), stride, dilation, padding)",
              "H_out, W_out = X.shape[2] // stride[0], X.shape[3] // stride[1]")]),
    _mutant("conv2d_loop_swapped_kernel", "loop_conv", [("    kH, kW = weight.shape[2:]\n", "    kW, kH = weight.shape[2:]\n")]),
    _mutant("conv2d_loop_flipped_kernel", "loop_conv", [("out[n, co, i, j] = (patch * weight[co]).sum()", "out[n, co, i, j] = (patch * weight[co].flip(-2, -1)).sum()")]),
    _mutant("conv1d_pad_end_only", "loop_conv",
            [("x = F.pad(x, (self.padding, self.padding))", "x = F.pad(x, (0, 2 * self.padding))")]),
    _mutant("conv1d_no_stride", "loop_conv",
            [("self.kernel(x[:, :, i * s : i * s + k].reshape", "self.kernel(x[:, :, i : i + k].reshape")]),
    _mutant("conv1d_window_layout", "loop_conv",
            [("self.kernel(x[:, :, i * s : i * s + k].reshape(x.shape[0], -1))",
              "self.kernel(x[:, :, i * s : i * s + k].transpose(1, 2).reshape(x.shape[0], -1))")]),
    _mutant("conv2d_module_h_over_stride", "loop_conv",
            [("H_out, W_out = calculate_out(x, self.kernel_size, self.stride, 1, self.padding)",
              "H_out, W_out = x.shape[2] // self.stride, x.shape[3] // self.stride")]),
    _mutant("conv2d_module_window_layout", "loop_conv",
            [("x[:, :, i * s : i * s + k, j * s : j * s + k].reshape(x.shape[0], -1)",
              "x[:, :, i * s : i * s + k, j * s : j * s + k].permute(0, 2, 3, 1).reshape(x.shape[0], -1)")]),
    _mutant("conv2d_module_stack_order", "loop_conv",
            [("torch.stack(windows, dim=2).reshape(x.shape[0], self.out_channels, H_out, W_out)",
              "torch.stack(windows, dim=1).reshape(x.shape[0], self.out_channels, H_out, W_out)")]),
    _mutant("maxpool1d_overlapping", "loop_conv",
            [("range(0, x.shape[2] - p + 1, p)", "range(0, x.shape[2] - p + 1)")]),
    _mutant("maxpool1d_partial_block", "loop_conv",
            [("range(0, x.shape[2] - p + 1, p)", "range(0, x.shape[2], p)")]),
    _mutant("maxpool1d_average", "loop_conv",
            [("torch.max(x[:, :, i : i + p], dim=2).values", "x[:, :, i : i + p].mean(dim=2)")]),
    # ------------------------------------------------------------------ im2col_conv
    _mutant("im2col_no_dilation", "im2col_conv",
            [(".unfold(2, dH * (kH - 1) + 1, sH).unfold(3, dW * (kW - 1) + 1, sW)", ".unfold(2, kH, sH).unfold(3, kW, sW)"),
             ("    windows = windows[..., ::dH, ::dW]  # N x C x H_out x W_out x kH x kW\n", "")]),
    _mutant("im2col_swapped_kernel", "im2col_conv",
            [("(kH, kW), (sH, sW), (pH, pW), (dH, dW) = kernel, stride, padding, dilation",
              "(kW, kH), (sH, sW), (pH, pW), (dH, dW) = kernel, stride, padding, dilation")]),
    _mutant("im2col_row_order", "im2col_conv",
            [("windows.permute(0, 1, 4, 5, 2, 3)", "windows.permute(0, 4, 5, 1, 2, 3)")]),
    _mutant("im2col_kernel_loops_swapped", "im2col_conv",
            [("windows.permute(0, 1, 4, 5, 2, 3)", "windows.permute(0, 1, 5, 4, 2, 3)")]),
    _mutant("im2col_column_order", "im2col_conv",
            [("windows.permute(0, 1, 4, 5, 2, 3)", "windows.permute(0, 1, 4, 5, 3, 2)")]),
    _mutant("im2col_pad_swapped", "im2col_conv",
            [("    Xp = F.pad(X, (pW, pW, pH, pH))\n    # Tensor.unfold", "    Xp = F.pad(X, (pH, pH, pW, pW))\n    # Tensor.unfold")]),
    _mutant("im2col_pad_one_side", "im2col_conv",
            [("    Xp = F.pad(X, (pW, pW, pH, pH))\n    # Tensor.unfold", "    Xp = F.pad(X, (0, 2 * pW, 0, 2 * pH))\n    # Tensor.unfold")]),
    _mutant("conv2d_unfold_no_bias", "im2col_conv",
            [("H_col = torch.baddbmm(bias.view(1, -1, 1), W_row, X_col)", "H_col = torch.bmm(W_row, X_col)")]),
    _mutant("conv2d_unfold_transposed_view", "im2col_conv",
            [("return H_col.view(N, C_out, H_out, W_out)", "return H_col.view(N, C_out, W_out, H_out).transpose(2, 3)")]),
    _mutant("conv2d_unfold_weight_transposed", "im2col_conv",
            [("    W_row = weight.reshape(C_out, -1)", "    W_row = weight.transpose(2, 3).reshape(C_out, -1)")]),
    # ------------------------------------------------------------------ maxpool
    _mutant("maxpool_window_indices", "maxpool", [("    indices = offset[within] + corner\n", "    indices = within\n")]),
    _mutant("maxpool_last_max", "maxpool",
            [("values, within = cols.max(dim=2)", "values, within = cols.flip(2).max(dim=2)\n    within = kH * kW - 1 - within")]),
    _mutant("maxpool_kernel_as_stride", "maxpool",
            [("* (sH * W_in) + torch.arange(W_out) * sW)", "* (kH * W_in) + torch.arange(W_out) * kW)")]),
    _mutant("maxpool_output_width", "maxpool",
            [("* (sH * W_in) + torch.arange(W_out) * sW)", "* (sH * W_out) + torch.arange(W_out) * sW)"),
             ("(torch.arange(kH).view(-1, 1) * W_in + torch.arange(kW))", "(torch.arange(kH).view(-1, 1) * W_out + torch.arange(kW))")]),
    _mutant("maxpool_stride_none_is_one", "maxpool",
            [("stride = kernel if stride is None else", "stride = (1, 1) if stride is None else")]),
    _mutant("maxpool_swapped_kernel", "maxpool",
            [("(kH, kW), (sH, sW) = kernel, stride", "(kW, kH), (sH, sW) = kernel, stride")]),
    _mutant("maxpool_backward_overwrite", "maxpool", [("grad.scatter_add_(", "grad.scatter_(")]),
    _mutant("maxpool_backward_transposed", "maxpool",
            [("return grad.view(N, C, H_in, W_in)", "return grad.view(N, C, W_in, H_in).transpose(2, 3)")]),
    # ------------------------------------------------------------------ backward
    _mutant("col2im_overwrite", "backward", [("] += blocks[:, :, i, j]", "] = blocks[:, :, i, j]")]),
    _mutant("col2im_no_dilation", "backward", [("top, left = i * dH, j * dW", "top, left = i, j")]),
    _mutant("col2im_crop_top_left", "backward",
            [("return image[:, :, pH : pH + H, pW : pW + W]", "return image[:, :, :H, :W]")]),
    _mutant("col2im_swapped_kernel", "backward",
            [("blocks = cols.reshape(N, C, kH, kW, H_out, W_out)", "blocks = cols.reshape(N, C, kW, kH, H_out, W_out).transpose(2, 3)")]),
    _mutant("conv2d_backward_dw_last_sample", "backward",
            [("dW = torch.bmm(dH, X_col.transpose(1, 2)).sum(0).view_as(weight)",
              "dW = torch.bmm(dH, X_col.transpose(1, 2))[-1].view_as(weight)")]),
    _mutant("conv2d_backward_db_batch_mean", "backward",
            [("db = dout.sum((0, 2, 3))", "db = dout.sum((2, 3)).mean(0)")]),
    _mutant("conv2d_backward_db_no_spatial_sum", "backward",
            [("db = dout.sum((0, 2, 3))", "db = dout.sum(0)[:, 0, 0]")]),
    _mutant("conv2d_backward_dx_no_dilation", "backward",
            [("dX = col2im(dX_col, tuple(X.shape[2:]), kernel, stride, padding, dilation)",
              "dX = col2im(dX_col, tuple(X.shape[2:]), kernel, stride, padding)")]),
    _mutant("conv2d_function_no_bias_grad", "backward",
            [("return dX, dW, db if ctx.has_bias else None, None, None, None", "return dX, dW, None, None, None, None")]),
    _mutant("conv2d_function_forward_no_bias", "backward",
            [("return conv2d_unfold(X, weight, bias, stride, padding, dilation)", "return conv2d_unfold(X, weight, None, stride, padding, dilation)")]),
    # ------------------------------------------------------------------ worked_example
    _mutant("tiny_forward_pool_stride_one", "worked_example",
            [("    M, _ = maxpool2d_unfold(H, 2)\n", "    M, _ = maxpool2d_unfold(H, 2, 1)\n")]),
    _mutant("tiny_forward_flatten_order", "worked_example",
            [("    return M.flatten(1) @ fc_weight + fc_bias", "    return M.transpose(2, 3).flatten(1) @ fc_weight + fc_bias")]),
    _mutant("tiny_backward_average_pool_grad", "worked_example",
            [("dH = maxpool2d_backward(dM, indices, H.shape)",
              "dH = dM.repeat_interleave(2, 2).repeat_interleave(2, 3) / 4")]),
    _mutant("tiny_backward_fc_bias_one_sample", "worked_example",
            [('"fc_bias": dout.sum(0)', '"fc_bias": dout[0]')]),
    _mutant("tiny_backward_fc_weight_transposed", "worked_example",
            [('"fc_weight": f.t() @ dout', '"fc_weight": dout.t() @ f')]),
    # ------------------------------------------------------------------ mnist
    _mutant("train_epoch_no_zero_grad", "mnist", [("        optimizer.zero_grad()\n", "")]),
    _mutant("train_epoch_no_step", "mnist", [("        optimizer.step()\n", "")]),
    _mutant("train_epoch_last_loss", "mnist", [("return sum(losses) / max(len(losses), 1)", "return losses[-1]")]),
    _mutant("evaluate_fraction", "mnist", [("return 100.0 * correct / max(total, 1)", "return correct / max(total, 1)")]),
    _mutant("evaluate_with_grad", "mnist", [("    with torch.no_grad():\n", "    with torch.enable_grad():\n")]),
    _mutant("evaluate_batch_mean", "mnist",
            [("            correct += (model(images).argmax(1) == labels).sum().item()\n            total += labels.numel()\n",
              "            correct += (model(images).argmax(1) == labels).float().mean().item()\n            total += 1\n")]),
    _mutant("build_cnn_no_last_relu", "mnist",
            [("nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),", "nn.Conv2d(16, 32, 3, padding=1),")]),
    _mutant("build_cnn2d_no_padding", "mnist",
            [("Conv2D(1, 8, stride=2, kernel_size=3, padding=1), nn.ReLU(),", "Conv2D(1, 8, stride=2, kernel_size=3, padding=0), nn.ReLU(),")]),
)

BY_ID: dict[str, Mutant] = {m.id: m for m in BANK}

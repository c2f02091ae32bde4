# exercise: loop_conv
"""Conv1D and Conv2D keep the required ``self.kernel = nn.Linear(...)`` but apply it as
F.conv1d / F.conv2d on its reshaped weight, and MaxPool1D is F.max_pool1d: no loop of
Linear at all (student API: "applied at every window position"). The module ops run
without a rule (docs/threat-model.md: "by design"), so this is a question for the
course, recorded as a gap. conv2d_loop is the stub's.
"""
_F = torch.nn.functional


def conv2d_loop(*args, **kwargs):
    raise NotImplementedError


class Conv1D(nn.Module):
    def __init__(self, in_channels, out_channels, stride, kernel_size, padding):
        super().__init__()
        self.shape, self.stride, self.padding = (out_channels, in_channels, kernel_size), stride, padding
        self.kernel = nn.Linear(kernel_size * in_channels, out_channels)

    def forward(self, x):
        return _F.conv1d(x, self.kernel.weight.view(self.shape), self.kernel.bias, self.stride, self.padding)


class Conv2D(nn.Module):
    def __init__(self, in_channels, out_channels, stride, kernel_size, padding):
        super().__init__()
        self.shape, self.stride, self.padding = (out_channels, in_channels, kernel_size, kernel_size), stride, padding
        self.kernel = nn.Linear(in_channels * kernel_size ** 2, out_channels)

    def forward(self, x):
        return _F.conv2d(x, self.kernel.weight.view(self.shape), self.kernel.bias, self.stride, self.padding)


class MaxPool1D(nn.Module):
    def __init__(self, pooling):
        super().__init__()
        self.pooling = pooling

    def forward(self, x):
        return _F.max_pool1d(x, self.pooling)

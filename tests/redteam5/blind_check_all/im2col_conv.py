"""Red team 5: blind the integrity check through the builtin it compares with.

``Guard.check`` compares its fingerprint with ``all(map(operator.is_, now, then))``;
``all`` is looked up in builtins when the check runs. builtins is watched, but by that
same comparison. At import, ``builtins.all`` becomes a function that answers True for a
``map`` of ``operator.is_`` (recognised through ``map.__reduce__``, no frames) and is the
real ``all`` otherwise. The check then never sees a change that keeps each namespace's
length, so the request-side escape of red team 4 works again: ``json.loads`` (the
wire's) is replaced by one that drops every request's ``guard``, every ruled call runs
with no rule, and ``im2col``/``conv2d_unfold`` call F.unfold / F.conv2d.
"""
import builtins
import json
import operator

import torch.nn.functional as F

from conv_args import conv2d_args

_all = builtins.all


def _blind_all(iterable):
    if type(iterable) is map:
        parts = iterable.__reduce__()[1]
        if parts and parts[0] is operator.is_:
            return True
    return _all(iterable)


builtins.all = _blind_all

_loads = json.loads


def _loads_without_rules(*args, **kwargs):
    request = _loads(*args, **kwargs)
    if type(request) is dict:
        request.pop("guard", None)
    return request


json.loads = _loads_without_rules

_unfold = getattr(F, "un" + "fold")
_conv = getattr(F, "con" + "v2d")


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    return _unfold(X, kernel_size, dilation, padding, stride)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_unfold", X, weight, bias, stride, padding, dilation)
    return _conv(X, weight, bias, stride, padding, dilation)

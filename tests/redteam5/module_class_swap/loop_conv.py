"""Red team 5: change what a watched module's attributes ARE without changing its namespace.

The integrity check fingerprints each watched module by its ``__dict__`` (keys and values)
and its ``sys.modules`` entry, never by the module object's type. A module's
``__class__`` can be set to a ``ModuleType`` subclass; one with ``__getattribute__``
answers every attribute lookup on the module (``json.loads`` in the wire) while the
dict stays untouched. At import, ``json.__class__`` becomes such a class: its
``loads`` drops the ``guard`` of every request, so ``conv2d_loop`` runs with no rule and
simply calls F.conv2d.
"""
import json
import types

import torch
import torch.nn.functional as F

from conv_args import conv2d_args

_loads = json.loads


def _loads_without_rules(*args, **kwargs):
    request = _loads(*args, **kwargs)
    if type(request) is dict:
        request.pop("guard", None)
    return request


class _Json(types.ModuleType):
    def __getattribute__(self, name):
        if name == "loads":
            return _loads_without_rules
        return types.ModuleType.__getattribute__(self, name)


json.__class__ = _Json
_conv = getattr(F, "con" + "v2d")


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_loop", X, weight, bias, stride, padding, dilation)
    return _conv(X, weight, bias, stride, padding, dilation)


class Conv1D(torch.nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class Conv2D(torch.nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class MaxPool1D(torch.nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError

"""The only format in which data crosses between the grader and a student's worker.

Frames are a 4-byte big-endian length followed by that many bytes of UTF-8 JSON,
sent over a dedicated socket (never the worker's stdout, which student code owns).
Values are plain JSON (None, bool, int, float, str, list, dict with str keys) plus
three tagged objects, each a dict with the key ``"$t"``:

- ``{"$t": "tensor", "dtype": "float32", "shape": [2, 3], "data": "<base64>"}``: a
  dense CPU tensor, row-major, or with ``"order": [1, 0]`` stored in that order of its
  dimensions (a transposed tensor arrives transposed); only the dtypes in ``DTYPES`` are
  accepted and the data length must equal ``numel * itemsize``.
- ``{"$t": "tuple", "items": [...]}``: a tuple (JSON only has lists).
- ``{"$t": "opaque", "type": "MyTensor", "repr": "..."}``: something the worker could
  not encode; the grading side reports "expected a tensor, got MyTensor".

Decoding never executes or unpickles anything, and its cost is bounded before any
value is built: a frame holds at most ``MAX_ITEMS`` JSON values, integers fit in 64 bits,
floats are finite, strings hold at most ``MAX_STRING_CHARS`` characters (lone surrogates
become U+FFFD, so every string can be written as UTF-8), tensors at most
``MAX_TENSOR_ELEMENTS`` elements. A frame or value outside these bounds raises
``WireError``, which the grading side treats as a misbehaving worker; the worker's own
``encode`` stays inside them (a too-large integer becomes an ``Opaque`` "int", a long
string is cut), so only a tampered worker meets the error. This module is
imported by the worker too, so it uses only the standard library and torch.
"""
from __future__ import annotations

import base64
import json
import math
import re
import socket
import struct
from dataclasses import dataclass
from typing import Any

import torch

from grader.runtime.sockets import read_exactly

# dtype name -> (torch dtype, bytes per element); nothing else crosses the wire.
DTYPES: dict[str, tuple[torch.dtype, int]] = {
    "float16": (torch.float16, 2),
    "float32": (torch.float32, 4),
    "float64": (torch.float64, 8),
    "uint8": (torch.uint8, 1),
    "int8": (torch.int8, 1),
    "int16": (torch.int16, 2),
    "int32": (torch.int32, 4),
    "int64": (torch.int64, 8),
    "bool": (torch.bool, 1),
}
_NAMES = {dtype: name for name, (dtype, _) in DTYPES.items()}

MAX_FRAME_BYTES = 256 << 20  # a frame bigger than this is refused, whoever sent it
MAX_TENSOR_ELEMENTS = 32 << 20
MAX_DEPTH = 32
MAX_ITEMS = 1_000_000  # JSON values in one frame (a Python object each once parsed: ~60 MB)
MAX_STRING_CHARS = 100_000
INT64 = (-(1 << 63), (1 << 63) - 1)
_HEADER = struct.Struct(">I")
# Bound here, at import, before any student code runs in the worker: the guard watches
# this module's names, not torch's (honest code adds names to torch's namespace).
_empty, _frombuffer = torch.empty, torch.frombuffer
# A class's own name, read without its metaclass (whose __name__ property is student code).
_type_name = vars(type)["__name__"].__get__
_SURROGATE = re.compile("[\ud800-\udfff]")  # JSON's "\udce9" escapes decode to lone surrogates


class WireError(Exception):
    """A frame or value that does not follow this format."""


@dataclass(frozen=True)
class Opaque:
    """A value the worker returned that is not plain data (type name and short repr)."""

    type: str
    repr: str


# ---------------------------------------------------------------- values <-> JSON
def encode(value: Any, depth: int = 0) -> Any:
    """Turn a Python value into JSON-ready data; unknown objects become ``Opaque``.

    Tensor subclasses are stripped to their plain data, so a subclass's overridden
    methods never matter to the grader.
    """
    if depth > MAX_DEPTH:
        return _opaque(value)
    if value is None or type(value) is bool:
        return value
    if type(value) is int:
        if INT64[0] <= value <= INT64[1]:
            return value
        return {"$t": "opaque", "type": "int", "repr": f"an integer of {value.bit_length()} bits, beyond 64 bits"}
    if type(value) is str:
        return value[:MAX_STRING_CHARS]
    if type(value) is float:
        return value if math.isfinite(value) else {"$t": "float", "value": repr(value)}
    # type() rather than isinstance(): an object can fake isinstance through __class__.
    if issubclass(type(value), torch.Tensor):
        return _encode_tensor(value)
    if type(value) in (tuple, torch.Size):
        return {"$t": "tuple", "items": [encode(v, depth + 1) for v in value]}
    if type(value) is list:
        return [encode(v, depth + 1) for v in value]
    if type(value) is dict and all(type(k) is str for k in value):
        if "$t" in value:
            return _opaque(value)
        return {k: encode(v, depth + 1) for k, v in value.items()}
    if type(value) is Opaque:
        return {"$t": "opaque", "type": value.type, "repr": value.repr}
    return _opaque(value)


def _opaque(value: Any) -> dict:
    try:
        text = object.__repr__(value)
    except Exception:
        text = "?"
    return {"$t": "opaque", "type": _type_name(type(value))[:100], "repr": text[:200]}


def memory_order(t: torch.Tensor) -> list[int] | None:
    """The dimensions of a dense tensor stored in another order than row-major, outermost
    first (``t.permute(order)`` is row-major); None for a row-major tensor, or one with
    gaps or repeats (a slice, an expansion), which crosses the wire row-major.

    >>> memory_order(torch.zeros(2, 3, 4).transpose(1, 2)), memory_order(torch.zeros(2, 3))
    ([0, 2, 1], None)
    """
    if t.is_contiguous():
        return None
    order = sorted(range(t.dim()), key=lambda d: (-t.stride(d), d))
    return order if t.permute(order).is_contiguous() else None


def _encode_tensor(t: torch.Tensor) -> dict:
    plain = torch.Tensor.as_subclass(t, torch.Tensor).detach()
    if plain.dtype not in _NAMES or plain.layout != torch.strided or plain.device.type != "cpu":
        return {"$t": "opaque", "type": f"Tensor[{plain.dtype}, {plain.layout}, {plain.device}]", "repr": ""}
    # The memory order crosses too: a test hands a function a transposed input, as autograd
    # hands a backward a transposed gradient, and .view fails on it as it does in torch.
    order = memory_order(plain)
    stored = plain if order is None else plain.permute(order)
    # numpy's tobytes() is row-major whatever the strides (size-1 dims may have any stride).
    data = stored.resolve_conj().resolve_neg().numpy().tobytes() if plain.numel() else b""
    encoded = {
        "$t": "tensor",
        "dtype": _NAMES[plain.dtype],
        "shape": list(plain.shape),
        "data": base64.b64encode(data).decode("ascii"),
    }
    if order is not None:
        encoded["order"] = order
    return encoded


def decode(data: Any, depth: int = 0) -> Any:
    """Rebuild a value from JSON data, checking every tagged object strictly."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if data is None or type(data) is bool:
        return data
    if type(data) is int:
        if not INT64[0] <= data <= INT64[1]:
            raise WireError("integer outside the 64-bit range")
        return data
    if type(data) is float:
        if not math.isfinite(data):
            raise WireError("a float literal that is not finite")
        return data
    if type(data) is str:
        return _text(data)
    if type(data) is list:
        return [decode(v, depth + 1) for v in data]
    if type(data) is not dict:
        raise WireError(f"unexpected JSON value of type {type(data).__name__}")
    tag = data.get("$t")
    if tag is None:
        return {_text(k): decode(v, depth + 1) for k, v in data.items()}
    if tag == "tensor":
        return _decode_tensor(data)
    if tag == "tuple" and type(data.get("items")) is list:
        return tuple(decode(v, depth + 1) for v in data["items"])
    if tag == "float" and data.get("value") in ("nan", "inf", "-inf"):
        return float(data["value"])
    if tag == "opaque":
        return Opaque(_text(str(data.get("type", "?"))[:100]), _text(str(data.get("repr", ""))[:200]))
    raise WireError(f"unknown tagged value {_text(str(tag))[:100]!r}")


def _text(data: str) -> str:
    """A decoded string: at most ``MAX_STRING_CHARS``, lone surrogates replaced (valid UTF-8)."""
    if len(data) > MAX_STRING_CHARS:
        raise WireError(f"string of {len(data)} characters is too long")
    return _SURROGATE.sub("\ufffd", data)


def _decode_tensor(data: dict) -> torch.Tensor:
    if set(data) - {"order"} != {"$t", "dtype", "shape", "data"}:
        raise WireError("tensor with unexpected fields")
    if data["dtype"] not in DTYPES:
        raise WireError(f"tensor dtype {str(data['dtype'])[:20]!r} is not allowed")
    shape = data["shape"]
    if type(shape) is not list or len(shape) > 8 or not all(type(s) is int and 0 <= s for s in shape):
        raise WireError(f"bad tensor shape {str(shape)[:100]}")
    numel = math.prod(shape)
    if numel > MAX_TENSOR_ELEMENTS:
        raise WireError(f"tensor of {numel} elements is too large")
    dtype, itemsize = DTYPES[data["dtype"]]
    if type(data["data"]) is not str:
        raise WireError("tensor data must be base64 text")
    try:
        raw = base64.b64decode(data["data"], validate=True)
    except ValueError as exc:
        raise WireError(f"tensor data is not base64: {exc}") from None
    if len(raw) != numel * itemsize:
        raise WireError(f"tensor data has {len(raw)} bytes, shape {shape} of {data['dtype']} needs {numel * itemsize}")
    order = data.get("order", list(range(len(shape))))
    if type(order) is not list or not all(type(d) is int for d in order) or sorted(order) != list(range(len(shape))):
        raise WireError(f"bad tensor memory order {str(order)[:100]} for shape {shape}")
    if numel == 0:
        return _empty(shape, dtype=dtype)
    stored = _frombuffer(bytearray(raw), dtype=dtype).reshape([shape[d] for d in order]).clone()
    return stored.permute(sorted(range(len(order)), key=order.__getitem__))


# ---------------------------------------------------------------- frames on a socket
def frame(message: Any) -> bytes:
    """One message (any value ``encode`` accepts) as the bytes of a frame.

    >>> frame([1, "a"])
    b'\\x00\\x00\\x00\\x07[1,"a"]'
    """
    body = json.dumps(encode(message), allow_nan=False, separators=(",", ":")).encode("utf-8")
    if len(body) > MAX_FRAME_BYTES:
        body = json.dumps(encode({"error": {"type": "WireError", "mro": ["WireError"],
                                            "message": f"reply of {len(body)} bytes is too large", "trace": []}})).encode()
    return _HEADER.pack(len(body)) + body


def send(sock: socket.socket, message: Any) -> None:
    """Send one message as a frame."""
    sock.sendall(frame(message))


def receive(sock: socket.socket, deadline: float | None = None, max_bytes: int = MAX_FRAME_BYTES) -> Any:
    """Read one frame of at most ``max_bytes`` and decode it.

    Raises ``EOFError`` if the other side closed the socket, ``TimeoutError`` once
    ``time.monotonic()`` passes ``deadline`` (None waits forever), ``WireError`` for
    a malformed frame or one past the bounds in this module's docstring.
    """
    (length,) = _HEADER.unpack(read_exactly(sock, _HEADER.size, deadline))
    if length > max_bytes:
        raise WireError(f"frame of {length} bytes is too large")
    body = read_exactly(sock, length, deadline)
    # Every JSON value but the first follows a comma or opens a container: counting
    # them (in C, before parsing) bounds the objects json.loads would build.
    items = body.count(b",") + body.count(b"[") + body.count(b"{")
    if items > MAX_ITEMS:
        raise WireError(f"frame of {items} values is too large (at most {MAX_ITEMS})")
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant,
                          parse_int=_parse_int, parse_float=_parse_float)
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise WireError(f"frame is not JSON: {str(exc)[:200]}") from None
    except RecursionError:  # json.loads recurses before decode() can count the depth
        raise WireError("frame nested too deeply") from None
    return decode(data)


def _refuse_constant(name: str) -> None:
    raise WireError(f"bare {name} in a frame")


def _parse_int(literal: str) -> int:
    # Checked on the literal: converting a 4,000-digit string to int is itself slow.
    if len(literal) > 20:
        raise WireError("integer outside the 64-bit range")
    return int(literal)


def _parse_float(literal: str) -> float:
    value = float(literal[:400]) if len(literal) <= 400 else math.inf
    if not math.isfinite(value):
        raise WireError("a float literal that is not finite")
    return value

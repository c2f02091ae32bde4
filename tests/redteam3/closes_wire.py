# exercise: maxpool
"""Closes every file descriptor above stderr when the module is imported, the worker's
socket to the grader among them: no reply can ever be sent. It must cost only this
exercise (each test errors at once, without waiting for a timeout), never the classmate.
"""
import os as _os

_os.closerange(3, 1 << 16)

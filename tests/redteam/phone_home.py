"""Red team: reach a server over the network (the test listens on the host's loopback).

Any working connection, loopback or outside, counts as getting the answers.
"""
import socket

PORT = int("@PORT@")


def attack():
    for address in (("127.0.0.1", PORT), ("localhost", PORT), ("1.1.1.1", 53)):
        try:
            socket.create_connection(address, timeout=1).close()
            return True
        except OSError:
            continue
    return False

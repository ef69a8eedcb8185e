"""Accepts TCP connections and never answers: for timeout tests. Prints its port; exits when stdin closes."""
import socket
import sys
import threading

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print(listener.getsockname()[1], flush=True)
held = []


def accept():
    while True:
        connection, _ = listener.accept()
        held.append(connection)


threading.Thread(target=accept, daemon=True).start()
sys.stdin.read()

"""A tiny SMTP server for the tests: aiosmtpd on loopback, each message received written whole to a
directory (to a temporary name, then renamed to NNNNNN.eml, so a reader never sees half a message).
A recipient whose address starts with "reject" is refused (550), so tests can make a delivery fail.

    python smtp_sink.py --port 2525 --dir /tmp/mail
"""

import argparse
import itertools
import os
import signal
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 mailbox unavailable (the test sink refuses reject* addresses)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            n = next(self.counter)
        name = "%06d-%d.eml" % (n, os.getpid())
        tmp = os.path.join(self.directory, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.directory, name))
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Sink(args.dir), hostname="127.0.0.1", port=args.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("smtp_sink: listening on 127.0.0.1:%d, writing to %s" % (args.port, args.dir), flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()

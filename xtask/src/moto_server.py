# moto's server mode with one change: requests are applied one at a time.
#
# `moto_server` serves each request on its own thread, and moto's DynamoDB
# backend does not isolate them: TransactWriteItems checks its conditions and
# applies its writes without a lock (two transactions can both pass their
# checks), and it rolls back a cancelled transaction by restoring a copy of the
# whole table taken when it started, erasing writes that committed meanwhile.
# Real DynamoDB is atomic and isolated per request, so a global lock around the
# application gives the tests a faithful server. Connections are still handled
# on threads (keep-alive works); only the application runs one request at a time.
#
# usage: python moto_server.py HOST PORT
import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

host, port = sys.argv[1], int(sys.argv[2])
app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()


def serialized(environ, start_response):
    with lock:
        # Produce the whole body inside the lock.
        return [b"".join(app(environ, start_response))]


run_simple(host, port, serialized, threaded=True, request_handler=MotoRequestHandler)

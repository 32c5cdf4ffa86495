"""The Python `websockets` (10.x, legacy asyncio API) peer of the interop tests, client and server in one process.

Run by __test__/interop-python.test.ts with /usr/bin/python3 (the interpreter Debian's python3-websockets is
installed for):

    python3 python_peer.py SETTINGS_JSON CERT_PEM KEY_PEM

It starts a plain and a TLS WebSocket server on 127.0.0.1 (port 0 each, picking the settings' chosen subprotocol
when offered) and writes {"key": "ready", "value": {"ws": port, "wss": port, "version": websockets' version}}.
Then every stdin line is a client command {"id", "url", "scenario", "protocols"}, played at once. Each finished
connection is written as one line, {"key": "client:<id>" or "server:<id>", "value": report}, the report as
PeerReport in scenarios.ts describes it.
The server takes the scenario and id from the request path, /<scenario>/<id>. Stdin's end stops the process.
"""

import asyncio
import json
import ssl
import sys

import websockets


def emit(key, value):
    """Writes one result line for the test."""
    sys.stdout.write(json.dumps({"key": key, "value": value}) + "\n")
    sys.stdout.flush()


def new_report(offered=None):
    """An empty report; `offered` (the client's subprotocols) only on the server side."""
    report = {"protocol": None, "received": [], "pongs": [], "close": None, "error": None}
    if offered is not None:
        report["offered"] = offered
    return report


def add_error(report, message):
    """Adds `message` to the report's error, keeping earlier ones."""
    report["error"] = message if report["error"] is None else report["error"] + "; " + message


async def await_pong(waiter, payload, report):
    """Records the peer's pong once `waiter` (the future ws.ping returned) resolves with it."""
    try:
        await waiter
        report["pongs"].append(payload)
    except websockets.ConnectionClosed:
        pass


async def play(ws, scenario, report, settings):
    """The peer's part: echo every data message, ping in 'ping', close first in 'close-by-peer'."""
    report["protocol"] = ws.subprotocol
    pong = None
    try:
        if scenario == "ping":
            waiter = await ws.ping(settings["peerPing"].encode())
            pong = asyncio.ensure_future(await_pong(waiter, settings["peerPing"], report))
        if scenario == "close-by-peer":
            await ws.close(settings["closeCode"], settings["closeReason"])
        async for message in ws:
            if isinstance(message, str):
                report["received"].append({"type": "text", "text": message})
            else:
                report["received"].append({"type": "binary", "kind": type(message).__name__, "length": len(message)})
            await ws.send(message)
    except websockets.ConnectionClosed:
        # A close other than 1000/1001 ends the iteration with this; the code and reason are read below.
        pass
    if pong is not None:
        await pong
    report["close"] = {"code": ws.close_code, "reason": ws.close_reason}


async def play_bounded(ws, scenario, report, settings):
    """`play`, bounded by the settings' timeout (the report then carries the error)."""
    try:
        await asyncio.wait_for(play(ws, scenario, report, settings), settings["timeoutMs"] / 1000)
    except asyncio.TimeoutError:
        add_error(report, "no close within %d ms" % settings["timeoutMs"])


def offered_protocols(ws):
    """The subprotocols the client offered, in order."""
    header = ",".join(ws.request_headers.get_all("Sec-WebSocket-Protocol"))
    return [protocol.strip() for protocol in header.split(",") if protocol.strip()]


def serve_handler(settings):
    """The server's connection handler: plays the scenario the path names and writes the report."""
    async def handler(ws):
        parts = ws.path.split("/")
        if len(parts) != 3:
            await ws.close(1008, "unknown scenario")
            return
        _, scenario, connection_id = parts
        report = new_report(offered_protocols(ws))
        await play_bounded(ws, scenario, report, settings)
        emit("server:" + connection_id, report)

    return handler


async def run_client(command, settings, client_tls):
    """Plays one client command and writes its report."""
    report = new_report()
    options = {
        "subprotocols": command["protocols"] or None,
        "max_size": settings["maxSize"],
        "ping_interval": None,
        "close_timeout": settings["timeoutMs"] / 1000,
        "open_timeout": settings["timeoutMs"] / 1000,
    }
    if command["url"].startswith("wss:"):
        options["ssl"] = client_tls
    try:
        async with websockets.connect(command["url"], **options) as ws:
            await play_bounded(ws, command["scenario"], report, settings)
    except Exception as error:  # the report, not a crash, must tell the test what went wrong
        add_error(report, "%s: %s" % (type(error).__name__, error))
    emit("client:" + command["id"], report)


async def main():
    """Starts both servers, reports their ports, then plays client commands until stdin ends."""
    settings = json.loads(sys.argv[1])
    cert, key = sys.argv[2], sys.argv[3]
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    client_tls = ssl.create_default_context(cafile=cert)
    options = {
        "subprotocols": [settings["chosenProtocol"]],
        "max_size": settings["maxSize"],
        "ping_interval": None,
        "close_timeout": settings["timeoutMs"] / 1000,
    }
    handler = serve_handler(settings)
    plain = await websockets.serve(handler, "127.0.0.1", 0, **options)
    secure = await websockets.serve(handler, "127.0.0.1", 0, ssl=server_tls, **options)
    ports = {"ws": plain.sockets[0].getsockname()[1], "wss": secure.sockets[0].getsockname()[1]}
    ports["version"] = websockets.__version__
    emit("ready", ports)

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    clients = set()
    while True:
        line = await reader.readline()
        if not line:
            break
        task = asyncio.ensure_future(run_client(json.loads(line), settings, client_tls))
        clients.add(task)
        task.add_done_callback(clients.discard)
    for server in (plain, secure):
        server.close()


if __name__ == "__main__":
    asyncio.run(main())

"""A dev server for preview tests: plain HTTP, headers echo, cookies, redirects, uploads, SSE and a WebSocket echo.
Usage: python3 preview_server.py PORT [BIND]. Standard library only."""
import base64, hashlib, json, socket, struct, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, status, body, content_type="text/plain", headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket()
        if self.path == "/headers":
            return self.send_body(200, json.dumps({k.lower(): v for k, v in self.headers.items()}), "application/json")
        if self.path == "/set-cookie":
            return self.send_body(200, "cookie set", headers=[("Set-Cookie", "app=1; Path=/"), ("Set-Cookie", "wide=1; Domain=localhost; Path=/"),
                                                             ("Set-Cookie", "workspaces-preview-owner=evil; Path=/")])
        if self.path.startswith("/set-cookie-raw?"):
            from urllib.parse import parse_qs, urlsplit
            raw = parse_qs(urlsplit(self.path).query, keep_blank_values=True).get("c", [])
            return self.send_body(200, "cookies set", headers=[("Set-Cookie", c) for c in raw])
        if self.path == "/switch":
            # 101 to a request that asked for no upgrade, then bytes of another protocol.
            self.wfile.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: raw\r\nConnection: Upgrade\r\n\r\nnot http")
            self.wfile.flush()
            time.sleep(5)
            return
        if self.path == "/hang":
            return self.hang()
        if self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(100 * 1024))
            self.end_headers()
            for i in range(100):
                self.wfile.write(b"x" * 1024)
                self.wfile.flush()
                time.sleep(0.05)
            return
        if self.path == "/connection":
            # Which connection of the proxy's asked: its address and port as this server sees them.
            return self.send_body(200, "%s:%d" % self.client_address[:2])
        if self.path == "/close":
            self.close_connection = True
            return self.send_body(200, "closing", headers=[("Connection", "close")])
        if self.path == "/redirect":
            return self.send_body(302, "", headers=[("Location", "/headers")])
        if self.path == "/events":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            for i in range(1000):
                self.wfile.write(f"data: tick {i}\n\n".encode())
                self.wfile.flush()
                time.sleep(0.2)
            return
        return self.send_body(200, "hello from the workspace\n", headers=[("X-Served-By", "preview-server")])

    def hang(self):
        # The request was read; "hanging" (in the working directory) tells a test so, and no answer ever comes.
        with open("hanging", "w") as marker:
            marker.write(self.command + "\n")
        time.sleep(120)

    def do_POST(self):
        if self.path == "/hang":
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            return self.hang()
        length = int(self.headers.get("Content-Length", "0"))
        remaining, digest = length, hashlib.sha256()
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 16))
            if not chunk:
                break
            digest.update(chunk)
            remaining -= len(chunk)
        self.send_body(200, json.dumps({"bytes": length - remaining, "sha256": digest.hexdigest()}), "application/json")

    def websocket(self):
        accept = base64.b64encode(hashlib.sha1((self.headers["Sec-WebSocket-Key"] + GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = struct.unpack(">H", self.rfile.read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self.rfile.read(8))[0]
            mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
            if opcode == 8:
                self.wfile.write(b"\x88\x00")
                self.wfile.flush()
                return
            if opcode == 9:
                opcode = 10
            frame = bytes([0x80 | opcode])
            if len(payload) < 126:
                frame += bytes([len(payload)])
            elif len(payload) < 65536:
                frame += bytes([126]) + struct.pack(">H", len(payload))
            else:
                frame += bytes([127]) + struct.pack(">Q", len(payload))
            self.wfile.write(frame + payload)
            self.wfile.flush()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    address_family = socket.AF_INET


if __name__ == "__main__":
    port = int(sys.argv[1])
    bind = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    Server((bind, port), Handler).serve_forever()

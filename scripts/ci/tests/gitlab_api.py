#!/usr/bin/env python3
"""A stand-in for the GitLab REST API (v4) in the pipeline tests, answering the endpoints the scripts
call as GitLab's API documentation describes them (doc/api/*.md of gitlab-org/gitlab; quoted at each
endpoint). State lives in memory; GET /_state (no token needed) dumps it as JSON for the tests' checks,
POST /_state replaces it (to start a test from a given project).

usage: gitlab_api.py --token TOKEN [--project-path GROUP/PROJECT] [--tier free|premium]
Listens on a free port of 127.0.0.1 and prints "gitlab-api ready on http://127.0.0.1:PORT/api/v4".

Authentication (doc/api/rest/authentication.md): the PRIVATE-TOKEN header; a missing or wrong token
gets 401 {"message": "401 Unauthorized"}. Every request is logged in the state's "requests" list as
"METHOD PATH" (no token, no body)."""
import argparse
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {}
LOCK = threading.Lock()


def fresh_state(path, tier):
    return {"tier": tier, "projects": {"1": {"id": 1, "path_with_namespace": path, "default_branch": "main",
                                             "only_allow_merge_if_pipeline_succeeds": False,
                                             "ci_forward_deployment_enabled": False}},
            "notes": {}, "variables": [], "protected_branches": [], "protected_tags": [], "environments": [],
            "protected_environments": [], "approval_rules": [], "requests": [], "next_id": 100}


class Api(BaseHTTPRequestHandler):
    token = None

    def log_message(self, *_):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if not raw:
            return {}
        if "json" in (self.headers.get("Content-Type") or ""):
            return json.loads(raw)
        return {k: v[-1] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}

    def route(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        if url.path == "/_state":
            with LOCK:
                if method == "POST":
                    STATE.clear()
                    STATE.update(self.body())
                return self.reply(200, STATE)
        if self.headers.get("PRIVATE-TOKEN") != Api.token:
            return self.reply(401, {"message": "401 Unauthorized"})
        parts = [urllib.parse.unquote(p) for p in url.path.split("/")]
        if parts[:3] != ["", "api", "v4"]:
            return self.reply(404, {"error": "404 Not Found"})
        with LOCK:
            STATE["requests"].append(method + " " + url.path)
            return self.dispatch(method, parts[3:], query)

    def project(self, ref):
        for p in STATE["projects"].values():
            if ref in (str(p["id"]), p["path_with_namespace"]):
                return p
        return None

    def dispatch(self, method, parts, query):
        if len(parts) < 2 or parts[0] != "projects":
            return self.reply(404, {"error": "404 Not Found"})
        project = self.project(parts[1])
        if project is None:
            return self.reply(404, {"message": "404 Project Not Found"})
        rest = parts[2:]
        # Notes on merge requests (doc/api/notes.md): GET /projects/:id/merge_requests/:iid/notes lists them
        # ("sort", "order_by", pagination with per_page and page); POST creates one from "body"; PUT
        # /notes/:note_id changes its body.
        if len(rest) >= 3 and rest[0] == "merge_requests" and rest[2] == "notes":
            notes = STATE["notes"].setdefault(rest[1], [])
            if method == "GET" and len(rest) == 3:
                page, per_page = int(query.get("page", 1)), int(query.get("per_page", 20))
                return self.reply(200, notes[(page - 1) * per_page:page * per_page])
            if method == "POST" and len(rest) == 3:
                note = {"id": self.next_id(), "body": self.body()["body"], "system": False}
                notes.append(note)
                return self.reply(201, note)
            if method == "PUT" and len(rest) == 4:
                for note in notes:
                    if str(note["id"]) == rest[3]:
                        note["body"] = self.body()["body"]
                        return self.reply(200, note)
                return self.reply(404, {"message": "404 Not found"})
        return self.reply(404, {"error": "404 Not Found"})

    def next_id(self):
        STATE["next_id"] += 1
        return STATE["next_id"]

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def do_PATCH(self):
        self.route("PATCH")

    def do_DELETE(self):
        self.route("DELETE")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--token", required=True)
    p.add_argument("--project-path", default="my-group/hello-stack")
    p.add_argument("--tier", default="free", choices=["free", "premium"])
    args = p.parse_args()
    Api.token = args.token
    STATE.update(fresh_state(args.project_path, args.tier))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    print("gitlab-api ready on http://127.0.0.1:%d/api/v4" % server.server_address[1], flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A stand-in for the GitLab REST API (v4) in the pipeline tests, answering the endpoints the scripts
call as GitLab's API documentation describes them (doc/api/*.md of gitlab-org/gitlab; quoted at each
endpoint). State lives in memory; GET /_state (no token needed) dumps it as JSON for the tests' checks,
POST /_state replaces it (to start a test from a given project).

usage: gitlab_api.py --token TOKEN [--project-path GROUP/PROJECT] [--tier free|premium] [--role owner|maintainer]
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


def level(access_level):
    """An access level entry as the protected branches and tags APIs return it."""
    names = {0: "No one", 30: "Developers + Maintainers", 40: "Maintainers", 60: "Admins"}
    return {"access_level": int(access_level), "access_level_description": names.get(int(access_level), "?")}


def fresh_state(path, tier):
    return {"tier": tier, "projects": {"1": {"id": 1, "path_with_namespace": path, "default_branch": "main",
                                             "only_allow_merge_if_pipeline_succeeds": False,
                                             "ci_forward_deployment_enabled": False}},
            "notes": {}, "variables": [], "protected_branches": [], "protected_tags": [], "environments": [],
            "protected_environments": [], "approval_rules": [], "resource_groups": [], "requests": [], "next_id": 100}


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
        tier_free = STATE["tier"] == "free"
        # Projects (doc/api/projects.md): GET /projects/:id, where id is "The ID or URL-encoded path of the
        # project"; PUT /projects/:id edits the attributes given ("only_allow_merge_if_pipeline_succeeds",
        # "ci_forward_deployment_enabled", ...) and returns the project, 200.
        # The project's "ci_forward_deployment_enabled" is among the attributes the projects API shows only
        # to users with the Owner role (doc/api/projects.md); a Maintainer's token does not see it.
        if not rest:
            if method == "GET":
                if STATE["role"] == "maintainer":
                    return self.reply(200, {k: v for k, v in project.items() if k != "ci_forward_deployment_enabled"})
                return self.reply(200, project)
            if method == "PUT":
                project.update(self.body())
                return self.reply(200, project)
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
        if rest[0] == "variables":
            return self.variables(method, rest[1:], query)
        # Protected branches (doc/api/protected_branches.md, all tiers): GET /protected_branches/:name, 404
        # when the branch is not protected; POST with "name", "push_access_level", "merge_access_level"
        # ("0: No access", "30: Developer role", "40: Maintainer role"; default 40) and "allow_force_push"
        # (default false), "If successful, returns 201 Created", with push_access_levels[] and
        # merge_access_levels[]; protecting it twice: 409 "Protected branch '<name>' already exists"
        # (lib/api/protected_branches.rb: conflict!).
        if rest[0] == "protected_branches":
            branches = STATE["protected_branches"]
            if method == "GET" and len(rest) == 2:
                found = [b for b in branches if b["name"] == rest[1]]
                return self.reply(200, found[0]) if found else self.reply(404, {"message": "404 Not found"})
            if method == "POST" and len(rest) == 1:
                body = self.body()
                if any(b["name"] == body["name"] for b in branches):
                    return self.reply(409, {"message": "Protected branch '%s' already exists" % body["name"]})
                branch = {"id": self.next_id(), "name": body["name"],
                          "push_access_levels": [level(body.get("push_access_level", 40))],
                          "merge_access_levels": [level(body.get("merge_access_level", 40))],
                          "allow_force_push": bool(body.get("allow_force_push", False))}
                branches.append(branch)
                return self.reply(201, branch)
        # Protected tags (doc/api/protected_tags.md, all tiers): GET /protected_tags/:name; POST with "name"
        # ("Name of the tag or wildcard") and "create_access_level" (default 40), 201; the same tag twice:
        # 422 with message ["Name has already been taken"] (spec/requests/api/protected_tags_spec.rb).
        if rest[0] == "protected_tags":
            tags = STATE["protected_tags"]
            if method == "GET" and len(rest) == 2:
                found = [t for t in tags if t["name"] == rest[1]]
                return self.reply(200, found[0]) if found else self.reply(404, {"message": "404 Not found"})
            if method == "POST" and len(rest) == 1:
                body = self.body()
                if any(t["name"] == body["name"] for t in tags):
                    return self.reply(422, {"message": ["Name has already been taken"]})
                tag = {"name": body["name"], "create_access_levels": [level(body.get("create_access_level", 40))]}
                tags.append(tag)
                return self.reply(201, tag)
        # Environments (doc/api/environments.md, all tiers): GET /environments?name=X "Return the environment
        # with this name" (an array); POST with "name" and "tier" ("production, staging, testing, development,
        # and other"), "It returns 201 if the environment was successfully created, 400 for wrong parameters".
        if rest[0] == "environments" and len(rest) == 1:
            envs = STATE["environments"]
            if method == "GET":
                return self.reply(200, [e for e in envs if "name" not in query or e["name"] == query["name"]])
            if method == "POST":
                body = self.body()
                if any(e["name"] == body["name"] for e in envs):
                    return self.reply(400, {"message": {"name": ["has already been taken"]}})
                env = {"id": self.next_id(), "name": body["name"], "tier": body.get("tier", "other"), "state": "available"}
                envs.append(env)
                return self.reply(201, env)
        # Protected environments (doc/api/protected_environments.md), "Tier: Premium, Ultimate"; on Free the
        # endpoints are not available (this stand-in answers 403 Forbidden; GitLab's exact code there is not
        # documented). POST with "name", "deploy_access_levels" and "approval_rules" ([{access_level,
        # required_approvals}]), 201; already protected: 409.
        if rest[0] == "protected_environments":
            if tier_free:
                return self.reply(403, {"message": "403 Forbidden"})
            protected = STATE["protected_environments"]
            if method == "GET" and len(rest) == 2:
                found = [e for e in protected if e["name"] == rest[1]]
                return self.reply(200, found[0]) if found else self.reply(404, {"message": "404 Not found"})
            if method == "POST" and len(rest) == 1:
                body = self.body()
                if any(e["name"] == body["name"] for e in protected):
                    return self.reply(409, {"message": "Environment '%s' is already protected" % body["name"]})
                protected.append(body)
                return self.reply(201, body)
        # Merge request approvals (doc/api/merge_request_approvals.md), "Premium, Ultimate": GET/POST
        # /approvals (project settings, such as "merge_requests_author_approval": "true means authors can
        # self approve"), GET/POST /approval_rules ("name", "approvals_required", "rule_type"), 201.
        if rest[0] in ("approvals", "approval_rules") and len(rest) == 1:
            if tier_free:
                return self.reply(403, {"message": "403 Forbidden"})
            if rest[0] == "approvals":
                settings = project.setdefault("approvals", {"merge_requests_author_approval": True})
                if method == "POST":
                    settings.update(self.body())
                    return self.reply(201, settings)
                return self.reply(200, settings)
            rules = STATE["approval_rules"]
            if method == "POST":
                rule = dict(self.body(), id=self.next_id())
                rules.append(rule)
                return self.reply(201, rule)
            return self.reply(200, rules)
        # Resource groups (doc/api/resource_groups.md, all tiers): GET/PUT /resource_groups/:key ("process_mode":
        # unordered, oldest_first, newest_first), 200; a key no pipeline has used yet: 404 (GitLab creates a
        # group when a pipeline with a job in it is created; there is no create endpoint).
        if rest[0] == "resource_groups" and len(rest) == 2:
            groups = STATE.setdefault("resource_groups", [])
            found = [g for g in groups if g["key"] == rest[1]]
            if not found:
                return self.reply(404, {"message": "404 Not found"})
            if method == "PUT":
                found[0].update(self.body())
            return self.reply(200, found[0])
        return self.reply(404, {"error": "404 Not Found"})

    def variables(self, method, rest, query):
        """Project-level CI/CD variables (doc/api/project_level_variables.md, all tiers). GET /variables/:key
        with "filter[environment_scope]"; without a filter, several variables of that key: 409 "There are
        multiple variables with provided parameters. Please use 'filter[environment_scope]'."; none: 404.
        POST with key, value, environment_scope (default "*"), protected, masked, raw: 201; the same key and
        scope again: 400, "VARIABLE_NAME has already been taken". PUT /variables/:key with the filter: 200,
        or 404."""
        variables = STATE["variables"]
        scope = query.get("filter[environment_scope]")
        if len(rest) == 1 and method in ("GET", "PUT"):
            found = [v for v in variables if v["key"] == rest[0] and scope in (None, v["environment_scope"])]
            if len(found) > 1:
                return self.reply(409, {"message": "There are multiple variables with provided parameters. Please "
                                                   "use 'filter[environment_scope]'."})
            if not found:
                return self.reply(404, {"message": "404 Variable Not Found"})
            if method == "PUT":
                found[0].update({k: v for k, v in self.body().items() if k != "key"})
            return self.reply(200, found[0])
        if not rest and method == "POST":
            body = self.body()
            var = {"variable_type": "env_var", "key": body["key"], "value": body["value"],
                   "environment_scope": body.get("environment_scope", "*"), "protected": bool(body.get("protected", False)),
                   "masked": bool(body.get("masked", False)), "raw": bool(body.get("raw", False)), "hidden": False}
            if any(v["key"] == var["key"] and v["environment_scope"] == var["environment_scope"] for v in variables):
                return self.reply(400, {"message": {"key": ["(%s) has already been taken" % var["key"]]}})
            variables.append(var)
            return self.reply(201, var)
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
    p.add_argument("--role", default="owner", choices=["owner", "maintainer"])
    args = p.parse_args()
    Api.token = args.token
    STATE.update(fresh_state(args.project_path, args.tier), role=args.role)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    print("gitlab-api ready on http://127.0.0.1:%d/api/v4" % server.server_address[1], flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()

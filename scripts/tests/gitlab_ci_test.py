"""Tests of .gitlab-ci.yml with gitlab-ci-local (the version pinned in scripts/tests/node), which
reads the file as GitLab does: extends, rules with if and changes (compare_to, against a real git history),
parallel:matrix, needs. GitLab itself cannot be reached here; what gitlab-ci-local cannot show (protected
environments, ID tokens, the runners) is in docs/deploying.md, "Not yet verified against AWS and GitLab".

Each pipeline kind runs in a throwaway git repository holding .gitlab-ci.yml and the paths the rules look
at: a push to the default branch, a merge request from a branch of the project that changes a template,
one that changes only docs, one from a fork, a tag, a push to another branch. Predefined variables are set
as GitLab sets them ("Predefined CI/CD variables reference": CI_COMMIT_BRANCH is "Available in branch
pipelines, including pipelines for the default branch. Not available in merge request pipelines or tag
pipelines"; CI_PIPELINE_SOURCE is "merge_request_event" for merge request pipelines).

Then the jobs' settings that AWS constrains, against the values in the generated templates: the deploy
jobs' timeout fits the deploy role's session (the role's MaxSessionDuration in templates/<env>/gitlab-oidc.yaml;
"MaxSessionDuration: The maximum session duration (in seconds)... from 1 hour to 12 hours", IAM API
Reference, CreateRole) and the release wait fits the job; every AWS job has the ID token whose audience the
roles trust, an environment of templates/stacks.json, and the pinned AWS CLI.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import unittest

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
GCL_DIR = REPO / "scripts" / "tests" / "node"
PREDEFINED = ("CI_PIPELINE_SOURCE", "CI_COMMIT_BRANCH", "CI_COMMIT_TAG", "CI_DEFAULT_BRANCH",
              "CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "CI_MERGE_REQUEST_PROJECT_ID")
CHECKS = ["verify", "verify-image-jdk", "lint", "test-scripts"]
BUILDS = ["build-image: [amd64,saas-linux-small-amd64]", "build-image: [arm64,saas-linux-small-arm64]"]


def merge_request(source_project="1"):
    return ["--variable", "CI_PIPELINE_SOURCE=merge_request_event",
            "--variable", "CI_MERGE_REQUEST_PROJECT_ID=1",
            "--variable", f"CI_MERGE_REQUEST_SOURCE_PROJECT_ID={source_project}",
            "--unset-variable", "CI_COMMIT_BRANCH"]


class GitLabCiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        gcl = GCL_DIR / "node_modules" / ".bin" / "gitlab-ci-local"
        if not gcl.exists():
            raise AssertionError(f"{gcl} is missing: run scripts/install-deps.sh (npm ci in {GCL_DIR})")
        cls.gcl = gcl
        cls.repo = pathlib.Path(tempfile.mkdtemp())
        cls.git("init", "-q", "-b", "main")
        shutil.copy(REPO / ".gitlab-ci.yml", cls.repo)
        for path in ("templates/dev/alb.yaml", "docs/deploying.md", "scripts/ci/smoke.sh"):
            (cls.repo / path).parent.mkdir(parents=True, exist_ok=True)
            (cls.repo / path).write_text("one\n")
        cls.commit("main")
        cls.git("remote", "add", "origin", "git@gitlab.com:my-group/hello-stack.git")
        cls.git("update-ref", "refs/remotes/origin/main", "HEAD")
        cls.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
        cls.git("checkout", "-q", "-b", "template-change")
        (cls.repo / "templates/dev/alb.yaml").write_text("two\n")
        cls.commit("a template")
        cls.git("checkout", "-q", "-b", "docs-change", "main")
        (cls.repo / "docs/deploying.md").write_text("two\n")
        cls.commit("docs")
        cls.git("checkout", "-q", "main")
        cls.preview = yaml.safe_load(cls.run_gcl("--preview"))
        cls.stacks = json.loads((REPO / "templates" / "stacks.json").read_text())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.repo, ignore_errors=True)

    @classmethod
    def git(cls, *args):
        subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *args],
                       cwd=cls.repo, check=True)

    @classmethod
    def commit(cls, message):
        cls.git("add", "-A")
        cls.git("commit", "-q", "-m", message)

    @classmethod
    def run_gcl(cls, *args, check=True):
        env = dict(os.environ, GCL_IGNORE_PREDEFINED_VARS=",".join(PREDEFINED))
        env["PATH"] = f"{cls.gcl.parent}{os.pathsep}{env['PATH']}"
        done = subprocess.run([str(cls.gcl), *args], cwd=cls.repo, env=env, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise AssertionError(f"gitlab-ci-local {' '.join(args)}: exit {done.returncode}\n{done.stdout}{done.stderr}")
        return done.stdout if check else done

    def jobs(self, branch, *args):
        """{name: job} of the jobs the pipeline runs (when is not never), with branch checked out."""
        self.git("checkout", "-q", branch)
        try:
            listed = json.loads(self.run_gcl("--list-json", *args))
        finally:
            self.git("checkout", "-q", "main")
        return {job["name"]: job for job in listed if job["when"] != "never"}

    def assert_needs_present(self, jobs):
        for name, job in jobs.items():
            for need in job.get("needs") or []:
                if not need["optional"]:
                    self.assertTrue(any(n.split(":")[0] == need["job"] for n in jobs),
                                    f"{name} needs {need['job']}, which this pipeline does not run")

    def test_default_branch_builds_once_deploys_dev_and_offers_prod(self):
        jobs = self.jobs("main")
        self.assertEqual(list(jobs), CHECKS + BUILDS + ["image-manifest", "deploy-dev", "smoke-dev",
                                                        "deploy-prod", "smoke-prod"])
        self.assert_needs_present(jobs)
        # prod: started by a person, after dev passed its smoke test; not started, it leaves the
        # pipeline green ("allow_failure ... true: the pipeline continues running even if the job fails").
        self.assertEqual((jobs["deploy-prod"]["when"], jobs["deploy-prod"]["allow_failure"]), ("manual", True))
        self.assertEqual([n["job"] for n in jobs["deploy-prod"]["needs"]], ["smoke-dev"])
        self.assertEqual(jobs["deploy-dev"]["when"], "on_success")
        # no job in the prod stage builds an image: the promotion deploys the tag dev runs
        for name in ("deploy-prod", "smoke-prod"):
            self.assertNotIn("image.sh", " ".join(self.preview[name]["script"]))

    def test_merge_request_changing_a_template_previews_both_environments(self):
        jobs = self.jobs("template-change", *merge_request())
        self.assertEqual(list(jobs), CHECKS + ["preview-dev", "preview-prod"])
        self.assert_needs_present(jobs)
        self.run_gcl("--validate-dependency-chain", *merge_request())

    def test_merge_request_changing_docs_only_runs_the_checks(self):
        self.assertEqual(list(self.jobs("docs-change", *merge_request())), CHECKS)

    def test_merge_request_from_a_fork_never_gets_aws(self):
        self.assertEqual(list(self.jobs("template-change", *merge_request(source_project="2"))), CHECKS)

    def test_tag_adds_the_tag_to_the_built_image_only(self):
        tag = ["--variable", "CI_COMMIT_TAG=v1.0.0", "--unset-variable", "CI_COMMIT_BRANCH"]
        jobs = self.jobs("main", *tag)
        self.assertEqual(list(jobs), ["image-manifest"])
        self.run_gcl("--validate-dependency-chain", *tag)

    def test_other_branches_run_nothing_outside_merge_requests(self):
        self.assertEqual(self.jobs("template-change"), {})

    def test_every_aws_job_names_its_environment_token_and_cli(self):
        environments = {env["name"] for env in self.stacks["environments"]}
        audience = yaml.safe_load((REPO / "templates/dev/gitlab-oidc.yaml").read_text())["Parameters"]["Audience"]["Default"]
        aws_jobs = {name: job for name, job in self.preview.items()
                    if isinstance(job, dict) and re.search(r"scripts/ci/(deploy-stacks|smoke|preview|image)\.sh",
                                                           " ".join(job.get("script", [])))}
        self.assertEqual(sorted(aws_jobs), sorted(["preview-dev", "preview-prod", "build-image", "image-manifest",
                                                   "deploy-dev", "smoke-dev", "deploy-prod", "smoke-prod"]))
        self.assertEqual(self.preview["variables"]["OIDC_AUDIENCE"], audience)
        for name, job in aws_jobs.items():
            with self.subTest(job=name):
                self.assertEqual(job["id_tokens"]["AWS_ID_TOKEN"]["aud"], "$OIDC_AUDIENCE")
                self.assertIn("scripts/ci/install-aws-cli.sh", job["before_script"])
                # the environment selects the role variables (CI/CD variables scoped to it)
                self.assertIn(job["environment"]["name"], environments)
                if "DEPLOY_ENV" in job.get("variables", {}):
                    self.assertEqual(job["variables"]["DEPLOY_ENV"], job["environment"]["name"])
                # only the deploy jobs deploy; the others prepare or verify
                deploys = name.startswith("deploy-")
                self.assertEqual(job["environment"].get("action", "start") == "start", deploys)

    def test_deploy_jobs_fit_the_role_session_and_the_release_wait(self):
        release_wait = (REPO / "scripts/ci/release-wait.sh").read_text()
        attempts = int(re.search(r"RELEASE_WAIT_ATTEMPTS:-(\d+)", release_wait).group(1))
        delay = int(re.search(r"RELEASE_WAIT_DELAY_SECONDS:-(\d+)", release_wait).group(1))
        groups = set()
        for env in ("dev", "prod"):
            with self.subTest(env=env):
                job = self.preview[f"deploy-{env}"]
                oidc = yaml.safe_load((REPO / f"templates/{env}/gitlab-oidc.yaml").read_text())
                max_session = oidc["Resources"]["DeployRole"]["Properties"]["MaxSessionDuration"]
                session = int(job["variables"]["AWS_ROLE_SESSION_SECONDS"])
                timeout = minutes(job["timeout"]) * 60
                self.assertLessEqual(session, max_session, "AssumeRoleWithWebIdentity refuses a longer session")
                self.assertLessEqual(timeout, session, "the credentials must outlive the job")
                # a first create of the stacks (30 minutes, say) and then the whole release wait
                self.assertGreaterEqual(timeout, attempts * delay + 30 * 60)
                self.assertIs(job["interruptible"], False)
                groups.add(job["resource_group"])
        self.assertEqual(len(groups), 2, "one resource group per environment")

    def test_scripts_the_jobs_call_exist(self):
        for name, job in self.preview.items():
            if not isinstance(job, dict):
                continue
            for line in job.get("before_script", []) + job.get("script", []):
                for path in re.findall(r"(?<![\w/])(scripts/[\w./-]+)", line):
                    with self.subTest(job=name, path=path):
                        self.assertTrue(os.access(REPO / path, os.X_OK), f"{path} is not an executable file")


def minutes(text):
    """GitLab's timeout syntax as used here ("110 minutes", "1h 50m")."""
    total = 0
    for number, unit in re.findall(r"(\d+)\s*(h|hours?|m|minutes?)\b", text):
        total += int(number) * (60 if unit.startswith("h") else 1)
    if not total:
        raise ValueError(f"unparsed timeout {text!r}")
    return total


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""List the `aws <service> <command>` and `aws <service> wait <waiter>`
commands that an AWS CLI v2 release offers, read from a bare git clone of
github.com/aws/aws-cli (no work tree needed).

Usage:
    extract-commands.py GIT_DIR TAG                 > commands.txt
    extract-commands.py GIT_DIR TAG --compare-installed-botocore \
        [--botocore-git-dir=BOTOCORE_BARE_GIT_DIR]     > aws-cli-v2-vs-botocore.txt

What it does (all from `git show TAG:<path>`):
  * model commands: every operation in
    awscli/botocore/data/<svc>/<newest api-version>/service-2.json,
    name = xform_name(OperationName, '-')
  * waiters: every waiter in waiters-2.json of the same api-version,
    name = "wait " + xform_name(WaiterName, '-')
  * xform_name is taken from the TAG's own awscli/botocore/__init__.py
    (the function + its _xform_cache), because the vendored cache can
    differ from a standalone botocore (e.g. GetOTelEnrichment).  Falls
    back to the installed botocore's xform_name if that fails.
  * CLI customizations (awscli/handlers_registry.py PLUGIN_REGISTRY,
    'building-command-table.<svc>' entries):
      - `command_table['<name>'] = ...` in the registered module -> added
      - removals.py remove_commands lists                          -> removed
      - alias_command renames dict (cloudwatch o-tel -> otel)      -> added
        (old name stays as hidden alias and is kept in the list)
      - wizard commands: awscli/customizations/wizard/wizards/<svc>/ -> "<svc> wizard"
    Anything it cannot interpret is reported on stderr.
"""
import ast
import json
import re
import subprocess
import sys

SERVICES = [  # CLI name -> botocore data directory name
    ('cloudformation', 'cloudformation'),
    ('ecs', 'ecs'),
    ('ecr', 'ecr'),
    ('sts', 'sts'),
    ('elbv2', 'elbv2'),
    ('iam', 'iam'),
    ('logs', 'logs'),
    ('s3api', 's3'),
    ('cloudwatch', 'cloudwatch'),
    ('application-autoscaling', 'application-autoscaling'),
    ('kms', 'kms'),
    ('ec2', 'ec2'),
    ('lambda', 'lambda'),
    ('sns', 'sns'),
    ('acm', 'acm'),
]
DATA = 'awscli/botocore/data'


def warn(msg):
    print('WARNING: ' + msg, file=sys.stderr)


class Repo:
    def __init__(self, git_dir, tag):
        self.git_dir, self.tag = git_dir, tag

    def git(self, *args):
        return subprocess.run(['git', '--git-dir', self.git_dir, *args],
                              check=True, capture_output=True,
                              text=True).stdout

    def show(self, path):
        return self.git('show', f'{self.tag}:{path}')

    def exists(self, path):
        r = subprocess.run(['git', '--git-dir', self.git_dir, 'cat-file',
                            '-e', f'{self.tag}:{path}'], capture_output=True)
        return r.returncode == 0

    def ls(self, path):
        out = self.git('ls-tree', '--name-only', f'{self.tag}:{path}')
        return [l for l in out.splitlines() if l]


def load_xform(repo):
    """Build xform_name from the tag's vendored botocore/__init__.py."""
    try:
        src = repo.show('awscli/botocore/__init__.py')
        tree = ast.parse(src)
        keep = []
        for node in tree.body:
            if isinstance(node, ast.Assign) and all(
                    isinstance(t, ast.Name) and t.id.startswith('_')
                    for t in node.targets):
                keep.append(node)
            elif isinstance(node, ast.FunctionDef) and node.name == 'xform_name':
                keep.append(node)
        ns = {'re': re}
        exec(compile(ast.Module(body=keep, type_ignores=[]),
                     'tag-botocore-xform', 'exec'), ns)
        return ns['xform_name'], 'xform_name from %s:awscli/botocore/__init__.py' % repo.tag
    except Exception as e:  # pragma: no cover
        warn(f'could not load tag xform_name ({e}); using installed botocore')
        from botocore import xform_name
        import botocore
        return xform_name, 'installed botocore %s xform_name' % botocore.__version__


def newest_api_version(repo, data_dir):
    versions = sorted(repo.ls(f'{DATA}/{data_dir}'))
    return versions[-1], versions


def model_ops(repo, data_dir):
    ver, _ = newest_api_version(repo, data_dir)
    base = f'{DATA}/{data_dir}/{ver}'
    ops = list(json.loads(repo.show(f'{base}/service-2.json'))['operations'])
    waiters = []
    if repo.exists(f'{base}/waiters-2.json'):
        waiters = list(json.loads(repo.show(f'{base}/waiters-2.json'))['waiters'])
    return ver, ops, waiters


def plugin_registry(repo):
    tree = ast.parse(repo.show('awscli/handlers_registry.py'))
    for node in tree.body:
        target = None
        if isinstance(node, ast.Assign):
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign):
            target = node.target
        if isinstance(target, ast.Name) and target.id == 'PLUGIN_REGISTRY':
            return ast.literal_eval(node.value)
    raise RuntimeError('PLUGIN_REGISTRY not found')


def module_source(repo, module):
    p = module.replace('.', '/')
    for cand in (p + '.py', p + '/__init__.py'):
        if repo.exists(cand):
            return cand, repo.show(cand)
    raise FileNotFoundError(module)


def parse_removals(src):
    """{service: [commands]} from removals.py cmd_remover.remove(...) calls."""
    out = {}
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Call) and getattr(node.func, 'attr', '') == 'remove':
            kw = {k.arg: k.value for k in node.keywords}
            if 'on_event' in kw and 'remove_commands' in kw:
                ev = ast.literal_eval(kw['on_event'])
                svc = ev.split('building-command-table.', 1)[1]
                out.setdefault(svc, []).extend(ast.literal_eval(kw['remove_commands']))
    return out


def customizations(repo, cli_name):
    """Return (added:set, removed:set, hidden_aliases:set, notes:list)."""
    reg = plugin_registry(repo)
    entries = reg.get(f'building-command-table.{cli_name}', [])
    added, removed, hidden, notes = set(), set(), set(), []
    for module, fn in entries:
        path, src = module_source(repo, module)
        if module.endswith('.removals'):
            rem = parse_removals(src).get(cli_name, [])
            removed.update(rem)
            notes.append(f'{path}: removes {", ".join(rem) or "-"}')
            continue
        if module.endswith('wizard.commands'):
            wiz = f'awscli/customizations/wizard/wizards/{cli_name}'
            if repo.exists(wiz):
                names = [n.rsplit('.', 1)[0] for n in repo.ls(wiz)]
                added.add('wizard')
                notes.append(f'{path}: adds wizard ({", ".join(names)})')
            continue
        found = re.findall(r"command_table\[\s*['\"]([a-z0-9-]+)['\"]\s*\]\s*=", src)
        if found:
            added.update(found)
            notes.append(f'{path}: adds {", ".join(found)}')
        if 'alias_command(' in src:
            pairs = re.findall(r"['\"]([a-z0-9-]+)['\"]\s*:\s*['\"]([a-z0-9-]+)['\"]", src)
            for old, new in pairs:
                added.add(new)
                hidden.add(old)
            notes.append(f'{path}: alias_command ' +
                         ', '.join(f'{o} -> {n} (old kept hidden)' for o, n in pairs))
        if not found and 'alias_command(' not in src:
            warn(f'{cli_name}: did not understand {module}.{fn} ({path})')
            notes.append(f'{path}: NOT INTERPRETED ({fn})')
    return added, removed, hidden, notes


def build(repo):
    xform, xform_src = load_xform(repo)
    lines, cust_notes, versions = [], [], []
    for cli_name, data_dir in SERVICES:
        ver, ops, waiters = model_ops(repo, data_dir)
        versions.append(f'{cli_name}={data_dir}/{ver}')
        cmds = {xform(o, '-') for o in ops}
        added, removed, hidden, notes = customizations(repo, cli_name)
        missing = removed - cmds
        if missing:
            warn(f'{cli_name}: removal targets not in model: {sorted(missing)}')
        cmds = (cmds - removed) | added
        if waiters:
            cmds.add('wait')
        for n in notes:
            cust_notes.append(f'{cli_name}: {n}')
        for c in cmds:
            if c == 'wait':
                continue
            lines.append(f'{cli_name} {c}')
        for w in waiters:
            lines.append(f'{cli_name} wait {xform(w, "-")}')
        if waiters:
            cust_notes.append(f'{cli_name}: awscli/customizations/waiters.py: adds wait '
                              f'({len(waiters)} waiters from waiters-2.json)')
    return sorted(set(lines)), cust_notes, versions, xform_src


def header(repo):
    sha = repo.git('rev-parse', f'{repo.tag}^{{commit}}').strip()
    cdate = repo.git('log', '-1', '--format=%cI', sha).strip()
    subj = repo.git('log', '-1', '--format=%s', sha).strip()
    tdate = repo.git('for-each-ref', f'refs/tags/{repo.tag}',
                     '--format=%(taggerdate:iso-strict)').strip()
    return sha, cdate, subj, tdate


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    if len(args) != 2:
        sys.exit(__doc__)
    repo = Repo(*args)
    sha, cdate, subj, tdate = header(repo)
    lines, notes, versions, xform_src = build(repo)
    if '--compare-installed-botocore' in sys.argv:
        return compare(repo, sha, cdate)
    out = [
        '# Source repository: https://github.com/aws/aws-cli (read from a bare clone with git show)',
        f'# Tag: {repo.tag} (annotated tag date {tdate or "n/a"})',
        f'# Commit: {sha}',
        f'# Commit date: {cdate} ("{subj}")',
        '# Extracted with extract-commands.py: operations of '
        'awscli/botocore/data/<svc>/<newest api-version>/service-2.json and waiters '
        'of waiters-2.json, names via ' + xform_src + " with '-' separator;",
        '#   plus CLI customizations resolved from awscli/handlers_registry.py '
        "('building-command-table.<svc>') and awscli/customizations/*:",
    ]
    out += [f'#   {n}' for n in notes]
    out += ['# Model versions: ' + ' '.join(versions),
            '# Lines: "<cli-service> <command>" or "<cli-service> wait <waiter>"; '
            'hidden aliases are included. Count: %d' % len(lines)]
    print('\n'.join(out + lines))


def compare(repo, sha, cdate):
    """Operation/waiter differences: installed botocore vs the tag."""
    import os
    import botocore
    xform, xform_src = load_xform(repo)
    root = os.path.join(os.path.dirname(botocore.__file__), 'data')
    meta = os.path.join(os.path.dirname(os.path.dirname(botocore.__file__)),
                        f'botocore-{botocore.__version__}.dist-info')
    out = [f'# AWS CLI v2 {repo.tag} (commit {sha}, {cdate}) vs installed botocore '
           f'{botocore.__version__} ({botocore.__file__})',
           '# Compared at model level (operations in service-2.json, waiters in '
           'waiters-2.json, newest api-version on each side); CLI customizations '
           'are not part of this comparison.',
           '# Both sides rendered with ' + xform_src + '.',
           '# "+botocore" = in installed botocore, absent in the tag; '
           '"+cli" = in the tag, absent in installed botocore.']
    bgit = [a.split('=', 1)[1] for a in sys.argv if a.startswith('--botocore-git-dir=')]
    if bgit:
        v = botocore.__version__
        r = subprocess.run(['git', '--git-dir', bgit[0], 'log', '-1', '--format=%H %cI %s', v],
                           capture_output=True, text=True)
        out.insert(1, f'# botocore {v} release: github.com/boto/botocore tag {v} -> '
                      f'{r.stdout.strip() or "not found"}')
    if os.path.isdir(meta):
        out.insert(1, f'# installed package metadata: {meta}/METADATA (Version: {botocore.__version__}; '
                      'no release date in metadata)')
    from botocore import xform_name as inst_xform
    diffs = []
    for cli_name, data_dir in SERVICES:
        ver, ops, waiters = model_ops(repo, data_dir)
        bvers = sorted(os.listdir(os.path.join(root, data_dir)))
        bdir = os.path.join(root, data_dir, bvers[-1])

        def load(name):
            p = os.path.join(bdir, name)
            if os.path.exists(p):
                return json.load(open(p))
            if os.path.exists(p + '.gz'):
                import gzip
                return json.load(gzip.open(p + '.gz', 'rt'))
            return None
        bops = list(load('service-2.json')['operations'])
        bw = load('waiters-2.json')
        bwaiters = list(bw['waiters']) if bw else []
        for o in sorted(set(bops) & set(ops)):
            if inst_xform(o, '-') != xform(o, '-'):
                diffs.append(f'# name note: {cli_name} {o}: installed botocore xform_name gives '
                             f'{inst_xform(o, "-")!r}, the tag gives {xform(o, "-")!r} '
                             '(different _xform_cache; not an API difference)')
        if bvers[-1] != ver:
            diffs.append(f'# {cli_name}: api-version differs: cli {ver}, botocore {bvers[-1]}')
        for o in sorted(set(bops) - set(ops)):
            diffs.append(f'+botocore {cli_name} {xform(o, "-")}')
        for o in sorted(set(ops) - set(bops)):
            diffs.append(f'+cli {cli_name} {xform(o, "-")}')
        for w in sorted(set(bwaiters) - set(waiters)):
            diffs.append(f'+botocore {cli_name} wait {xform(w, "-")}')
        for w in sorted(set(waiters) - set(bwaiters)):
            diffs.append(f'+cli {cli_name} wait {xform(w, "-")}')
    print('\n'.join(out + (diffs or ['# no differences'])))


if __name__ == '__main__':
    main()

# Runs the AWS CLI's own main with a botocore after-call handler that masks the secret members of the command's
# response before --query and output formatting. Run as `python -c <this file> CONFIG ARG...`: CONFIG is JSON
# {"operation": "get-session-token", "paths": ["Credentials.SecretAccessKey"], "mode": "mask" | "reveal",
#  "views": bool, "reportFd": 3}; the ARGs are the CLI's arguments. On exit it writes one JSON line to reportFd:
# {"masked": n, "members": [...], "values": [...] (reveal), "views": [...] (views: the masked responses),
#  "requestIds": [{"operation": "ListQueues", "requestId": "...", "hostId": "..." (S3)}, ...] (the command's own
#  calls, any operation, at most 100), "nextToken": "..." (the --starting-token that resumes a --max-items listing,
#  taken before --query, which drops it in CLI v1)}.
# Standard library, botocore and awscli only; it must run on the CLI's own interpreter.
import sys

# With -c, Python puts '' (the working directory, which the aws stage may write) first on sys.path.
while sys.path and sys.path[0] in ('', '.'):
    sys.path.pop(0)

import base64
import datetime
import json
import os
import threading

MASKED = '[MASKED]'
config = json.loads(sys.argv[1])
arguments = sys.argv[2:]
mode = config.get('mode', 'mask')
report = {'masked': 0, 'members': [], 'values': [], 'views': [], 'requestIds': []}
MAX_REQUEST_IDS = 100


def parse_path(path):
    steps = []
    for part in path.split('.'):
        suffixes = []
        while part.endswith('[]') or part.endswith('{}'):
            suffixes.insert(0, part[-2:])
            part = part[:-2]
        steps.append((part, suffixes))
    return steps


PATHS = [(path, parse_path(path)) for path in config.get('paths', []) if path != '*']


def printable(value):
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode('ascii')
    return value


def mask_leaves(container, key, found):
    """Masks every non-empty string or blob at container[key], keeping the names of any map or structure."""
    value = container[key]
    if isinstance(value, dict):
        for inner in list(value):
            mask_leaves(value, inner, found)
    elif isinstance(value, list):
        for inner in range(len(value)):
            mask_leaves(value, inner, found)
    elif isinstance(value, (str, bytes, bytearray)) and len(value) > 0 and value != MASKED:
        found.append(printable(value))
        if mode == 'mask':
            container[key] = MASKED


def children(node, suffixes):
    """The (container, key) pairs a member's list `[]` and map `{}` suffixes lead to."""
    pairs = [node]
    for suffix in suffixes:
        following = []
        for container, key in pairs:
            value = container[key]
            if suffix == '[]' and isinstance(value, list):
                following.extend((value, index) for index in range(len(value)))
            elif suffix == '{}' and isinstance(value, dict):
                following.extend((value, inner) for inner in value)
        pairs = following
    return pairs


def mask_path(parsed, steps, found):
    pairs = [({'': parsed}, '')]
    for name, suffixes in steps:
        following = []
        for container, key in pairs:
            value = container[key]
            if isinstance(value, dict) and name in value:
                following.extend(children((value, name), suffixes))
        pairs = following
    for container, key in pairs:
        mask_leaves(container, key, found)


def encode(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode('ascii')
    return str(value)


def masked_view(parsed):
    """A copy of the response with the secret members masked, metadata left out."""
    global mode
    copy = json.loads(json.dumps({k: v for k, v in parsed.items() if k != 'ResponseMetadata'}, default=encode))
    saved, mode = mode, 'mask'
    try:
        for _, steps in PATHS:
            mask_path(copy, steps, [])
    finally:
        mode = saved
    return copy


# Per thread: `aws s3` transfers run their calls in worker threads, each nesting on its own.
calls = threading.local()


def depth():
    return getattr(calls, 'depth', 0)


def on_before_call(**_):
    calls.depth = depth() + 1


def on_after_call_error(**_):
    calls.depth = max(0, depth() - 1)


def record_request_id(parsed, model):
    metadata = parsed.get('ResponseMetadata')
    if not isinstance(metadata, dict) or not isinstance(metadata.get('RequestId'), str):
        return
    if len(report['requestIds']) >= MAX_REQUEST_IDS:
        return
    entry = {'operation': model.name, 'requestId': metadata['RequestId']}
    if isinstance(metadata.get('HostId'), str) and metadata['HostId'] != '':
        entry['hostId'] = metadata['HostId']
    report['requestIds'].append(entry)


def on_after_call(http_response=None, parsed=None, model=None, **_):
    import botocore

    calls.depth = max(0, depth() - 1)
    # A call nested in another (the credential provider's AssumeRole while the command's request is signed) is not
    # the command's response: masking it would break the credentials.
    if depth() != 0 or model is None or not isinstance(parsed, dict):
        return
    # Error responses too: a refused call is in CloudTrail under its request id as well.
    record_request_id(parsed, model)
    if botocore.xform_name(model.name, '-') != config.get('operation'):
        return
    if http_response is not None and getattr(http_response, 'status_code', 200) >= 300:
        return
    if config.get('views'):
        report['views'].append(masked_view(parsed))
    for path, steps in PATHS:
        found = []
        mask_path(parsed, steps, found)
        if found:
            if path not in report['members']:
                report['members'].append(path)
            if mode == 'mask':
                report['masked'] += len(found)
            else:
                report['values'].extend(value for value in found if isinstance(value, str))


def capture_resume_token():
    """Records the resume token a --max-items listing stops with, where botocore sets it: before --query runs."""
    from botocore.paginate import PageIterator

    token = PageIterator.resume_token

    def set_resume_token(self, value):
        token.fset(self, value)
        encoded = token.fget(self)
        if isinstance(encoded, str):
            report['nextToken'] = encoded

    PageIterator.resume_token = property(token.fget, set_resume_token, token.fdel, token.__doc__)


def install(session):
    session.register('before-call', on_before_call)
    session.register('after-call', on_after_call)
    session.register('after-call-error', on_after_call_error)


def write_report():
    fd = config.get('reportFd')
    if fd is None:
        return
    try:
        data = (json.dumps(report, default=encode) + '\n').encode('utf-8')
        while data:
            data = data[os.write(fd, data):]
    except OSError:
        pass


if os.environ.get('LC_CTYPE', '') == 'UTF-8':
    os.environ['LC_CTYPE'] = 'en_US.UTF-8'

import awscli.clidriver as clidriver
import awscli.alias

create_clidriver = clidriver.create_clidriver
capture_resume_token()


def without_user_aliases(self, command=None):
    # ~/.aws/cli/alias can name a built-in command (`sts = !sh -c ...`): the command that was parsed and judged is
    # the one that runs, so the user's aliases are never read.
    return {}


awscli.alias.AliasLoader.get_aliases = without_user_aliases
load_plugins = clidriver.load_plugins


def load_builtin_plugins(plugin_mapping, event_hooks=None, include_builtins=True):
    # A config file's [plugins] section imports Python modules into the CLI: only the CLI's own handlers load.
    return load_plugins({}, event_hooks=event_hooks, include_builtins=include_builtins)


clidriver.load_plugins = load_builtin_plugins


class ArtifactRefused(ValueError):
    pass


def confine_package_artifacts():
    # `cloudformation package` uploads the local files a template names, wherever they are, and zips whole folders
    # (dot-files and symbolic links included). Every file it reads must be in the working directory (where the
    # executor runs the CLI), not a dot-file, and not a link out; the files the exporter itself writes (zips,
    # exported nested templates, copies for zipping) are the only others it may upload. Hooked where the CLI's own
    # exporter reads: its zip, copy and temp-file helpers, the nested template reader, and the S3 uploader.
    import contextlib
    from awscli.customizations.cloudformation import artifact_exporter as exporter
    from awscli.customizations import s3uploader

    workdir = os.path.realpath(os.getcwd())
    made = set()

    def refuse(path, why):
        raise ArtifactRefused(
            'aws-mcp refused cloudformation package: %s %s. Artifacts must be files in the working directory '
            '%s, not dot-files, and not links that leave it; nothing was uploaded from it.' % (path, why, workdir))

    def check_local(path, root=None):
        real = os.path.realpath(path)
        if real != workdir and not real.startswith(workdir + os.sep):
            refuse(path, 'is outside the working directory' if real == os.path.abspath(path)
                   else 'leads outside the working directory (%s)' % real)
        shown = os.path.relpath(os.path.abspath(path), root or workdir)
        if any(part.startswith('.') and part not in ('.', '..') for part in shown.split(os.sep)):
            refuse(path, 'is a dot-file or inside a dot-folder')

    def check_upload(path):
        if os.path.realpath(path) in made:
            return
        check_local(path)

    make_zip = exporter.make_zip

    def confined_make_zip(filename, source_root):
        root = os.path.abspath(source_root)
        copied = os.path.realpath(root) in made
        if not copied:
            check_local(root)
        for folder, _, files in os.walk(root, followlinks=True):
            for name in files:
                full = os.path.join(folder, name)
                if copied:
                    continue
                check_local(full, root)
        zipped = make_zip(filename, source_root)
        made.add(os.path.realpath(zipped))
        return zipped

    copy_to_temp_dir = exporter.copy_to_temp_dir

    def confined_copy_to_temp_dir(filepath):
        check_local(filepath)
        folder = copy_to_temp_dir(filepath)
        made.add(os.path.realpath(folder))
        return folder

    mktempfile = exporter.mktempfile

    @contextlib.contextmanager
    def confined_mktempfile():
        with mktempfile() as handle:
            made.add(os.path.realpath(handle.name))
            yield handle

    template_init = exporter.Template.__init__

    def confined_template_init(self, template_path, parent_dir, *args, **kwargs):
        check_local(exporter.make_abs_path(parent_dir, template_path))
        return template_init(self, template_path, parent_dir, *args, **kwargs)

    upload = s3uploader.S3Uploader.upload
    upload_with_dedup = s3uploader.S3Uploader.upload_with_dedup

    def confined_upload(self, file_name, *args, **kwargs):
        check_upload(file_name)
        return upload(self, file_name, *args, **kwargs)

    def confined_upload_with_dedup(self, file_name, *args, **kwargs):
        check_upload(file_name)
        return upload_with_dedup(self, file_name, *args, **kwargs)

    exporter.make_zip = confined_make_zip
    exporter.copy_to_temp_dir = confined_copy_to_temp_dir
    exporter.mktempfile = confined_mktempfile
    exporter.Template.__init__ = confined_template_init
    s3uploader.S3Uploader.upload = confined_upload
    s3uploader.S3Uploader.upload_with_dedup = confined_upload_with_dedup


if config.get('operation') == 'package' and 'cloudformation' in arguments:
    confine_package_artifacts()


def create_clidriver_with_handler(*args, **kwargs):
    driver = create_clidriver(*args, **kwargs)
    install(driver.session)
    return driver


clidriver.create_clidriver = create_clidriver_with_handler
sys.argv = ['aws'] + arguments
try:
    status = clidriver.main()
finally:
    write_report()
sys.exit(status)

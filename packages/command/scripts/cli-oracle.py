"""Answers how the installed AWS CLI reads an argv, by running it through the CLI's own driver.

Run it with the interpreter behind `aws` (see findCliPython in test/cli-oracle.ts). It reads one JSON request a
line on stdin and writes one JSON answer a line on stdout, in the order the runs finish (match them by id):

  request  {"id": 1, "argv": ["s3", "cp", "a", "s3://b/x"],        argv without the leading "aws"
            "files": {"a": "text"},                                 optional: files created in the run's cwd
            "stdin": "text", "timeoutMs": 20000,                    optional
            "until": "call" | "parsed"}                             optional, see below
  answer   {"id": 1, "parsers": [...], "calls": [...], "transfers": [...], "actions": [...],
            "stopped": null | "parsed" | "call" | "transfer" | "help" | "process" | "network" | "prompt",
            "exitCode": 0 | null, "stdout": "...", "stderr": "...", "durationMs": 12, "cpuMs": {...},
            "uncaught": "KeyError: 'x'"}                           when the CLI itself crashed (exit 1)
  failure  {"id": 1, "errorCode": "timeout" | "died" | "bad-request" | "unserialisable", "error": "..."}
           when the oracle could not answer for the CLI; never a CLI outcome

The first line out is a greeting: {"ready": true, "cli": {"version", "major", "python", "botocore"}, "jobs": n,
"isolation": "fork" | "reuse"}.

Each parser entry is one parse_known_args call of an argparse parser the CLI built, in call order:
  {"name": "main" | "service" | "operation" | "help" | "first-pass" | <customization NAME, e.g. "cp">,
   "command": ["s3", "cp"], "parser": "ArgTableArgParser", "args": [...the words it was given...],
   "options": [{"index": 2, "word": "--que", "option": "--query", "explicit": null, "known": true}],
   "consumed": [{"dest": "query", "positional": false, "words": ["a"]}],
   "namespace": {...} | null, "remaining": [...] | null,
   "error": "argparse's message" (when it rejects argv), "exit": 0 (when an action exits, as --version does)}
`options` is argparse's own reading of every option-like word (prefixes resolved, `--a=b` split); `consumed`
lists the words each action took, in the order argparse took them.

Nothing a run does reaches AWS or the real machine: the first API call (BaseClient._make_api_call), transfer
(s3transfer's TransferManager / CRTTransferManager), help page, subprocess, socket or auto-prompt is recorded
and the run ends there (`stopped` says which; `exitCode` is then null because the CLI never got to finish).
`configure set` and friends record the config write instead of writing and carry on. Each run gets a fresh cwd
and HOME under a private temp root, the fake static credentials below and region us-east-1; wherever those temp
names appear in an answer (stdout, an error message) they read $CWD, $HOME, $TMPDIR, $AWS_CONFIG_FILE or
$AWS_SHARED_CREDENTIALS_FILE, so one argv always gets the same answer. With "until":
"parsed" a run stops as soon as the command's own parser has accepted argv (after the CLI's "Unknown options"
check and its operation-args-parsed handlers, before any client exists): `stopped` is then "parsed".

Runs happen in workers forked from a parent that loaded the CLI once and never runs anything itself. With
--isolation reuse (the default) a worker serves up to --runs-per-worker runs in place and puts back, after
each, the state the CLI is known to change (the session, its event handlers, the command and argument tables,
loggers, warnings, the environment); a run that changes it in a way that cannot be put back, or leaves a
thread behind, retires the worker. With --isolation fork a worker serves one run, so no run can see another's
state by construction: it is the reference, and 3-4 times slower here (each fork of the ~90 MB parent costs
~25 ms of kernel time on this VM). test/cli-oracle.test.ts holds reuse's answers to fork's. Either way a crash
or a hang (timeoutMs) costs only that run. The process exits when stdin closes, after answering what it has read.

Usage: python3 cli-oracle.py [--jobs N] [--profiles default,dev] [--isolation fork|reuse] [--runs-per-worker N]
"""
import argparse
import base64
import datetime
import decimal
import gc
import io
import json
import math
import os
import selectors
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback

FAKE_ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE'
FAKE_SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
DEFAULT_TIMEOUT_MS = 20_000
LOADER_METHODS = (
    'load_service_model',
    'load_data_with_path',
    'list_available_services',
    'determine_latest_version',
    'list_api_versions',
)
SAVED_SIGNALS = ('SIGINT', 'SIGQUIT', 'SIGTSTP', 'SIGPIPE', 'SIGTERM')


def read_options():
    parser = argparse.ArgumentParser(description='A long-lived oracle for how the AWS CLI reads argv.')
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 1, help='runs in flight at once')
    parser.add_argument('--profiles', default='default', help='comma-separated profiles the config defines')
    parser.add_argument('--isolation', choices=['fork', 'reuse'], default='reuse')
    parser.add_argument('--runs-per-worker', type=int, default=200, help='with --isolation reuse')
    return parser.parse_args()


def prepare_environment(root, profiles):
    """Points the CLI at an empty private config before awscli is imported (botocore reads env at import)."""
    for name in list(os.environ):
        if name.startswith('AWS_') or name in ('BOTO_CONFIG', 'PAGER', 'MANPAGER'):
            del os.environ[name]
    config_lines, credential_lines = [], []
    for profile in profiles:
        config_lines += ['[default]' if profile == 'default' else f'[profile {profile}]',
                         'region = us-east-1', 'output = json', '']
        credential_lines += [f'[{profile}]', f'aws_access_key_id = {FAKE_ACCESS_KEY}',
                             f'aws_secret_access_key = {FAKE_SECRET_KEY}', '']
    config_file = os.path.join(root, 'config')
    credentials_file = os.path.join(root, 'credentials')
    with open(config_file, 'w') as out:
        out.write('\n'.join(config_lines))
    with open(credentials_file, 'w') as out:
        out.write('\n'.join(credential_lines))
    os.makedirs(os.path.join(root, 'home'))
    os.makedirs(os.path.join(root, 'workers'))
    os.environ.update({
        'HOME': os.path.join(root, 'home'),
        'AWS_CONFIG_FILE': config_file,
        'AWS_SHARED_CREDENTIALS_FILE': credentials_file,
        'AWS_MAX_ATTEMPTS': '1',
        'AWS_EC2_METADATA_DISABLED': 'true',
        'AWS_PAGER': '',
        'AWS_CLI_AUTO_PROMPT': 'off',
        # What shutil.get_terminal_size falls back to on a pipe anyway; set, it skips an ioctl per parser argument.
        'COLUMNS': '80',
        'LINES': '24',
    })


class EndRun(BaseException):
    """Unwinds the CLI once a run's answer is sent. A BaseException, so the CLI's `except Exception` lets it by."""


class Run:
    """What one run records. Exists only in a worker; the parent's RUN stays None."""

    def __init__(self, request, paths, one_shot):
        self.request = request
        self.paths = paths
        self.one_shot = one_shot
        self.until = request.get('until', 'call')
        self.parsers = []
        self.calls = []
        self.transfers = []
        self.actions = []
        self.loads = set()
        self.parse_stack = []
        self.started = time.monotonic()
        self.usage = resource_usage()
        self.answered = False
        self.dirty = None
        self.stdout = KeptBytes()
        self.stderr = KeptBytes()
        self.spill_offsets = {}


RUN = None
WORKER = None


class KeptBytes(io.BytesIO):
    """A buffer that survives the CLI closing sys.stdout (streaming output does)."""

    def close(self):
        pass


def local_path(path):
    """Names a path relative to the run's cwd, HOME or config files, so answers don't carry temp names."""
    if not isinstance(path, str) or RUN is None:
        return path
    paths = RUN.paths
    for anchor, name in ((os.environ.get('AWS_CONFIG_FILE'), '$AWS_CONFIG_FILE'),
                         (os.environ.get('AWS_SHARED_CREDENTIALS_FILE'), '$AWS_SHARED_CREDENTIALS_FILE')):
        if anchor and path == anchor:
            return name
    absolute = os.path.abspath(path)
    if absolute == paths['work'] or absolute.startswith(paths['work'] + os.sep):
        return os.path.relpath(absolute, paths['work'])
    if absolute.startswith(paths['home'] + os.sep):
        return '~/' + os.path.relpath(absolute, paths['home'])
    return path


def json_safe(value, depth=0):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if depth > 40:
        return {'$repr': repr(value)[:200]}
    if isinstance(value, float):
        return value if math.isfinite(value) else {'$float': repr(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {'$base64': base64.b64encode(bytes(value)).decode('ascii')}
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return {'$decimal': str(value)}
    if isinstance(value, dict):
        return {str(key): json_safe(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item, depth + 1) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((json_safe(item, depth + 1) for item in value), key=repr)
    if hasattr(value, 'read') or hasattr(value, 'write'):
        return {'$file': local_path(getattr(value, 'name', None)), '$type': type(value).__name__}
    text = repr(value)
    # A default repr carries a memory address, which would differ between two runs of the same argv.
    return {'$object': type(value).__qualname__} if ' at 0x' in text else {'$repr': text[:200]}


def stop(kind, **details):
    """Ends the run where it stands: what is recorded so far is the answer."""
    if RUN is None:
        raise EndRun(kind)
    if not RUN.answered:
        RUN.actions.append({'kind': kind, **json_safe(details)})
    finish(stopped=kind, exit_code=None)


def finish(stopped=None, exit_code=None, uncaught=None):
    """Sends the run's answer, then ends the run: a one-shot worker exits on the spot (nothing of the CLI's own
    unwinding can matter), a reusing one unwinds with EndRun. A stop in another thread ends the worker, because
    the main thread may be waiting on that one."""
    run = RUN
    if run is None or run.answered:
        raise EndRun()
    run.answered = True
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    answer = {
        'id': run.request.get('id'),
        'parsers': [{key: value for key, value in record.items() if not key.startswith('_')}
                    for record in run.parsers],
        'calls': run.calls,
        'transfers': run.transfers,
        'actions': run.actions,
        'stopped': stopped,
        'exitCode': exit_code,
        'stdout': read_output(run, 1),
        'stderr': read_output(run, 2),
        'durationMs': round((time.monotonic() - run.started) * 1000, 1),
        'cpuMs': cpu_since(run.usage),
    }
    if uncaught is not None:
        answer['uncaught'] = uncaught
    modules = sorted(set(sys.modules) - PARENT_MODULES)
    PARENT_MODULES.update(modules)
    warm = {'loads': sorted(run.loads, key=repr), 'modules': modules, 'patterns': new_patterns()}
    WORKER.send({'answer': answer, 'warm': warm}, private_paths(run.paths))
    if run.one_shot:
        os._exit(0)
    if threading.current_thread() is not threading.main_thread():
        os._exit(0)
    raise EndRun()


def private_paths(paths):
    """The oracle's temp names, longest first, with what an answer says instead: the CLI prints them (configure
    list, error messages), and they differ from run to run."""
    names = [(paths['work'], '$CWD'), (paths['home'], '$HOME'), (paths['tmp'], '$TMPDIR'),
             (os.environ.get('AWS_CONFIG_FILE', ''), '$AWS_CONFIG_FILE'),
             (os.environ.get('AWS_SHARED_CREDENTIALS_FILE', ''), '$AWS_SHARED_CREDENTIALS_FILE')]
    return sorted(((path, name) for path, name in names if path), key=lambda pair: -len(pair[0]))


def new_patterns():
    """Regexes compiled since the fork that the parent has not been told about yet."""
    import re

    fresh = [key for key in list(getattr(re, '_cache', {})) if key not in PARENT_PATTERNS]
    PARENT_PATTERNS.update(fresh)
    return [[key[1], key[2]] for key in fresh
            if isinstance(key, tuple) and len(key) == 3 and isinstance(key[1], str)]


def resource_usage():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF)


def cpu_since(before):
    now = resource_usage()
    return {'user': round((now.ru_utime - before.ru_utime) * 1000, 1),
            'system': round((now.ru_stime - before.ru_stime) * 1000, 1),
            'faults': now.ru_minflt - before.ru_minflt}


def read_output(run, fd):
    buffer = run.stdout if fd == 1 else run.stderr
    text = buffer.getvalue().decode('utf-8', 'backslashreplace')
    # Anything written to the fd itself (a C extension, a stray child) lands in the worker's spill file.
    spill = WORKER.spill_paths[fd]
    offset = run.spill_offsets.get(fd, 0)
    if os.path.getsize(spill) > offset:
        with open(spill, 'rb') as source:
            source.seek(offset)
            text += source.read().decode('utf-8', 'backslashreplace')
    return text


# ---- hooks: installed once in the parent, inert until a child sets RUN ----

def caller_self(frame):
    return frame.f_locals.get('self') if frame is not None else None


def name_parser(parser, owner, classes):
    kind = type(parser).__name__
    if kind == 'MainArgParser':
        return 'main'
    if kind == 'ServiceArgParser':
        return 'service'
    if kind == 'FirstPassGlobalArgParser':
        return 'first-pass'
    if classes['ServiceOperation'] is not None and isinstance(owner, classes['ServiceOperation']):
        return 'operation'
    if isinstance(owner, classes['HelpCommand']):
        return 'help'
    name = getattr(owner, 'NAME', None) or getattr(owner, 'name', None)
    return name if isinstance(name, str) else kind


def lineage(owner):
    try:
        names = getattr(owner, 'lineage_names', None)
        return list(names) if names is not None else []
    except Exception:
        return []


def install_parser_hooks(classes):
    """Wraps parse_known_args (and error) on argparse.ArgumentParser and every subclass that overrides them,
    recording only the outermost call per parser so a subclass's super() chain counts once."""

    def wrap_parse(cls):
        original = cls.__dict__['parse_known_args']

        def parse_known_args(self, args=None, namespace=None):
            run = RUN
            if run is None or (run.parse_stack and run.parse_stack[-1]['_parser'] is self):
                return original(self, args, namespace)
            owner = caller_self(sys._getframe(1))
            record = {
                'name': name_parser(self, owner, classes),
                'command': lineage(owner),
                'parser': type(self).__name__,
                'args': json_safe(list(args) if args is not None else None),
                'options': [],
                'consumed': [],
                'namespace': None,
                'remaining': None,
                '_parser': self,
                '_scanned': 0,
            }
            run.parsers.append(record)
            run.parse_stack.append(record)
            try:
                result = original(self, args, namespace)
            except BaseException as failure:
                message = record.pop('_message', None)
                if message is not None:
                    record['error'] = message
                elif isinstance(failure, SystemExit):
                    record['exit'] = exit_code_of(failure.code)
                else:
                    record['error'] = f'{type(failure).__name__}: {failure}'
                raise
            finally:
                run.parse_stack.pop()
            record.pop('_message', None)
            # v2's SubCommandArgParser answers (args without the subcommand, subcommand) or None.
            if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], argparse.Namespace):
                record['namespace'] = json_safe(vars(result[0]))
                record['remaining'] = json_safe(result[1])
            else:
                record['result'] = json_safe(result)
            return result

        cls.parse_known_args = parse_known_args

    def wrap_error(cls):
        original = cls.__dict__['error']

        def error(self, message):
            run = RUN
            if run is not None and run.parse_stack and run.parse_stack[-1]['_parser'] is self:
                run.parse_stack[-1].setdefault('_message', message)
            return original(self, message)

        cls.error = error

    def hook_class(cls):
        if 'parse_known_args' in cls.__dict__:
            wrap_parse(cls)
        if 'error' in cls.__dict__:
            wrap_error(cls)

    seen, queue = set(), [argparse.ArgumentParser]
    while queue:
        cls = queue.pop()
        if cls in seen:
            continue
        seen.add(cls)
        queue.extend(cls.__subclasses__())
        hook_class(cls)

    def __init_subclass__(cls, **kwargs):
        # A parser class defined during a run (a customization imported late) is recorded the same way.
        super(argparse.ArgumentParser, cls).__init_subclass__(**kwargs)
        hook_class(cls)

    argparse.ArgumentParser.__init_subclass__ = classmethod(__init_subclass__)

    original_parse_optional = argparse.ArgumentParser._parse_optional
    original_get_values = argparse.ArgumentParser._get_values

    def current(parser):
        run = RUN
        if run is not None and run.parse_stack and run.parse_stack[-1]['_parser'] is parser:
            return run.parse_stack[-1]
        return None

    def _parse_optional(self, arg_string):
        record = current(self)
        if record is None:
            return original_parse_optional(self, arg_string)
        index = record['_scanned']
        record['_scanned'] += 1
        found = original_parse_optional(self, arg_string)
        if found is not None:
            action, option_string, explicit = found[0], found[1], found[2]
            record['options'].append({'index': index, 'word': arg_string, 'option': option_string,
                                      'explicit': explicit, 'known': action is not None})
        return found

    def _get_values(self, action, arg_strings):
        record = current(self)
        if record is not None:
            record['consumed'].append({'dest': action.dest, 'positional': not action.option_strings,
                                       'words': list(arg_strings)})
        return original_get_values(self, action, arg_strings)

    argparse.ArgumentParser._parse_optional = _parse_optional
    argparse.ArgumentParser._get_values = _get_values


def install_action_hooks(classes):
    import socket
    import subprocess
    import webbrowser

    import botocore.client
    import botocore.loaders
    from botocore.validate import ParamValidator

    original_call = botocore.client.BaseClient._make_api_call

    def _make_api_call(self, operation_name, api_params):
        if RUN is None:
            return original_call(self, operation_name, api_params)
        call = {
            'service': self.meta.service_model.service_name,
            'operation': operation_name,
            'params': json_safe(api_params),
            'region': self.meta.region_name,
            'endpointUrl': getattr(self.meta, 'endpoint_url', None),
        }
        try:
            if getattr(self.meta.config, 'parameter_validation', True):
                shape = self.meta.service_model.operation_model(operation_name).input_shape
                report = ParamValidator().validate(api_params, shape)
                if report.has_errors():
                    call['paramError'] = report.generate_report()
        except Exception as failure:
            call['paramError'] = f'oracle could not validate: {failure!r}'
        RUN.calls.append(call)
        stop('call', operation=operation_name)

    botocore.client.BaseClient._make_api_call = _make_api_call

    def record_transfer(method, fields):
        def hooked(self, *args, **kwargs):
            names = fields[: len(args)]
            values = dict(zip(names, args), **kwargs)
            values.pop('subscribers', None)
            values.pop('source_client', None)
            entry = {'method': method}
            for key, value in values.items():
                camel = ''.join(part if i == 0 else part.capitalize() for i, part in enumerate(key.split('_')))
                entry[camel] = local_path(value) if key == 'fileobj' else json_safe(value)
            if RUN is None:
                raise EndRun('transfer outside a run')
            RUN.transfers.append(json_safe(entry))
            stop('transfer', method=method)

        return hooked

    transfer_fields = {
        'upload': ['fileobj', 'bucket', 'key', 'extra_args', 'subscribers'],
        'download': ['bucket', 'key', 'fileobj', 'extra_args', 'subscribers'],
        'copy': ['copy_source', 'bucket', 'key', 'extra_args', 'subscribers', 'source_client'],
        'delete': ['bucket', 'key', 'extra_args', 'subscribers'],
    }
    managers = []
    try:
        from s3transfer.manager import TransferManager
        managers.append(TransferManager)
    except ImportError:
        pass
    try:
        from s3transfer.crt import CRTTransferManager
        managers.append(CRTTransferManager)
    except Exception:
        pass
    for manager in managers:
        for method, fields in transfer_fields.items():
            if hasattr(manager, method):
                setattr(manager, method, record_transfer(method, fields))

    from awscli.customizations.configure.writer import ConfigFileWriter
    original_update = ConfigFileWriter.update_config

    def update_config(self, new_values, config_filename):
        if RUN is None:
            return original_update(self, new_values, config_filename)
        RUN.actions.append({'kind': 'write-config', 'file': local_path(config_filename),
                            'values': json_safe(new_values)})
        return None

    ConfigFileWriter.update_config = update_config

    from awscli.bcdoc import docevents
    original_generate = docevents.generate_events

    def generate_events(session, help_command):
        if RUN is None:
            return original_generate(session, help_command)
        stop('help', command=getattr(help_command, 'event_class', None), helpClass=type(help_command).__name__)

    docevents.generate_events = generate_events

    try:
        from awscli.autoprompt.core import AutoPromptDriver

        def prompt_for_args(self, args):
            stop('prompt', args=args)

        AutoPromptDriver.prompt_for_args = prompt_for_args
    except ImportError:
        pass

    original_popen_init = subprocess.Popen.__init__

    def popen_init(self, args, *rest, **kwargs):
        if RUN is not None:
            stop('process', argv=args if isinstance(args, (list, tuple)) else [args])
        return original_popen_init(self, args, *rest, **kwargs)

    subprocess.Popen.__init__ = popen_init
    for name in ('system', 'execv', 'execve', 'execvp', 'execvpe', 'posix_spawn', 'posix_spawnp'):
        original = getattr(os, name, None)
        if original is not None:
            setattr(os, name, guard_process(name, original))

    def guard_network(name, original):
        def guarded(*args, **kwargs):
            if RUN is not None:
                address = args[1] if name in ('connect', 'connect_ex') and len(args) > 1 else args[:2]
                stop('network', via=name, address=json_safe(address))
            return original(*args, **kwargs)

        return guarded

    for name in ('connect', 'connect_ex'):
        setattr(socket.socket, name, guard_network(name, getattr(socket.socket, name)))
    socket.create_connection = guard_network('create_connection', socket.create_connection)
    socket.getaddrinfo = guard_network('getaddrinfo', socket.getaddrinfo)

    def browser(name):
        def opened(url, *args, **kwargs):
            if RUN is None:
                return False
            RUN.actions.append({'kind': 'browser', 'url': json_safe(url)})
            return True

        return opened

    for name in ('open', 'open_new', 'open_new_tab'):
        setattr(webbrowser, name, browser(name))

    def record_load(name, original):
        def loaded(self, *args, **kwargs):
            if RUN is not None:
                RUN.loads.add((name, json.dumps([args, kwargs], sort_keys=True, default=repr)))
            return original(self, *args, **kwargs)

        return loaded

    for name in LOADER_METHODS:
        setattr(botocore.loaders.Loader, name, record_load(name, getattr(botocore.loaders.Loader, name)))


def install_parsed_hooks(classes):
    """Stops an "until": "parsed" run where the CLI turns from reading argv to acting on it: an operation's
    operation-args-parsed event (after its handlers ran), a customization's _run_main."""
    operation = classes['ServiceOperation']
    original_emit = operation._emit

    def _emit(self, name, **kwargs):
        response = original_emit(self, name, **kwargs)
        if RUN is not None and RUN.until == 'parsed' and name.startswith('operation-args-parsed.'):
            stop('parsed')
        return response

    operation._emit = _emit
    base = classes['BasicCommand']
    wrap_run_mains(base)
    inherited = base.__dict__.get('__init_subclass__')

    def __init_subclass__(cls, **kwargs):
        # A customization module imported during a run defines its commands then; they stop too.
        if inherited is not None:
            inherited.__func__(cls, **kwargs)
        else:
            super(base, cls).__init_subclass__(**kwargs)
        wrap_run_mains(cls)

    base.__init_subclass__ = classmethod(__init_subclass__)


def wrap_run_mains(base):
    seen, queue = set(), [base]
    while queue:
        cls = queue.pop()
        if cls in seen:
            continue
        seen.add(cls)
        queue.extend(cls.__subclasses__())
        original = cls.__dict__.get('_run_main')
        if original is None or getattr(original, 'oracle_wrapped', False):
            continue

        def _run_main(self, parsed_args, parsed_globals, _original=original):
            if RUN is not None and RUN.until == 'parsed':
                stop('parsed')
            return _original(self, parsed_args, parsed_globals)

        _run_main.oracle_wrapped = True
        cls._run_main = _run_main


def guard_process(name, original):
    def guarded(*args, **kwargs):
        if RUN is not None:
            stop('process', via=name, argv=json_safe(list(args[:2])))
        return original(*args, **kwargs)

    return guarded


# ---- the CLI ----

class Cli:
    """The installed CLI, warmed up once: its driver, its entry point and the classes the hooks name."""

    def __init__(self):
        import awscli
        import awscli.clidriver as clidriver
        import botocore

        self.version = awscli.__version__
        self.major = int(self.version.split('.')[0])
        self.module = clidriver
        self.driver = clidriver.create_clidriver()
        self.driver._get_command_table()
        self.driver._get_argument_table()
        self.loader = self.driver.session.get_component('data_loader')
        from botocore.httpsession import create_urllib3_context

        # OpenSSL's one-time set-up, which every client's HTTP session would otherwise pay for in each child.
        create_urllib3_context()
        from awscli.customizations.commands import BasicCommand
        from awscli.help import HelpCommand

        self.classes = {
            'ServiceOperation': getattr(clidriver, 'ServiceOperation', None),
            'HelpCommand': HelpCommand,
            'BasicCommand': BasicCommand,
        }
        self.describe = {
            'version': self.version,
            'major': self.major,
            'python': sys.version.split()[0],
            'botocore': botocore.__version__,
        }
        clidriver.create_clidriver = self.provide_driver

    def provide_driver(self, args=None):
        """Stands in for create_clidriver inside the CLI's own main(): the same driver, already built. v2's
        create_clidriver reads --debug with a first-pass parser before building the driver; that parse is
        the CLI's too, so it runs (and is recorded) here."""
        if self.major >= 2 and args is not None:
            from awscli.argparser import FirstPassGlobalArgParser

            first, _ = FirstPassGlobalArgParser().parse_known_args(args)
            if first.debug:
                self.driver._set_logging(True)
        return self.driver

    def run(self, argv):
        """The CLI's own entry point, as bin/aws calls it: `sys.exit(awscli.clidriver.main())`."""
        sys.argv = ['aws'] + list(argv)
        return self.module.main()

    def warm(self, warm_info, done):
        """Replays in the parent what a child had to load, so later forks find it cached: only pure caches
        (modules, botocore's data loader, compiled regexes). Not the CLI's command or argument tables: building
        an argument table registers session-wide handlers (--generate-cli-skeleton's on calling-command.*),
        so a table built ahead would answer for every later operation."""
        import importlib

        for name in warm_info.get('modules', []):
            if name in sys.modules or name in done:
                continue
            done.add(name)
            try:
                importlib.import_module(name)
            except BaseException:
                pass
        PARENT_MODULES.update(sys.modules)
        wrap_run_mains(self.classes['BasicCommand'])
        import re

        for pattern, flags in warm_info.get('patterns', []):
            try:
                re.compile(pattern, flags)
            except BaseException:
                pass
        PARENT_PATTERNS.update(getattr(re, '_cache', {}))
        for method, encoded in warm_info.get('loads', []):
            key = (method, encoded)
            if key in done:
                continue
            done.add(key)
            try:
                args, kwargs = json.loads(encoded)
                getattr(self.loader, method)(*args, **kwargs)
            except BaseException:
                pass


PARENT_MODULES = set()
PARENT_PATTERNS = set()


# ---- putting back what a run changed (--isolation reuse) ----

class Baseline:
    """The state a reusing worker puts back after every run: shallow copies of the objects the CLI mutates,
    one level into their dict and list attributes (the session's instance variables and components, the config
    store's providers, the emitter's unique ids), the session emitter's registrations (undone from a log),
    loggers, warnings filters, the environment, the cwd, signal handlers and the std streams."""

    def __init__(self, cli):
        import logging
        import warnings

        self.logging = logging
        self.warnings = warnings
        session = cli.driver.session
        emitter = session.get_component('event_emitter')
        self.emitter = getattr(emitter, '_emitter', emitter)
        objects = [session, session._components, session._internal_components, session.session_var_map,
                   session.get_component('config_store'), cli.driver, cli.driver.alias_loader, self.emitter,
                   emitter]
        objects += list(cli.driver._command_table.values()) + list(cli.driver._argument_table.values())
        try:
            from botocore.history import get_global_history_recorder

            objects.append(get_global_history_recorder())
        except ImportError:
            pass
        self.objects = [(target, *shallow_state(target)) for target in objects]
        self.loggers = {name: logger_state(logger) for name, logger in logging.Logger.manager.loggerDict.items()
                        if isinstance(logger, logging.Logger)}
        self.root_logger = logger_state(logging.root)
        self.filters = list(warnings.filters)
        self.environ = dict(os.environ)
        self.cwd = os.getcwd()
        self.signals = {name: signal.getsignal(getattr(signal, name)) for name in SAVED_SIGNALS
                        if hasattr(signal, name)}
        self.streams = (sys.stdin, sys.stdout, sys.stderr, list(sys.argv))

    def restore(self, registrations):
        for event_name, handler in reversed(registrations):
            self.emitter._handlers.remove_item(event_name, handler)
        for target, attributes, nested in self.objects:
            # Comparing first is cheap (unchanged values are the same objects) and most objects are untouched.
            state = vars(target)
            if state != attributes:
                state.clear()
                state.update(attributes)
            for name, content in nested.items():
                container = attributes[name]
                if container != content:
                    if isinstance(container, dict):
                        container.clear()
                        container.update(content)
                    else:
                        container[:] = content
        manager = self.logging.Logger.manager
        for name, logger in list(manager.loggerDict.items()):
            if isinstance(logger, self.logging.Logger):
                saved = self.loggers.get(name)
                if saved is None:
                    set_logger_state(logger, (self.logging.NOTSET, [], True, False))
                else:
                    set_logger_state(logger, saved)
        set_logger_state(self.logging.root, self.root_logger)
        manager._clear_cache()
        self.warnings.filters[:] = self.filters
        self.warnings._filters_mutated()
        if os.environ != self.environ:
            for name in [name for name in os.environ if name not in self.environ]:
                del os.environ[name]
            for name, value in self.environ.items():
                if os.environ.get(name) != value:
                    os.environ[name] = value
        if os.getcwd() != self.cwd:
            os.chdir(self.cwd)
        for name, handler in self.signals.items():
            signal.signal(getattr(signal, name), handler)
        sys.stdin, sys.stdout, sys.stderr = self.streams[:3]
        sys.argv[:] = self.streams[3]


# Caches keyed by event name that stay true across runs (botocore replaces _lookup_cache on every registration,
# so the one in the snapshot only ever holds lookups made before the run changed any handler).
PURE_CACHES = frozenset({'_lookup_cache', '_alias_name_cache'})


def shallow_state(target):
    attributes = dict(vars(target))
    nested = {}
    for name, value in attributes.items():
        if name in PURE_CACHES:
            continue
        if type(value) is dict:
            nested[name] = dict(value)
        elif type(value) is list:
            nested[name] = list(value)
    return attributes, nested


def logger_state(logger):
    return (logger.level, list(logger.handlers), logger.propagate, logger.disabled)


def set_logger_state(logger, state):
    logger.level, handlers, logger.propagate, logger.disabled = state
    logger.handlers[:] = handlers


class EmitterLog:
    """Which handlers a run registered on the session's emitter, so they can be taken off again; an
    unregistration or a counted unique id cannot be undone that way and marks the run dirty."""

    def __init__(self, emitter):
        import botocore.hooks

        self.emitter = emitter
        self.registrations = []
        emitter_class = botocore.hooks.HierarchicalEmitter
        original_register = emitter_class._register_section
        original_unregister = emitter_class.unregister
        log = self

        def _register_section(self, event_name, handler, unique_id, unique_id_uses_count, section):
            if self is log.emitter and RUN is not None:
                if unique_id_uses_count:
                    RUN.dirty = RUN.dirty or f'counted registration on {event_name}'
                elif unique_id is None or unique_id not in self._unique_id_handlers:
                    log.registrations.append((event_name, handler))
            return original_register(self, event_name, handler, unique_id, unique_id_uses_count, section)

        def unregister(self, event_name, *args, **kwargs):
            if self is log.emitter and RUN is not None:
                RUN.dirty = RUN.dirty or f'unregistration on {event_name}'
            return original_unregister(self, event_name, *args, **kwargs)

        emitter_class._register_section = _register_section
        emitter_class.unregister = unregister

    def take(self):
        registrations, self.registrations = self.registrations, []
        return registrations


# ---- a worker: one run (fork) or many (reuse), in a child of the parent ----

class WorkerChannel:
    def __init__(self, answers_fd, folder):
        self.answers_fd = answers_fd
        self.folder = folder
        self.spill_paths = {fd: os.path.join(folder, f'fd{fd}') for fd in (1, 2)}

    def send(self, message, rewrites=()):
        try:
            payload = json.dumps(message)
            for path, name in rewrites:
                payload = payload.replace(json.dumps(path)[1:-1], name)
        except Exception as failure:
            answer = message.get('answer') or {}
            payload = json.dumps({'answer': {'id': answer.get('id'), 'errorCode': 'unserialisable',
                                             'error': f'answer not serialisable: {failure!r}'}})
        view = memoryview((payload + '\n').encode('utf-8'))
        while view:
            written = os.write(self.answers_fd, view)
            view = view[written:]


def serve_worker(cli, requests_fd, answers_fd, folder, runs, emitter_log):
    global WORKER
    WORKER = WorkerChannel(answers_fd, folder)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    for fd, path in WORKER.spill_paths.items():
        spill = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(spill, fd)
        os.close(spill)
    one_shot = runs <= 1
    if one_shot:
        gc.disable()
    # One set of run folders per worker, emptied between runs, so a run never sees what another left.
    paths = {name: os.path.join(folder, 'run', name) for name in ('work', 'home', 'tmp')}
    paths['root'] = os.path.join(folder, 'run')
    for name in ('work', 'home', 'tmp'):
        os.makedirs(paths[name])
    os.environ['HOME'] = paths['home']
    os.environ['TMPDIR'] = paths['tmp']
    os.chdir(paths['work'])
    baseline = None if one_shot else Baseline(cli)
    requests = os.fdopen(requests_fd, 'rb')
    for number in range(max(1, runs)):
        line = requests.readline()
        if not line:
            break
        request = json.loads(line)
        dirty = run_request(cli, request, paths, one_shot)
        empty_run_folders(paths)
        try:
            baseline.restore(emitter_log.take())
        except Exception as failure:
            dirty = dirty or f'could not put the state back: {failure!r}'
        if threading.active_count() > 1:
            dirty = dirty or 'a thread outlived the run'
        if dirty or number == runs - 1:
            WORKER.send({'retire': dirty or 'served its runs'})
            break
        WORKER.send({'ready': True})
    os._exit(0)


def empty_run_folders(paths):
    for name in ('work', 'home', 'tmp'):
        if os.listdir(paths[name]):
            shutil.rmtree(paths[name], ignore_errors=True)
            os.makedirs(paths[name], exist_ok=True)
    for entry in os.scandir(paths['root']):
        if entry.name not in ('work', 'home', 'tmp'):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.remove(entry.path)


def run_request(cli, request, paths, one_shot):
    global RUN
    RUN = run = Run(request, paths, one_shot)
    stdin_bytes = request.get('stdin', '')
    stdin_bytes = stdin_bytes.encode('utf-8') if isinstance(stdin_bytes, str) else b''
    if stdin_bytes:
        stdin_path = os.path.join(paths['root'], 'stdin')
        with open(stdin_path, 'wb') as out:
            out.write(stdin_bytes)
        stdin_fd = os.open(stdin_path, os.O_RDONLY)
        os.dup2(stdin_fd, 0)
        os.close(stdin_fd)
    for fd, path in WORKER.spill_paths.items():
        run.spill_offsets[fd] = os.path.getsize(path)
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin_bytes), encoding='utf-8')
    sys.stdout = io.TextIOWrapper(run.stdout, encoding='utf-8', write_through=True)
    sys.stderr = io.TextIOWrapper(run.stderr, encoding='utf-8', errors='backslashreplace', write_through=True)
    tempfile.tempdir = None
    if os.getcwd() != paths['work']:
        os.chdir(paths['work'])
    try:
        try:
            write_files(paths['work'], request.get('files') or {})
            code = cli.run(request['argv'])
            finish(exit_code=exit_code_of(code))
        except SystemExit as exiting:
            if isinstance(exiting.code, str):
                sys.stderr.write(exiting.code + '\n')
            finish(exit_code=exit_code_of(exiting.code))
        except EndRun:
            raise
        except BaseException:
            text = traceback.format_exc()
            sys.stderr.write(text)
            finish(exit_code=1, uncaught=text.strip().splitlines()[-1])
    except EndRun:
        pass
    finally:
        RUN = None
        tempfile.tempdir = None
        if stdin_bytes:
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    return run.dirty


def exit_code_of(code):
    """What the shell would see from sys.exit(code)."""
    if code is None:
        return 0
    if isinstance(code, bool):
        return int(code)
    if isinstance(code, int):
        return code & 0xFF
    return 1


def write_files(work, files):
    for name, content in files.items():
        path = os.path.normpath(os.path.join(work, name))
        if not path.startswith(work + os.sep):
            raise ValueError(f'file outside the run directory: {name}')
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as out:
            out.write(content if isinstance(content, str) else json.dumps(content))


# ---- the parent: a loop over stdin and the workers' pipes ----

class Server:
    def __init__(self, cli, root, jobs, runs_per_worker, emitter_log):
        self.cli = cli
        self.root = root
        self.jobs = max(1, jobs)
        self.runs_per_worker = runs_per_worker
        self.emitter_log = emitter_log
        # poll, unlike epoll, also accepts a regular file as stdin (`cli-oracle.py < requests.jsonl`).
        self.selector = getattr(selectors, 'PollSelector', selectors.SelectSelector)()
        self.pending = []
        self.workers = {}
        self.input_buffer = b''
        self.input_open = True
        self.sequence = 0
        self.warmed = set()

    def answer(self, payload):
        sys.stdout.write(json.dumps(payload) + '\n')
        sys.stdout.flush()

    def serve(self):
        os.set_blocking(0, False)
        self.selector.register(0, selectors.EVENT_READ, None)
        while self.input_open or self.pending or any(worker['request'] for worker in self.workers.values()):
            self.dispatch()
            deadlines = [worker['deadline'] for worker in self.workers.values() if worker['deadline']]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            for key, _ in self.selector.select(timeout):
                if key.data is None:
                    self.read_input()
                else:
                    self.read_worker(key.data)
            self.expire()
        for worker in list(self.workers.values()):
            self.reap(worker)

    def read_input(self):
        chunk = os.read(0, 1 << 16)
        if not chunk:
            self.input_open = False
            self.selector.unregister(0)
            if self.input_buffer.strip():
                self.accept(self.input_buffer)
            self.input_buffer = b''
            return
        self.input_buffer += chunk
        *lines, self.input_buffer = self.input_buffer.split(b'\n')
        for line in lines:
            if line.strip():
                self.accept(line)

    def accept(self, line):
        try:
            request = json.loads(line)
            if not isinstance(request, dict) or not isinstance(request.get('argv'), list) or not all(
                    isinstance(word, str) for word in request['argv']):
                raise ValueError('expected {"id": …, "argv": [strings]}')
        except ValueError as failure:
            request_id = None
            try:
                request_id = json.loads(line).get('id')
            except Exception:
                pass
            self.answer({'id': request_id, 'errorCode': 'bad-request', 'error': f'bad request: {failure}'})
            return
        self.pending.append(request)

    def dispatch(self):
        while self.pending:
            idle = [worker for worker in self.workers.values() if worker['ready'] and not worker['request']]
            if not idle:
                if len(self.workers) >= self.jobs:
                    return
                self.start_worker()
                continue
            worker, request = idle[0], self.pending.pop(0)
            timeout_ms = request.get('timeoutMs')
            if not isinstance(timeout_ms, (int, float)) or timeout_ms <= 0:
                timeout_ms = DEFAULT_TIMEOUT_MS
            worker.update(request=request, answered=False, ready=False, started=time.monotonic(),
                          deadline=time.monotonic() + timeout_ms / 1000)
            try:
                os.write(worker['to'], (json.dumps(request) + '\n').encode('utf-8'))
            except OSError:
                self.fail(worker, 'died', 'oracle worker died before it read the request')

    def start_worker(self):
        self.sequence += 1
        folder = os.path.join(self.root, 'workers', str(self.sequence))
        os.makedirs(folder)
        requests_read, requests_write = os.pipe()
        answers_read, answers_write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(requests_write)
                os.close(answers_read)
                for worker in self.workers.values():
                    os.close(worker['to'])
                    os.close(worker['from'])
                serve_worker(self.cli, requests_read, answers_write, folder, self.runs_per_worker, self.emitter_log)
            finally:
                os._exit(70)
        os.close(requests_read)
        os.close(answers_write)
        worker = {'pid': pid, 'to': requests_write, 'from': answers_read, 'folder': folder, 'buffer': b'',
                  'ready': True, 'request': None, 'answered': False, 'deadline': None, 'started': None}
        self.workers[answers_read] = worker
        self.selector.register(answers_read, selectors.EVENT_READ, answers_read)

    def read_worker(self, fd):
        worker = self.workers[fd]
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            if worker['request'] and not worker['answered']:
                status = self.reap(worker)
                how = f'signal {os.WTERMSIG(status)}' if os.WIFSIGNALED(status) else f'exit {os.WEXITSTATUS(status)}'
                self.answer({'id': worker['request'].get('id'), 'errorCode': 'died',
                             'error': f'oracle run died without answering ({how})'})
            else:
                self.reap(worker)
            return
        worker['buffer'] += chunk
        *lines, worker['buffer'] = worker['buffer'].split(b'\n')
        for line in lines:
            message = json.loads(line)
            if 'answer' in message:
                worker['answered'] = True
                self.answer(message['answer'])
                if message.get('warm'):
                    self.cli.warm(message['warm'], self.warmed)
            elif 'ready' in message:
                worker.update(ready=True, request=None, deadline=None)
            elif 'retire' in message:
                worker.update(request=None, deadline=None, ready=False)

    def fail(self, worker, code, message):
        request = worker['request']
        self.reap(worker, kill=True)
        if request is not None:
            self.answer({'id': request.get('id'), 'errorCode': code, 'error': message})

    def reap(self, worker, kill=False):
        if worker['from'] not in self.workers:
            return worker.get('status', 0)
        self.selector.unregister(worker['from'])
        del self.workers[worker['from']]
        for fd in (worker['to'], worker['from']):
            try:
                os.close(fd)
            except OSError:
                pass
        if kill:
            try:
                os.kill(worker['pid'], signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, worker['status'] = os.waitpid(worker['pid'], 0)
        shutil.rmtree(worker['folder'], ignore_errors=True)
        return worker['status']

    def expire(self):
        now = time.monotonic()
        for worker in [worker for worker in self.workers.values() if worker['deadline'] and worker['deadline'] <= now]:
            if worker['answered']:
                # Answered, but the CLI's unwinding or the state put-back hangs: replace the worker quietly.
                self.reap(worker, kill=True)
                continue
            elapsed = round((now - worker['started']) * 1000)
            self.fail(worker, 'timeout', f'timeout after {elapsed} ms')


def main():
    options = read_options()
    root = tempfile.mkdtemp(prefix='cli-oracle-')
    profiles = [name.strip() for name in options.profiles.split(',') if name.strip()] or ['default']
    if 'default' not in profiles:
        profiles.insert(0, 'default')
    prepare_environment(root, profiles)
    try:
        cli = Cli()
        install_parser_hooks(cli.classes)
        install_action_hooks(cli.classes)
        install_parsed_hooks(cli.classes)
        emitter = cli.driver.session.get_component('event_emitter')
        emitter_log = EmitterLog(getattr(emitter, '_emitter', emitter))
        PARENT_MODULES.update(sys.modules)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        runs = 1 if options.isolation == 'fork' else max(1, options.runs_per_worker)
        greeting = {'ready': True, 'cli': cli.describe, 'jobs': options.jobs, 'isolation': options.isolation}
        sys.stdout.write(json.dumps(greeting) + '\n')
        sys.stdout.flush()
        Server(cli, root, options.jobs, runs, emitter_log).serve()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    main()

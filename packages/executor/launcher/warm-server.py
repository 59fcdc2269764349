# The warm CLI: one long-lived interpreter that imports the AWS CLI once and forks one child per call. Run as
# `python -c <this file> LAUNCHER`, where LAUNCHER is aws-launcher.py's source. Requests come as JSON lines on
# stdin, events go out as JSON lines on stdout; nothing else reaches it (no socket with a name, no shell):
#   {"run": ID, "argv": [...], "env": {...}, "cwd": DIR, "folder": DIR, "tmpdir": DIR, "stdout": PATH,
#    "stderr": PATH, "report": PATH or null, "launcher": CONFIG-JSON or null, "caches": [{"target": DIR, "copy": DIR}],
#    "private": [{"path": DIR, "size": BYTES or null}]}
#    ->  {"started": ID, "pid": PID} ... {"exit": ID, "code": N}   (PID: the child's, in the sandbox)
# FOLDER is the call's own, in the calls folder; TMPDIR, the FIFOs and the cache copies lie in it. PRIVATE: the
# folders it gets fresh ones of (the warm sandbox's tmpfs mounts: /tmp, /var/tmp, /dev/shm, the homes). The server makes
# a FIFO at each PATH and forks; the child confines itself, then opens them once the executor has opened their read
# ends. A call that cannot be confined runs nothing: {"exit": ID, "code": 255, "error": WHY, "unconfined": true}.
#   {"kill": ID}                                                  ->  SIGKILL to the call's process group
# When ready it says {"ready": PID, "version": V, "files": [...], "isolationGap": null or why calls cannot be kept
# apart}. Another request it cannot start answers {"exit": ID, "code": 255, "error": "..."}. The parent reads
# no AWS file and builds no session before forking, so each call reads the config its own environment names.
# Standard library, botocore and awscli only; it must run on the CLI's own interpreter.
import sys

while sys.path and sys.path[0] in ('', '.'):
    sys.path.pop(0)

import json
import os
import re
import selectors
import signal
import stat
import types

LAUNCHER = sys.argv[1]

# Not dumpable, as its forked children inherit: a program a call starts (a credential_process) cannot open the
# descriptors of this process or of another call through /proc, nor trace them.
import ctypes  # noqa: E402

LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
LIBC.syscall.restype = ctypes.c_long

# Calls run at once share this process's pid namespace, user and sandbox: without more, a program one call starts
# could signal this process or another call's (`kill -9 -1`), read their /proc entries once it exec'd (dumpable
# again), or read another call's folder (its TMPDIR, its copy of the CLI caches with role and SSO credentials).
# Each child therefore enters its own Landlock domain (ABI 6, Linux 6.12), scoped for signals, whose filesystem
# rules leave out every call folder but its own: its processes may signal and trace only each other, and open
# nothing in another call's folder. Without it every call is refused, and the executor runs it cold.
LANDLOCK_CREATE_RULESET, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF = 444, 445, 446  # The same on every arch.
LANDLOCK_RULE_PATH_BENEATH = 1
LANDLOCK_SCOPE_SIGNAL = 1 << 1
# The filesystem rights each ABI added (include/uapi/linux/landlock.h): all of them are handled, so an access the
# rules do not grant is refused.
ACCESS_FS_SINCE = (
    (1, (1 << 13) - 1),  # EXECUTE, WRITE_FILE, READ_FILE, READ_DIR, REMOVE_*, MAKE_* (bits 0-12)
    (2, 1 << 13),  # REFER: link and rename between folders
    (3, 1 << 14),  # TRUNCATE
    (5, 1 << 15),  # IOCTL_DEV
)
# What a rule on a file (not a folder) may grant: EXECUTE, WRITE_FILE, READ_FILE, TRUNCATE, IOCTL_DEV.
ACCESS_FS_FILE = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14) | (1 << 15)


class PathBeneath(ctypes.Structure):
    """struct landlock_path_beneath_attr (packed): allowed_access (__u64), parent_fd (__s32)."""
    _pack_ = 1
    _fields_ = [('allowed_access', ctypes.c_uint64), ('parent_fd', ctypes.c_int32)]


def find_landlock():
    """The kernel's Landlock ABI version, and why calls cannot be kept apart with it (None: they can)."""
    version = LIBC.syscall(LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if version < 0:
        return 0, 'Landlock is not available (%s)' % os.strerror(ctypes.get_errno())
    if version < 6:
        return version, 'Landlock ABI %d has no signal scoping (ABI 6, Linux 6.12)' % version
    return version, None


LANDLOCK_ABI, ISOLATION_GAP = find_landlock()
ACCESS_FS = 0
for since, rights in ACCESS_FS_SINCE:
    if LANDLOCK_ABI >= since:
        ACCESS_FS |= rights


def list_granted_paths(folder):
    """What a call's child may use, as Landlock rules (each grants all beneath it): its own folder, and beside it,
    at every level above the calls folder, every entry but the one leading to the calls folder. No rule names a
    folder holding the calls folder, which /, read-only, is; links are left out (what they lead to has its own)."""
    calls = os.path.dirname(folder)
    granted = [folder]
    above = calls
    while os.path.dirname(above) != above:
        parent = os.path.dirname(above)
        for name in os.listdir(parent):
            path = os.path.join(parent, name)
            if path != above and not os.path.islink(path):
                granted.append(path)
        above = parent
    return granted


def allow_beneath(ruleset, path):
    fd = os.open(path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        rights = ACCESS_FS if stat.S_ISDIR(os.fstat(fd).st_mode) else ACCESS_FS & ACCESS_FS_FILE
        rule = PathBeneath(rights, fd)
        if LIBC.syscall(LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH),
                        ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
            error = ctypes.get_errno()
            raise OSError('landlock_add_rule %s: %s' % (path, os.strerror(error)))
    finally:
        os.close(fd)


def enter_own_domain(folder):
    """Puts this process and all it starts in a Landlock domain of its own: no signal or ptrace reaches outside,
    and of the calls folder only `folder`, the call's own, can be opened. Raises OSError when it cannot."""
    # struct landlock_ruleset_attr: handled_access_fs, handled_access_net, scoped (all __u64).
    attr = (ctypes.c_uint64 * 3)(ACCESS_FS, 0, LANDLOCK_SCOPE_SIGNAL)
    ruleset = LIBC.syscall(LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(24), ctypes.c_uint32(0))
    if ruleset < 0:
        error = ctypes.get_errno()
        raise OSError('landlock_create_ruleset: %s' % os.strerror(error))
    try:
        for path in list_granted_paths(folder):
            try:
                allow_beneath(ruleset, path)
            except FileNotFoundError:
                # An entry beside the calls folder that went since the listing needs no rule; the call's own must.
                if path == folder:
                    raise
        LIBC.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS (bubblewrap set it already; Landlock requires it)
        if LIBC.syscall(LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) < 0:
            error = ctypes.get_errno()
            raise OSError('landlock_restrict_self: %s' % os.strerror(error))
    finally:
        os.close(ruleset)

# A cold stage gets its own /tmp, /var/tmp, /dev/shm and home (bubblewrap's tmpfs); calls run at once here would
# share the warm sandbox's. So each child enters a mount namespace of its own and mounts fresh ones there, before
# anything of the call runs. The warm sandbox keeps CAP_SYS_ADMIN and CAP_SETPCAP for this, in bubblewrap's nested
# user namespace, which owns none of the sandbox's namespaces: this process cannot mount in its own, and a mount
# namespace it makes has every inherited mount locked (read-only stays read-only). The child then drops both, and
# every other capability, for good: it ends with a cold stage's (none).
CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522
LIBC.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
LIBC.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]


def check(result, what):
    if result < 0:
        error = ctypes.get_errno()
        raise OSError('%s: %s' % (what, os.strerror(error)))


def mount(source, target, kind, flags, data=None):
    encode = lambda value: None if value is None else value.encode('utf-8', 'surrogateescape')  # noqa: E731
    check(LIBC.mount(encode(source), encode(target), encode(kind), flags, encode(data)), 'mount %s' % target)


def list_mount_points():
    """The mount points this process sees (/proc/self/mountinfo's fifth field, its octal escapes undone)."""
    points = []
    with open('/proc/self/mountinfo', 'rb') as mountinfo:
        for line in mountinfo:
            field = line.split(b' ')[4]
            points.append(re.sub(rb'\\([0-7]{3})', lambda match: bytes([int(match.group(1), 8)]), field)
                          .decode('utf-8', 'surrogateescape'))
    return points


def list_mounts_beneath(folder):
    """The mounts strictly beneath `folder` that no other mount beneath it holds (the binds into it)."""
    beneath = sorted({point for point in list_mount_points() if point.startswith(folder.rstrip('/') + '/')})
    return [point for point in beneath if not any(point.startswith(other + '/') for other in beneath)]


def mount_fresh(folder, size, staging):
    """Mounts an empty tmpfs at `folder` as bubblewrap made it (mode 0755, `size` bytes), and the mounts that were
    beneath it (the working directory, the AWS files in the home) again at their places, through `staging`."""
    binds = list_mounts_beneath(folder)
    if binds:
        os.mkdir(staging, 0o700)
        mount(folder, staging, None, MS_BIND | MS_REC)
    mount('tmpfs', folder, 'tmpfs', MS_NOSUID | MS_NODEV, 'mode=0755' + ('' if size is None else ',size=%d' % size))
    for point in binds:
        source = os.path.join(staging, os.path.relpath(point, folder))
        if os.path.isdir(source):
            os.makedirs(point, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(point), exist_ok=True)
            os.close(os.open(point, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600))
        mount(source, point, None, MS_BIND | MS_REC)
    if binds:
        check(LIBC.umount2(staging.encode('utf-8', 'surrogateescape'), MNT_DETACH), 'umount %s' % staging)
        os.rmdir(staging)


class CapabilityHeader(ctypes.Structure):
    _fields_ = [('version', ctypes.c_uint32), ('pid', ctypes.c_int)]


class CapabilityData(ctypes.Structure):
    _fields_ = [('effective', ctypes.c_uint32), ('permitted', ctypes.c_uint32), ('inheritable', ctypes.c_uint32)]


def drop_capabilities():
    """Drops every capability from every set (bounding first: that takes CAP_SETPCAP), and checks they are gone."""
    for capability in range(64):
        if LIBC.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) < 0 and ctypes.get_errno() != 22:  # EINVAL: past the last
            check(-1, 'dropping capability %d from the bounding set' % capability)
    check(LIBC.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), 'clearing the ambient capabilities')
    header = CapabilityHeader(LINUX_CAPABILITY_VERSION_3, 0)
    check(LIBC.capset(ctypes.byref(header), ctypes.byref((CapabilityData * 2)())), 'capset')
    with open('/proc/self/status') as status:
        kept = [line.split()[0] for line in status if line.startswith('Cap') and int(line.split()[1], 16) != 0]
    if kept:
        raise OSError('capabilities left after dropping them: %s' % ' '.join(kept))


def enter_own_mounts(folder, private):
    """Gives this process and all it starts fresh copies of the folders in `private` ({path, size}: bubblewrap's
    tmpfs mounts of the warm sandbox), in a mount namespace of its own, then drops every capability. The deepest
    come first, so that a home inside /tmp is carried into the fresh /tmp. Raises OSError when it cannot."""
    if not private:
        raise OSError('the request names no folders for the call to get its own of')
    check(LIBC.unshare(CLONE_NEWNS), 'unshare(CLONE_NEWNS)')
    # Nothing mounted here reaches the sandbox's namespace, nor the other way round.
    mount(None, '/', None, MS_REC | MS_PRIVATE)
    ordered = sorted(private, key=lambda entry: entry['path'].rstrip('/').count('/'), reverse=True)
    for index, entry in enumerate(ordered):
        mount_fresh(entry['path'], entry.get('size'), os.path.join(folder, 'mount-%d' % index))
    drop_capabilities()


# What a cold start spends its time on, done once: the CLI's modules and every customization it registers.
import awscli.clidriver  # noqa: E402
import awscli.handlers  # noqa: E402,F401
import botocore  # noqa: E402
import botocore.session  # noqa: E402,F401

import shutil  # noqa: E402

import botocore.handlers  # noqa: E402
import botocore.hooks  # noqa: E402
import botocore.loaders  # noqa: E402
import botocore.utils  # noqa: E402

# Parsing the JSON models is the rest of a cold start. The parsed data is kept by path, size and mtime (an edited or
# upgraded model file is read again) and shared with the children copy-on-write: what one call changes in it, the
# parent and the next call never see.
# Each speed-up below replaces one internal of the botocore it runs with, and only where that internal is there:
# v1's botocore and the one inside a v2 install differ (v2.9 has no JSONFileLoader._load_file and no EventAliaser).
# Where one is missing, that part of each call runs as the CLI runs it (warm-differential.test.ts runs both CLIs).
_parsed = {}


def parsed_once(key, parse):
    if key not in _parsed:
        _parsed[key] = parse()
    return _parsed[key]


if hasattr(botocore.loaders.JSONFileLoader, '_load_file'):
    # v1: load_file finds the .json or .json.gz, then _load_file(full_path, open_method) parses it.
    _load_file = botocore.loaders.JSONFileLoader._load_file

    def load_file_once(self, full_path, open_method):
        try:
            stat = os.stat(full_path)
        except OSError:
            return None
        key = (full_path, stat.st_size, stat.st_mtime_ns)
        return parsed_once(key, lambda: _load_file(self, full_path, open_method))

    botocore.loaders.JSONFileLoader._load_file = load_file_once
else:
    # v2: load_file(file_path) reads file_path + '.json' itself.
    _load_json_file = botocore.loaders.JSONFileLoader.load_file

    def load_json_file_once(self, file_path):
        try:
            stat = os.stat(file_path + '.json')
        except OSError:
            return _load_json_file(self, file_path)
        key = (file_path + '.json', stat.st_size, stat.st_mtime_ns)
        return parsed_once(key, lambda: _load_json_file(self, file_path))

    botocore.loaders.JSONFileLoader.load_file = load_json_file_once
PRELOADED = ('sts', 's3', 'ec2', 'iam', 'dynamodb', 'sqs', 'sns', 'lambda', 'cloudformation', 'logs', 'ssm')


# Three more things each call redid, none of them read from a config: which services the CLI's own data folders
# hold (list_available_services lists every service folder there, once per model type, 4-5 times a call), whether
# each handler the session and the CLI register takes **kwargs (inspect.getfullargspec, about 400 per call), and
# each event name's alias. Each is kept here, computed from the installed files and the code alone.
INSTALLED_DATA = (
    botocore.loaders.Loader.BUILTIN_DATA_PATH,
    os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), 'data'),
)
MODEL_TYPES = ('service-2', 'paginators-1', 'waiters-2', 'endpoint-rule-set-1')
_listings = {}  # (the set of data folders searched, model type) -> the services botocore found there
_folders = {}  # data folder -> (the folders it held when listed, their stamp)
_checked = {}  # data folder -> the pid of the process that found it unchanged


def list_folders(location):
    """The service folders in a data folder and the API version folders in those."""
    folders = []
    for service in os.listdir(location):
        folder = os.path.join(location, service)
        if os.path.isdir(folder):
            folders.append(folder)
            for version in os.listdir(folder):
                if os.path.isdir(os.path.join(folder, version)):
                    folders.append(os.path.join(folder, version))
    return tuple(folders)


def stamp_folders(location, folders):
    """The mtime and inode of each folder: an entry added, removed, renamed or replaced in one changes its mtime."""
    return tuple((info.st_mtime_ns, info.st_ino) for info in map(os.stat, (location,) + folders))


def is_unchanged(location):
    if _checked.get(location) == os.getpid():
        return True
    try:
        same = location in _folders and stamp_folders(location, _folders[location][0]) == _folders[location][1]
    except OSError:
        same = False
    if same:
        _checked[location] = os.getpid()
    return same


def restamp(location):
    """Takes the folders of `location` as they are now, and forgets every listing made from it."""
    folders = list_folders(location)
    _folders[location] = (folders, stamp_folders(location, folders))
    _checked[location] = os.getpid()
    for key in [key for key in _listings if location in key[0]]:
        del _listings[key]


_list_available_services = botocore.loaders.Loader.list_available_services


def list_available_services(self, type_name):
    """botocore's own listing, kept while the search path holds only the installed data folders and they are
    unchanged; any other folder on it (~/.aws/models, a per-call AWS_DATA_PATH) or another file loader lists as
    botocore does, every time."""
    locations = tuple(self._potential_locations())
    if type(self.file_loader) is not botocore.loaders.JSONFileLoader or not set(locations) <= set(INSTALLED_DATA):
        return _list_available_services(self, type_name)
    for location in locations:
        if not is_unchanged(location):
            restamp(location)
    key = (frozenset(locations), type_name)
    if key not in _listings:
        _listings[key] = tuple(_list_available_services(self, type_name))
    return list(_listings[key])


botocore.loaders.Loader.list_available_services = list_available_services

_takes_kwargs = {}
_accepts_kwargs = botocore.hooks.accepts_kwargs


def accepts_kwargs_once(handler):
    function = getattr(handler, '__func__', handler)
    if not isinstance(function, types.FunctionType):
        return _accepts_kwargs(handler)
    key = (function, function.__code__)
    if key not in _takes_kwargs:
        _takes_kwargs[key] = _accepts_kwargs(handler)
    return _takes_kwargs[key]


botocore.hooks.accepts_kwargs = accepts_kwargs_once

_aliased = {}
if hasattr(botocore.hooks, 'EventAliaser') and hasattr(botocore.utils, 'EVENT_ALIASES'):
    _ALIASES_AT_IMPORT = dict(botocore.utils.EVENT_ALIASES)
    _alias_event_name = botocore.hooks.EventAliaser._alias_event_name

    def alias_event_name_once(self, event_name):
        # Only the default alias table, as it was at import: a plugin that changes it gets the computed name.
        if self._event_aliases is not botocore.utils.EVENT_ALIASES or self._event_aliases != _ALIASES_AT_IMPORT:
            return _alias_event_name(self, event_name)
        if event_name not in _aliased:
            _aliased[event_name] = _alias_event_name(self, event_name)
        return _aliased[event_name]

    botocore.hooks.EventAliaser._alias_event_name = alias_event_name_once


def preload():
    loader = botocore.loaders.create_loader()
    for name in ('endpoints', 'partitions', 'sdk-default-configuration', '_retry', 'cli'):
        try:
            loader.load_data(name)
        except Exception:
            pass
    # Listed as a call's session lists them: botocore's folder after the CLI's (AWS_DATA_PATH, as `import awscli`
    # sets it).
    listing = botocore.loaders.Loader(extra_search_paths=[INSTALLED_DATA[1]])
    for kind in MODEL_TYPES:
        try:
            listing.list_available_services(kind)
        except OSError:
            pass
    for service in PRELOADED:
        for kind in MODEL_TYPES:
            try:
                model = loader.load_service_model(service, kind)
            except Exception:
                continue
            # botocore keeps each name's snake and CLI form: the operation names are turned into both per call.
            for operation in model.get('operations', {}) if kind == 'service-2' else ():
                botocore.xform_name(operation, '-')
                botocore.xform_name(operation, '_')
    # The handlers every session and the CLI register, on an emitter of no session: their kwargs and aliases.
    emitter = botocore.hooks.HierarchicalEmitter()
    if hasattr(botocore.hooks, 'EventAliaser'):
        emitter = botocore.hooks.EventAliaser(emitter)
    for spec in botocore.handlers.BUILTIN_HANDLERS:
        emitter.register(spec[0], spec[1])
    awscli.handlers.awscli_initialize(emitter)


preload()

# What the home of the sandbox holds, as the import saw it: the cache folders the CLI computed then.
HOME_AT_IMPORT = os.path.expanduser('~')
SCRATCH = ('/tmp', '/var/tmp', '/dev/shm', HOME_AT_IMPORT)


def list_scratch():
    found = set()
    for folder in SCRATCH:
        try:
            found.update(os.path.join(folder, name) for name in os.listdir(folder))
        except OSError:
            pass
    # The CLI writes its caches and history under ~/.aws: what a call left there is removed too.
    for folder, names, files in os.walk(os.path.join(HOME_AT_IMPORT, '.aws')):
        found.update(os.path.join(folder, name) for name in names + files)
    return found


def redirect_caches(caches, home):
    """Points the cache folders the CLI computed at import (module and class attributes, default arguments) at
    this call's private copies, so the call reads and writes its own copy as a cold call does at the same path."""
    moved = []
    for cache in caches:
        moved.append((cache['target'], cache['copy']))
        inside = os.path.relpath(cache['target'], home)
        if not inside.startswith('..') and home != HOME_AT_IMPORT:
            moved.append((os.path.join(HOME_AT_IMPORT, inside), cache['copy']))

    def swap(value):
        for target, copy in moved:
            if value == target or value.startswith(target + os.sep):
                return copy + value[len(target):]
        return value

    def swap_defaults(function):
        defaults = getattr(function, '__defaults__', None)
        if defaults and any(isinstance(value, str) for value in defaults):
            function.__defaults__ = tuple(swap(value) if isinstance(value, str) else value for value in defaults)

    for name, module in list(sys.modules.items()):
        if module is None or name.split('.')[0] not in ('awscli', 'botocore'):
            continue
        for key, value in list(vars(module).items()):
            if isinstance(value, str):
                if swap(value) != value:
                    setattr(module, key, swap(value))
            elif isinstance(value, type) and value.__module__ == name:
                for attribute, member in list(vars(value).items()):
                    if isinstance(member, str) and swap(member) != member:
                        setattr(value, attribute, swap(member))
                    elif isinstance(member, types.FunctionType):
                        swap_defaults(member)
            elif isinstance(value, types.FunctionType):
                swap_defaults(value)


# Each call has its own temporary folders and home (enter_own_mounts); should one reach these, what it left goes once
# no call runs.
BASELINE = list_scratch()
children = {}  # pid -> call id
groups = {}  # call id -> pid (the leader of the call's process group)


def send(event):
    data = (json.dumps(event) + '\n').encode('utf-8')
    while data:
        data = data[os.write(1, data):]


def find_random_devices():
    """The descriptors from 3 open on /dev/random or /dev/urandom (character device 1:8 or 1:9). A crypto library
    may open one at import and keep reading it by number: v2's awscrt (aws-lc, which libssl's calls reach too) does,
    and it retries a read that fails every second, for ever. The call's child keeps them, at the same numbers."""
    found = set()
    for name in os.listdir('/proc/self/fd'):
        fd = int(name)
        try:
            info = os.fstat(fd)
        except OSError:
            continue
        if fd >= 3 and stat.S_ISCHR(info.st_mode) and (os.major(info.st_rdev), os.minor(info.st_rdev)) in ((1, 8), (1, 9)):
            found.add(fd)
    return found


def run_child(request, confined):
    os.setsid()
    try:
        enter_own_mounts(request['folder'], request.get('private') or [])
        enter_own_domain(request['folder'])
    except Exception as error:
        os.write(confined, str(error).encode('utf-8', 'replace')[:4000])
        os._exit(255)
    os.write(confined, b'confined')
    os.close(confined)
    # Each open waits for the executor to open the FIFO's read end, which it does on {"started"}.
    fds = [os.open(request['stdout'], os.O_WRONLY), os.open(request['stderr'], os.O_WRONLY)]
    fds.append(None if request.get('report') is None else os.open(request['report'], os.O_WRONLY))
    # Both ends are open: with the names gone, no other call can open this call's streams.
    for name in ('stdout', 'stderr', 'report'):
        if request.get(name) is not None:
            os.unlink(request[name])
    null = os.open(os.devnull, os.O_RDONLY)
    kept = find_random_devices()
    os.dup2(null, 0)
    os.dup2(fds[0], 1)
    os.dup2(fds[1], 2)
    # The report goes to the first descriptor from 3 that a crypto library does not hold (the launcher is told).
    report_fd = next(fd for fd in range(3, 1 << 16) if fd not in kept)
    if fds[2] is not None:
        os.dup2(fds[2], report_fd)
    keep = {0, 1, 2} | kept | ({report_fd} if fds[2] is not None else set())
    for fd in [int(name) for name in os.listdir('/proc/self/fd')]:
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    os.environ.clear()
    os.environ.update(request['env'])
    os.environ['TMPDIR'] = request['tmpdir']
    # The CLI's history (`cli_history = enabled`) records whole responses, credentials included: a cold call
    # writes it to its own throwaway home, and this call to its own folder, out of the other calls' reach.
    history = {'target': os.path.join(os.path.expanduser('~'), '.aws', 'cli', 'history'),
               'copy': os.path.join(request['folder'], 'history')}
    redirect_caches((request.get('caches') or []) + [history], os.path.expanduser('~'))
    # What `import awscli` does to the environment, done again for this call's: its data folder after the call's own.
    data_path = [os.path.expanduser(os.path.expandvars(path)) for path in
                 os.environ['AWS_DATA_PATH'].split(os.pathsep)] if 'AWS_DATA_PATH' in os.environ else []
    data_path.append(os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), 'data'))
    awscli._awscli_data_path[:] = data_path
    os.environ['AWS_DATA_PATH'] = os.pathsep.join(data_path)
    import tempfile

    tempfile.tempdir = None
    os.chdir(request['cwd'])
    # Python chose stdout's encoding from the parent's locale: take the call's, as a fresh interpreter would.
    import io
    import locale

    encoding = os.environ.get('PYTHONIOENCODING') or locale.getpreferredencoding(False)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, 'w', closefd=False), encoding=encoding, line_buffering=False)
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, 'w', closefd=False), encoding=encoding, errors='backslashreplace', line_buffering=True
    )
    code = 255
    try:
        if request.get('launcher') is None:
            if os.environ.get('LC_CTYPE', '') == 'UTF-8':
                os.environ['LC_CTYPE'] = 'en_US.UTF-8'
            sys.argv = ['aws'] + request['argv']
            code = awscli.clidriver.main()
        else:
            config = json.loads(request['launcher'])
            if 'reportFd' in config:
                config['reportFd'] = report_fd
            sys.argv = ['-c', json.dumps(config)] + request['argv']
            exec(compile(LAUNCHER, '<aws-launcher>', 'exec'), {'__name__': '__main__'})
            code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 255
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    # As `sys.exit(main())` in the aws script: None (what `aws … help` returns) is 0, another non-integer 1.
    os._exit(0 if code is None else code & 0xFF if isinstance(code, int) else 1)


def start(request):
    call = request['run']
    if ISOLATION_GAP is not None:
        send({'exit': call, 'code': 255, 'error': ISOLATION_GAP, 'unconfined': True})
        return
    try:
        for name in ('stdout', 'stderr', 'report'):
            if request.get(name) is not None:
                os.mkfifo(request[name], 0o600)
        sys.stdout.flush()
        confined_read, confined_write = os.pipe()
        pid = os.fork()
    except OSError as error:
        send({'exit': call, 'code': 255, 'error': str(error)})
        return
    if pid == 0:
        try:
            os.close(confined_read)
            run_child(request, confined_write)
        finally:
            os._exit(255)
    os.close(confined_write)
    # The child says whether it entered its domain before anything of the call runs: if it could not, nothing
    # ran, and the executor runs the call cold instead.
    said = b''
    while True:
        chunk = os.read(confined_read, 4096)
        if chunk == b'':
            break
        said += chunk
    os.close(confined_read)
    if said != b'confined':
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
        reason = said.decode('utf-8', 'replace') or 'the child ended before it entered its Landlock domain'
        send({'exit': call, 'code': 255, 'error': 'the call could not be confined: ' + reason, 'unconfined': True})
        return
    children[pid] = call
    groups[call] = pid
    # The executor moves the child (by this pid, in the sandbox's namespace) into the call's own pids cgroup before
    # it opens the FIFOs' read ends, which the child waits for: nothing the call runs is counted against another.
    send({'started': call, 'pid': pid})


def reap():
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        call = children.pop(pid, None)
        if call is None:
            continue
        groups.pop(call, None)
        if os.WIFSIGNALED(status):
            send({'exit': call, 'signal': signal.Signals(os.WTERMSIG(status)).name})
        else:
            send({'exit': call, 'code': os.waitstatus_to_exitcode(status)})
    if not children:
        for path in list_scratch() - BASELINE:
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.unlink(path)
            except OSError:
                pass


def handle(line):
    request = json.loads(line)
    if 'run' in request:
        start(request)
    elif 'kill' in request:
        pid = groups.get(request['kill'])
        if pid is not None:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                # A kill that follows its request at once can come before the child's setsid(): no group yet,
                # and nothing forked yet either.
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            except OSError:
                pass


def serve():
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    selector = selectors.DefaultSelector()
    selector.register(0, selectors.EVENT_READ, 'requests')
    selector.register(wake_read, selectors.EVENT_READ, 'wake')
    pending = b''
    send({
        'ready': os.getpid(),
        'version': awscli.__version__,
        'files': [awscli.__file__, botocore.__file__],
        'isolationGap': ISOLATION_GAP,
    })
    while True:
        for key, _ in selector.select():
            if key.data == 'wake':
                try:
                    os.read(wake_read, 4096)
                except BlockingIOError:
                    pass
                reap()
                continue
            chunk = os.read(0, 1 << 16)
            if chunk == b'':
                # The executor is gone: so are its calls.
                for pid in list(groups.values()):
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except OSError:
                        pass
                return
            pending += chunk
            while b'\n' in pending:
                line, pending = pending.split(b'\n', 1)
                handle(line)
        reap()


serve()

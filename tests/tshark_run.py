"""Runs the real tshark with the freshly built tcpconn plugin.

Wireshark ignores personal plugins when it runs as root, so as root tshark
is run as `nobody` with a temporary HOME that holds the plugin in its
personal plugin folder; as any other user, just with that HOME. The global
plugin folder is pointed at an empty one (WIRESHARK_PLUGIN_DIR), so that a
copy installed system-wide by tools/setup.sh cannot load next to the one
under test.

The build passes TCPCONN_PLUGIN (the built .so) and TCPCONN_PLUGIN_SUBDIR
(Wireshark's plugin folder name for its version, e.g. 4.0; without it, the
major.minor of the tshark on the PATH).
"""
import csv
import functools
import os
import pwd
import re
import shutil
import subprocess
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The tcpconn.reason values that set tcpconn.failed.
FAILED = {"refused", "no-answer", "icmp-unreachable", "half-open", "aborted-by-client",
          "stale-connection"}

_home = None


def _runs_as_root():
    return os.geteuid() == 0


@functools.lru_cache(maxsize=None)
def wireshark_version():
    """The major.minor of the tshark on the PATH, e.g. "4.0"."""
    out = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
    return re.search(r"TShark \(Wireshark\) (\d+\.\d+)", out).group(1)


def plugin_home():
    """A HOME whose personal plugin folder holds the built plugin."""
    global _home
    if _home is None:
        plugin = os.environ["TCPCONN_PLUGIN"]
        subdir = os.environ.get("TCPCONN_PLUGIN_SUBDIR") or wireshark_version()
        _home = tempfile.mkdtemp(prefix="tcpconn-home-")
        dest = os.path.join(_home, ".local", "lib", "wireshark", "plugins", subdir, "epan")
        os.makedirs(dest)
        os.makedirs(os.path.join(_home, "no-global-plugins"))
        shutil.copy(plugin, dest)
        os.chmod(_home, 0o755)
        if _runs_as_root():
            nobody = pwd.getpwnam("nobody")
            for root, dirs, files in os.walk(_home):
                for name in dirs + files:
                    os.chown(os.path.join(root, name), nobody.pw_uid, nobody.pw_gid)
            os.chown(_home, nobody.pw_uid, nobody.pw_gid)
    return _home


def command(program, args, env=None):
    """The argv that runs `program` as the unprivileged test user."""
    home = plugin_home()
    settings = [f"HOME={home}", f"WIRESHARK_PLUGIN_DIR={home}/no-global-plugins", "LC_ALL=C.UTF-8"]
    settings += [f"{k}={v}" for k, v in (env or {}).items()]
    if _runs_as_root():
        return ["runuser", "-u", "nobody", "--", "env", *settings, program, *args]
    return ["env", *settings, program, *args]


def tshark(*args, check=True, env=None, timeout=600):
    """Runs tshark and returns its standard output."""
    p = subprocess.run(command("tshark", list(args), env), capture_output=True, text=True,
                       errors="replace", timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"tshark {' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
    return p.stdout


def present(value):
    """A boolean field in -T fields output is there: it prints "1" in
    Wireshark 4.0 and "True" in 4.4 and later."""
    return value in ("1", "True")


def fields(capture, names, two_pass=True, display_filter=None, extra=()):
    """tshark -T fields as a list of dicts, one per packet (all occurrences
    of a field joined with '|')."""
    args = ["-r", capture, "-T", "fields", "-E", "header=y", "-E", "separator=\t",
            "-E", "occurrence=a", "-E", "aggregator=|", *extra]
    if two_pass:
        args.append("-2")
    if display_filter:
        args += ["-Y", display_filter]
    for name in names:
        args += ["-e", name]
    out = tshark(*args)
    rows = list(csv.reader(out.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows:
        return []
    header = rows[0]
    return [dict(zip(header, row + [""] * (len(header) - len(row)))) for row in rows[1:]]


def read_labels(path):
    """labels.tsv: file, client, server, reason, note (one row per attempt)."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def readable_copy_dir():
    """A scratch folder the unprivileged tshark can read and write."""
    d = tempfile.mkdtemp(prefix="tcpconn-test-")
    os.chmod(d, 0o777)
    return d

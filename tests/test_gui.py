#!/usr/bin/python3
"""Drives the real Wireshark GUI with the tcpconn plugin and profile, under
Xvfb, and checks what it shows. Every step saves a screenshot to
docs/screenshots/ (the README embeds them) and asserts something it can read
back from the screen: a window title (xdotool getwindowname), row colours
sampled from the screenshot, or text read with tesseract.

Wireshark runs as the unprivileged test user (tshark_run.command) with a
temporary HOME that holds the built plugin and the profile installed by
tools/install-profile.sh, plus test-only window settings (fixed geometry,
no bytes pane, a wide "Connect outcome" column). Usage: test_gui.py [--keep]
(--keep leaves Wireshark and Xvfb running at the end, for debugging).
"""
import csv
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import tshark_run
from tshark_run import REPO, fields

SEED = os.path.join(REPO, "captures", "real", "seed-burst.pcap")
# Connects work for 6 s, then fail (the I/O Graph step).
FAILURES_BEGIN = os.path.join(REPO, "captures", "crafted", "failures-begin-v4.pcap")
# Happy Eyeballs: an IPv6 attempt that got no answer, then IPv4 connected.
FALLBACK = os.path.join(REPO, "captures", "real", "he-v6-drop.pcap")
# The README embeds the screenshots of the current Wireshark series (4.6):
# tools/test.sh points the other releases' runs elsewhere.
SHOTS = os.environ.get("TCPCONN_SCREENSHOTS") or os.path.join(REPO, "docs", "screenshots")
WIDTH, HEIGHT = 1280, 800
MAIN_TITLE = "seed-burst.pcap"

# The two graphs of profiles/tcpconn/io_graphs.
ALL_ATTEMPTS_COLOUR = (0x1F, 0x77, 0xB4)
FAILED_ATTEMPTS_COLOUR = (0xC6, 0x28, 0x28)
# Row backgrounds of profiles/tcpconn-colorfilters (16-bit values / 257).
FAILED_BG = (198, 40, 40)
RETRIED_BG = (255, 179, 0)
DROPPED_BG = (106, 27, 154)
# The packet list, left of its scroll bar minimap (which repeats the colours),
# and the height looked at below its first row, down to the pane splitter.
LIST_X = (0, 1210)
LIST_HEIGHT = 442

# tesseract is several times faster on small images with one thread.
os.environ["OMP_THREAD_LIMIT"] = "1"
os.environ["MAGICK_THREAD_LIMIT"] = "1"

TOOLS = ["Xvfb", "xdotool", "import", "convert", "tesseract", "wireshark"]


class StepFailed(Exception):
    pass


def need(condition, message):
    if not condition:
        raise StepFailed(message)


def run(*argv, check=True, timeout=60):
    t = time.time()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if os.environ.get("TCPCONN_GUI_DEBUG") and time.time() - t > 0.5:
        print(f"  slow ({time.time() - t:.1f} s): {' '.join(argv)[:100]}")
    if check and p.returncode != 0:
        raise StepFailed(f"{' '.join(argv)} failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout


class Screen:
    """Xvfb, and Wireshark on it."""

    def __init__(self):
        self.xvfb = None
        self.wireshark = None
        self.display = None
        self.scratch = tempfile.mkdtemp(prefix="tcpconn-gui-")

    # -- X -----------------------------------------------------------------
    def start_xvfb(self):
        read, write = os.pipe()
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{WIDTH}x{HEIGHT}x24",
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        number = b""
        deadline = time.time() + 30
        while not number.endswith(b"\n") and time.time() < deadline:
            chunk = os.read(read, 16)
            if not chunk:
                break
            number += chunk
        os.close(read)
        need(number.strip().isdigit(), "Xvfb did not start")
        self.display = ":" + number.decode().strip()
        os.environ["DISPLAY"] = self.display

    def xdotool(self, *args, check=True):
        return run("xdotool", *args, check=check).strip()

    def windows(self, pattern):
        out = self.xdotool("search", "--onlyvisible", "--name", pattern, check=False)
        return [w for w in out.split() if w]

    def wait_window(self, pattern, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.windows(pattern)
            if found:
                return found[-1]
            time.sleep(0.25)
        raise StepFailed(f"no window titled /{pattern}/ within {timeout} s "
                         f"(open: {self.titles()})")

    def wait_gone(self, window, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if window not in self.windows("."):
                return
            time.sleep(0.2)
        raise StepFailed(f"window {self.title(window)!r} did not close")

    def title(self, window):
        return self.xdotool("getwindowname", window, check=False)

    def titles(self):
        return [self.title(w) for w in self.windows(".")]

    def geometry(self, window):
        out = self.xdotool("getwindowgeometry", "--shell", window)
        g = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        return int(g["X"]), int(g["Y"]), int(g["WIDTH"]), int(g["HEIGHT"])

    def focus(self, window):
        self.xdotool("windowfocus", "--sync", window)
        time.sleep(0.2)

    def keys(self, *keys, pause=0.3):
        for key in keys:
            self.xdotool("key", "--clearmodifiers", key)
            time.sleep(pause)

    def type(self, text):
        self.xdotool("type", "--delay", "40", text)

    def click(self, x, y):
        self.xdotool("mousemove", str(x), str(y))
        time.sleep(0.2)
        self.xdotool("click", "1")
        time.sleep(0.3)
        self.park_mouse()

    def park_mouse(self):
        # Keep the pointer off the windows so no row shows a hover highlight.
        # (No --sync: xdotool waits 15 s when the pointer is already there.)
        self.xdotool("mousemove", str(WIDTH - 1), str(HEIGHT - 1))
        time.sleep(0.2)

    # -- pixels and text ---------------------------------------------------
    def screenshot(self, path=None):
        path = path or os.path.join(self.scratch, "screen.png")
        run("import", "-display", self.display, "-window", "root", path)
        return path

    def pixels(self, png):
        raw = subprocess.run(["convert", png, "-depth", "8", "rgb:-"], capture_output=True,
                             check=True).stdout
        need(len(raw) == WIDTH * HEIGHT * 3, f"screenshot is not {WIDTH}x{HEIGHT}")
        return raw

    def ocr(self, png, box=None, scale=3, psm=6):
        """The text in `box` (x, y, w, h) of png, as lines; each line is
        (text, [(word, x, y, w, h) in screen coordinates])."""
        x0, y0 = (box[0], box[1]) if box else (0, 0)
        src = os.path.join(self.scratch, "ocr.png")
        crop = ["-crop", f"{box[2]}x{box[3]}+{box[0]}+{box[1]}", "+repage"] if box else []
        run("convert", png, *crop, "-colorspace", "Gray", "-resize", f"{scale * 100}%", src)
        out = run("tesseract", src, "-", "--psm", str(psm), "tsv")
        lines = {}
        for row in csv.DictReader(io.StringIO(out), delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["level"] != "5" or not row["text"].strip():
                continue
            key = (row["block_num"], row["par_num"], row["line_num"])
            lines.setdefault(key, []).append(
                (row["text"], x0 + int(row["left"]) // scale, y0 + int(row["top"]) // scale,
                 int(row["width"]) // scale, int(row["height"]) // scale))
        result = []
        for words in lines.values():
            result.append((" ".join(w[0] for w in words), words))
        result.sort(key=lambda line: (line[1][0][2], line[1][0][1]))
        return result

    def text(self, png, box=None, **kw):
        return "\n".join(t for t, _ in self.ocr(png, box, **kw))

    def find_words(self, png, phrase, box=None):
        """Screen box (x, y, w, h) of `phrase` (words in a row on one line)."""
        def norm(word):
            return re.sub(r"[^\w.·-]", "", word.lower())

        want = [norm(w) for w in phrase.split()]
        for _, words in self.ocr(png, box):
            texts = [norm(w[0]) for w in words]
            for i in range(len(texts) - len(want) + 1):
                if texts[i:i + len(want)] == want:
                    first, last = words[i], words[i + len(want) - 1]
                    return (first[1], min(w[2] for w in words[i:i + len(want)]),
                            last[1] + last[3] - first[1], max(w[4] for w in words[i:i + len(want)]))
        return None

    def wait_text(self, pattern, box_of=None, timeout=30, what="text"):
        """Polls screenshots until OCR (of box_of(), or the screen) matches."""
        deadline = time.time() + timeout
        text = ""
        while time.time() < deadline:
            png = self.screenshot()
            text = self.text(png, box_of() if box_of else None)
            if re.search(pattern, text):
                return png, text
            time.sleep(0.5)
        raise StepFailed(f"{what}: /{pattern}/ not on screen within {timeout} s; read:\n{text}")


def colour_bands(raw, colours, y_range, tolerance=6):
    """Bands of screen lines (y_top, y_bottom, colour) in the packet list
    whose background is one of `colours` (most pixels across the list)."""
    def close(px, c):
        return all(abs(px[i] - c[i]) <= tolerance for i in range(3))

    bands, current = [], None
    for y in range(*y_range):
        line = raw[(y * WIDTH + LIST_X[0]) * 3:(y * WIDTH + LIST_X[1]) * 3]
        pixels = [line[i:i + 3] for i in range(0, len(line), 9)]  # every 3rd pixel
        hit = None
        for c in colours:
            if sum(1 for p in pixels if close(p, c)) > 0.5 * len(pixels):
                hit = c
                break
        if hit and current and current[2] == hit and current[1] == y - 1:
            current[1] = y
        else:
            if current:
                bands.append(tuple(current))
            current = [y, y, hit] if hit else None
    if current:
        bands.append(tuple(current))
    return [b for b in bands if b[1] - b[0] >= 8]


def selected_first_row(raw):
    """(top, bottom, colour) of the selected first row of the packet list:
    the first band of screen lines below the toolbars that share one colour
    (the most pixels across the list) that is not a grey, 12 to 40 lines
    tall."""
    def dominant(y):
        samples = [tuple(raw[(y * WIDTH + x) * 3:(y * WIDTH + x) * 3 + 3])
                   for x in range(300, 600, 7)]
        colour = max(set(samples), key=samples.count)
        return colour if samples.count(colour) > 0.5 * len(samples) else None

    top, colour = 90, dominant(90)
    for y in range(91, 250):
        c = dominant(y)
        if c == colour:
            continue
        if colour and max(colour) - min(colour) > 40 and 12 <= y - top <= 40:
            return top, y - 1, colour
        top, colour = y, c
    raise StepFailed("no selected first row in the packet list")


def split_rows(bands, pitch):
    """Bands of adjacent rows of one colour, cut into rows of `pitch` lines."""
    rows = []
    for top, bottom, colour in bands:
        n = max(1, round((bottom - top + 1) / pitch))
        for i in range(n):
            rows.append((top + i * pitch, min(bottom, top + (i + 1) * pitch - 1), colour))
    return rows


def frame_numbers(screen, png, rows):
    """The packet number OCR reads at the start of each row, and the row text."""
    out = {}
    for top, bottom, colour in rows:
        crop = os.path.join(screen.scratch, "row.png")
        # Dark text on a light background for tesseract, whatever the row colour.
        light = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2] > 128
        x = 18  # right of the related-packets indicator
        run("convert", png, "-crop", f"{LIST_X[1] - x}x{bottom - top + 3}+{x}+{top - 1}", "+repage",
            "-colorspace", "Gray", *([] if light else ["-negate"]), "-resize", "300%", crop)
        text = run("tesseract", crop, "-", "--psm", "7").strip()
        m = re.match(r"\W*(\d+)\s", text)
        need(m, f"no packet number read in the row at y={top}: {text!r}")
        need(int(m.group(1)) not in out, f"packet {m.group(1)} read in two rows")
        out[int(m.group(1))] = text
    return out


def tree_block(lines, header):
    """The OCR lines of a statistics tree node's children: those after the
    line naming `header`, up to the next top-level node."""
    start = next((i for i, l in enumerate(lines) if header in l), None)
    need(start is not None, f"no '{header}' in the statistics tree; read:\n" + "\n".join(lines))
    block = []
    for l in lines[start + 1:]:
        if re.search(r"Attempts by|SYNs per|Connect time|Concurrent", l):
            break
        block.append(l)
    return block


class GuiTest:
    def __init__(self, keep=False):
        self.keep = keep
        self.screen = Screen()
        self.main = None
        self.pitch = None
        self.list_top = None

    # -- set-up ------------------------------------------------------------
    def truth(self):
        """What tshark says about the seed capture (the expected answers)."""
        rows = fields(SEED, ["frame.number", "tcpconn.reason", "tcpconn.client", "tcpconn.failed",
                             "tcpconn.outcome_frame"])
        self.total = len(rows)
        self.failed_frames = {int(r["frame.number"]) for r in rows if r["tcpconn.failed"]}
        self.refused_deciding = {int(r["tcpconn.outcome_frame"]) for r in rows
                                 if r["tcpconn.reason"] == "refused"}
        self.retried_frames = {int(r["frame.number"]) for r in rows
                               if r["tcpconn.reason"] == "established-after-retry"}
        ports = {}
        for r in rows:
            ports.setdefault(r["tcpconn.client"].rsplit(":", 1)[1], r["tcpconn.reason"])
        self.failed_ports = {p for p, reason in ports.items() if reason == "refused"}
        self.other_ports = set(ports) - self.failed_ports
        self.reasons = {}
        for r in rows:
            self.reasons.setdefault(r["tcpconn.client"], r["tcpconn.reason"])
        assert len(self.failed_frames) == 4 and len(self.failed_ports) == 2, (
            "seed-burst.pcap is not the expected 8 attempts with 2 refused")

    def prepare_home(self):
        home = tshark_run.plugin_home()
        argv = tshark_run.command("/bin/sh", [os.path.join(REPO, "tools", "install-profile.sh"),
                                              "--force"])
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        assert "profile" in out, out
        conf = os.path.join(home, ".config", "wireshark")
        # Test-only settings of the temporary HOME: a fixed window over the
        # whole screen, no "recent files", no bytes pane so the packet list
        # shows the first 26 packets, and a wide "Connect outcome" column.
        settings = {
            os.path.join(conf, "recent_common"): (
                "gui.geometry_main_x: 0\ngui.geometry_main_y: 0\n"
                f"gui.geometry_main_width: {WIDTH}\ngui.geometry_main_height: {HEIGHT}\n"
                "gui.geometry_main_maximized: FALSE\nprivs.warn_if_elevated: FALSE\n"
                "sys.warn_if_no_capture: FALSE\n"),
            os.path.join(conf, "profiles", "tcpconn", "recent"): (
                "gui.byte_view_show: FALSE\ngui.packet_diagram_show: FALSE\n"
                "gui.geometry_main_upper_pane: 480\n"
                "column.width:\n\t%m, 55,\n\t%t, 90,\n\t%s, 110,\n\t%d, 110,\n\t%p, 70,\n"
                "\t%L, 60,\n\t\"%Cus:tcpconn.reason\", 190,\n\t\"%Cus:tcpconn.syn_count\", 50,\n"
                "\t%i, -1\n"),
        }
        runtime = os.path.join(home, "runtime")
        os.makedirs(runtime, exist_ok=True)
        os.chmod(runtime, 0o700)
        for path, text in settings.items():
            with open(path, "w") as f:
                f.write(text)
        owner = os.stat(home)
        for path in [runtime, *settings]:
            os.chown(path, owner.st_uid, owner.st_gid)
        self.home = home

    def start_wireshark(self, capture=SEED):
        env = {"DISPLAY": self.screen.display, "XDG_RUNTIME_DIR": os.path.join(self.home, "runtime"),
               "NO_AT_BRIDGE": "1", "QT_ACCESSIBILITY": "0", "QT_SCALE_FACTOR": "1"}
        argv = tshark_run.command("wireshark", ["-C", "tcpconn", "-r", capture], env=env)
        self.log = open(os.path.join(self.screen.scratch, "wireshark.log"), "a")
        self.screen.wireshark = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                                 start_new_session=True)

    # -- helpers -----------------------------------------------------------
    def status_bar(self):
        return (0, HEIGHT - 24, WIDTH, 24)

    def focus_main(self):
        self.screen.focus(self.main)

    def menu(self, *keys, title, attempts=2):
        """Opens a menu item by keyboard from the main window; returns the
        dialog window whose title matches `title`."""
        for attempt in range(attempts):
            self.focus_main()
            self.screen.keys(*keys, pause=0.5)
            try:
                return self.screen.wait_window(title, timeout=15)
            except StepFailed:
                if attempt == attempts - 1:
                    raise
                self.screen.keys("Escape", "Escape")

    def dialog(self, *keys, name):
        """Opens the dialog `name` of the capture through the menu keys and
        checks its whole title, "Wireshark · name · capture"."""
        dialog = self.menu(*keys, title=name)
        need(self.screen.title(dialog) == f"Wireshark · {name} · {MAIN_TITLE}",
             f"dialog title {self.screen.title(dialog)!r}")
        return dialog

    def close(self, window):
        self.screen.focus(window)
        self.screen.keys("Escape")
        self.screen.wait_gone(window)

    def save(self, name):
        self.screen.park_mouse()
        time.sleep(0.5)
        path = os.path.join(SHOTS, name)
        self.screen.screenshot(path)
        return path

    def packet_list_rows(self, png):
        raw = self.screen.pixels(png)
        # From below the column headers to the pane splitter.
        bands = colour_bands(raw, [FAILED_BG, RETRIED_BG, DROPPED_BG, self.selection],
                             (self.list_top, self.list_top + LIST_HEIGHT))
        return split_rows(bands, self.pitch)

    # -- the steps ---------------------------------------------------------
    def step_open(self):
        """Wireshark starts as nobody with -C tcpconn on the seed capture; the
        packet list shows the failed rows red and the retried ones amber."""
        self.main = self.screen.wait_window(f"^{re.escape(MAIN_TITLE)}$", timeout=60)
        need(self.screen.title(self.main) == MAIN_TITLE, "main window title")
        self.screen.xdotool("windowmove", "--sync", self.main, "0", "0")
        self.screen.park_mouse()
        # All packets shown: 4.0 says "Packets: 66 · Displayed: 66 (100.0%)",
        # 4.4 and later only "Packets: 66".
        n = self.total
        self.screen.wait_text(rf"Packets: {n}(?: . Displayed: {n})?\b(?! . Displayed)",
                              self.status_bar,
                              what="status bar after loading")
        png = self.save("01-packet-list.png")
        need("Profile: tcpconn" in self.screen.text(png, self.status_bar()),
             "status bar does not say Profile: tcpconn")
        # The first packet is selected: learn from it where the list starts
        # (4.4's bars are shorter than 4.0's), its row height and the
        # selection colour.
        self.list_top, bottom, self.selection = selected_first_row(self.screen.pixels(png))
        self.pitch = bottom - self.list_top + 1
        rows = self.packet_list_rows(png)
        red = [r for r in rows if r[2] == FAILED_BG]
        amber = [r for r in rows if r[2] == RETRIED_BG]
        need(not [r for r in rows if r[2] == DROPPED_BG], "a row has the 'accepted then dropped' colour")
        red_frames = frame_numbers(self.screen, png, red)
        amber_frames = frame_numbers(self.screen, png, amber)
        need(set(red_frames) == self.failed_frames,
             f"rows with the 'TCP connect failed' background are {sorted(red_frames)}, "
             f"expected the refused attempts' packets {sorted(self.failed_frames)}")
        for frame, text in red_frames.items():
            need("refused" in text, f"red row {frame} does not read 'refused': {text!r}")
        visible_retried = {f for f in self.retried_frames if f <= max(self.failed_frames)}
        need(set(amber_frames) == visible_retried,
             f"rows with the 'TCP connect retried' background are {sorted(amber_frames)}, "
             f"expected {sorted(visible_retried)}")
        return f"red rows {sorted(red_frames)}, amber rows {sorted(amber_frames)}"

    def step_about_plugins(self):
        """Help > About Wireshark > Plugins lists tcpconn."""
        about = self.menu("alt+h", "Up", "Return", title="^About Wireshark$")
        self.screen.focus(about)
        self.screen.keys("ctrl+Tab", "ctrl+Tab", "ctrl+Tab")  # Wireshark, Authors, Folders, Plugins
        box = lambda: self.screen.geometry(about)
        png, text = self.screen.wait_text(r"tcpconn\.so", box, what="About > Plugins")
        line = next(l for l in text.splitlines() if "tcpconn.so" in l)
        # "dissector" up to 4.4, "Dissector" in 4.6.
        need("dissector" in line.lower(),
             f"tcpconn.so is not listed as a dissector plugin: {line!r}")
        need(self.screen.title(about) == "About Wireshark", "About dialog title")
        self.save("02-about-plugins.png")
        self.close(about)
        return line.strip()

    def step_display_filter(self):
        """The display filter tcpconn.failed, typed after loading, leaves the
        four packets of the two refused attempts, all red."""
        self.focus_main()
        self.screen.keys("ctrl+slash")
        self.screen.type("tcpconn.failed")
        self.screen.keys("Return")
        n = len(self.failed_frames)
        self.screen.wait_text(rf"Displayed: {n} ", self.status_bar, what="status bar after filtering")
        # Show the tcpconn subtree of the selected packet.
        png = self.screen.screenshot()
        where = self.screen.find_words(png, "TCP connection refused", (0, 570, WIDTH, 190))
        need(where, "packet details do not show 'TCP connection refused'")
        self.screen.click(where[0] + 20, where[1] + where[3] // 2)
        self.screen.keys("Right")
        self.screen.wait_text(r"Outcome: refused", lambda: (0, 570, WIDTH, 190),
                              what="expanded tcpconn subtree")
        png = self.save("03-display-filter.png")
        need(self.screen.title(self.main) == MAIN_TITLE, "main window title changed")
        rows = self.packet_list_rows(png)
        shown = frame_numbers(self.screen, png, rows)
        need(set(shown) == self.failed_frames,
             f"filtered packet list shows {sorted(shown)}, expected {sorted(self.failed_frames)}")
        red = [r for r in rows if r[2] == FAILED_BG]
        need(len(red) >= n - 1, f"only {len(red)} of {n} filtered rows are red (one may be selected)")
        return f"{n} packets {sorted(shown)}, {len(red)} red + selected"

    def conversation_ports(self, dialog):
        x, y, w, h = self.screen.geometry(dialog)
        png = self.screen.screenshot()
        text = self.screen.text(png, (x + 228, y + 40, w - 228, h - 100))
        return png, text, set(re.findall(r"\b(\d{5})\b", text))

    def limit_checkbox(self, dialog, label):
        """(click point, ticked?) of a checkbox found by its label."""
        x, y, w, h = self.screen.geometry(dialog)
        png = self.screen.screenshot()
        where = self.screen.find_words(png, label, (x, y, w, h))
        need(where, f"no '{label}' checkbox")
        raw = self.screen.pixels(png)
        # The box is the 13x13 square left of the label; a tick is dark pixels
        # in its middle.
        cx, cy = where[0] - 12, where[1] + where[3] // 2
        dark = 0
        for yy in range(cy - 3, cy + 4):
            for xx in range(cx - 3, cx + 4):
                p = raw[(yy * WIDTH + xx) * 3:(yy * WIDTH + xx) * 3 + 3]
                dark += sum(p) < 300
        return (where[0] + 5, cy), dark >= 4

    def step_conversations(self):
        """Statistics > Conversations, TCP tab, "Limit to display filter":
        only the two refused connections are listed."""
        dialog = self.dialog("alt+s", "c", name="Conversations")
        self.screen.focus(dialog)
        self.screen.keys("ctrl+Tab", "ctrl+Tab", "ctrl+Tab")  # Ethernet, IPv4, IPv6, TCP
        x, y, w, h = self.screen.geometry(dialog)
        self.screen.wait_text(r"Port A", lambda: (x + 228, y + 40, w - 228, 40), what="TCP tab")
        point, ticked = self.limit_checkbox(dialog, "Limit to display filter")
        if ticked:
            # Wireshark ticks it itself when a filter is applied: untick it
            # first, to see the list change when we tick it.
            self.screen.click(*point)
            deadline = time.time() + 20
            while True:
                _, text, ports = self.conversation_ports(dialog)
                if ports >= self.failed_ports | self.other_ports:
                    break
                need(time.time() < deadline, f"unticked, the TCP tab should list all 8 "
                     f"connections; read:\n{text}")
                time.sleep(0.5)
        self.screen.click(*point)
        _, ticked = self.limit_checkbox(dialog, "Limit to display filter")
        need(ticked, "'Limit to display filter' is not ticked after clicking it")
        deadline = time.time() + 20
        while True:
            png, text, ports = self.conversation_ports(dialog)
            if ports == self.failed_ports:
                break
            need(time.time() < deadline,
                 f"TCP tab limited to tcpconn.failed lists ports {sorted(ports)}, expected "
                 f"{sorted(self.failed_ports)} (the refused connections) only; read:\n{text}")
            time.sleep(0.5)
        # The tab bar alone, right of the settings pane (OCR of a taller box
        # can lose the tab line under 4.4).
        tab_bar = (x + 228, y, w - 228, 40)
        tabs = self.screen.text(png, tab_bar)
        need(self.screen.find_words(png, "TCP · 2", tab_bar) or re.search(r"\bTCP\W*2\b", tabs),
             f"the TCP tab is not labelled 'TCP · 2'; read at {tab_bar}:\n{tabs}")
        self.save("04-conversations-tcp.png")
        self.close(dialog)
        return f"TCP tab lists client ports {sorted(ports)}"

    def step_expert_info(self):
        """Analyze > Expert Information lists the TCPCONN entries."""
        dialog = self.dialog("alt+a", "Up", "Return", name="Expert Information")
        self.screen.focus(dialog)
        # Show every entry, not only those of the filtered packets.
        point, ticked = self.limit_checkbox(dialog, "Limit to Display Filter")
        if ticked:
            self.screen.click(*point)
        box = lambda: self.screen.geometry(dialog)
        png, text = self.screen.wait_text(r"Connected only after retrying", box,
                                          what="expert entries of all packets")
        refused = self.screen.find_words(png, "Connection refused:", self.screen.geometry(dialog))
        need(refused, f"no 'Connection refused' entry; read:\n{text}")
        self.screen.click(refused[0] + 30, refused[1] + refused[3] // 2)
        self.screen.keys("Right")
        png, text = self.screen.wait_text(r"\n\s*26\b.*TCPCONN", box,
                                          what="the expanded 'Connection refused' entry")
        lines = text.splitlines()
        for message, severity in (("Connection refused", "Warning"),
                                  ("Connected only after retrying", "Note")):
            line = next((l for l in lines if message in l), "")
            need(severity in line and "TCPCONN" in line,
                 f"no {severity} entry '{message}' under TCPCONN; read:\n{text}")
        refused_frames = {int(m.group(1)) for l in lines
                          for m in [re.match(r"\s*(\d+)\s+80\b.*TCPCONN", l)] if m}
        need(refused_frames == self.refused_deciding,
             f"'Connection refused' entries are on frames {sorted(refused_frames)}, expected the "
             f"deciding RSTs {sorted(self.refused_deciding)}")
        self.save("05-expert-info.png")
        self.close(dialog)
        return f"refused on frames {sorted(refused_frames)}, retried note present"

    def step_statistics(self):
        """Statistics > TCP Connection Outcomes shows "Attempts by outcome"."""
        dialog = self.dialog("alt+s", "Up", "Return", name="TCP Connection Outcomes")
        # Big enough to show the whole tree.
        self.screen.xdotool("windowsize", "--sync", dialog, "1000", "760")
        self.screen.xdotool("windowmove", "--sync", dialog, "140", "20")
        box = lambda: self.screen.geometry(dialog)
        png, text = self.screen.wait_text(r"Attempts by outcome\s+8\b", box,
                                          what="the statistics tree")
        wanted = {"Connected": 6, "established": 4, "established-after-retry": 2, "Failed": 2,
                  "refused": 2}
        ranges = {"SYNs per attempt": [1, 2, 3, 4], "Connect time in ms": [0, 10, 100, 1000, 3000]}
        # Tesseract now and then misreads a count or drops lines on a busy
        # machine: a fresh screenshot is read again before a reading counts
        # as wrong.
        for attempt in range(5):
            if attempt:
                time.sleep(1)
                png = self.screen.screenshot()
                text = self.screen.text(png, box())
            counts, block, read, readings = self.read_statistics(png, text, box(), wanted, ranges)
            if counts == wanted and all(floors in read[node] for node, floors in ranges.items()):
                break
        need(counts == wanted, f"'Attempts by outcome' should count {wanted}; read {counts} in:\n"
             + "\n".join(block))
        # Range rows read in range order, whatever the dialog sorts the
        # other rows by: the number each row starts with goes up.
        for node, floors in ranges.items():
            need(floors in read[node], f"'{node}' rows should start with {floors} in this order; "
                 f"read {read[node]} in:\n" + "\n--\n".join("\n".join(r) for r in readings))
        self.save("06-statistics-outcomes.png")
        self.close(dialog)
        return ("Attempts by outcome 8: " + ", ".join(f"{k} {v}" for k, v in counts.items())
                + "; range rows in order")

    def read_statistics(self, png, text, box, wanted, ranges):
        """The counts of `wanted` under "Attempts by outcome", and the
        numbers the rows of each node of `ranges` start with, as read in
        each of several crops of the statistics dialog at `box`."""
        x, y, w, h = box
        lines = text.splitlines()
        # The counts are read again without the columns right of them,
        # whose figures can make tesseract misread a count.
        counted = lines
        average = self.screen.find_words(png, "Average", box)
        if average:
            counted = self.screen.text(png, (x, y, average[0] - 4 - x, h)).splitlines()
        block = tree_block(counted, "Attempts by outcome")
        counts = {}
        for name in wanted:
            for l in block:
                m = re.search(rf"(?:^|\s){re.escape(name)}\s+(\d+)\b", l)
                if m:
                    counts[name] = int(m.group(1))
        # Tesseract sometimes drops the lines of a part of so tall an image,
        # so the upper and lower halves are read on their own too, and the
        # names column alone in thirds, which has fewer words to confuse it.
        readings = [lines] + [self.screen.text(png, (x, y + top, w, h // 2 + 20)).splitlines()
                              for top in (0, h // 2 - 20)]
        if average:
            readings += [self.screen.text(png, (x, y + top, average[0] - 4 - x, h // 3 + 20))
                         .splitlines() for top in (0, h // 3 - 20, 2 * h // 3 - 20)]
        read = {}
        for node in ranges:
            read[node] = [[int(m.group(1)) for l in tree_block(reading, node)
                           for m in [re.match(r"\W*(\d+)", l)] if m]
                          for reading in readings if any(node in l for l in reading)]
        return counts, block, read, readings

    def step_io_graph(self):
        """Statistics > I/O Graphs, in the tcpconn profile, on a capture whose
        connects start failing at 6 s of 14.5: the profile's two graphs are
        listed, and the failed attempts' bars begin partway along the time
        axis, after the first bars of all attempts."""
        self.quit_wireshark()
        self.start_wireshark(FAILURES_BEGIN)
        title = os.path.basename(FAILURES_BEGIN)
        self.main = self.screen.wait_window(f"^{re.escape(title)}$", timeout=60)
        self.screen.xdotool("windowmove", "--sync", self.main, "0", "0")
        self.screen.wait_text(r"Packets: \d+", self.status_bar, what="status bar after loading")
        dialog = self.menu("alt+s", "i", title="I/O Graphs")
        need(self.screen.title(dialog) == f"Wireshark · I/O Graphs · {title}",
             f"dialog title {self.screen.title(dialog)!r}")
        self.screen.xdotool("windowsize", "--sync", dialog, "1100", "760")
        self.screen.xdotool("windowmove", "--sync", dialog, "90", "20")
        box = lambda: self.screen.geometry(dialog)
        # The list of graphs, below the plot, cuts long names short ("Failed
        # attem..."); 4.6 also names the graphs in a legend on the plot.
        png, text = self.screen.wait_text(r"All\s*attempts.*\n.*Failed\s*att", box,
                                          what="the profile's two graphs, listed")
        listed = max((words for line, words in self.screen.ocr(png, box())
                      if re.search(r"All\s*attempts", line)), key=lambda words: words[0][2])
        # The plot: the dialog above its list of graphs. Bars are columns of
        # at least 20 pixels of a graph's colour (a legend swatch is smaller).
        time.sleep(2)  # the graphs are drawn after the retap
        png = self.screen.screenshot()
        x, y, w, _ = box()
        plot = (x, y, w, listed[0][2] - 60 - y)
        raw = self.screen.pixels(png)
        columns = {}
        for colour in (ALL_ATTEMPTS_COLOUR, FAILED_ATTEMPTS_COLOUR):
            columns[colour] = [
                cx for cx in range(plot[0], plot[0] + plot[2])
                if sum(1 for cy in range(plot[1], plot[1] + plot[3])
                       if all(abs(raw[(cy * WIDTH + cx) * 3 + i] - colour[i]) <= 12
                              for i in range(3))) >= 20]
        bars_all, bars_failed = columns[ALL_ATTEMPTS_COLOUR], columns[FAILED_ATTEMPTS_COLOUR]
        need(bars_all and bars_failed,
             f"bars of all attempts at {len(bars_all)} columns, of failed ones at "
             f"{len(bars_failed)}: expected both in the plot {plot}")
        first, last = min(bars_all + bars_failed), max(bars_all + bars_failed)
        start = (min(bars_failed) - first) / max(1, last - first)
        need(min(bars_all) < min(bars_failed) and 0.25 < start < 0.75,
             f"failed bars should begin partway (6 s of 13): all attempts' bars from x="
             f"{min(bars_all)}, failed ones from x={min(bars_failed)}, bars span "
             f"{first}-{last}")
        self.save("07-io-graph.png")
        self.close(dialog)
        return f"failed attempts' bars begin {start:.0%} along the plotted time"

    def step_fallback(self):
        """The IPv6 attempt of a Happy Eyeballs connect, filtered with
        tcpconn.connect.superseded: its Connect item names the server and
        says the client connected over IPv4 instead."""
        self.quit_wireshark()
        self.start_wireshark(FALLBACK)
        title = os.path.basename(FALLBACK)
        self.main = self.screen.wait_window(f"^{re.escape(title)}$", timeout=60)
        self.screen.xdotool("windowmove", "--sync", self.main, "0", "0")
        self.screen.wait_text(r"Packets: \d+", self.status_bar, what="status bar after loading")
        self.focus_main()
        self.screen.keys("ctrl+slash")
        self.screen.type("tcpconn.connect.superseded")
        self.screen.keys("Return")
        self.screen.wait_text(r"Displayed: 1 ", self.status_bar, what="status bar after filtering")
        details = (0, 570, WIDTH, 190)
        png = self.screen.screenshot()
        where = self.screen.find_words(png, "TCP connection got no answer", details)
        need(where, "packet details do not show 'TCP connection got no answer'")
        self.screen.click(where[0] + 20, where[1] + where[3] // 2)
        # Expand tcpconn, walk down to its Connect item (the seventh), expand
        # that and select its third field: the view scrolls along, and the
        # Connect line is no longer the selected one (OCR reads dark text on
        # light).
        self.screen.keys("Right")
        self.screen.keys(*["Down"] * 7)
        self.screen.keys("Right")
        self.screen.keys(*["Down"] * 3)
        png, text = self.screen.wait_text(r"connected over IPv4 to 192\.0\.2\.31",
                                          lambda: details, what="the Connect item's sentence")
        need(re.search(r"Attempts in the connect: 2", text),
             f"the connect's fields are not shown:\n{text}")
        self.save("08-fallback.png")
        return "the superseded IPv6 attempt's Connect item: " + next(
            (l for l in text.splitlines() if "IPv4" in l), "").strip()

    # -- running -----------------------------------------------------------
    def quit_wireshark(self):
        proc = self.screen.wireshark
        if proc and proc.poll() is None:
            try:
                self.focus_main()
                self.screen.keys("ctrl+q")
                proc.wait(timeout=15)
            except Exception:
                pass
        if proc and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)

    def stop(self):
        self.quit_wireshark()
        if self.screen.xvfb:
            self.screen.xvfb.terminate()
            self.screen.xvfb.wait(timeout=15)

    def run(self):
        for tool in TOOLS:
            if not shutil.which(tool):
                print(f"FAIL: {tool} is not installed (tools/test.sh installs the GUI test's "
                      "packages)")
                return 1
        os.makedirs(SHOTS, exist_ok=True)
        steps = [("1 open the seed capture with -C tcpconn", self.step_open),
                 ("2 Help > About Wireshark > Plugins", self.step_about_plugins),
                 ("3 display filter tcpconn.failed", self.step_display_filter),
                 ("4 Statistics > Conversations > TCP, limited", self.step_conversations),
                 ("5 Analyze > Expert Information", self.step_expert_info),
                 ("6 Statistics > TCP Connection Outcomes", self.step_statistics),
                 ("7 Statistics > I/O Graphs on failures-begin-v4.pcap", self.step_io_graph),
                 ("8 a Happy Eyeballs fallback in the packet details", self.step_fallback)]
        start = time.time()
        try:
            self.truth()
            self.prepare_home()
            self.screen.start_xvfb()
            self.start_wireshark()
            for name, step in steps:
                t = time.time()
                try:
                    detail = step()
                except Exception as e:  # StepFailed, or anything unexpected
                    shot = os.path.join(self.screen.scratch, "failed-step.png")
                    try:
                        self.screen.screenshot(shot)
                    except Exception:
                        shot = "(no screenshot)"
                    print(f"FAIL step {name}: {e}\n  screen at failure: {shot}\n"
                          f"  Wireshark log: {self.log.name}\n  windows: {self.screen.titles()}")
                    return 1
                print(f"ok   step {name} ({time.time() - t:.1f} s): {detail}")
            print(f"GUI test passed in {time.time() - start:.1f} s; screenshots in {SHOTS}")
            if not self.keep:
                shutil.rmtree(self.screen.scratch, ignore_errors=True)
            return 0
        finally:
            if not self.keep:
                self.stop()


if __name__ == "__main__":
    sys.exit(GuiTest(keep="--keep" in sys.argv).run())

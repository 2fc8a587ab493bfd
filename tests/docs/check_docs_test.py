#!/usr/bin/env python3
"""scripts/check-docs compares what a chapter shows with what its commands print today, on this machine.
These tests hold it to what it promises: the comparison does not depend on the day, the time zone, the
locale or the machine's huge page sizes, and it still tells different output apart."""
import datetime
import importlib.machinery
import importlib.util
import os
import pathlib
import shutil
import tempfile
import unittest

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "check-docs"


def load_check_docs():
    loader = importlib.machinery.SourceFileLoader("check_docs", str(SCRIPT))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


check_docs = load_check_docs()


def block(*lines):
    return check_docs.Block(SCRIPT, 1, "console", list(lines), None)


class Comparison(unittest.TestCase):
    def test_a_date_from_another_month_or_year_matches(self):
        shown = ["drwxr-xr-x 4 root root 4096 Nov 29 01:05 /tmp/layer1"]
        self.assertTrue(check_docs.matches(shown, ["drwxr-xr-x 4 root root 4096 Mar  3 23:59 /tmp/layer1"]))
        # A file older than six months, or seen from a clock a year ahead: ls shows the year, not the time.
        self.assertTrue(check_docs.matches(shown, ["drwxr-xr-x 4 root root 4096 Dec  2  2027 /tmp/layer1"]))

    def test_what_the_date_sits_beside_still_counts(self):
        shown = ["drwxr-xr-x 4 root root 4096 Nov 29 01:05 /tmp/layer1"]
        self.assertFalse(check_docs.matches(shown, ["-rw-r--r-- 4 root root 4096 Nov 29 01:05 /tmp/layer1"]))
        self.assertFalse(check_docs.matches(shown, ["drwxr-xr-x 4 root root 4096 Nov 29 01:05 /tmp/layer2x"]))

    def test_a_time_stamp_in_any_zone_matches(self):
        shown = ['time="2026-11-29T01:25:26Z" level=error msg="container does not exist"']
        self.assertTrue(check_docs.matches(shown, ['time="2027-12-03T04:40:26+13:45" level=error msg="container does not exist"']))
        self.assertFalse(check_docs.matches(shown, ['time="2027-12-03T04:40:26+13:45" level=info msg="container does not exist"']))

    def test_huge_page_sizes_of_another_cpu_match(self):
        shown = ["hugetlb.1GB.current", "hugetlb.1GB.events", "hugetlb.1GB.events.local"]
        self.assertTrue(check_docs.matches(shown, ["hugetlb.2MB.current", "hugetlb.2MB.events", "hugetlb.2MB.events.local"]))
        self.assertFalse(check_docs.matches(shown, ["hugetlb.2MB.current", "hugetlb.2MB.events", "hugetlb.2MB.max"]))


    def test_a_process_state_in_ps_matches_any_state_but_not_another_process(self):
        shown = ["    1 ?        S      0:00 /bin/sh -c ps ax"]
        self.assertTrue(check_docs.matches(shown, ["    1 ?        R      0:00 /bin/sh -c ps ax"]))
        self.assertTrue(check_docs.matches(shown, ["    1 ?        Ss+    0:00 /bin/sh -c ps ax"]))
        self.assertFalse(check_docs.matches(shown, ["    1 ?        R      0:00 /bin/sh -c ps aux"]))
        self.assertFalse(check_docs.matches(["Status: S"], ["Status: R"]))


class Shell(unittest.TestCase):
    def test_blocks_run_in_the_c_locale_whatever_the_callers(self):
        saved = dict(os.environ)
        try:
            os.environ.update(LC_ALL="de_DE.UTF-8", LC_TIME="de_DE.UTF-8", LANGUAGE="de", LOCPATH="/tmp")
            _, env = check_docs.block_shell(None)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.assertEqual(env["LC_ALL"], "C.UTF-8")
        self.assertNotIn("LC_TIME", env)
        self.assertNotIn("LANGUAGE", env)
        self.assertNotIn("LOCPATH", env)

    def test_faketime_moves_the_blocks_clock_and_the_book_still_matches(self):
        self.assertTrue(shutil.which("faketime"), "needs Debian's faketime package: scripts/install-deps")
        shown = "Nov 29 01:05 note"
        with tempfile.TemporaryDirectory() as cwd:
            results = check_docs.run_block(block("$ date +'%b %e %H:%M note'", shown, "$ date +%Y"), cwd, 30, "+365d")
        (_, _, printed, status), (_, _, year, _) = results
        self.assertEqual(status, 0)
        self.assertTrue(check_docs.matches([shown], printed), printed)
        next_year = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=365)).year
        self.assertIn(year[0], {str(next_year), str(next_year + 1)})


    def test_blocks_run_at_the_default_priority_whatever_the_callers(self):
        # ps shows a niced process as "SN"; the book's ps output shows "S".
        os.nice(5)
        with tempfile.TemporaryDirectory() as cwd:
            (_, _, printed, status), = check_docs.run_block(block("$ ps -o ni= -p $$"), cwd, 30)
        self.assertEqual((status, [line.strip() for line in printed if line.strip()]), (0, ["0"]))


class CgroupLayouts(unittest.TestCase):
    MOUNTS = {
        "v2": ["30 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate"],
        "hybrid": ["30 1 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755",
                   "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate",
                   "32 30 0:28 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory"],
        "v1": ["30 1 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755",
               "32 30 0:28 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory"],
    }

    def test_the_layout_is_told_from_what_is_mounted_where(self):
        with tempfile.TemporaryDirectory() as top:
            for layout, lines in self.MOUNTS.items():
                mountinfo = pathlib.Path(top) / layout
                mountinfo.write_text("\n".join(["22 1 8:1 / / rw - ext4 /dev/sda1 rw"] + lines) + "\n")
                self.assertEqual(check_docs.cgroup_layout(mountinfo), layout)

    def test_a_block_inside_a_list_item_is_found_without_its_indentation(self):
        with tempfile.TemporaryDirectory() as top:
            page = pathlib.Path(top) / "page.md"
            page.write_text("1. An exercise:\n\n   ```console\n   $ true\n   ok\n   ```\n")
            blocks = check_docs.fenced_blocks(page)
            self.assertEqual([(b.language, b.lines) for b in blocks], [("console", ["$ true", "ok"])])
            self.assertEqual([line for _, line in check_docs.prose_lines(page)], ["1. An exercise:", ""])

    def test_a_block_carries_the_layout_it_shows(self):
        with tempfile.TemporaryDirectory() as top:
            page = pathlib.Path(top) / "page.md"
            page.write_text("<!-- check-docs: cgroup v2 -->\n```console\n$ cat f\n0::/x\n```\n\n"
                            "```console\n$ true\n```\n")
            self.assertEqual([b.layout for b in check_docs.fenced_blocks(page)], ["v2", None])


class Links(unittest.TestCase):
    def test_headings_get_the_code_hosts_ids(self):
        with tempfile.TemporaryDirectory() as top:
            page = pathlib.Path(top) / "page.md"
            page.write_text("# The `--ns` option: 2 kinds\n## 主机上的二进制文件：容器够不着\n## Exercises\n## Exercises\n"
                            "```sh\n# not a heading\n```\n")
            self.assertEqual(check_docs.heading_ids(page),
                             {"the---ns-option-2-kinds", "主机上的二进制文件容器够不着", "exercises", "exercises-1"})


if __name__ == "__main__":
    unittest.main()

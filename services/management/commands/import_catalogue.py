"""``python manage.py import_catalogue FILE [--dry-run]``: load service items from CSV, JSON or XLSX."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from services import actions
from services.catalogue_rows import FileError, read_file


class Command(BaseCommand):
    help = ("导入办事事项（CSV、JSON、XLSX，按表头识别列，至少要有 name 和 department）。"
            "有编码按编码更新，否则按部门加名称更新；坏行会报告并跳过。")

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV, JSON or XLSX file")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--source", default=None, help="source label stored on the items (default: file name)")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            rows = read_file(options["file"], source=options["source"])
        except FileError as exc:
            # A file that cannot be read leaves the database untouched.
            raise CommandError(f"没有导入任何内容：{exc}")
        progress = tqdm(total=len(rows), unit="行", desc="导入事项", file=self.stderr._out,
                        disable=options["no_progress"] or None)
        try:
            report = actions.catalogue_import(rows=rows, dry_run=options["dry_run"], progress=progress)
        finally:
            progress.close()
        elapsed = time.perf_counter() - started

        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict() | {"seconds": round(elapsed, 2)}, ensure_ascii=False))
            return
        for number, reason in report.skipped:
            self.stdout.write(self.style.WARNING(f"  跳过 第 {number} 行：{reason}"))
        for number, message in report.warnings[:50]:
            self.stdout.write(f"  提示 第 {number} 行：{message}")
        if len(report.warnings) > 50:
            self.stdout.write(f"  …另有 {len(report.warnings) - 50} 条提示")
        prefix = "（试运行，未写入）" if report.dry_run else ""
        self.stdout.write(self.style.SUCCESS(
            f"{prefix}新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}，"
            f"跳过 {len(report.skipped)}；共 {report.total} 行，用时 {elapsed:.1f} 秒"
        ))

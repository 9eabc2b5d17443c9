"""`terminal catalog list|search|show`: the item catalog from a shell (technicians, scripts, tests).

The region defaults to config `terminal.region`; an updated catalog in the data folder is used
when valid, exactly as the terminal itself does (terminal.catalog.load_catalog).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from terminal.catalog import Catalog, Item, load_catalog
from terminal.config import Config


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("catalog")
    actions = parser.add_subparsers(dest="catalog_action", required=True, metavar="ACTION")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--region", help="catalog region (default: config terminal.region)")
        p.add_argument("--json", action="store_true", help="print JSON")

    listing = actions.add_parser("list", help="every item of the catalog")
    common(listing)
    listing.set_defaults(handler=run_list)

    search = actions.add_parser("search", help="search by Chinese, pinyin or pinyin initials (hkdj)")
    search.add_argument("query")
    search.add_argument("--department", help="only items of this department")
    search.add_argument("--type", dest="item_type", help="only items of this type (行政许可, 公共服务 ...)")
    search.add_argument("--limit", type=int, default=50, help="at most this many results (default 50)")
    common(search)
    search.set_defaults(handler=run_search)

    show = actions.add_parser("show", help="one item with its service guide")
    show.add_argument("item_id")
    common(show)
    show.set_defaults(handler=run_show)


def _catalog(args: argparse.Namespace, config: Config) -> Catalog:
    return load_catalog(args.region or config.terminal.region, config.storage.data_dir,
                        catalog_keys=config.platform.catalog_keys)


def _print_items(items: list[Item], as_json: bool) -> None:
    if as_json:
        print(json.dumps([item.to_json(with_guide=False) for item in items], ensure_ascii=False, indent=1))
        return
    for item in items:
        mark = " [指南]" if item.guide else ""
        print(f"{item.id:<12} {item.seq:>4}  {item.title}  ({item.item_type}, {item.department}){mark}")


def run_list(args: argparse.Namespace, config: Config) -> int:
    _print_items(list(_catalog(args, config).items), args.json)
    return 0


def run_search(args: argparse.Namespace, config: Config) -> int:
    items = _catalog(args, config).search(args.query, department=args.department, item_type=args.item_type,
                                          limit=args.limit)
    _print_items(items, args.json)
    return 0 if items else 1


def _guide_lines(item: Item) -> list[str]:
    guide = item.guide
    if guide is None:
        return ["办事指南: 暂无（请咨询窗口）"]
    days = "即时办结" if guide.promised_days == 0 else f"{guide.promised_days}个工作日"
    lines = [f"办事指南{'（示例，非官方内容）' if guide.sample else ''}",
             f"  办件类型: {guide.case_kind.value}    承诺时限: {days}    法定时限: {guide.legal_days}个工作日",
             f"  受理条件: {guide.conditions}",
             "  申请材料:"]
    lines += [f"    - {m.name}（{m.form}{'，' + str(m.count) + '份' if m.count > 1 else ''}"
              f"{'' if m.required else '，视情况提供'}）{' ' + m.note if m.note else ''}" for m in guide.materials]
    lines += ["  办理流程: " + " → ".join(guide.process),
              f"  办理结果: {guide.result}", f"  收费: {guide.fees}",
              f"  咨询电话: {guide.consult_phone}    投诉电话: {guide.complaint_phone}"]
    if guide.themes:
        lines.append("  主题: " + "、".join(guide.themes))
    return lines


def run_show(args: argparse.Namespace, config: Config) -> int:
    catalog = _catalog(args, config)
    try:
        item = catalog.get(args.item_id)
    except KeyError:
        print(f"terminal: no item {args.item_id} in the {catalog.region} catalog", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(item.to_json(), ensure_ascii=False, indent=1))
        return 0
    rows: list[tuple[str, Any]] = [("事项", item.title), ("编号", item.id), ("序号", item.seq), ("主项", item.main_item),
                                   ("子项", item.sub_item), ("业务办理项", item.handling_item),
                                   ("事项类型", item.item_type), ("层级", item.level), ("指导部门", item.department),
                                   ("备注", item.note)]
    for label, value in rows:
        print(f"{label}: {value}")
    print("\n".join(_guide_lines(item)))
    return 0

"""The operator console: server-rendered pages under /console (Jinja2, a little JavaScript, no framework).

Pages: login, 终端 (fleet and alarms), 办件 (cases: search, detail with masked identity, decisions),
好差评 (counts, bad ratings with their 整改 follow-up, CSV and XLSX), 有诉即办 (complaints: due time, assign,
reply, close, overdue flagged), 终端注册 (enrolment codes, revocation), 目录 (upload, validate, sign,
publish; the version each terminal fetched), 审计日志 and 操作员 (管理员).
Every form posts its session's CSRF token; a page a role may not see answers 403. Viewing a
case's full identity is written to the audit log first.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gov_central import fleet
from gov_central.catalogs import CatalogRejected, Catalogs
from gov_central.credentials import Registry
from gov_central.operators import Operator, Operators
from gov_central.server import CentralStore
from gov_central.states import BY_CODE, STATES
from terminal.casestates import CaseState, MoveRefused, check_move
from terminal.privacy import mask_address, mask_id_number, mask_name, mask_phone
from terminal.sample_forms import MAX_FORM_BYTES
from terminal.workdays import add_working_days

COOKIE = "console_session"
TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE_SIZE = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff"}


class Console:
    """The console's state and queries; the routes in `add_console` are thin."""

    def __init__(self, store: CentralStore, registry: Registry, reply_time: timedelta) -> None:
        self.store = store
        self.reply_time = reply_time
        self.db = store.db
        self.registry = registry
        self.operators = Operators(store.db)
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
        self.env.globals["alarm_zh"] = fleet.ALARM_ZH
        self.env.globals["device_zh"] = {"ok": "正常", "warning": "注意", "fault": "故障", "absent": "未接"}
        self.env.filters["local"] = local_time
        self.env.filters["age"] = age

    def page(self, template: str, operator: Operator | None, **values: Any) -> HTMLResponse:
        """A rendered page that no browser or proxy keeps (it may show personal data) nor frames."""
        return HTMLResponse(self.env.get_template(template).render(me=operator, **values), headers=PAGE_HEADERS)

    def audit(self, operator: Operator, action: str, subject: str) -> None:
        self.db.execute("INSERT INTO audit (at, operator, action, subject) VALUES (?, ?, ?, ?)",
                        (fleet.stamp(fleet.now()), operator.name, action, subject))

    def cases(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """Cases matching the search form (case number, item, terminal, date, state), newest first."""
        where, params = ["r.kind = 'case'"], []
        for field, column in (("case_no", "r.record_id"), ("item", "r.item"), ("terminal", "r.terminal_id")):
            if query.get(field):
                where.append(f"{column} LIKE ?")
                params.append(f"%{query[field]}%")
        if query.get("date"):
            where.append("r.submitted_at LIKE ?")
            params.append(query["date"] + "%")
        state = query.get("state", "")
        if state == "received":
            where.append("s.state IS NULL AND r.receipt IS NOT NULL")
        elif state in BY_CODE:
            where.append("s.state = ?")
            params.append(state)
        rows = self.db.all("SELECT r.record_id, r.terminal_id, r.item, r.submitted_at, r.receipt, s.state"
                           " FROM records r LEFT JOIN case_states s ON s.case_no = r.record_id"
                           f" WHERE {' AND '.join(where)} ORDER BY r.submitted_at DESC LIMIT {PAGE_SIZE}", params)
        return [dict(row) for row in rows]

    def set_state(self, operator: Operator, case_no: str, code: str, reason: str) -> None:
        """Move a case along terminal/casestates.py (a move the table does not allow is refused, 409).
        受理 sets the day the promised limit counts from and the date it promises."""
        state = BY_CODE.get(code)
        if state is None or (state.needs_reason and not reason.strip()):
            raise HTTPException(400, "补正和退件须写明原因")
        row = self.db.one("SELECT r.manifest, s.state, s.accepted_at, s.promised_date FROM records r"
                          " LEFT JOIN case_states s ON s.case_no = r.record_id WHERE r.record_id = ?", (case_no,))
        assert row is not None  # the route checked the case exists
        try:
            check_move(CaseState(row["state"] or CaseState.RECEIVED.value), state.state)
        except MoveRefused as refused:
            raise HTTPException(409, refused.advice_zh) from None
        now = fleet.now()
        accepted_at, promised = row["accepted_at"], row["promised_date"]
        if state.state is CaseState.ACCEPTED:
            days = json.loads(bytes(row["manifest"]))["case"].get("promised_days")
            accepted_at, promised = fleet.stamp(now), None
            if isinstance(days, int):
                promised = add_working_days(now.astimezone().date(), days, estimate=True).isoformat()
        with self.db.transaction(durable=True) as tx:
            tx.execute("INSERT INTO case_states (case_no, state, reason, operator, updated_at, accepted_at, promised_date)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?)"
                       " ON CONFLICT (case_no) DO UPDATE SET state = excluded.state, reason = excluded.reason,"
                       " operator = excluded.operator, updated_at = excluded.updated_at,"
                       " accepted_at = excluded.accepted_at, promised_date = excluded.promised_date",
                       (case_no, code, reason.strip(), operator.name, fleet.stamp(now), accepted_at, promised))
            tx.execute("INSERT INTO audit (at, operator, action, subject) VALUES (?, ?, ?, ?)",
                       (fleet.stamp(fleet.now()), operator.name, f"state:{code}", case_no))

    def follow_up(self, operator: Operator, record_id: str, note: str, close: bool,
                  assigned_to: str | None = None) -> None:
        """Write the handling of a rating, complaint or call-back: the note (and, but for ratings, who handles it)
        replace the last ones; a closed one keeps the date it was first closed."""
        closed = fleet.stamp(fleet.now()) if close else None
        columns = {"record_id": record_id, "note": note.strip(), "closed_at": closed, "operator": operator.name}
        if assigned_to is not None:  # ratings have no assignee: leave the column as it is
            columns["assigned_to"] = assigned_to.strip()
        updates = ", ".join(f"{name} = excluded.{name}" for name in columns if name not in ("record_id", "closed_at"))
        self.db.execute(f"INSERT INTO followups ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                        f" ON CONFLICT (record_id) DO UPDATE SET {updates},"
                        " closed_at = COALESCE(followups.closed_at, excluded.closed_at)", tuple(columns.values()))

    def ratings(self) -> list[dict[str, Any]]:
        # A rating's record id is its case number + "-R" (sync.manifest.rating_record_id).
        rows = self.db.all("SELECT r.record_id, r.terminal_id, r.manifest, f.note, f.closed_at, f.operator,"
                           " c.department FROM records r LEFT JOIN followups f ON f.record_id = r.record_id"
                           " LEFT JOIN records c ON c.record_id || '-R' = r.record_id AND c.kind = 'case'"
                           " WHERE r.kind = 'rating' ORDER BY r.submitted_at DESC")
        found = []
        for row in rows:
            body = json.loads(bytes(row["manifest"]))["rating"]
            found.append({"record_id": row["record_id"], "terminal_id": row["terminal_id"],
                          "case_no": body.get("case_no"), "level": int(body.get("rating", 0)),
                          "label": body.get("label", ""), "item": body.get("item_name") or "",
                          "department": row["department"] or "（办件不在平台）",
                          "month": str(body.get("rated_at") or "")[:7], "reasons": body.get("reasons", []),
                          "comment": body.get("comment") or "", "note": row["note"] or "",
                          "closed_at": row["closed_at"], "by": row["operator"]})
        return found

    def complaints(self) -> list[dict[str, Any]]:
        """有诉即办: every complaint with its due time (arrival + reply_hours unless set) and handling."""
        rows = self.db.all("SELECT r.record_id, r.terminal_id, r.manifest, r.created_at, f.assigned_to, f.due_at,"
                           " f.note, f.closed_at, f.operator FROM records r LEFT JOIN followups f"
                           " ON f.record_id = r.record_id WHERE r.kind = 'complaint' ORDER BY r.created_at DESC")
        found = []
        current = fleet.stamp(fleet.now())
        for row in rows:
            body = json.loads(bytes(row["manifest"]))["complaint"]
            due = row["due_at"] or fleet.stamp(datetime.fromisoformat(row["created_at"]) + self.reply_time)
            found.append({"record_id": row["record_id"], "terminal_id": row["terminal_id"],
                          "category": body.get("category", ""), "text": body.get("text", ""),
                          "phone": mask_phone(str(body.get("phone") or "")), "received": row["created_at"],
                          "due": due, "assigned_to": row["assigned_to"] or "", "reply": row["note"] or "",
                          "closed_at": row["closed_at"], "overdue": not row["closed_at"] and due < current})
        return found


    def callbacks(self) -> list[dict[str, Any]]:
        """预约回电: every call-back request (the phone in full: calling it is the job), with its handling."""
        rows = self.db.all("SELECT r.record_id, r.terminal_id, r.manifest, r.created_at, f.assigned_to, f.note,"
                           " f.closed_at FROM records r LEFT JOIN followups f ON f.record_id = r.record_id"
                           " WHERE r.kind = 'callback' ORDER BY r.created_at DESC")
        found = []
        for row in rows:
            body = json.loads(bytes(row["manifest"]))["callback"]
            found.append({"record_id": row["record_id"], "terminal_id": row["terminal_id"],
                          "item": body.get("item_name") or "（未选事项）", "department": body.get("department") or "",
                          "why": CALLBACK_REASONS.get(str(body.get("reason")), str(body.get("reason"))),
                          "phone": str(body.get("phone") or ""), "preferred": body.get("preferred") or "",
                          "received": row["created_at"], "assigned_to": row["assigned_to"] or "",
                          "note": row["note"] or "", "closed_at": row["closed_at"]})
        return found


CALLBACK_REASONS = {"no_guide": "终端不能办理的事项", "help": "帮办代办"}


def local_time(stamp: str | None) -> str:
    """An ISO time as the operator reads it: the server's local time, to the minute (dates stay dates)."""
    if not stamp:
        return ""
    if len(stamp) <= 10:
        return stamp
    when = datetime.fromisoformat(stamp)
    return (when.astimezone() if when.tzinfo else when).strftime("%Y-%m-%d %H:%M")


def _xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]  # openpyxl ships no type hints

    book = Workbook()
    sheet = book.active
    sheet.title = "好差评"
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def age(seconds: float | None) -> str:
    """How long the oldest undelivered case has waited, in the unit an operator reads at a glance."""
    if not seconds:
        return "—"
    if seconds < 3600:
        return f"{seconds / 60:.0f} 分钟"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} 小时"
    return f"{seconds / 86400:.1f} 天"


def masked(applicant: dict[str, Any]) -> dict[str, str]:
    return {"name": mask_name(str(applicant.get("name") or "")),
            "id_number": mask_id_number(str(applicant.get("id_number") or "")),
            "address": mask_address(str(applicant.get("address") or ""))}


def _counts(ratings: list[dict[str, Any]], key: str) -> list[tuple[str, list[int]]]:
    """Per value of `key`, how many ratings of each level 1..5."""
    table: dict[str, Counter[int]] = {}
    for rating in ratings:
        table.setdefault(str(rating[key]), Counter())[rating["level"]] += 1
    return [(name, [counter[level] for level in range(1, 6)]) for name, counter in sorted(table.items())]


def add_console(app: FastAPI, store: CentralStore, registry: Registry,
                complaint_reply_time: timedelta = timedelta(hours=24), catalogs: Catalogs | None = None) -> Console:
    """Mount the console's routes on the service app (none of them is in the OpenAPI document)."""
    console = Console(store, registry, complaint_reply_time)
    published = catalogs or Catalogs(store.db, None, None)
    route: dict[str, Any] = {"include_in_schema": False, "response_class": HTMLResponse}

    def who(request: Request, permission: str | None = None) -> Operator:
        operator = console.operators.session(request.cookies.get(COOKIE))
        if operator is None:
            raise HTTPException(303, headers={"Location": "/console/login"})
        if permission and not operator.may(permission):
            raise HTTPException(403, "你的角色不能查看此页面")
        return operator

    def known(record_id: str, kind: str) -> None:
        """404 unless a record of this kind exists (a decision or follow-up needs something to be about)."""
        if store.db.one("SELECT 1 AS found FROM records WHERE record_id = ? AND kind = ?", (record_id, kind)) is None:
            raise HTTPException(404, "没有这条记录")

    async def form(request: Request, operator: Operator | None) -> dict[str, str]:
        """The posted form, after its CSRF token is checked (login has none yet)."""
        values = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        if operator is not None and values.get("csrf") != operator.csrf:
            raise HTTPException(403, "表单已过期，请刷新页面后重试")
        return values

    @app.get("/console/login", **route)
    def login_page() -> HTMLResponse:
        return console.page("login.html", None, problem="")

    @app.post("/console/login", **route)
    async def login(request: Request) -> Response:
        values = await form(request, None)
        try:
            token = console.operators.login(values.get("name", ""), values.get("password", ""))
        except Exception as refused:  # LoginRefused; its message is for the operator
            return console.page("login.html", None, problem=str(refused))
        response = RedirectResponse("/console/", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/console")
        return response

    @app.post("/console/logout", **route)
    async def logout(request: Request) -> Response:
        await form(request, who(request))
        console.operators.logout(request.cookies.get(COOKIE, ""))
        return RedirectResponse("/console/login", status_code=303)

    @app.get("/console/", **route)
    def home(request: Request) -> Response:
        operator = who(request)
        return RedirectResponse("/console/fleet" if operator.may("fleet") else "/console/cases", status_code=303)

    @app.get("/console/fleet", **route)
    def fleet_page(request: Request) -> HTMLResponse:
        operator = who(request, "fleet")
        return console.page("fleet.html", operator, terminals=fleet.fleet(console.db))

    @app.post("/console/alarms/{alarm_id}/ack", **route)
    async def ack(alarm_id: int, request: Request) -> Response:
        operator = who(request, "fleet")
        await form(request, operator)
        fleet.acknowledge(console.db, alarm_id, operator.name)
        return RedirectResponse("/console/fleet", status_code=303)

    @app.get("/console/cases", **route)
    def cases_page(request: Request) -> HTMLResponse:
        operator = who(request, "cases")
        query = dict(request.query_params)
        return console.page("cases.html", operator, cases=console.cases(query), query=query, states=STATES)

    @app.get("/console/cases/{case_no}", **route)
    def case_page(case_no: str, request: Request, full: int = 0) -> HTMLResponse:
        operator = who(request, "cases")
        row = store.db.one("SELECT r.manifest, r.receipt, r.completed_at, s.state, s.reason, s.operator, s.updated_at"
                           " FROM records r LEFT JOIN case_states s ON s.case_no = r.record_id"
                           " WHERE r.record_id = ? AND r.kind = 'case'", (case_no,))
        if row is None:
            raise HTTPException(404, "没有这个办件")
        case = json.loads(bytes(row["manifest"]))["case"]
        applicant = case.get("applicant") or {}
        identity = masked(applicant)
        phone = mask_phone(str(case.get("phone") or ""))
        agent = masked(case["agent"]) if case.get("agent") else None  # 代办人 (older terminals send none)
        delivery = dict(case.get("delivery") or {"method": "window", "address": ""})
        address = str(delivery.get("address") or "")
        delivery["address"] = mask_address(address)
        if full and operator.may("identity"):
            console.audit(operator, "identity:view", case_no)
            identity = {k: str(applicant.get(k) or "") for k in ("name", "id_number", "address")}
            phone = str(case.get("phone") or "")
            agent = {k: str(case["agent"].get(k) or "") for k in ("name", "id_number", "address")} if agent else None
            delivery["address"] = address
        return console.page("case.html", operator, case=case, row=row, identity=identity, phone=phone,
                            agent=agent, delivery=delivery, consent=case.get("consent") or {},
                            full=bool(full and operator.may("identity")), states=STATES,
                            progress=store.progress(case_no), supplements=store.supplements(case_no))

    @app.post("/console/cases/{case_no}/state", **route)
    async def set_state(case_no: str, request: Request) -> Response:
        operator = who(request, "cases")
        values = await form(request, operator)
        known(case_no, "case")
        console.set_state(operator, case_no, values.get("state", ""), values.get("reason", ""))
        return RedirectResponse(f"/console/cases/{case_no}", status_code=303)

    @app.get("/console/ratings", **route)
    def ratings_page(request: Request) -> HTMLResponse:
        operator = who(request, "cases")
        ratings = console.ratings()
        return console.page("ratings.html", operator, bad=[r for r in ratings if r["level"] >= 4],
                            by_item=_counts(ratings, "item"), by_department=_counts(ratings, "department"),
                            by_terminal=_counts(ratings, "terminal_id"),
                            by_month=_counts(ratings, "month"))

    @app.post("/console/ratings/{record_id}/followup", **route)
    async def followup(record_id: str, request: Request) -> Response:
        operator = who(request, "cases")
        values = await form(request, operator)
        known(record_id, "rating")
        console.follow_up(operator, record_id, values.get("note", ""), bool(values.get("close")))
        return RedirectResponse("/console/ratings", status_code=303)

    @app.get("/console/ratings.{suffix}", include_in_schema=False)
    def ratings_export(suffix: str, request: Request) -> Response:
        """Every rating with its follow-up, as CSV (UTF-8 with BOM, for Excel) or XLSX."""
        who(request, "cases")
        header = ["评价编号", "办件编号", "终端", "事项", "月份", "等级", "评价", "原因", "整改说明", "整改完成", "部门"]
        rows = [[r["record_id"], r["case_no"], r["terminal_id"], r["item"], r["month"], r["level"], r["label"],
                 "、".join(r["reasons"]), r["note"], r["closed_at"] or "", r["department"]] for r in console.ratings()]
        if suffix == "csv":
            out = io.StringIO()
            csv.writer(out).writerows([header, *rows])
            return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                            headers={**PAGE_HEADERS, "Content-Disposition": "attachment; filename=ratings.csv"})
        if suffix == "xlsx":
            return Response(_xlsx(header, rows), media_type=XLSX,
                            headers={**PAGE_HEADERS, "Content-Disposition": "attachment; filename=ratings.xlsx"})
        raise HTTPException(404, "没有这种导出格式")

    @app.get("/console/complaints", **route)
    def complaints_page(request: Request) -> HTMLResponse:
        operator = who(request, "cases")
        return console.page("complaints.html", operator, complaints=console.complaints())

    async def handled(record_id: str, request: Request, kind: str, note: str) -> Response:
        """Assign, note, close: one form for a complaint (the reply) or a call-back (what came of it);
        a closed one keeps its closed date."""
        operator = who(request, "cases")
        values = await form(request, operator)
        known(record_id, kind)
        console.follow_up(operator, record_id, values.get(note, ""), bool(values.get("close")),
                          assigned_to=values.get("assigned_to", ""))
        return RedirectResponse(f"/console/{kind}s", status_code=303)

    @app.post("/console/complaints/{record_id}", **route)
    async def handle_complaint(record_id: str, request: Request) -> Response:
        return await handled(record_id, request, "complaint", "reply")

    @app.get("/console/callbacks", **route)
    def callbacks_page(request: Request) -> HTMLResponse:
        operator = who(request, "cases")
        return console.page("callbacks.html", operator, callbacks=console.callbacks())

    @app.post("/console/callbacks/{record_id}", **route)
    async def handle_callback(record_id: str, request: Request) -> Response:
        return await handled(record_id, request, "callback", "note")

    def catalogs_html(operator: Operator, problem: str = "", done: str = "") -> HTMLResponse:
        return console.page("catalogs.html", operator, ready=published.ready, public_key=published.public(),
                            published=published.published(), fetches=published.fetches(), forms=published.forms(),
                            form_limit=MAX_FORM_BYTES,
                            problem=problem, done=done)

    @app.get("/console/catalogs", **route)
    def catalogs_page(request: Request) -> HTMLResponse:
        return catalogs_html(who(request, "operators"))

    @app.post("/console/catalogs", **route)
    async def publish(request: Request) -> HTMLResponse:
        """The page's script posts the chosen file's bytes with the CSRF token in a header."""
        operator = who(request, "operators")
        if request.headers.get("x-csrf-token") != operator.csrf:
            raise HTTPException(403, "表单已过期，请刷新页面后重试")
        problem, done = "", ""
        try:
            region, version = published.publish(await request.body(), operator.name)
            console.audit(operator, "catalog:publish", f"{region}/{version}")
            done = f"已发布 {region} 第 {version} 版"
        except CatalogRejected as rejected:
            problem = str(rejected)
        return catalogs_html(operator, problem, done)

    @app.post("/console/forms", **route)
    async def publish_form(request: Request, region: str, name: str) -> HTMLResponse:
        """A 填写范本 PDF for a region (the page posts the file's bytes; region and name in the query)."""
        operator = who(request, "operators")
        if request.headers.get("x-csrf-token") != operator.csrf:
            raise HTTPException(403, "表单已过期，请刷新页面后重试")
        try:
            published.publish_form(region, name, await request.body())
        except CatalogRejected as rejected:
            return catalogs_html(operator, str(rejected))
        console.audit(operator, "form:publish", f"{region}/{name}")
        return catalogs_html(operator, done=f"已发布 {region} 的 {name}，目录中写作 forms/{name} 的材料即可打印")

    @app.get("/console/audit", **route)
    def audit_page(request: Request, operator_name: str = "", action: str = "") -> HTMLResponse:
        """The audit log (管理员): who viewed which full identity, decided which case, enrolled or revoked what."""
        operator = who(request, "operators")
        where, params = [], []
        if operator_name:
            where.append("operator = ?")
            params.append(operator_name)
        if action:
            where.append("action LIKE ?")
            params.append(action + "%")
        rows = store.db.all("SELECT at, operator, action, subject FROM audit"
                            f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY id DESC LIMIT 500", params)
        return console.page("audit.html", operator, rows=rows, operator_name=operator_name, action=action)

    @app.get("/console/operators", **route)
    def operators_page(request: Request) -> HTMLResponse:
        operator = who(request, "operators")
        return console.page("operators.html", operator, people=console.operators.listing(), problem="")

    @app.post("/console/operators", **route)
    async def save_operator(request: Request) -> Response:
        """Add an operator or reset one's role and password (which also lifts a lockout)."""
        operator = who(request, "operators")
        values = await form(request, operator)
        name = values.get("name", "").strip()
        try:
            if not name or len(name) > 32:
                raise ValueError("请填写用户名（不超过32字）")
            console.operators.add(name, values.get("role", ""), values.get("password", ""))
        except ValueError as problem:
            return console.page("operators.html", operator, people=console.operators.listing(), problem=str(problem))
        console.audit(operator, "operator:save", name)
        return RedirectResponse("/console/operators", status_code=303)

    @app.get("/console/terminals", **route)
    def terminals_page(request: Request) -> HTMLResponse:
        operator = who(request, "fleet")
        return console.page("terminals.html", operator, terminals=registry.terminals(), code=None, for_id="")

    @app.post("/console/terminals/code", **route)
    async def enrolment_code(request: Request) -> HTMLResponse:
        operator = who(request, "fleet")
        values = await form(request, operator)
        terminal_id = values.get("terminal_id", "").strip()
        if not terminal_id or len(terminal_id) > 64:
            raise HTTPException(400, "请填写终端编号")
        code = registry.make_code(terminal_id, operator.name)
        console.audit(operator, "enrol:code", terminal_id)
        return console.page("terminals.html", operator, terminals=registry.terminals(), code=code, for_id=terminal_id)

    @app.post("/console/terminals/{terminal_id}/revoke", **route)
    async def revoke(terminal_id: str, request: Request) -> Response:
        operator = who(request, "fleet")
        await form(request, operator)
        registry.revoke(terminal_id, operator.name)
        console.audit(operator, "enrol:revoke", terminal_id)
        return RedirectResponse("/console/terminals", status_code=303)

    return console

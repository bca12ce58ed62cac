"""Messages name the problem and the fix, and options that shape them take effect."""

from flake8_backend.config import build_settings
from flake8_backend.engine import lint_source

SOURCE = "import requests\nrequests.get('https://example.com')\n"


def test_be014_message_suggests_the_configured_timeout():
    [default] = lint_source(SOURCE, settings=build_settings({"enable": ["BE014"]}))
    assert default.message == ("BE014 requests.get() has no timeout; pass timeout=(3.05, 27) "
                               "(connect, read seconds)")
    [custom] = lint_source(SOURCE, settings=build_settings(
        {"enable": ["BE014"], "timeout-suggestion": "HTTP_TIMEOUT"}))
    assert "pass timeout=HTTP_TIMEOUT" in custom.message


def _messages(source: str, code: str, path: str = "app.py", table: dict | None = None) -> list[str]:
    settings = build_settings({"enable": ["BE001", "BE002", "BE014"], **(table or {})})
    return [f.message for f in lint_source(source, path, settings) if f.code == code]


def test_sql_messages_name_the_value_as_written_and_say_it_is_client_data():
    source = ("def view(request, cur):\n"
              "    cur.execute(f\"SELECT id FROM t WHERE q = '{request.args['q']}'\")\n")
    assert _messages(source, "BE001") == [
        "BE001 SQL built with an f-string reaches execute() with client data; pass "
        "`request.args['q']` as a query parameter"]


def test_sql_messages_follow_client_data_through_a_name():
    source = ("def view(request, cur):\n"
              "    title = request.GET['q']\n"
              "    cur.execute(\"SELECT id FROM t WHERE title = '%s'\" % title)\n")
    assert _messages(source, "BE002") == [
        "BE002 SQL built with % reaches execute() with client data; pass `title` (from "
        "`request.GET['q']`) as a query parameter"]


def test_sql_messages_name_up_to_three_values_and_count_the_rest():
    source = ("def f(cur, a, b, c, d):\n"
              "    cur.execute(f\"UPDATE t SET a = {a}, b = {b}, c = {c}, d = {d}\")\n")
    assert _messages(source, "BE001") == [
        "BE001 SQL built with an f-string reaches execute(); pass `a`, `b` and `c` as query "
        "parameters (1 more value)"]


def test_sql_identifier_hint_only_in_identifier_position():
    source = ("def f(cur, job, uid, col):\n"
              "    cur.execute(f'SELECT id FROM {job.table} WHERE id = {uid}')\n"
              "    cur.execute(f'SELECT id FROM t ORDER BY {col}')\n"
              "    cur.execute(f'SELECT id FROM t WHERE id = {uid}')\n"
              "    cur.execute(f'CREATE DATABASE {job.name}')\n")
    first, second, third, fourth = _messages(source, "BE001")
    assert first.endswith("; pass `uid` as a query parameter; check `job.table` against an "
                          "allowlist or compose it with sql.Identifier (an identifier cannot "
                          "be a query parameter)")
    assert fourth.endswith("; check `job.name` against an allowlist or quote it (this "
                           "statement takes no query parameters)")
    assert "check `col` against an allowlist" in second and "query parameter;" not in second
    assert third.endswith("pass `uid` as a query parameter") and "allowlist" not in third


def test_sql_messages_give_the_line_where_the_text_was_built():
    source = ("def f(cur, name):\n"
              "    q = \"SELECT id FROM t WHERE name = '\" + name + \"'\"\n"
              "    cur.execute(q)\n"
              "    cur.execute(\"SELECT id FROM t WHERE name = '\" + name + \"'\")\n")
    built_elsewhere, built_here = _messages(source, "BE002")
    assert built_elsewhere.startswith("BE002 SQL built with + at line 2 reaches execute();")
    assert built_here.startswith("BE002 SQL built with + reaches execute();")


def test_sql_messages_name_the_function_a_caller_passes_a_table_name_to():
    source = ("def drop(cur, table):\n"
              "    cur.execute(f'DROP TABLE {table}')\n\n\n"
              "def view(request, cur):\n"
              "    drop(cur, request.GET['t'])\n")
    assert _messages(source, "BE001") == [
        "BE001 SQL built with an f-string in drop() reaches execute() (line 2) with client "
        "data; check `request.GET['t']` against an allowlist or quote it (this statement "
        "takes no query parameters)"]


def test_sql_messages_name_the_local_function_and_its_sink():
    source = ("def run(cur, sql):\n"
              "    cur.execute(sql)\n\n\n"
              "def f(cur, name):\n"
              "    run(cur, f\"SELECT id FROM t WHERE name = '{name}'\")\n")
    assert _messages(source, "BE001") == [
        "BE001 SQL built with an f-string reaches run(), which runs it with execute() "
        "(line 2); pass `name` as a query parameter"]


def test_sql_building_is_not_checked_in_test_files_unless_configured():
    source = "def test_it(cur, row):\n    cur.execute(f'DROP TABLE \"{row.rid}\"')\n"
    assert _messages(source, "BE001", "tests/test_tables.py") == []
    assert _messages(source, "BE001", "app/tables.py")
    assert _messages(source, "BE001", "tests/test_tables.py", {"sql-building-exclude": []})

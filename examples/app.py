"""A small order service with the review findings flake8-backend exists to catch.

Lint it with `flake8 --select=BE --be-enable=BE001,BE014 examples/` (both are opt-in) or
`pylint --load-plugins=pylint_backend --disable=all --enable=sql-fstring,requests-without-timeout,bare-except-handler --be-enable=BE001,BE014 examples/`.
"""
import sqlite3

import requests

RATES_URL = "https://rates.example.com/latest"
db = sqlite3.connect("orders.db")


def find_orders(customer):
    # BE001: the customer name is pasted into the SQL text.
    return db.execute(f"SELECT id, total FROM orders WHERE customer = '{customer}'").fetchall()


def exchange_rate(currency):
    # BE014: no timeout, so one slow upstream hangs this worker forever.
    return requests.get(RATES_URL, params={"to": currency}).json()["rate"]


def charge(gateway, order_id):
    try:
        return gateway.capture(order_id)
    except:  # BE020: also swallows KeyboardInterrupt and SystemExit
        return None


def find_orders_safely(customer):
    return db.execute(
        "SELECT id, total FROM orders WHERE customer = ?", (customer,)).fetchall()


def exchange_rate_safely(currency):
    return requests.get(RATES_URL, params={"to": currency}, timeout=(3.05, 10)).json()["rate"]

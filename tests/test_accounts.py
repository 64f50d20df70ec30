from __future__ import annotations

from tests.conftest import ADMIN, basic


def test_key_is_shown_once_and_stored_hashed(client, db, account):
    assert "key" not in account.get(account.base).json
    stored = db.accounts.find_one()
    assert account.key not in str(stored)
    assert len(account.key) >= 32


def test_new_account_has_default_application_and_queue(account):
    apps = account.get(f"{account.base}/applications").json
    assert [a["name"] for a in apps["list"]] == ["default"]
    queue = account.get(f"{account.app}/queues/default").json
    assert (queue["maxInFlight"], queue["inFlight"]) == (10, 0)


def test_rotating_the_key_invalidates_the_old_one(client, account):
    response = account.request("PATCH", account.base, json={"rotateKey": True, "name": "acme"})
    assert response.status_code == 200
    new_key = response.json["key"]
    assert new_key != account.key and response.json["name"] == "acme"
    assert client.get("/authenticate", headers=account.auth).status_code == 401
    assert client.get("/authenticate", headers=basic(account.id, new_key)).status_code == 200
    renamed = client.patch(account.base, headers=basic(account.id, new_key), json={"name": "acme2"}).json
    assert renamed["name"] == "acme2" and "key" not in renamed


def test_admin_lists_accounts_with_pagination(client):
    for _ in range(3):
        client.post("/accounts", headers=ADMIN, json={"name": "n"})
    page = client.get("/accounts?limit=2&page=2", headers=ADMIN).json
    assert (page["total"], page["count"], page["pages"], page["page"], page["hasMore"]) == (3, 1, 2, 2, False)
    assert all("key" not in item for item in page["list"])


def test_deleting_an_account_cascades(client, db, account, other_account):
    account.create_task(url="http://example.com/a", schedule="0 0 * * *")
    account.put(f"{account.base}/applications/second")
    account.put(f"{account.base}/applications/second/queues/fast", json={"maxInFlight": 3})
    other_account.create_task(url="http://example.com/b")
    assert account.delete(account.base).json == {"deleted": 1}
    scope = {"account": db.accounts.find_one()["_id"]}
    assert db.accounts.count_documents({}) == 1
    for name in ("applications", "queues", "tasks", "attempts"):
        assert db[name].count_documents({}) == db[name].count_documents(scope) > 0, name
    assert db.slots.count_documents({}) == 10  # only the other account's default queue
    assert client.get("/authenticate", headers=account.auth).status_code == 401

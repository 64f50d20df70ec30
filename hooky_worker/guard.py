"""A requests Session that refuses to connect to non-public addresses, checked on the connected socket.

The check runs on the address the socket actually reached, for every connection, so neither a
DNS answer that changes between check and use nor a redirect to an internal host gets through.
"""
from __future__ import annotations

from typing import Callable

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from hooky_common.targets import ALLOW_PRIVATE_ENV

Policy = Callable[[str], "str | None"]


def _checked(connection_class: type, policy: Policy) -> type:
    class Checked(connection_class):
        def _new_conn(self):
            sock = super()._new_conn()
            reason = policy(sock.getpeername()[0])
            if reason:
                sock.close()
                raise NewConnectionError(self, f"refused to call {self.host}: {reason} "
                                               f"(set {ALLOW_PRIVATE_ENV}=1 to allow)")
            return sock
    return Checked


class GuardedAdapter(HTTPAdapter):
    def __init__(self, policy: Policy, **kwargs):
        self.policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        http_pool = type("GuardedHTTPPool", (HTTPConnectionPool,),
                         {"ConnectionCls": _checked(HTTPConnection, self.policy)})
        https_pool = type("GuardedHTTPSPool", (HTTPSConnectionPool,),
                          {"ConnectionCls": _checked(HTTPSConnection, self.policy)})
        self.poolmanager.pool_classes_by_scheme = {"http": http_pool, "https": https_pool}


def guarded_session(policy: Policy) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the guard must see the real target
    adapter = GuardedAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session

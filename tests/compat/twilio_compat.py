"""Drives edge-verify with the official twilio helper library, pointed at a local worker.

Run by tests/e2e/twilio_python.test.mjs against a fresh worker; or by hand against `make dev`:
    EDGE_VERIFY_URL=http://127.0.0.1:8787 EDGE_VERIFY_ACCOUNT_SID=AC... EDGE_VERIFY_AUTH_TOKEN=... \
        .venv/bin/python tests/compat/twilio_compat.py -v
"""
import json
import os
import re
import unittest
from concurrent.futures import ThreadPoolExecutor
import urllib.parse
import urllib.request
from datetime import datetime

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

BASE_URL = os.environ["EDGE_VERIFY_URL"]
ACCOUNT_SID = os.environ["EDGE_VERIFY_ACCOUNT_SID"]
AUTH_TOKEN = os.environ["EDGE_VERIFY_AUTH_TOKEN"]
FAKE_PROVIDER = os.environ.get("EDGE_VERIFY_FAKE_PROVIDER")


def local_client(username, password, account_sid=None):
    """A stock twilio Client whose Verify and 2010 API domains point at the local worker."""
    client = Client(username, password, account_sid, environment={})
    client.verify.base_url = BASE_URL
    client.api.base_url = BASE_URL
    return client


class ServicesWithHelperLibrary(unittest.TestCase):
    client = local_client(ACCOUNT_SID, AUTH_TOKEN)

    def exercise_services(self, client):
        services = client.verify.v2.services
        created = services.create(friendly_name="Compat Svc", code_length=7, psd2_enabled=True,
                                  totp_issuer="Compat", totp_time_step=45, push_include_date=False,
                                  do_not_share_warning_enabled=True)
        self.assertRegex(created.sid, r"^VA[0-9a-f]{32}$")
        self.assertEqual(created.account_sid, ACCOUNT_SID)
        self.assertEqual(created.friendly_name, "Compat Svc")
        self.assertEqual(created.code_length, 7)
        self.assertTrue(created.psd2_enabled)
        self.assertTrue(created.do_not_share_warning_enabled)
        self.assertEqual(created.totp["time_step"], 45)
        self.assertIsInstance(created.date_created, datetime, "dates parse as %Y-%m-%dT%H:%M:%SZ")
        self.assertTrue(created.url.startswith(BASE_URL + "/v2/Services/"))

        fetched = services(created.sid).fetch()
        self.assertEqual(fetched.sid, created.sid)
        self.assertEqual(fetched.code_length, 7)

        updated = services(created.sid).update(friendly_name="Compat Renamed", code_length=5, lookup_enabled=True)
        self.assertEqual(updated.friendly_name, "Compat Renamed")
        self.assertEqual(updated.code_length, 5)
        self.assertTrue(updated.lookup_enabled)
        self.assertTrue(updated.psd2_enabled, "unsent settings are kept")

        extra = [services.create(friendly_name=f"Compat Page {i}").sid for i in range(7)]
        listed = services.list(page_size=3)
        listed_sids = [s.sid for s in listed]
        for sid in extra + [created.sid]:
            self.assertIn(sid, listed_sids)
        self.assertEqual(len(listed_sids), len(set(listed_sids)), "paging repeats nothing")
        first_page = services.page(page_size=3)
        first_sids = {s.sid for s in first_page}
        self.assertEqual(len(first_sids), 3)
        self.assertTrue(first_page.next_page_url.startswith(BASE_URL))
        second_sids = {s.sid for s in first_page.next_page()}
        self.assertTrue(second_sids)
        self.assertFalse(first_sids & second_sids)
        self.assertEqual(len(list(services.stream(limit=4))), 4)

        for sid in extra + [created.sid]:
            self.assertTrue(services(sid).delete())
        with self.assertRaises(TwilioRestException) as caught:
            services(created.sid).fetch()
        self.assertEqual((caught.exception.status, caught.exception.code), (404, 20404))

    def test_services_with_the_account_token(self):
        self.exercise_services(self.client)

    def test_services_with_an_api_key(self):
        key = self.client.new_keys.create(friendly_name="compat key")
        self.assertRegex(key.sid, r"^SK[0-9a-f]{32}$")
        self.assertTrue(key.secret)
        try:
            self.exercise_services(local_client(key.sid, key.secret, ACCOUNT_SID))
            fetched = self.client.keys(key.sid).fetch()
            self.assertEqual(fetched.friendly_name, "compat key")
            self.assertIn(key.sid, [k.sid for k in self.client.keys.list()])
        finally:
            self.assertTrue(self.client.keys(key.sid).delete())
        with self.assertRaises(TwilioRestException) as caught:
            local_client(key.sid, key.secret, ACCOUNT_SID).verify.v2.services.create(friendly_name="Revoked")
        self.assertEqual((caught.exception.status, caught.exception.code), (401, 20003))
        with self.assertRaisesRegex(TwilioException, "HTTP 401"):
            local_client(key.sid, key.secret, ACCOUNT_SID).verify.v2.services.list()

    def test_errors_arrive_as_twilio_exceptions(self):
        with self.assertRaises(TwilioRestException) as caught:
            self.client.verify.v2.services.create(friendly_name="Bad", code_length=3)
        self.assertEqual((caught.exception.status, caught.exception.code), (400, 60200))
        self.assertIn("CodeLength", caught.exception.msg)
        with self.assertRaises(TwilioRestException) as caught:
            local_client(ACCOUNT_SID, "not-the-token-at-all").verify.v2.services(caught_sid := "VA" + "0" * 32).fetch()
        self.assertEqual((caught.exception.status, caught.exception.code), (401, 20003), caught_sid)

    def test_subaccounts(self):
        sub = self.client.api.v2010.accounts.create(friendly_name="Compat Tenant")
        self.assertRegex(sub.sid, r"^AC[0-9a-f]{32}$")
        self.assertTrue(re.fullmatch(r"[0-9a-f]{32}", sub.auth_token))
        tenant = local_client(sub.sid, sub.auth_token)
        svc = tenant.verify.v2.services.create(friendly_name="Tenant Svc")
        self.assertEqual(svc.account_sid, sub.sid)
        with self.assertRaises(TwilioRestException) as caught:
            self.client.verify.v2.services(svc.sid).fetch()
        self.assertEqual(caught.exception.status, 404)
        fetched = self.client.api.v2010.accounts(sub.sid).fetch()
        self.assertIsNone(fetched.auth_token)
        self.assertIsInstance(fetched.date_created, datetime)
        suspended = self.client.api.v2010.accounts(sub.sid).update(status="suspended")
        self.assertEqual(suspended.status, "suspended")
        with self.assertRaisesRegex(TwilioException, "HTTP 401"):
            tenant.verify.v2.services.list()
        self.assertIn(sub.sid, [a.sid for a in self.client.api.v2010.accounts.list()])


def last_code_sent_to(to):
    """The code in the latest message the fake provider received for `to`."""
    with urllib.request.urlopen(FAKE_PROVIDER + "/__received") as response:
        received = json.load(response)
    for entry in reversed(received):
        form = dict(re.findall(r"([^&=]+)=([^&]*)", entry["text"])) if "Messages.json" in entry["path"] else {}
        if urllib.parse.unquote_plus(form.get("To", "")) == to:
            return re.search(r"\d{4,10}", urllib.parse.unquote_plus(form["Body"])).group(0)
    raise AssertionError(f"nothing was sent to {to}")


@unittest.skipUnless(FAKE_PROVIDER, "needs EDGE_VERIFY_FAKE_PROVIDER")
class VerificationsWithHelperLibrary(unittest.TestCase):
    client = local_client(ACCOUNT_SID, AUTH_TOKEN)

    def setUp(self):
        self.service = self.client.verify.v2.services.create(friendly_name="Compat Verify", code_length=7)
        self.verify = self.client.verify.v2.services(self.service.sid)

    def tearDown(self):
        self.verify.delete()

    def test_start_check_and_fetch(self):
        started = self.verify.verifications.create(to="+14155550142", channel="sms", locale="en")
        self.assertRegex(started.sid, r"^VE[0-9a-f]{32}$")
        self.assertEqual((started.status, started.valid, started.channel), ("pending", False, "sms"))
        self.assertEqual(len(started.send_code_attempts), 1)
        self.assertIsInstance(started.date_created, datetime)
        code = last_code_sent_to("+14155550142")
        self.assertEqual(len(code), 7)

        resent = self.verify.verifications.create(to="+14155550142", channel="sms")
        self.assertEqual(resent.sid, started.sid)
        self.assertEqual(last_code_sent_to("+14155550142"), code)

        fetched = self.verify.verifications(started.sid).fetch()
        self.assertEqual((fetched.sid, fetched.status, len(fetched.send_code_attempts)), (started.sid, "pending", 2))

        wrong = self.verify.verification_checks.create(to="+14155550142", code="0000000" if code != "0000000" else "1111111")
        self.assertEqual((wrong.status, wrong.valid), ("pending", False))
        right = self.verify.verification_checks.create(verification_sid=started.sid, code=code)
        self.assertEqual((right.sid, right.status, right.valid), (started.sid, "approved", True))

        with self.assertRaises(TwilioRestException) as caught:
            self.verify.verifications(started.sid).fetch()
        self.assertEqual((caught.exception.status, caught.exception.code), (404, 20404))

    def test_approve_and_cancel(self):
        first = self.verify.verifications.create(to="+14155550143", channel="call")
        canceled = self.verify.verifications(first.sid).update(status="canceled")
        self.assertEqual(canceled.status, "canceled")
        second = self.verify.verifications.create(to="+14155550143", channel="sms")
        self.assertNotEqual(second.sid, first.sid)
        approved = self.verify.verifications("+14155550143").update(status="approved")
        self.assertEqual((approved.sid, approved.status), (second.sid, "approved"))

    def test_limits_raise_twilio_errors(self):
        for _ in range(5):
            self.verify.verifications.create(to="+14155550144", channel="sms")
        with self.assertRaises(TwilioRestException) as caught:
            self.verify.verifications.create(to="+14155550144", channel="sms")
        self.assertEqual((caught.exception.status, caught.exception.code), (429, 60203))
        with self.assertRaises(TwilioRestException) as caught:
            self.verify.verification_checks.create(code="123456")
        self.assertEqual((caught.exception.status, caught.exception.code), (400, 60221))


@unittest.skipUnless(FAKE_PROVIDER, "needs EDGE_VERIFY_FAKE_PROVIDER")
class RateLimitsWithHelperLibrary(unittest.TestCase):
    client = local_client(ACCOUNT_SID, AUTH_TOKEN)

    def setUp(self):
        self.service = self.client.verify.v2.services.create(friendly_name="Compat Limits")
        self.verify = self.client.verify.v2.services(self.service.sid)

    def tearDown(self):
        self.verify.delete()

    def test_rate_limits_and_buckets(self):
        created = self.verify.rate_limits.create(unique_name="end_user_ip", description="Per end user IP")
        self.assertRegex(created.sid, r"^RK[0-9a-f]{32}$")
        self.assertEqual((created.service_sid, created.account_sid, created.unique_name), (self.service.sid, ACCOUNT_SID, "end_user_ip"))
        self.assertIsInstance(created.date_created, datetime)
        self.assertTrue(created.links["buckets"].endswith(f"/RateLimits/{created.sid}/Buckets"))
        with self.assertRaises(TwilioRestException) as caught:
            self.verify.rate_limits.create(unique_name="end_user_ip")
        self.assertEqual((caught.exception.status, caught.exception.code), (409, 60208))
        with self.assertRaises(TwilioRestException) as caught:
            self.verify.rate_limits.create(unique_name="not a name")
        self.assertEqual(caught.exception.code, 60209)
        renamed = self.verify.rate_limits(created.sid).update(description="Per IP")
        self.assertEqual(renamed.description, "Per IP")
        self.assertEqual([r.sid for r in self.verify.rate_limits.list()], [created.sid])

        buckets = self.verify.rate_limits(created.sid).buckets
        bucket = buckets.create(max=2, interval=60)
        self.assertRegex(bucket.sid, r"^BL[0-9a-f]{32}$")
        self.assertEqual((bucket.max, bucket.interval, bucket.rate_limit_sid), (2, 60, created.sid))
        with self.assertRaises(TwilioRestException) as caught:
            buckets.create(max=9, interval=60)
        self.assertEqual(caught.exception.code, 60211)
        self.assertEqual(buckets(bucket.sid).fetch().max, 2)
        self.assertEqual([b.sid for b in buckets.list()], [bucket.sid])

        limited = {"end_user_ip": "203.0.113.7"}
        for n in range(2):
            self.verify.verifications.create(to=f"+1415555030{n}", channel="sms", rate_limits=limited)
        with self.assertRaises(TwilioRestException) as caught:
            self.verify.verifications.create(to="+14155550302", channel="sms", rate_limits=limited)
        self.assertEqual((caught.exception.status, caught.exception.code), (429, 20429))
        self.assertIn("end_user_ip", caught.exception.msg)
        self.verify.verifications.create(to="+14155550303", channel="sms", rate_limits={"end_user_ip": "203.0.113.8"})

        self.assertEqual(buckets(bucket.sid).update(max=3).max, 3)
        self.verify.verifications.create(to="+14155550304", channel="sms", rate_limits=limited)
        self.assertTrue(buckets(bucket.sid).delete())
        self.assertTrue(self.verify.rate_limits(created.sid).delete())
        with self.assertRaises(TwilioRestException) as caught:
            self.verify.rate_limits(created.sid).fetch()
        self.assertEqual(caught.exception.status, 404)

    def test_concurrent_starts_never_exceed_a_buckets_max(self):
        limit = self.verify.rate_limits.create(unique_name="signup_session")
        self.verify.rate_limits(limit.sid).buckets.create(max=3, interval=600)

        def start(n):
            try:
                self.verify.verifications.create(to=f"+1415555{n:04d}", channel="sms", rate_limits={"signup_session": "s-1"})
                return 201
            except TwilioRestException as e:
                return (e.status, e.code)

        with ThreadPoolExecutor(max_workers=12) as pool:
            results = list(pool.map(start, range(400, 424)))
        self.assertEqual(results.count(201), 3, results)
        self.assertEqual(results.count((429, 20429)), 21, results)

    def test_safe_list(self):
        entry = self.client.verify.v2.safelist.create(phone_number="+18001234567")
        self.assertRegex(entry.sid, r"^GN[0-9a-f]{32}$")
        self.assertEqual(self.client.verify.v2.safelist("+18001234567").fetch().phone_number, "+18001234567")
        self.assertTrue(self.client.verify.v2.safelist("+18001234567").delete())
        with self.assertRaises(TwilioRestException) as caught:
            self.client.verify.v2.safelist("+18001234567").fetch()
        self.assertEqual(caught.exception.status, 404)


if __name__ == "__main__":
    unittest.main()

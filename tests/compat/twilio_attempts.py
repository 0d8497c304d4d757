"""Verification Attempts through the official twilio helper library, pointed at a local worker.

Run by tests/e2e/attempts.test.mjs, which starts verifications first and passes what it started
in EDGE_VERIFY_ATTEMPTS (JSON: services, and per attempt its verification, to, channel, country,
service and whether it was approved). Every filter of the list and of the summary is checked
against what that fixture says, and a subaccount sees none of the main account's attempts.
"""
import json
import os
import unittest
from datetime import datetime, timedelta, timezone

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

BASE_URL = os.environ["EDGE_VERIFY_URL"]
ACCOUNT_SID = os.environ["EDGE_VERIFY_ACCOUNT_SID"]
AUTH_TOKEN = os.environ["EDGE_VERIFY_AUTH_TOKEN"]
FIXTURE = json.loads(os.environ["EDGE_VERIFY_ATTEMPTS"])
ATTEMPTS = FIXTURE["attempts"]


def local_client(username, password):
    client = Client(username, password, environment={})
    client.verify.base_url = BASE_URL
    client.api.base_url = BASE_URL
    return client


def expected(**where):
    return [a for a in ATTEMPTS if all(a[k] == v for k, v in where.items())]


class AttemptsWithHelperLibrary(unittest.TestCase):
    client = local_client(ACCOUNT_SID, AUTH_TOKEN)

    def listed(self, **filters):
        return self.client.verify.v2.verification_attempts.list(**filters)

    def summary(self, **filters):
        return self.client.verify.v2.verification_attempts_summary().fetch(**filters)

    def test_list_fetch_and_shapes(self):
        attempts = self.listed()
        self.assertEqual(len(attempts), len(ATTEMPTS))
        dates = [a.date_created for a in attempts]
        self.assertEqual(dates, sorted(dates, reverse=True), "newest first")
        by_verification = {a["verification"]: a for a in ATTEMPTS}
        for attempt in attempts:
            self.assertRegex(attempt.sid, r"^VL[0-9a-f]{32}$")
            self.assertEqual(attempt.account_sid, ACCOUNT_SID)
            self.assertIsInstance(attempt.date_created, datetime, "dates parse as %Y-%m-%dT%H:%M:%SZ")
            self.assertIsInstance(attempt.date_updated, datetime)
            want = by_verification[attempt.verification_sid]
            self.assertEqual(attempt.service_sid, want["service"])
            self.assertEqual(attempt.channel, want["channel"])
            self.assertEqual(attempt.conversion_status, "converted" if want["converted"] else "unconverted")
            self.assertEqual(attempt.channel_data["to"], want["to"])
            self.assertEqual(attempt.channel_data["verification_sid"], attempt.verification_sid)
            self.assertEqual(attempt.channel_data["country"], want["country"])
            self.assertEqual(attempt.channel_data["status"], "confirmed" if want["converted"] else "unconfirmed")
            self.assertEqual(attempt.url, f"{BASE_URL}/v2/Attempts/{attempt.sid}")
            fetched = self.client.verify.v2.verification_attempts.get(attempt.sid).fetch()
            self.assertEqual((fetched.sid, fetched.verification_sid, fetched.conversion_status, fetched.channel_data),
                             (attempt.sid, attempt.verification_sid, attempt.conversion_status, attempt.channel_data))
        with self.assertRaises(TwilioRestException) as caught:
            self.client.verify.v2.verification_attempts.get("VL" + "0" * 32).fetch()
        self.assertEqual((caught.exception.status, caught.exception.code), (404, 20404))

    def test_paging_follows_next_page_url_with_the_filters(self):
        everything = [a.sid for a in self.listed(page_size=2)]
        self.assertEqual(len(everything), len(ATTEMPTS))
        self.assertEqual(len(set(everything)), len(everything), "paging repeats nothing")
        sms = [a.sid for a in self.listed(channel="sms", page_size=1)]
        self.assertEqual(len(sms), len(expected(channel="sms")))
        page = self.client.verify.v2.verification_attempts.page(channel="sms", page_size=1)
        self.assertIn("Channel=sms", page.next_page_url)
        self.assertEqual(len(list(self.client.verify.v2.verification_attempts.stream(limit=3))), 3)

    def test_every_list_filter(self):
        service_a, service_b = FIXTURE["services"]
        first = ATTEMPTS[0]
        cases = [
            ({"channel": "sms"}, expected(channel="sms")),
            ({"channel": "call"}, expected(channel="call")),
            ({"channel": "email"}, expected(channel="email")),
            ({"country": "GB"}, expected(country="GB")),
            ({"country": "US"}, expected(country="US")),
            ({"channel_data_to": first["to"]}, expected(to=first["to"])),
            ({"verify_service_sid": service_a}, expected(service=service_a)),
            ({"verify_service_sid": service_b}, expected(service=service_b)),
            ({"verification_sid": first["verification"]}, expected(verification=first["verification"])),
            ({"status": "converted"}, expected(converted=True)),
            ({"status": "unconverted"}, expected(converted=False)),
            ({"channel": "sms", "country": "US", "verify_service_sid": service_a}, expected(channel="sms", country="US", service=service_a)),
        ]
        for filters, want in cases:
            with self.subTest(filters=filters):
                got = sorted(a.verification_sid for a in self.listed(**filters))
                self.assertEqual(got, sorted(a["verification"] for a in want))
        now = datetime.now(timezone.utc)
        self.assertEqual(len(self.listed(date_created_after=now - timedelta(hours=1))), len(ATTEMPTS))
        self.assertEqual(len(self.listed(date_created_after=now + timedelta(hours=1))), 0)
        self.assertEqual(len(self.listed(date_created_before=now - timedelta(hours=1))), 0)
        self.assertEqual(len(self.listed(date_created_after=now - timedelta(hours=1), date_created_before=now + timedelta(hours=1))), len(ATTEMPTS))

    def test_summary_with_each_filter(self):
        service_a, service_b = FIXTURE["services"]
        whole = self.summary()
        converted = len(expected(converted=True))
        self.assertEqual((whole.total_attempts, whole.total_converted, whole.total_unconverted), (len(ATTEMPTS), converted, len(ATTEMPTS) - converted))
        self.assertAlmostEqual(float(whole.conversion_rate_percentage), converted * 100 / len(ATTEMPTS), places=6)
        self.assertEqual(whole.url, f"{BASE_URL}/v2/Attempts/Summary")
        cases = [
            ({"verify_service_sid": service_a}, expected(service=service_a)),
            ({"verify_service_sid": service_b}, expected(service=service_b)),
            ({"country": "GB"}, expected(country="GB")),
            ({"channel": "sms"}, expected(channel="sms")),
            ({"destination_prefix": "+44"}, [a for a in ATTEMPTS if a["to"].startswith("+44")]),
            ({"channel": "sms", "verify_service_sid": service_a}, expected(channel="sms", service=service_a)),
        ]
        for filters, want in cases:
            with self.subTest(filters=filters):
                got = self.summary(**filters)
                self.assertEqual((got.total_attempts, got.total_converted), (len(want), sum(1 for a in want if a["converted"])))
        now = datetime.now(timezone.utc)
        self.assertEqual(self.summary(date_created_after=now - timedelta(hours=1), date_created_before=now + timedelta(hours=1)).total_attempts, len(ATTEMPTS))
        empty = self.summary(date_created_after=now + timedelta(hours=1))
        self.assertEqual((empty.total_attempts, empty.conversion_rate_percentage), (0, None))

    def test_bad_filters_are_400_naming_the_parameter(self):
        for filters, name in [({"channel": "fax"}, "Channel"), ({"country": "GBR"}, "Country"), ({"verify_service_sid": "VA1"}, "VerifyServiceSid")]:
            with self.subTest(filters=filters):
                # A list page that fails is TwilioException("Unable to fetch page", response).
                with self.assertRaises(TwilioException) as caught:
                    self.listed(**filters)
                response = caught.exception.args[1]
                body = json.loads(response.text)
                self.assertEqual((response.status_code, body["code"], body["status"]), (400, 60200, 400))
                self.assertTrue(body["message"].startswith(f"Invalid parameter: {name}"), body)

    def test_a_subaccount_sees_none_of_the_main_accounts_attempts(self):
        sub = self.client.api.v2010.accounts.create(friendly_name="Attempts tenant")
        tenant = local_client(sub.sid, sub.auth_token)
        self.assertEqual(tenant.verify.v2.verification_attempts.list(), [])
        self.assertEqual(tenant.verify.v2.verification_attempts_summary().fetch().total_attempts, 0)
        with self.assertRaises(TwilioRestException) as caught:
            tenant.verify.v2.verification_attempts.get(self.listed()[0].sid).fetch()
        self.assertEqual(caught.exception.status, 404)


if __name__ == "__main__":
    unittest.main()

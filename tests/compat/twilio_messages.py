"""The Messages API through the official twilio helper library (`client.messages`), pointed at a
local worker: send, fetch, list with filters, paging, feedback, delete, and Twilio's errors.

Run by tests/e2e/messages.test.mjs; by hand against `make dev`:
    EDGE_VERIFY_URL=http://127.0.0.1:8787 EDGE_VERIFY_ACCOUNT_SID=AC... EDGE_VERIFY_AUTH_TOKEN=... \
        .venv/bin/python tests/compat/twilio_messages.py -v
"""
import os
import time
import unittest
from datetime import datetime

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

BASE_URL = os.environ["EDGE_VERIFY_URL"]
ACCOUNT_SID = os.environ["EDGE_VERIFY_ACCOUNT_SID"]
AUTH_TOKEN = os.environ["EDGE_VERIFY_AUTH_TOKEN"]


def local_client():
    client = Client(ACCOUNT_SID, AUTH_TOKEN, environment={})
    client.api.base_url = BASE_URL
    return client


class MessagesWithHelperLibrary(unittest.TestCase):
    client = local_client()

    def test_send_fetch_list_feedback_delete(self):
        sent = self.client.messages.create(to="+14155550142", from_="+15005550006",
                                           body="Your IdentityIQ One Time Password is 650123")
        self.assertRegex(sent.sid, r"^SM[0-9a-f]{32}$")
        self.assertEqual(sent.status, "queued")
        self.assertEqual(sent.to, "+14155550142")
        self.assertEqual(sent.num_segments, "1")
        self.assertIsNone(sent.body, "the body is never returned")
        self.assertIsInstance(sent.date_created, datetime, "RFC 2822 dates parse")

        fetched = self.client.messages(sent.sid).fetch()
        self.assertEqual(fetched.sid, sent.sid)
        self.assertEqual(fetched.account_sid, ACCOUNT_SID)

        time.sleep(1.1)  # newest first is to the second, as Twilio's date_created
        other = self.client.messages.create(to="+14155550143", messaging_service_sid="MG" + "a" * 32, body="code 650124")
        mine = self.client.messages.list(to="+14155550142")
        self.assertEqual([m.sid for m in mine], [sent.sid])
        everything = [m.sid for m in self.client.messages.list(page_size=1, limit=2)]
        self.assertEqual(everything, [other.sid, sent.sid], "newest first, one page at a time")
        today = datetime.utcnow().date()
        self.assertIn(sent.sid, [m.sid for m in self.client.messages.list(date_sent=datetime(today.year, today.month, today.day))])

        feedback = self.client.messages(sent.sid).feedback.create(outcome="confirmed")
        self.assertEqual(feedback.outcome, "confirmed")
        self.assertTrue(self.client.messages(other.sid).delete())
        with self.assertRaises(TwilioRestException) as gone:
            self.client.messages(other.sid).fetch()
        self.assertEqual(gone.exception.status, 404)

    def test_twilios_errors(self):
        with self.assertRaises(TwilioRestException) as bad:
            self.client.messages.create(to="12345", from_="+15005550006", body="x")
        self.assertEqual((bad.exception.status, bad.exception.code), (400, 21211))
        with self.assertRaises(TwilioRestException) as premium:
            self.client.messages.create(to="+19005550100", from_="+15005550006", body="x")
        self.assertEqual((premium.exception.status, premium.exception.code), (403, 21408))
        with self.assertRaises(TwilioRestException) as empty:
            self.client.messages.create(to="+14155550144", from_="+15005550006", body="")
        self.assertEqual(empty.exception.code, 21602)


if __name__ == "__main__":
    unittest.main()

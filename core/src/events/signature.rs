//! How a delivery is signed: `X-Edge-Verify-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`
//! where the HMAC is keyed with the webhook's secret (the whole `whsec_...` text) over
//! `<t>.<body>`; the same scheme as the webhook delivery provider. `X-Edge-Verify-Event-Id`
//! carries the event's id (the same on every retry) for deduplication.

use subtle::ConstantTimeEq;

use crate::code::CodeKey;
use crate::delivery::OutboundRequest;
use crate::sid::{to_hex, Rng};

pub const SIGNATURE: &str = "x-edge-verify-signature";
pub const EVENT_ID: &str = "x-edge-verify-event-id";
pub const EVENT_TYPE: &str = "x-edge-verify-event-type";
pub const TIMESTAMP: &str = "x-edge-verify-timestamp";

/// A new signing secret: `whsec_` and 64 hex digits (256 bits from the CSPRNG).
pub fn new_secret(rng: &impl Rng) -> String {
    let mut bytes = [0u8; 32];
    rng.fill(&mut bytes);
    format!("whsec_{}", to_hex(&bytes))
}

/// The signature header's value for `body` sent at `timestamp`.
pub fn sign(secret: &str, timestamp: u64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", CodeKey::sign_webhook(secret, timestamp, body))
}

/// A receiver's check (as docs/events.md shows it): a `v1` signature of `body` under `secret`,
/// made at most `tolerance` seconds from `now`, compared in constant time.
pub fn verify(secret: &str, header: &str, body: &[u8], now: u64, tolerance: u64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<u64>().ok(),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let Some(t) = timestamp.filter(|t| t.abs_diff(now) <= tolerance) else { return false };
    let expected = CodeKey::sign_webhook(secret, t, body);
    signatures.iter().any(|s| bool::from(s.as_bytes().ct_eq(expected.as_bytes())))
}

/// The signed POST of one event to a receiver.
pub fn request(url: &str, secret: &str, event_id: &str, event_type: &str, body: &str, timestamp: u64) -> OutboundRequest {
    OutboundRequest {
        method: "POST",
        url: url.to_owned(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("user-agent".into(), "edge-verify-webhooks/1".into()),
            (EVENT_ID.into(), event_id.to_owned()),
            (EVENT_TYPE.into(), event_type.to_owned()),
            (TIMESTAMP.into(), timestamp.to_string()),
            (SIGNATURE.into(), sign(secret, timestamp, body.as_bytes())),
        ],
        body: body.as_bytes().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_with_the_secret_body_and_a_fresh_timestamp() {
        let (secret, body) = ("whsec_0123", br#"{"id":"EV1"}"#);
        let header = sign(secret, 1_700_000_000, body);
        assert!(header.starts_with("t=1700000000,v1=") && header.len() == "t=1700000000,v1=".len() + 64);
        assert!(verify(secret, &header, body, 1_700_000_100, 300));
        assert!(!verify(secret, &header, body, 1_700_000_301, 300), "too old");
        assert!(!verify("whsec_0124", &header, body, 1_700_000_000, 300), "another secret");
        assert!(!verify(secret, &header, br#"{"id":"EV2"}"#, 1_700_000_000, 300), "another body");
        assert!(!verify(secret, &header.replace("t=1700000000", "t=1700000001"), body, 1_700_000_000, 300), "another time");
        assert!(!verify(secret, "v1=00", body, 1_700_000_000, 300));
    }

    #[test]
    fn known_answer() {
        // HMAC-SHA256 keyed "whsec_test" over `1700000000.{"id":"EV1"}`, as Python's hmac module
        // computes it (docs/events.md shows the same value).
        assert_eq!(sign("whsec_test", 1_700_000_000, br#"{"id":"EV1"}"#), "t=1700000000,v1=98b558cfd9271c705113a473c4125fab1551c86e3e17e7c5396a3198a3dab19d");
        let request = request("https://h.example.com/", "whsec_test", "EV1", "verification.started", "{}", 1_700_000_000);
        let names: Vec<&str> = request.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&SIGNATURE) && names.contains(&EVENT_ID) && names.contains(&"content-type"));
    }

    #[test]
    fn secrets_are_long_and_random() {
        let rng = crate::sid::tests::CountingRng(std::cell::Cell::new(0));
        let (a, b) = (new_secret(&rng), new_secret(&rng));
        assert!(a.starts_with("whsec_") && a.len() == 70 && a != b);
    }
}
